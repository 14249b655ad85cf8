/**
 * What apply() wrote since the last checkpoint without fsyncing it: message files (by every name
 * they were given) and the directories whose entries changed. The next checkpoint fsyncs all of
 * them (store-checkpoint.ts); until then a power cut may tear or lose them, and recovery rewrites
 * them from the log (redo-files.ts). Bounded by limits.checkpointPathsMax: MailStore holds applies
 * back while the set is full.
 *
 * A set handed to a checkpoint stays visible (isUnsynced) until that checkpoint has synced it, so
 * a step that needs a file's bytes durable right away (linking it under another name, see
 * file-plan.ts) can tell whether it must fsync it itself.
 */
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { limits } from '@tandem/config';
import { fsyncIfExists } from './durable-fs.js';
import { forEachBounded } from './for-each-bounded.js';
import { fsObserver } from './fs-observer.js';
import { syncFileSystem, syncFileSystemSupported } from './sync-file-system.js';

export interface PathSet { files: Set<string>; dirs: Set<string> }

export class UnsyncedPaths {
  private current: PathSet = { files: new Set(), dirs: new Set() };
  /** Sets taken by checkpoints that have not finished syncing them. */
  private readonly syncing = new Set<PathSet>();

  /** Paths not yet handed to a checkpoint. */
  get size(): number { return this.current.files.size + this.current.dirs.size; }

  addFile(path: string): void { this.current.files.add(path); }
  addDir(path: string): void { this.current.dirs.add(path); }

  /** True while bytes written under this name may not be durable yet. */
  isUnsynced(path: string): boolean {
    if (this.current.files.has(path)) return true;
    for (const set of this.syncing) if (set.files.has(path)) return true;
    return false;
  }

  /** Hands everything recorded so far to a checkpoint; later writes go to a fresh set. */
  take(): PathSet {
    const taken = this.current;
    this.current = { files: new Set(), dirs: new Set() };
    this.syncing.add(taken);
    return taken;
  }

  /** The checkpoint that took `set` has synced it (or failed: the store is then failed anyway). */
  release(set: PathSet): void { this.syncing.delete(set); }

  /** Forgets everything (the files were replaced wholesale by a restored snapshot). */
  clear(): void {
    this.current = { files: new Set(), dirs: new Set() };
    this.syncing.clear();
  }
}

export interface SyncPathSetOptions {
  /** fsyncs in flight at once (concurrent fsyncs share journal commits). */
  inFlightMax: number;
  /** The directory under which every path lies (the Maildir root): syncfs may sync its file system instead. */
  root: string;
}

/**
 * Makes every path of the set durable. A large set lying wholly on the root's file system is
 * synced with one syncfs (sync-file-system.ts, limits.checkpointSyncfsPathsMin); otherwise each
 * path is fsynced, `inFlightMax` at a time. A name that is gone was removed by a later, already
 * durable, command: nobody needs its bytes.
 */
export async function syncPathSet(set: PathSet, options: SyncPathSetOptions): Promise<number> {
  const paths = [...set.files, ...set.dirs];
  if (paths.length >= limits.checkpointSyncfsPathsMin && syncFileSystemSupported() && await onOneFileSystem(set, options.root)) {
    await syncFileSystem(options.root);
    const observer = fsObserver();
    if (observer) for (const path of paths) observer.synced(path);
    return paths.length;
  }
  await forEachBounded(paths, options.inFlightMax, async (path) => { await fsyncIfExists(path); });
  return paths.length;
}

/**
 * True when every directory of the set (and so every file, which lives in one) is on the root's
 * file system: an operator may have mounted something else inside the Maildir tree. A directory
 * that is gone holds nothing anyone needs.
 */
async function onOneFileSystem(set: PathSet, root: string): Promise<boolean> {
  const dirs = new Set(set.dirs);
  for (const file of set.files) dirs.add(dirname(file));
  const device = (await stat(root)).dev;
  for (const dir of dirs) {
    try {
      if ((await stat(dir)).dev !== device) return false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return true;
}

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
import { fsyncIfExists } from './durable-fs.js';
import { forEachBounded } from './for-each-bounded.js';

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

/**
 * fsyncs every path of the set, `inFlightMax` at a time (concurrent fsyncs share journal commits).
 * A name that is gone was removed by a later, already durable, command: nobody needs its bytes.
 */
export async function syncPathSet(set: PathSet, inFlightMax: number): Promise<number> {
  const paths = [...set.files, ...set.dirs];
  await forEachBounded(paths, inFlightMax, async (path) => { await fsyncIfExists(path); });
  return paths.length;
}

/**
 * The message-file steps of one commit, collected while the commands are applied and then carried
 * out together, in the Maildir order that makes a name appear only for complete bytes:
 *
 *   1. every new file is written to its tmp/ name, then linked and renamed to its names (each
 *      file's steps in order, several files at once);
 *   2. links to existing files (COPY), in the order the commands asked for them (one may link a
 *      file that a delivery earlier in the same commit placed in step 1);
 * and only then does the caller commit the index batch. Every step is idempotent (durable-fs.ts),
 * so a crash anywhere is repaired by applying the same commands again.
 *
 * Durability comes in two modes:
 *  - deferred (execute(unsynced)): for the commands that share commits (deliveries, APPEND, COPY,
 *    flags, expunges). Nothing of a new file is fsynced here; its names and directories are
 *    recorded for the next checkpoint, and until then the log can rewrite it (redo-files.ts).
 *    A link to an EXISTING file (COPY/MOVE) cannot be rewritten from its own log entry, which
 *    carries no bytes, so it is made durable at once: the source's bytes are fsynced first if
 *    they are still unsynced, and each directory that gained such a name is fsynced.
 *  - immediate (execute()): for the commands committed alone (mailbox and account changes), which
 *    are fully durable before they are acknowledged: every file and directory is fsynced.
 */
import { dirname } from 'node:path';
import {
  fsyncDir, fsyncIfExists, linkReplacing, linkReplacingSync, renameReplacingSync, writeFileSynced, writeFileUnsynced,
} from './durable-fs.js';
import { forEachBounded } from './for-each-bounded.js';
import type { UnsyncedPaths } from './unsynced-paths.js';

/** A new file: its bytes are written to `tmpPath` (unless staged ahead), then linked and renamed to its names. */
export interface SourceFile {
  tmpPath: string;
  bytes: Uint8Array;
  /** A copy of the bytes written ahead (message-staging.ts), not synced, if one is ready. */
  takeStaged?: () => Promise<string | undefined>;
}

type Step =
  | { kind: 'link'; from: SourceFile | string; to: string }
  | { kind: 'rename'; file: SourceFile; to: string };

/** New files written and named at once (their steps queue for libuv's pool; more would only queue longer). */
const chainsInParallelMax = 16;

export class FilePlan {
  private readonly sources: SourceFile[] = [];
  private readonly steps: Step[] = [];

  /** A new file with these bytes, written to `tmpPath` first unless `takeStaged` yields a ready copy. */
  addSource(tmpPath: string, bytes: Uint8Array, takeStaged?: SourceFile['takeStaged']): SourceFile {
    const source: SourceFile = takeStaged ? { tmpPath, bytes, takeStaged } : { tmpPath, bytes };
    this.sources.push(source);
    return source;
  }

  /** Gives `from` (a new file or an existing path) the extra name `to`, replacing what a cut-short earlier run left there. */
  link(from: SourceFile | string, to: string): void {
    this.steps.push({ kind: 'link', from, to });
  }

  /** Gives a new file its last name: renamed from tmp/, replacing what a cut-short earlier run left there. */
  moveInto(file: SourceFile, to: string): void {
    this.steps.push({ kind: 'rename', file, to });
  }

  /** Appends another plan's steps (one command's, once it succeeded) to this one. */
  append(other: FilePlan): void {
    this.sources.push(...other.sources);
    this.steps.push(...other.steps);
  }

  /**
   * Carries the plan out: deferred durability with `unsynced`, immediate without (see the file
   * comment). Each new file is written and given its names in one chain, all chains at once (each
   * step is a thread-pool round trip: chains in parallel keep a commit short); links to existing
   * files come after, in order, since one may name a file a chain has just placed.
   */
  async execute(unsynced?: UnsyncedPaths): Promise<void> {
    const write = unsynced ? writeFileUnsynced : writeFileSynced;
    const names = new Map<SourceFile, Array<Step & { kind: 'link' | 'rename' }>>();
    const existingLinks: Array<{ from: string; to: string }> = [];
    for (const step of this.steps) {
      const file = step.kind === 'rename' ? step.file : step.from;
      if (typeof file === 'string') { existingLinks.push({ from: file, to: step.to }); continue; }
      const list = names.get(file) ?? [];
      list.push(step);
      names.set(file, list);
    }
    const newNameDirs = new Set<string>();
    await forEachBounded(this.sources, chainsInParallelMax, async (source) => {
      let from = await source.takeStaged?.();
      if (from === undefined) {
        await write(source.tmpPath, source.bytes);
        from = source.tmpPath;
      } else if (!unsynced && !(await fsyncIfExists(from))) {
        throw new Error(`staged file ${from} vanished`);
      }
      for (const step of names.get(source) ?? []) {
        if (step.kind === 'rename') renameReplacingSync(from, step.to);
        else if (!linkReplacingSync(from, step.to)) await linkReplacing(from, step.to);
        unsynced?.addFile(step.to);
        newNameDirs.add(dirname(step.to));
      }
    });
    const linkedDirs = new Set<string>();
    for (const { from, to } of existingLinks) {
      if (unsynced?.isUnsynced(from) && !(await fsyncIfExists(from))) throw new Error(`${from} vanished before it could be linked to ${to}`);
      if (!linkReplacingSync(from, to)) await linkReplacing(from, to);
      linkedDirs.add(dirname(to));
    }
    if (unsynced) {
      for (const dir of newNameDirs) unsynced.addDir(dir);
      for (const dir of linkedDirs) await fsyncDir(dir);
    } else {
      for (const dir of new Set([...newNameDirs, ...linkedDirs])) await fsyncDir(dir);
    }
  }
}

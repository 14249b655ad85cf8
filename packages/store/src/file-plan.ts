/**
 * The message-file steps of one commit, collected while the commands are applied and then carried
 * out together, in the Maildir order that makes a name appear only for complete, durable bytes:
 *
 *   1. every new file is written and fsynced (or taken ready-made from staging), several at
 *      once so their fsyncs share journal commits;
 *   2. links and unlinks, in the order the commands asked for them (a COPY may link a file that
 *      a delivery earlier in the same commit placed);
 *   3. each directory that gained a name is fsynced once;
 * and only then does the caller commit the index batch. Every step is idempotent (durable-fs.ts),
 * so a crash anywhere is repaired by applying the same commands again.
 */
import { dirname } from 'node:path';
import { fsyncDir, linkReplacing, unlinkIfExists, writeFileSynced } from './durable-fs.js';

/** A file whose bytes the plan makes durable in step 1; its path is known only then. */
export interface SourceFile {
  /** A staged copy already synced (message-staging.ts), if there is one. */
  take: () => Promise<string | undefined>;
  tmpPath: string;
  bytes: Uint8Array;
  path?: string;
}

type Step =
  | { kind: 'link'; from: SourceFile | string; to: string }
  | { kind: 'unlink'; file: SourceFile };

const writesInParallelMax = 4;

export class FilePlan {
  private readonly sources: SourceFile[] = [];
  private readonly steps: Step[] = [];
  private readonly dirs = new Set<string>();

  get empty(): boolean { return this.steps.length === 0 && this.dirs.size === 0; }

  /** A new file with these bytes; written to `tmpPath` unless a staged copy is ready. */
  addSource(take: SourceFile['take'], tmpPath: string, bytes: Uint8Array): SourceFile {
    const source: SourceFile = { take, tmpPath, bytes };
    this.sources.push(source);
    return source;
  }

  /** Gives `from` the extra name `to` (replacing what a cut-short earlier run left there). */
  link(from: SourceFile | string, to: string): void {
    this.steps.push({ kind: 'link', from, to });
    this.dirs.add(dirname(to));
  }

  /** Removes the temporary name of a source once it has all its names. */
  release(file: SourceFile): void {
    this.steps.push({ kind: 'unlink', file });
  }

  /** Appends another plan's steps (one command's, once it succeeded) to this one. */
  append(other: FilePlan): void {
    this.sources.push(...other.sources);
    this.steps.push(...other.steps);
    for (const dir of other.dirs) this.dirs.add(dir);
  }

  /** Schedules an fsync of a directory that gained names by other means. */
  syncDir(dir: string): void { this.dirs.add(dir); }

  async execute(): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < this.sources.length) {
        const source = this.sources[next++]!;
        const staged = await source.take();
        if (staged) { source.path = staged; continue; }
        await writeFileSynced(source.tmpPath, source.bytes);
        source.path = source.tmpPath;
      }
    };
    await Promise.all(Array.from({ length: Math.min(writesInParallelMax, this.sources.length) }, worker));
    for (const step of this.steps) {
      if (step.kind === 'link') await linkReplacing(typeof step.from === 'string' ? step.from : step.from.path!, step.to);
      else await unlinkIfExists(step.file.path!);
    }
    for (const dir of this.dirs) await fsyncDir(dir);
  }
}

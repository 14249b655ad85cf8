/**
 * Message bytes written ahead of apply(). Once a log has numbered an entry for good, its bytes and
 * its index are known before its turn to be applied comes, so the file can be written (not
 * synced: see file-plan.ts) while earlier entries are being applied (or, from a Raft driver, while
 * the log makes later entries durable). A small message is written at once, on the event loop
 * (durable-fs.ts, writeSmallFileUnsyncedSync), into a spare file a worker made ahead
 * (spare-files.ts) when one is ready; a big one from libuv's pool, a few at a time. apply() then
 * only renames (or links) the staged file into place, exactly as it would its own tmp/ file: a
 * thread-pool round trip instead of four on the acknowledgement path. This is purely a cache:
 * apply() writes the file itself whenever no staged copy is ready, so results and file names never
 * depend on it.
 *
 * Staged files live in `<data>/mail/.staging/`, as `<log index>.tandem` or in a spare batch's
 * `spares-<n>/` (same file system as the Maildirs, so renames and links work; "." never starts a domain name, so it cannot clash). They
 * are in no cur/ or new/, not part of the store's state (store-tree.ts), and the directory is
 * emptied at open, so a file staged for an entry that never became durable is simply dropped.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { limits } from '@tandem/config';
import { inlineWriteBytesMax, removeTree, unlinkIfExists, writeFileUnsynced, writeSmallFileUnsyncedSync } from './durable-fs.js';
import { SpareFiles } from './spare-files.js';
import { spreadSubdirectories } from './spread-subdirectories.js';

/** Writes in flight at once: they queue for libuv's pool with the applies, so only a few. */
const writesInFlightMax = 4;

interface Job { index: number; bytes: Uint8Array; started: boolean; done: Promise<string | undefined>; resolve: (path: string | undefined) => void }

export class MessageStaging {
  private readonly jobs = new Map<number, Job>();
  private readonly queue: Job[] = [];
  private running = 0;

  private readonly spares: SpareFiles;

  private constructor(readonly dir: string) {
    this.spares = new SpareFiles(dir);
  }

  static async open(dir: string): Promise<MessageStaging> {
    await removeTree(dir);
    await mkdir(dir, { recursive: true, mode: 0o750 });
    await spreadSubdirectories(dir); // the spare batches' directories: see spread-subdirectories.ts
    return new MessageStaging(dir);
  }

  /** Stops making spare files (the store is closing or being replaced); staged files stay until the next open. */
  close(): Promise<void> {
    return this.spares.close();
  }

  /** Queues writing the bytes for `index`, unless already staged or limits.stagedMessagesMax are waiting. */
  stage(index: number, bytes: Uint8Array): void {
    if (this.jobs.has(index) || this.jobs.size >= limits.stagedMessagesMax) return;
    // A spare only for what is written on the event loop; a big message is written from the pool below.
    const spare = bytes.length <= inlineWriteBytesMax ? this.spares.take() : undefined;
    const path = spare ?? join(this.dir, `${index}.tandem`);
    let written: boolean;
    // A failure here is not an error: apply() will write the file itself and meet the error there.
    try { written = writeSmallFileUnsyncedSync(path, bytes, spare === undefined); } catch { return; }
    if (written) {
      this.jobs.set(index, { index, bytes, started: true, done: Promise.resolve(path), resolve: () => undefined });
      return;
    }
    let resolve!: (path: string | undefined) => void;
    const done = new Promise<string | undefined>((r) => { resolve = r; });
    const job: Job = { index, bytes, started: false, done, resolve };
    this.jobs.set(index, job);
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.running < writesInFlightMax && this.queue.length > 0) {
      const job = this.queue.shift()!;
      job.started = true;
      this.running++;
      const path = join(this.dir, `${job.index}.tandem`);
      // A failure here is not an error: apply() will write the file itself and meet the error there.
      void writeFileUnsynced(path, job.bytes).then(() => path, () => undefined).then((result) => {
        this.running--;
        job.resolve(result);
        this.pump();
      });
    }
  }

  /** Stops tracking a job; a job not started yet is simply dropped. */
  private forget(job: Job): boolean {
    this.jobs.delete(job.index);
    if (job.started) return true;
    this.queue.splice(this.queue.indexOf(job), 1);
    return false;
  }

  /**
   * The staged file for `index` (the caller renames it into place), or undefined when there is
   * none or its write has not even started (writing it directly is then quicker).
   */
  take(index: number): Promise<string | undefined> {
    const job = this.jobs.get(index);
    if (!job || !this.forget(job)) return Promise.resolve(undefined);
    return job.done;
  }

  /** Drops staged files nobody took (the command failed or was a duplicate) up to `index`. */
  async discardUpTo(index: number): Promise<void> {
    for (const job of [...this.jobs.values()]) {
      if (job.index > index || !this.forget(job)) continue;
      const path = await job.done;
      if (path) await unlinkIfExists(path);
    }
  }
}

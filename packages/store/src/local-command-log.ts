/**
 * The single-node command log: a write-ahead log on local disk that implements the CommandLog
 * seam (command-log.ts). The Raft driver replaces it without changing any caller.
 *
 * Ordering contract (the reason this file exists):
 *  1. propose() encodes the command and queues it (bounded: limits.proposalsPendingMax).
 *  2. The writer takes everything queued (up to limits.commandLogGroupBytesMax), gives each entry
 *     the next log index, appends the records and calls fdatasync ONCE for the whole group
 *     (group commit). Only then are the entries handed to the applier.
 *  3. The applier applies entries strictly in log order (all that are waiting, as one
 *     MailStore.applyBatch) and resolves each proposal with its ApplyResult. While it applies, the
 *     writer already makes the next group durable, and the store stages their message files.
 *  Any write or fsync error is fatal: after a failed fsync the kernel may have dropped the dirty
 *  pages, so retrying could report durable what is not. Every waiting proposal is rejected with
 *  OutcomeUnknownError and `onFatal` is called (by default the process crashes; a restart
 *  replays the log).
 *
 * On disk: `<dir>/<first index, 20 digits>.log` segments of records (log-record.ts). At open a
 * torn tail of the last segment is cut off, and the entries after the store's applied index are
 * applied again (crash recovery). A segment is deleted once every entry in it is applied and the
 * store is synced; a new segment starts when the current one passes limits.commandLogSegmentBytesMax.
 */
import { mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { limits } from '@tandem/config';
import type { Command } from './command.js';
import type { ApplyResult } from './apply-result.js';
import type { CommandLog } from './command-log.js';
import type { MailStore } from './mail-store.js';
import { decodeCommand, encodeCommand } from './command-codec.js';
import { encodeRecord, scanRecords } from './log-record.js';
import { fsyncDir } from './durable-fs.js';
import { LogClosedError, OutcomeUnknownError, ProposalQueueFullError } from './errors.js';
import { CommandLogCorruptError } from './store-errors.js';

export interface LocalCommandLogOptions {
  dir: string;
  store: MailStore;
  /** Defaults to limits.commandLogSegmentBytesMax (tests make it small to exercise rotation). */
  segmentBytesMax?: number;
  /** Called once on a fatal I/O error. Default: rethrow asynchronously, which ends the process. */
  onFatal?: (err: Error) => void;
}

export interface CommandLogStats {
  /** fdatasync calls on log segments (one per group commit). */
  fsyncs: number;
  /** Entries appended since open. */
  appended: number;
  /** Entries re-applied at open (crash recovery). */
  replayed: number;
  /** Segment files on disk now. */
  segments: number;
  /** Largest group committed with one fsync. */
  largestGroup: number;
}

interface Proposal {
  /** Applied as decoded from these bytes, exactly as a replay (or another node) will see it. */
  bytes: Uint8Array;
  resolve: (result: ApplyResult) => void;
  reject: (err: Error) => void;
}
interface Entry extends Proposal { index: number; command: Command }
interface Segment { firstIndex: number; lastIndex: number; path: string }

const segmentNameRe = /^(\d{20})\.log$/;
const segmentName = (firstIndex: number): string => `${String(firstIndex).padStart(20, '0')}.log`;

export class LocalCommandLog implements CommandLog {
  private readonly pending: Proposal[] = [];
  /** The group being written and synced right now (in neither queue). */
  private inWrite: Proposal[] = [];
  private readonly toApply: Entry[] = [];
  private writing = false;
  private applying = false;
  private closed = false;
  private fatalError: Error | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly counters = { fsyncs: 0, appended: 0, replayed: 0, largestGroup: 0 };

  private constructor(
    private readonly dir: string,
    private readonly store: MailStore,
    private readonly segments: Segment[],
    private fh: FileHandle,
    private size: number,
    private readonly segmentBytesMax: number,
    private readonly onFatal: (err: Error) => void,
  ) {}

  static async open(opts: LocalCommandLogOptions): Promise<LocalCommandLog> {
    await mkdir(opts.dir, { recursive: true, mode: 0o750 });
    const { segments, replay, tailSize } = await recoverSegments(opts.dir, opts.store);
    const log = new LocalCommandLog(
      opts.dir, opts.store, segments, await open(segments[segments.length - 1]!.path, 'r+'), tailSize,
      opts.segmentBytesMax ?? limits.commandLogSegmentBytesMax,
      opts.onFatal ?? ((err) => { process.nextTick(() => { throw err; }); }),
    );
    try {
      // Crash recovery: what was made durable but not applied is applied now, before any reader.
      for (let i = 0; i < replay.length; i += limits.applyBatchEntriesMax) {
        const run = replay.slice(i, i + limits.applyBatchEntriesMax).map((r) => ({ index: r.index, command: decodeCommand(r.command) }));
        await opts.store.applyBatch(run);
        log.counters.replayed += run.length;
      }
      await log.compact();
    } catch (err) {
      await log.fh.close();
      throw err;
    }
    return log;
  }

  /** The index of the last entry made durable. */
  get lastIndex(): number { return this.segments[this.segments.length - 1]!.lastIndex; }

  stats(): CommandLogStats { return { ...this.counters, segments: this.segments.length }; }

  propose(command: Command): Promise<ApplyResult> {
    if (this.closed || this.fatalError) return Promise.reject(new LogClosedError());
    if (this.pending.length + this.inWrite.length + this.toApply.length >= limits.proposalsPendingMax) {
      return Promise.reject(new ProposalQueueFullError(limits.proposalsPendingMax));
    }
    let bytes: Uint8Array;
    try { bytes = encodeCommand(command); } catch (err) { return Promise.reject(err); }
    return new Promise<ApplyResult>((resolve, reject) => {
      this.pending.push({ bytes, resolve, reject });
      void this.runWriter();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.writing || this.applying || this.pending.length || this.toApply.length) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    if (!this.fatalError) {
      await this.store.sync();
      await this.compact();
    }
    await this.fh.close();
  }

  private async runWriter(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      // Let every proposal made in the same tick join the first group too.
      await Promise.resolve();
      while (this.pending.length > 0 && !this.fatalError) {
        if (this.size >= this.segmentBytesMax) await this.rotate();
        const group = this.takeGroup();
        this.inWrite = group;
        const first = this.lastIndex + 1;
        const buffers = group.flatMap((p, i) => encodeRecord(first + i, p.bytes));
        let written = 0;
        const total = buffers.reduce((n, b) => n + b.length, 0);
        while (written < total) {
          const { bytesWritten } = await this.fh.writev(sliceBuffers(buffers, written), this.size + written);
          written += bytesWritten;
        }
        await this.fh.datasync();
        this.size += total;
        this.counters.fsyncs++;
        this.counters.appended += group.length;
        this.counters.largestGroup = Math.max(this.counters.largestGroup, group.length);
        this.segments[this.segments.length - 1]!.lastIndex = first + group.length - 1;
        this.inWrite = [];
        group.forEach((p, i) => {
          const entry = { ...p, index: first + i, command: decodeCommand(p.bytes) };
          this.store.prepare(entry.index, entry.command); // durable now: its file may be written ahead
          this.toApply.push(entry);
        });
        void this.runApplier();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.writing = false;
      this.maybeIdle();
    }
  }

  private takeGroup(): Proposal[] {
    let bytes = 0;
    let n = 0;
    while (n < this.pending.length && (n === 0 || bytes + this.pending[n]!.bytes.length <= limits.commandLogGroupBytesMax)) {
      bytes += this.pending[n]!.bytes.length;
      n++;
    }
    return this.pending.splice(0, n);
  }

  private async runApplier(): Promise<void> {
    if (this.applying) return;
    this.applying = true;
    try {
      while (this.toApply.length > 0 && !this.fatalError) {
        // Everything durable and waiting is applied together: runs of message commands share one commit.
        const run = this.toApply.slice(0, limits.applyBatchEntriesMax);
        const results = await this.store.applyBatch(run);
        this.toApply.splice(0, run.length);
        run.forEach((entry, i) => entry.resolve(results[i]!));
        if (this.segments.length > 1 && this.segments[0]!.lastIndex <= run[run.length - 1]!.index) await this.compact();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.applying = false;
      this.maybeIdle();
    }
  }

  /** Starts a new segment; the old one is deleted by compact() once applied and synced. */
  private async rotate(): Promise<void> {
    const firstIndex = this.lastIndex + 1;
    const path = join(this.dir, segmentName(firstIndex));
    const fh = await open(path, 'wx');
    await fsyncDir(this.dir);
    await this.fh.close();
    this.fh = fh;
    this.size = 0;
    this.segments.push({ firstIndex, lastIndex: firstIndex - 1, path });
  }

  /** Deletes leading segments whose entries are all applied, after making the store durable. */
  private async compact(): Promise<void> {
    const done = (s: Segment): boolean => s.lastIndex <= this.store.appliedIndex;
    if (this.segments.length < 2 || !done(this.segments[0]!)) return;
    await this.store.sync();
    let removed = 0;
    while (this.segments.length > 1 && done(this.segments[0]!)) {
      await unlink(this.segments.shift()!.path);
      removed++;
    }
    if (removed) await fsyncDir(this.dir);
  }

  private fail(err: unknown): void {
    if (this.fatalError) return;
    const error = err instanceof Error ? err : new Error(String(err));
    this.fatalError = error;
    const reason = `command log failed: ${error.message}`;
    for (const p of this.inWrite.splice(0)) p.reject(new OutcomeUnknownError(reason));
    for (const p of this.pending.splice(0)) p.reject(new OutcomeUnknownError(reason));
    for (const e of this.toApply.splice(0)) e.reject(new OutcomeUnknownError(reason));
    this.onFatal(error);
  }

  private maybeIdle(): void {
    if (this.writing || this.applying) return;
    if (!this.fatalError && (this.pending.length || this.toApply.length)) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

/** The unwritten rest of a list of buffers, from byte offset `from`. */
function sliceBuffers(buffers: Buffer[], from: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = from;
  for (const b of buffers) {
    if (skip >= b.length) { skip -= b.length; continue; }
    out.push(skip ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}

/**
 * Reads every segment, checks indexes run on without gaps, cuts a torn tail off the last segment
 * (only the last one can have one: older ones were complete before the next was started), and
 * returns the records the store has not applied yet.
 */
async function recoverSegments(dir: string, store: MailStore): Promise<{
  segments: Segment[]; replay: Array<{ index: number; command: Uint8Array }>; tailSize: number;
}> {
  const names = (await readdir(dir)).filter((n) => segmentNameRe.test(n)).sort();
  if (names.length === 0) {
    const firstIndex = store.appliedIndex + 1;
    const path = join(dir, segmentName(firstIndex));
    await (await open(path, 'wx')).close();
    await fsyncDir(dir);
    return { segments: [{ firstIndex, lastIndex: firstIndex - 1, path }], replay: [], tailSize: 0 };
  }
  const segments: Segment[] = [];
  const replay: Array<{ index: number; command: Uint8Array }> = [];
  let tailSize = 0;
  for (let i = 0; i < names.length; i++) {
    const path = join(dir, names[i]!);
    const firstIndex = Number(segmentNameRe.exec(names[i]!)![1]);
    const buf = await readFile(path);
    const scan = scanRecords(buf);
    const isLast = i === names.length - 1;
    if (scan.stoppedBecause && !isLast) throw new CommandLogCorruptError(path, `${scan.stoppedBecause} at byte ${scan.validEnd}`);
    let expected = firstIndex;
    for (const r of scan.records) {
      if (r.index !== expected) throw new CommandLogCorruptError(path, `index ${r.index} where ${expected} was expected`);
      expected++;
      if (r.index > store.appliedIndex) replay.push(r);
    }
    const previous = segments[segments.length - 1];
    if (previous && previous.lastIndex + 1 !== firstIndex) throw new CommandLogCorruptError(path, `gap after index ${previous.lastIndex}`);
    segments.push({ firstIndex, lastIndex: expected - 1, path });
    if (isLast) {
      tailSize = scan.validEnd;
      if (scan.validEnd < buf.length) await truncateTail(path, scan.validEnd);
    }
  }
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  if (store.appliedIndex > last.lastIndex) {
    throw new CommandLogCorruptError(dir, `the store has applied ${store.appliedIndex} but the log ends at ${last.lastIndex}`);
  }
  if (store.appliedIndex + 1 < first.firstIndex) {
    throw new CommandLogCorruptError(dir, `the log starts at ${first.firstIndex} but the store has applied only ${store.appliedIndex}`);
  }
  return { segments, replay, tailSize };
}

/** A record that never finished (crash mid-write) was never acknowledged: cut it off for good. */
async function truncateTail(path: string, validEnd: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(validEnd);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

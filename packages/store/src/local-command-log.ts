/**
 * The single-node command log: a write-ahead log on local disk that implements the CommandLog
 * seam (command-log.ts). The Raft driver replaces it without changing any caller.
 *
 * Ordering contract (the reason this file exists):
 *  1. propose() encodes the command and queues it (bounded: limits.proposalsPendingMax).
 *  2. The writer takes everything queued (up to limits.commandLogGroupBytesMax), gives each entry
 *     the next log index, and appends the records with ONE write to a segment opened O_DSYNC, so
 *     the write returns once the group is on disk, as write + fdatasync would, in one call to the
 *     thread pool (group commit). Up to limits.commandLogWritesInFlightMax groups are written at
 *     once (a proposal that arrives during a write need not wait for it to end before its own
 *     starts); entries are handed to the applier in log order, each once it and every entry
 *     before it are on disk. A crash can then leave a torn record before a whole one: recovery
 *     stops at the first bad record, and nothing after it was ever acknowledged. The segment is
 *     zero-filled (and synced) a little ahead of the writes, in the background: a synchronous
 *     write over blocks the file already has needs no metadata update and takes about half as
 *     long as one that grows the file (limits.commandLogZeroFillBytes).
 *  3. The applier applies entries strictly in log order (all that are waiting, as one
 *     MailStore.applyBatch) and resolves each proposal with its ApplyResult. While it applies, the
 *     writer already makes the next group durable. The store does not fsync what it applies: the
 *     log entry is what makes a change durable (docs/architecture.md, "Durability: the log, then
 *     checkpoints"), and the store's checkpoints make it durable in the store later.
 *  Any write or fsync error is fatal: after a failed fsync the kernel may have dropped the dirty
 *  pages, so retrying could report durable what is not. Every waiting proposal is rejected with
 *  OutcomeUnknownError and `onFatal` is called (by default the process crashes; a restart
 *  replays the log).
 *
 * On disk: `<dir>/<first index, 20 digits>.log` segments of records (log-record.ts). At open a
 * torn tail of the last segment is cut off, and the entries after the store's CHECKPOINT index are
 * applied again (crash recovery: the store redoes the files of those it had already applied, and
 * applies the rest), then a checkpoint makes the result durable. A segment is deleted once every
 * entry in it is at or below the store's checkpoint index (compaction runs in the background, so
 * its checkpoint never holds acknowledgements back); a new segment starts when the current one
 * passes limits.commandLogSegmentBytesMax; the full one is first cut back to its records (its
 * zero-filled tail would read as damage in a segment that is not the last).
 */
import { constants } from 'node:fs';
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
  /** Synchronous (O_DSYNC) writes of log segments: one per group commit, unless a write came back short. */
  fsyncs: number;
  /** Entries appended since open. */
  appended: number;
  /** Entries applied again at open, from the store's checkpoint on (crash recovery). */
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
interface Flight { entries: Entry[]; done: boolean; written: Promise<void> }

const segmentNameRe = /^(\d{20})\.log$/;
const segmentName = (firstIndex: number): string => `${String(firstIndex).padStart(20, '0')}.log`;

export class LocalCommandLog implements CommandLog {
  private readonly pending: Proposal[] = [];
  /** Groups being written, in log order (in neither queue). */
  private readonly flights: Flight[] = [];
  /** The index the next group starts at (entries below it are written or being written). */
  private nextIndex: number;
  private readonly toApply: Entry[] = [];
  private writing = false;
  /** Set while the writer waits for a proposal (or a landing) with writes in flight. */
  private wakeWriter: (() => void) | undefined;
  private applying = false;
  private closed = false;
  /** The background compaction in progress, if any. */
  private compacting: Promise<void> | undefined;
  /** The current segment is zero-filled (durably) up to here; writes below it only overwrite. */
  private zeroedEnd: number;
  /** The zero fill in progress, if any: writes that would reach into it wait for it. */
  private zeroing: Promise<void> | undefined;
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
  ) {
    this.zeroedEnd = size; // recovery cut the last segment back to its last whole record
    this.nextIndex = this.lastIndex + 1;
  }

  static async open(opts: LocalCommandLogOptions): Promise<LocalCommandLog> {
    await mkdir(opts.dir, { recursive: true, mode: 0o750 });
    const { segments, replay, tailSize } = await recoverSegments(opts.dir, opts.store);
    const log = new LocalCommandLog(
      opts.dir, opts.store, segments, await open(segments[segments.length - 1]!.path, constants.O_RDWR | constants.O_DSYNC), tailSize,
      opts.segmentBytesMax ?? limits.commandLogSegmentBytesMax,
      opts.onFatal ?? ((err) => { process.nextTick(() => { throw err; }); }),
    );
    try {
      // Crash recovery: everything after the store's checkpoint is applied again (or, where the
      // store already holds it, its files are redone), and made durable, before any reader.
      for (let i = 0; i < replay.length; i += limits.applyBatchEntriesMax) {
        const run = replay.slice(i, i + limits.applyBatchEntriesMax).map((r) => ({ index: r.index, command: decodeCommand(r.command) }));
        await opts.store.applyBatch(run);
        log.counters.replayed += run.length;
      }
      if (replay.length > 0) await opts.store.checkpoint();
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
    const writing = this.flights.reduce((n, f) => n + f.entries.length, 0);
    if (this.pending.length + writing + this.toApply.length >= limits.proposalsPendingMax) {
      return Promise.reject(new ProposalQueueFullError(limits.proposalsPendingMax));
    }
    let bytes: Uint8Array;
    try { bytes = encodeCommand(command); } catch (err) { return Promise.reject(err); }
    return new Promise<ApplyResult>((resolve, reject) => {
      this.pending.push({ bytes, resolve, reject });
      if (this.wakeWriter) this.wakeWriter();
      else void this.runWriter();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.writing || this.applying || this.pending.length || this.toApply.length) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    await this.compacting;
    await this.zeroing;
    if (!this.fatalError) {
      await this.store.sync();
      await this.compact();
      await this.fh.truncate(this.size); // the zero-filled tail is not needed any more
    }
    await this.fh.close();
  }

  private async runWriter(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      // Let every proposal made in the same tick join the first group too.
      await Promise.resolve();
      while ((this.pending.length > 0 || this.flights.length > 0) && !this.fatalError) {
        if (this.flights.length >= limits.commandLogWritesInFlightMax) {
          await this.flights[0]!.written;
          continue;
        }
        if (this.pending.length === 0) {
          // Idle until the oldest write lands or a proposal comes: a proposal made while a write
          // is in flight starts its own at once (up to limits.commandLogWritesInFlightMax).
          await Promise.race([this.flights[0]!.written, new Promise<void>((resolve) => { this.wakeWriter = resolve; })]);
          this.wakeWriter = undefined;
          continue;
        }
        if (this.size >= this.segmentBytesMax) {
          await Promise.all(this.flights.map((f) => f.written));
          if (this.fatalError) break;
          await this.rotate();
        }
        this.startWrite(this.takeGroup());
        this.zeroAhead();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.writing = false;
      this.maybeIdle();
    }
  }

  /** Numbers a group, and writes it at the end of what is written or being written. */
  private startWrite(group: Proposal[]): void {
    const first = this.nextIndex;
    const entries = group.map((p, i) => ({ ...p, index: first + i, command: decodeCommand(p.bytes) }));
    this.nextIndex += entries.length;
    const buffers = entries.flatMap((e) => encodeRecord(e.index, e.bytes));
    const total = buffers.reduce((n, b) => n + b.length, 0);
    const [offset, zeroing] = [this.size, this.size + total > this.zeroedEnd ? this.zeroing : undefined];
    this.size += total;
    const flight: Flight = { entries, done: false, written: Promise.resolve() };
    // Never under the zero fill: a write reaching into the stretch being filled waits for it.
    flight.written = (async () => { await zeroing; await this.writeSynced(buffers, total, offset); })()
      .then(() => this.landed(flight), (err: unknown) => this.fail(err));
    this.flights.push(flight);
    // Numbered for good (a crash before the write is durable empties the staging area): the store
    // may write the message files meanwhile. Queued after the write, which is on every
    // acknowledgement's path and must not wait for a thread behind them.
    for (const entry of entries) this.store.prepare(entry.index, entry.command);
  }

  /** A group is on disk: hand every leading group that is on disk to the applier, in log order. */
  private landed(flight: Flight): void {
    flight.done = true;
    while (this.flights[0]?.done) {
      const { entries } = this.flights.shift()!;
      this.counters.appended += entries.length;
      this.counters.largestGroup = Math.max(this.counters.largestGroup, entries.length);
      this.segments[this.segments.length - 1]!.lastIndex = entries[entries.length - 1]!.index;
      this.toApply.push(...entries);
    }
    void this.runApplier();
  }

  /**
   * Starts zero-filling the next stretch of the current segment when the writes come near the
   * end of the filled part: from past every write started, so never under one.
   */
  private zeroAhead(): void {
    if (this.zeroing || this.fatalError || this.zeroedEnd - this.size > limits.commandLogZeroFillBytes / 2) return;
    // From past the last record (a group bigger than the filled part has grown the file beyond
    // it), and no further than the segment is meant to grow.
    const [fh, from] = [this.fh, Math.max(this.zeroedEnd, this.size)];
    const fill = Math.min(limits.commandLogZeroFillBytes, this.segmentBytesMax - from);
    if (fill <= 0) return;
    this.zeroing = (async () => {
      const zeros = Buffer.alloc(Math.min(fill, 1024 * 1024));
      for (let at = 0; at < fill;) at += (await fh.write(zeros, 0, Math.min(zeros.length, fill - at), from + at)).bytesWritten;
      await fh.datasync();
      if (this.fh === fh) this.zeroedEnd = from + fill;
    })().catch((err: unknown) => this.fail(err)).finally(() => { this.zeroing = undefined; });
  }

  /** Writes the records at `offset` of the segment; O_DSYNC: durable when it resolves. */
  private async writeSynced(buffers: Buffer[], total: number, offset: number): Promise<void> {
    for (let written = 0; written < total;) {
      const { bytesWritten } = await this.fh.writev(sliceBuffers(buffers, written), offset + written);
      written += bytesWritten;
      this.counters.fsyncs++;
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
        if (this.segments.length > 1 && this.segments[0]!.lastIndex <= run[run.length - 1]!.index) this.compactInBackground();
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
    await this.zeroing; // (every write of this segment has landed: runWriter waited for them)
    // Cut back to the records (durably) before the next segment exists: only the last segment may
    // end in anything but whole records.
    await this.fh.truncate(this.size);
    await this.fh.datasync();
    const firstIndex = this.nextIndex;
    const path = join(this.dir, segmentName(firstIndex));
    const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC);
    await fsyncDir(this.dir);
    await this.fh.close();
    this.fh = fh;
    this.size = 0;
    this.zeroedEnd = 0;
    this.segments.push({ firstIndex, lastIndex: firstIndex - 1, path });
  }

  /** compact() while applies go on; one at a time. A failure is fatal like any other I/O error. */
  private compactInBackground(): void {
    if (this.compacting || this.fatalError) return;
    this.compacting = this.compact().catch((err: unknown) => this.fail(err)).finally(() => { this.compacting = undefined; });
  }

  /**
   * Deletes leading segments whose entries are all applied and at or below the store's checkpoint
   * index, taking a checkpoint first when the store is behind: an entry may go only once the store
   * holds it durably, or a power cut could leave a torn file that nothing can rewrite.
   */
  private async compact(): Promise<void> {
    const applied = (s: Segment): boolean => s.lastIndex <= this.store.appliedIndex;
    if (this.segments.length < 2 || !applied(this.segments[0]!)) return;
    if (this.segments[0]!.lastIndex > this.store.checkpointIndex) await this.store.checkpoint();
    const done = (s: Segment): boolean => s.lastIndex <= this.store.checkpointIndex;
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
    for (const f of this.flights.splice(0)) for (const e of f.entries) e.reject(new OutcomeUnknownError(reason));
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
      if (r.index > store.checkpointIndex) replay.push(r);
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
  if (store.checkpointIndex + 1 < first.firstIndex) {
    throw new CommandLogCorruptError(dir, `the log starts at ${first.firstIndex} but the store's checkpoint is at ${store.checkpointIndex}`);
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

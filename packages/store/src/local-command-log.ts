/**
 * The single-node command log: a write-ahead log on local disk that implements the CommandLog
 * seam (command-log.ts). The Raft driver replaces it without changing any caller.
 *
 * Ordering contract (the reason this file exists):
 *  1. propose() encodes the command and queues it (bounded: limits.proposalsPendingMax).
 *  2. Once per turn of the event loop (setImmediate, so after every proposal already waiting on a
 *     socket or a message port has been made), the writer takes everything queued (up to
 *     limits.commandLogGroupBytesMax), gives each entry the next log index, and appends the records
 *     with ONE write to a segment opened O_DSYNC: the write returns once the group is on disk, as
 *     write + fdatasync would (group commit). The write is synchronous, on this thread, on purpose:
 *     what this thread does next for these entries (apply them) has to wait for it anyway, and a
 *     write handed to libuv's pool costs two thread wake-ups besides, which on the small VMs
 *     measured doubled the time a write took to come back (0.47 against 0.20 ms at the median;
 *     docs/architecture.md, "Durability: the log, then checkpoints"). Only a group over
 *     limits.commandLogSyncWriteBytesMax (large messages) goes through the pool, so that the thread
 *     is not held for the megabytes. Proposals that arrive meanwhile queue up and form the next
 *     group. Entries go to the applier in log order once their write returned. A crash can leave a
 *     torn record at the end: recovery stops at the first bad record, and nothing after it was ever
 *     acknowledged. The segment is zero-filled (and synced) a little ahead of the writes, in the
 *     background: a synchronous write over blocks the file already has needs no metadata update and
 *     takes about half as long as one that grows the file (limits.commandLogZeroFillBytes).
 *  3. The applier applies entries strictly in log order (all that are waiting, as one
 *     MailStore.applyBatch) and resolves each proposal with its ApplyResult. While an apply waits
 *     (on a staged file, a checkpoint), the next group's write can run. The store does not fsync
 *     what it applies: the log entry is what makes a change durable (docs/architecture.md,
 *     "Durability: the log, then checkpoints"), and the store's checkpoints make it durable in the
 *     store later.
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
import { constants, writevSync } from 'node:fs';
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

const segmentNameRe = /^(\d{20})\.log$/;
const segmentName = (firstIndex: number): string => `${String(firstIndex).padStart(20, '0')}.log`;

export class LocalCommandLog implements CommandLog {
  private readonly pending: Proposal[] = [];
  /** The index the next group starts at. */
  private nextIndex: number;
  private readonly toApply: Entry[] = [];
  /** A group's write is scheduled (setImmediate) or running (it may wait for a rotation or the zero fill). */
  private writeTurn = false;
  /**
   * Writes the records at `position` of the current segment; returns the bytes written (O_DSYNC:
   * durable once it returns). Fields, so a test can make the disk fail: writeAt on this thread,
   * writeAtInPool through libuv's pool (groups over limits.commandLogSyncWriteBytesMax).
   */
  private writeAt = (buffers: Buffer[], position: number): number => writevSync(this.fh.fd, buffers, position);
  private writeAtInPool = async (buffers: Buffer[], position: number): Promise<number> => (await this.fh.writev(buffers, position)).bytesWritten;
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

  /**
   * The index of the last whole record in a log directory that no LocalCommandLog has open (for
   * `tandem backup restore`, which must continue past it); undefined when there is no log there.
   * Reads only: a torn tail is left for open() to cut.
   */
  static async lastIndexOnDisk(dir: string): Promise<number | undefined> {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => segmentNameRe.test(n)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const last = names[names.length - 1];
    if (last === undefined) return undefined;
    const records = scanRecords(await readFile(join(dir, last))).records;
    return records.length > 0 ? records[records.length - 1]!.index : Number(segmentNameRe.exec(last)![1]) - 1;
  }

  /** The index of the last entry made durable. */
  get lastIndex(): number { return this.segments[this.segments.length - 1]!.lastIndex; }

  stats(): CommandLogStats { return { ...this.counters, segments: this.segments.length }; }

  propose(command: Command): Promise<ApplyResult> {
    if (this.closed || this.fatalError) return Promise.reject(new LogClosedError());
    if (this.pending.length + this.toApply.length >= limits.proposalsPendingMax) {
      return Promise.reject(new ProposalQueueFullError(limits.proposalsPendingMax));
    }
    let bytes: Uint8Array;
    try { bytes = encodeCommand(command); } catch (err) { return Promise.reject(err); }
    return new Promise<ApplyResult>((resolve, reject) => {
      this.pending.push({ bytes, resolve, reject });
      this.scheduleWrite();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.writeTurn || this.applying || this.pending.length || this.toApply.length) {
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

  /** Makes the next group's write due, unless it is already (or no proposal waits). */
  private scheduleWrite(): void {
    if (this.writeTurn || this.pending.length === 0 || this.fatalError) return;
    this.writeTurn = true;
    // After the poll phase: every proposal whose message or data is already here joins this group.
    setImmediate(() => void this.writeGroup());
  }

  /** Numbers the waiting proposals and makes them durable with one synchronous write. */
  private async writeGroup(): Promise<void> {
    try {
      if (this.fatalError || this.pending.length === 0) return;
      if (this.size >= this.segmentBytesMax) await this.rotate();
      const first = this.nextIndex;
      const entries = this.takeGroup().map((p, i) => ({ ...p, index: first + i, command: decodeCommand(p.bytes) }));
      this.nextIndex += entries.length;
      const buffers = entries.flatMap((e) => encodeRecord(e.index, e.bytes));
      const total = buffers.reduce((n, b) => n + b.length, 0);
      // Never under the zero fill: a write reaching into the stretch being filled waits for it.
      if (this.size + total > this.zeroedEnd) await this.zeroing;
      const failedMeanwhile = this.fatalError as Error | undefined; // (the zero fill can fail during the wait)
      if (failedMeanwhile) {
        this.fail(failedMeanwhile, entries);
        return;
      }
      try {
        await this.writeSynced(buffers, total, this.size);
      } catch (err) {
        this.fail(err, entries); // maybe on disk, maybe not: outcome unknown
        return;
      }
      this.size += total;
      this.toApply.push(...entries);
      this.counters.appended += entries.length;
      this.counters.largestGroup = Math.max(this.counters.largestGroup, entries.length);
      this.segments[this.segments.length - 1]!.lastIndex = entries[entries.length - 1]!.index;
      // The store may write the message files before their turn to be applied (message-staging.ts).
      for (const entry of entries) this.store.prepare(entry.index, entry.command);
      void this.runApplier();
      this.zeroAhead();
    } catch (err) {
      this.fail(err);
    } finally {
      this.writeTurn = false;
      this.scheduleWrite();
      this.maybeIdle();
    }
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

  /**
   * Writes the records at `offset` of the segment; O_DSYNC: durable when it resolves. A big group
   * (limits.commandLogSyncWriteBytesMax: large messages) goes through the pool, so this thread
   * keeps serving while megabytes reach the disk; the next group waits for it either way.
   */
  private async writeSynced(buffers: Buffer[], total: number, offset: number): Promise<void> {
    const here = total <= limits.commandLogSyncWriteBytesMax;
    for (let written = 0; written < total;) {
      const rest = sliceBuffers(buffers, written);
      written += here ? this.writeAt(rest, offset + written) : await this.writeAtInPool(rest, offset + written);
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
    await this.zeroing; // (writes are synchronous: none of this segment's is still going on)
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

  /** Fails the log for good; `writing`: numbered entries that are in no queue (their write failed or never ran). */
  private fail(err: unknown, writing: readonly Entry[] = []): void {
    if (!this.fatalError) {
      this.fatalError = err instanceof Error ? err : new Error(String(err));
      for (const p of this.pending.splice(0)) p.reject(this.outcomeUnknown());
      for (const e of this.toApply.splice(0)) e.reject(this.outcomeUnknown());
      this.onFatal(this.fatalError);
    }
    for (const e of writing) e.reject(this.outcomeUnknown());
  }

  private outcomeUnknown(): OutcomeUnknownError {
    return new OutcomeUnknownError(`command log failed: ${this.fatalError?.message ?? 'unknown error'}`);
  }

  private maybeIdle(): void {
    if (this.writeTurn || this.applying) return;
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

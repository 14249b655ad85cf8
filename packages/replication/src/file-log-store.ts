import { mkdirSync, readdirSync, openSync, closeSync, fsyncSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptionError, FatalStorageError } from './errors.js';
import { crashProcess, type FatalHandler } from './fatal-handler.js';
import { encodeRecordHead, recordOverheadBytes, type LogRecord } from './log-record.js';
import { LogCache } from './log-cache.js';
import { LogSegment } from './log-segment.js';
import { replicationLimits } from './replication-limits.js';

/**
 * The durable Raft log: records in segment files (log-segment.ts), fsynced before any append is
 * acknowledged (Raft §5.3: a follower acknowledges only what it stored; thesis §11.7).
 *
 * Invariants:
 *  - Entries on disk are consecutive from firstIndex() to the last written one, across segments.
 *  - Only entries that have been fsynced are visible to readers (lastIndex(), term(), read()).
 *  - Writes are serialized through one queue; everything queued while a write is in progress goes
 *    out in the next batch and shares ONE fsync per touched file (group commit).
 *  - Any failed write or fsync poisons the store and calls the fatal handler (crash by default):
 *    a failed fsync may have dropped dirty pages, so a retry could "succeed" on lost data.
 *  - Only a torn LAST record is repaired (at open); any other damage is a CorruptionError.
 */
export interface FileLogStoreOptions {
  dir: string;
  segmentBytesMax?: number;
  entryCacheBytesMax?: number;
  recordBytesMax?: number;
  onFatal?: FatalHandler;
  /** Test seam: called before each I/O step; throwing from it simulates that step failing (e.g. EIO on fdatasync). */
  injectFault?: (operation: string, path: string) => void;
  /**
   * Test seam: awaited before each fdatasync of a segment — a slow or stalled disk. A rejection is that
   * fdatasync failing (fatal, like any storage error).
   */
  beforeSync?: (path: string) => Promise<void>;
}

export interface FileLogStoreStats {
  /** fdatasync/fsync calls on segment files and the directory (what group commit saves). */
  fsyncs: number;
  /** append() calls acknowledged. */
  appends: number;
  /** Write batches (each ends with its fsyncs). */
  batches: number;
  bytesWritten: number;
  cacheMisses: number;
}

export interface LogOpenReport {
  segments: number;
  /** Bytes cut off the end of the last segment (a record torn by a crash). */
  truncatedTailBytes: number;
}

type Op =
  | { kind: 'append'; records: LogRecord[] }
  | { kind: 'compact'; throughIndex: number }
  | { kind: 'reset'; nextIndex: number };

interface QueuedOp {
  op: Op;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** Bodies at least this large go to writev by reference; smaller pieces are gathered into runs. */
const writeRunPieceBytesMax = 16 * 1024;

export class FileLogStore {
  readonly stats: FileLogStoreStats = { fsyncs: 0, appends: 0, batches: 0, bytesWritten: 0, cacheMisses: 0 };
  private readonly segments: LogSegment[];
  private readonly segmentBytesMax: number;
  private readonly recordBytesMax: number;
  private readonly onFatal: FatalHandler;
  private readonly cache: LogCache;
  private durableLastIndex: number;
  /** The last index once every queued op has run: what the next append must follow. */
  private queuedLastIndex: number;
  private queue: QueuedOp[] = [];
  private writing = false;
  private writer: FileHandle | undefined;
  private poisoned: FatalStorageError | undefined;
  private closed = false;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly injectFault: ((operation: string, path: string) => void) | undefined;
  private readonly beforeSync: ((path: string) => Promise<void>) | undefined;

  private constructor(readonly dir: string, segments: LogSegment[], options: FileLogStoreOptions, readonly openReport: LogOpenReport) {
    this.segments = segments;
    this.segmentBytesMax = options.segmentBytesMax ?? replicationLimits.segmentBytesMax;
    this.recordBytesMax = options.recordBytesMax ?? replicationLimits.recordBytesMax;
    this.onFatal = options.onFatal ?? crashProcess;
    this.injectFault = options.injectFault;
    this.beforeSync = options.beforeSync;
    this.cache = new LogCache(options.entryCacheBytesMax ?? replicationLimits.entryCacheBytesMax);
    this.durableLastIndex = this.activeSegment.lastIndex;
    this.queuedLastIndex = this.durableLastIndex;
  }

  /**
   * Opens (or creates) the log in `dir`: indexes every segment, checks that they follow each other,
   * and cuts a torn last record. An empty directory becomes an empty log whose first index is 1.
   */
  static open(options: FileLogStoreOptions): FileLogStore {
    mkdirSync(options.dir, { recursive: true });
    const firsts = readdirSync(options.dir)
      .map((name) => LogSegment.parseFileName(name))
      .filter((n): n is number => n !== undefined)
      .sort((a, b) => a - b);
    const payloadMax = (options.recordBytesMax ?? replicationLimits.recordBytesMax) + recordOverheadBytes;
    const segments: LogSegment[] = [];
    let truncatedTailBytes = 0;
    for (const [k, first] of firsts.entries()) {
      const path = join(options.dir, LogSegment.fileName(first));
      const prev = segments[segments.length - 1];
      if (prev !== undefined && prev.lastIndex + 1 !== first) {
        throw new CorruptionError(path, 0, `segment starts at ${first} but the previous one ends at ${prev.lastIndex}`);
      }
      const scanned = LogSegment.scan(path, first, k === firsts.length - 1, payloadMax);
      truncatedTailBytes += scanned.truncatedBytes;
      segments.push(scanned.segment);
    }
    if (segments.length === 0) {
      const path = join(options.dir, LogSegment.fileName(1));
      closeSync(openSync(path, 'w'));
      fsyncDirSync(options.dir);
      segments.push(new LogSegment(path, 1));
    }
    return new FileLogStore(options.dir, segments, options, { segments: segments.length, truncatedTailBytes });
  }

  /** First index held in the log files (entries before it were compacted away). */
  firstIndex(): number {
    return this.segments[0]!.firstIndex;
  }

  /** Last durable index; firstIndex() - 1 when the log is empty. */
  lastIndex(): number {
    return this.durableLastIndex;
  }

  /** Term of a durable entry, or undefined when `index` is outside [firstIndex, lastIndex]. */
  term(index: number): number | undefined {
    this.assertUsable();
    if (index > this.durableLastIndex) return undefined;
    const seg = this.segmentFor(index);
    return seg?.terms[index - seg.firstIndex];
  }

  /** Indexes in [lo, hi] of durable entries whose entryType is `entryType`, from memory (no disk read). */
  indexesOfType(entryType: number, lo: number, hi: number): number[] {
    this.assertUsable();
    const out: number[] = [];
    const last = Math.min(hi, this.durableLastIndex);
    for (const seg of this.segments) {
      if (seg.lastIndex < lo || seg.firstIndex > last) continue;
      for (let i = Math.max(lo, seg.firstIndex); i <= Math.min(last, seg.lastIndex); i++) {
        if (seg.entryTypes[i - seg.firstIndex] === entryType) out.push(i);
      }
    }
    return out;
  }

  /** Reads durable entries [lo, hi), at least one, stopping before `bytesMax` is passed. */
  readRange(lo: number, hi: number, bytesMax = Number.POSITIVE_INFINITY): LogRecord[] {
    this.assertUsable();
    if (lo < this.firstIndex() || hi - 1 > this.durableLastIndex || lo > hi) {
      throw new RangeError(`readRange [${lo}, ${hi}) outside [${this.firstIndex()}, ${this.durableLastIndex}]`);
    }
    const out: LogRecord[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const record = this.read(i);
      bytes += record.body.byteLength + recordOverheadBytes;
      if (out.length > 0 && bytes > bytesMax) break;
      out.push(record);
    }
    return out;
  }

  read(index: number): LogRecord {
    this.assertUsable();
    const cached = this.cache.get(index);
    if (cached !== undefined) return cached;
    const seg = this.segmentFor(index);
    if (seg === undefined || index > this.durableLastIndex) throw new RangeError(`entry ${index} is not in the log`);
    this.stats.cacheMisses++;
    return seg.read(index, this.recordBytesMax + recordOverheadBytes);
  }

  /**
   * Appends consecutive records and resolves once they are durable. When the first record's index
   * is at or below the current last index, the conflicting suffix is removed first (Raft §5.3:
   * "If an existing entry conflicts with a new one, delete the existing entry and all that follow").
   */
  append(records: LogRecord[]): Promise<void> {
    this.assertUsable();
    const first = records[0];
    if (first === undefined) return Promise.resolve();
    if (first.index > this.queuedLastIndex + 1 || first.index < this.firstIndex()) {
      throw new RangeError(`append at ${first.index} leaves a gap or precedes the log (log is [${this.firstIndex()}, ${this.queuedLastIndex}])`);
    }
    for (const [k, r] of records.entries()) {
      if (r.index !== first.index + k) throw new RangeError(`append: records are not consecutive at ${r.index}`);
      if (r.body.byteLength > this.recordBytesMax) throw new RangeError(`append: entry ${r.index} is ${r.body.byteLength} bytes, over recordBytesMax`);
    }
    this.queuedLastIndex = first.index + records.length - 1;
    return this.enqueue({ kind: 'append', records });
  }

  /** Deletes whole segments whose entries are all <= throughIndex (covered by a snapshot). The active segment stays. */
  compact(throughIndex: number): Promise<void> {
    this.assertUsable();
    return this.enqueue({ kind: 'compact', throughIndex });
  }

  /** Discards the whole log; the next append must be at `nextIndex` (after installing a snapshot). */
  reset(nextIndex: number): Promise<void> {
    this.assertUsable();
    this.queuedLastIndex = nextIndex - 1;
    return this.enqueue({ kind: 'reset', nextIndex });
  }

  /** Waits for queued writes, then closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.writing) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.writer?.close().catch(() => undefined);
    this.writer = undefined;
    for (const seg of this.segments) seg.closeReader();
  }

  private enqueue(op: Op): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      // Start on the next microtask so every append made in the same turn joins one batch.
      if (!this.writing) {
        this.writing = true;
        queueMicrotask(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && this.poisoned === undefined) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.runBatch(batch.map((q) => q.op));
      } catch (e) {
        const fatal = e instanceof FatalStorageError ? e : new FatalStorageError('write', this.dir, e);
        this.poisoned = fatal;
        for (const q of [...batch, ...this.queue]) q.reject(fatal);
        this.queue = [];
        this.onFatal(fatal);
        break;
      }
      for (const q of batch) q.resolve();
    }
    this.writing = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Runs a batch of ops, then fsyncs each touched file once and the directory if files came or went. */
  private async runBatch(ops: Op[]): Promise<void> {
    const dirty = new Set<LogSegment>();
    const appended: LogRecord[] = [];
    let dirChanged = false;
    for (const op of ops) {
      if (op.kind === 'append') {
        dirChanged = (await this.writeRecords(op.records, dirty)) || dirChanged;
        appended.push(...op.records);
      } else if (op.kind === 'compact') {
        dirChanged = (await this.dropSegmentsThrough(op.throughIndex)) || dirChanged;
      } else {
        await this.discardAll(op.nextIndex, dirty);
        appended.length = 0;
        dirChanged = true;
      }
    }
    for (const seg of dirty) await this.syncSegment(seg);
    if (dirChanged) await this.syncDir();
    this.stats.batches++;
    this.stats.appends += ops.filter((o) => o.kind === 'append').length;
    this.durableLastIndex = this.activeSegment.lastIndex;
    for (const r of appended) if (r.index <= this.durableLastIndex) this.cache.put(r);
  }

  /** Writes records (after cutting any conflicting suffix); returns true when a segment was created or deleted. */
  private async writeRecords(records: LogRecord[], dirty: Set<LogSegment>): Promise<boolean> {
    const first = records[0]!.index;
    let dirChanged = false;
    if (first <= this.activeSegment.lastIndex) dirChanged = await this.truncateFrom(first, dirty);
    // What goes to writev: runs of small pieces (record heads, small bodies) gathered into one buffer,
    // and large bodies as they are — a 64 KiB entry reaches the kernel without a copy in between.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let run: Buffer[] = [];
    let runBytes = 0;
    const endRun = (): void => {
      if (run.length === 0) return;
      pending.push(run.length === 1 ? run[0]! : Buffer.concat(run, runBytes));
      run = [];
      runBytes = 0;
    };
    const flush = async (): Promise<void> => {
      endRun();
      if (pending.length === 0) return;
      const seg = this.activeSegment;
      const handle = await this.writerFor(seg);
      const bufs = pending;
      const written = await this.io('write', seg.path, () => handle.writev(bufs, seg.sizeBytes - pendingBytes));
      if (written.bytesWritten !== pendingBytes) {
        throw new FatalStorageError('write', seg.path, new Error(`short write: ${written.bytesWritten} of ${pendingBytes} bytes`));
      }
      this.stats.bytesWritten += pendingBytes;
      dirty.add(seg);
      pending = [];
      pendingBytes = 0;
    };
    for (const record of records) {
      const size = recordOverheadBytes + record.body.byteLength;
      let seg = this.activeSegment;
      if (seg.sizeBytes > 0 && seg.sizeBytes + size > this.segmentBytesMax) {
        await flush();
        // The full segment is made durable BEFORE its successor exists, so after any crash a torn
        // record can only be in the last segment (the one open() is allowed to repair).
        await this.syncSegment(seg);
        dirty.delete(seg);
        seg = await this.createSegment(record.index);
        dirChanged = true;
      }
      const body = Buffer.from(record.body.buffer, record.body.byteOffset, record.body.byteLength);
      run.push(encodeRecordHead(record));
      runBytes += recordOverheadBytes;
      if (body.byteLength >= writeRunPieceBytesMax) {
        endRun();
        pending.push(body);
      } else {
        run.push(body);
        runBytes += body.byteLength;
      }
      pendingBytes += size;
      seg.offsets.push(seg.sizeBytes);
      seg.terms.push(record.term);
      seg.entryTypes.push(record.entryType);
      seg.sizeBytes += size;
    }
    await flush();
    return dirChanged;
  }

  /**
   * Removes entries >= index. Later segments are deleted newest first and the directory synced
   * BEFORE the containing segment is cut, so a crash in between leaves a prefix of the old log
   * (never a gap between segments).
   */
  private async truncateFrom(index: number, dirty: Set<LogSegment>): Promise<boolean> {
    this.durableLastIndex = Math.min(this.durableLastIndex, index - 1);
    this.cache.dropFrom(index);
    let dirChanged = false;
    while (this.segments.length > 1 && this.activeSegment.firstIndex >= index) {
      await this.removeActiveSegment();
      dirChanged = true;
    }
    if (dirChanged) await this.syncDir();
    const seg = this.activeSegment;
    if (index <= seg.lastIndex) {
      const cut = seg.offsets[Math.max(0, index - seg.firstIndex)]!;
      seg.dropFrom(Math.max(index, seg.firstIndex));
      const handle = await this.writerFor(seg);
      await this.io('truncate', seg.path, () => handle.truncate(cut));
      dirty.add(seg);
    }
    return dirChanged;
  }

  private async dropSegmentsThrough(throughIndex: number): Promise<boolean> {
    let dropped = false;
    // Oldest first: a crash part-way leaves a log that still starts at a segment boundary.
    while (this.segments.length > 1 && this.segments[0]!.lastIndex <= throughIndex && this.segments[0]!.offsets.length > 0) {
      const seg = this.segments.shift()!;
      seg.closeReader();
      await this.io('unlink', seg.path, () => unlink(seg.path));
      dropped = true;
    }
    this.cache.dropBefore(this.firstIndex());
    return dropped;
  }

  private async discardAll(nextIndex: number, dirty: Set<LogSegment>): Promise<void> {
    this.durableLastIndex = Math.min(this.durableLastIndex, this.firstIndex() - 1);
    this.cache.clear();
    while (this.segments.length > 0) await this.removeActiveSegment();
    dirty.clear();
    await this.createSegment(nextIndex);
    this.durableLastIndex = nextIndex - 1;
  }

  private async removeActiveSegment(): Promise<void> {
    const seg = this.segments.pop()!;
    if (this.writer !== undefined && this.writerSegment === seg) {
      await this.writer.close();
      this.writer = undefined;
    }
    seg.closeReader();
    await this.io('unlink', seg.path, () => unlink(seg.path));
  }

  private async createSegment(firstIndex: number): Promise<LogSegment> {
    const seg = new LogSegment(join(this.dir, LogSegment.fileName(firstIndex)), firstIndex);
    await this.writer?.close();
    this.writer = await this.io('create', seg.path, () => open(seg.path, 'w+'));
    this.writerSegment = seg;
    this.segments.push(seg);
    return seg;
  }

  private writerSegment: LogSegment | undefined;

  private async writerFor(seg: LogSegment): Promise<FileHandle> {
    if (this.writer !== undefined && this.writerSegment === seg) return this.writer;
    await this.writer?.close();
    this.writer = await this.io('open', seg.path, () => open(seg.path, 'r+'));
    this.writerSegment = seg;
    return this.writer;
  }

  private async syncSegment(seg: LogSegment): Promise<void> {
    const handle = await this.writerFor(seg);
    const gate = this.beforeSync;
    await this.io('fdatasync', seg.path, async () => {
      if (gate !== undefined) await gate(seg.path);
      await handle.datasync();
    });
    this.stats.fsyncs++;
  }

  private async syncDir(): Promise<void> {
    const handle = await this.io('open', this.dir, () => open(this.dir, 'r'));
    try {
      await this.io('fsync', this.dir, () => handle.sync());
      this.stats.fsyncs++;
    } finally {
      await handle.close();
    }
  }

  /** Runs one I/O step; any failure becomes a FatalStorageError (never retried, see class comment). */
  private async io<T>(operation: string, path: string, step: () => Promise<T>): Promise<T> {
    try {
      this.injectFault?.(operation, path);
      return await step();
    } catch (e) {
      throw new FatalStorageError(operation, path, e);
    }
  }

  private get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  private segmentFor(index: number): LogSegment | undefined {
    // Binary search over segment first indexes.
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const seg = this.segments[mid]!;
      if (index < seg.firstIndex) hi = mid - 1;
      else if (index > seg.lastIndex) lo = mid + 1;
      else return seg;
    }
    return undefined;
  }

  private assertUsable(): void {
    if (this.poisoned !== undefined) throw this.poisoned;
    if (this.closed) throw new RangeError('FileLogStore is closed');
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

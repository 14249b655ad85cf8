import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync } from 'node:fs';
import { CorruptionError } from './errors.js';
import { checkRecord, type LogRecord } from './log-record.js';

/**
 * One segment file of the Raft log: `<firstIndex, 20 digits>.log`, records back to back
 * (see log-record.ts). Entries in a segment are consecutive; the next segment starts right
 * after the last one. This class knows where each record starts and reads them back; the
 * writing is done by FileLogStore, which alone decides when bytes are durable.
 */
export class LogSegment {
  /** Byte offset of each record; entry `firstIndex + k` starts at offsets[k]. */
  readonly offsets: number[] = [];
  /** Term of each record, kept in memory so term(i) never touches the disk (Raft §5.3 consistency check). */
  readonly terms: number[] = [];
  /** Entry type of each record (so conf changes can be found without reading the disk). */
  readonly entryTypes: number[] = [];
  sizeBytes = 0;
  private readFd: number | undefined;

  constructor(readonly path: string, readonly firstIndex: number) {}

  static fileName(firstIndex: number): string {
    return `${String(firstIndex).padStart(20, '0')}.log`;
  }

  static parseFileName(name: string): number | undefined {
    const m = /^(\d{20})\.log$/.exec(name);
    return m?.[1] !== undefined ? Number(m[1]) : undefined;
  }

  /** Index of the last record, or firstIndex - 1 when empty. */
  get lastIndex(): number {
    return this.firstIndex + this.offsets.length - 1;
  }

  /**
   * Reads the file and indexes every record, verifying each checksum. A bad record is a torn
   * tail only in the LAST segment and only when nothing valid can follow it: it runs past the
   * end of the file, it ends exactly at the end, or everything from it on is zero (a crash after
   * the size was extended but before the data reached the disk). The torn tail is cut off and
   * the cut fsynced. Anything else is corruption in the middle of the log: thrown, never repaired.
   */
  static scan(path: string, firstIndex: number, isLast: boolean, payloadBytesMax: number): { segment: LogSegment; truncatedBytes: number } {
    const segment = new LogSegment(path, firstIndex);
    const buf = readFileSync(path);
    let offset = 0;
    while (offset < buf.length) {
      const check = checkRecord(buf, offset, payloadBytesMax);
      if (check.ok) {
        const expected = segment.firstIndex + segment.offsets.length;
        if (check.record.index !== expected) {
          throw new CorruptionError(path, offset, `record holds index ${check.record.index}, expected ${expected}`);
        }
        segment.offsets.push(offset);
        segment.terms.push(check.record.term);
        segment.entryTypes.push(check.record.entryType);
        offset += check.sizeBytes;
        continue;
      }
      const endBytes = offset + check.claimedSizeBytes;
      const torn = isLast && (check.reason === 'short' || endBytes >= buf.length || isAllZero(buf, offset));
      if (!torn) throw new CorruptionError(path, offset, `${check.reason} mismatch in a record that is not the last one`);
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, offset);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      segment.sizeBytes = offset;
      return { segment, truncatedBytes: buf.length - offset };
    }
    segment.sizeBytes = offset;
    return { segment, truncatedBytes: 0 };
  }

  /** Reads entry `index` from the file (a cache miss), verifying its checksum again. */
  read(index: number, payloadBytesMax: number): LogRecord {
    const k = index - this.firstIndex;
    const start = this.offsets[k];
    if (start === undefined) throw new RangeError(`index ${index} not in segment ${this.path}`);
    const end = this.offsets[k + 1] ?? this.sizeBytes;
    const buf = Buffer.allocUnsafe(end - start);
    this.readFd ??= openSync(this.path, 'r');
    const n = readSync(this.readFd, buf, 0, buf.length, start);
    const check = checkRecord(buf.subarray(0, n), 0, payloadBytesMax);
    if (!check.ok || check.record.index !== index) {
      throw new CorruptionError(this.path, start, `re-read of entry ${index} failed (${check.ok ? 'wrong index' : check.reason})`);
    }
    return check.record;
  }

  /** Forgets records from `index` on (the file itself is cut by the writer). */
  dropFrom(index: number): void {
    const k = index - this.firstIndex;
    const cut = this.offsets[k];
    if (cut === undefined) return;
    this.offsets.length = k;
    this.terms.length = k;
    this.entryTypes.length = k;
    this.sizeBytes = cut;
  }

  recordEnd(k: number): number {
    return this.offsets[k + 1] ?? this.sizeBytes;
  }

  closeReader(): void {
    if (this.readFd !== undefined) closeSync(this.readFd);
    this.readFd = undefined;
  }
}

function isAllZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

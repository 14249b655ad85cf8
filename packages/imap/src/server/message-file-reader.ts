/**
 * Reads message files for FETCH and SEARCH, choosing per read between a synchronous read and the
 * libuv thread pool.
 *
 * Why synchronous at all: a message file the server touched recently is in the page cache, where
 * open + read + close take ~10 µs; the same read through the thread pool costs several hops
 * (open, fstat, read, close), each a wake-up of a pool thread and then of the event loop — on a
 * busy 2-core machine 0.1–0.3 ms per read, more than Dovecot's whole answer to a FETCH BODY[], and
 * ~50 µs of event-loop CPU for the promise machinery. So files up to `syncBytesMax` are read
 * synchronously.
 *
 * The risk is a read that goes to the disk, which would hold the event loop (and every other
 * session) for the disk's latency. A synchronous read that took longer than `slowReadMs` while the
 * process's count of block-device reads (getrusage ru_inblock) went up is taken as the sign of a
 * cold cache: for the next `asyncAfterSlowMs` every read goes through the thread pool (where reads
 * of a batch also overlap on the disk), so at most one disk-bound read per that period blocks the
 * loop. A slow read without disk input is the scheduler preempting us on a busy machine, which
 * the thread pool would not make any better, so reads stay synchronous then. Commands that read
 * many files also yield to the event loop between slices of work (time-slice.ts), so a long
 * SEARCH never starves other sessions.
 *
 * Sizes come from the index (RFC822.SIZE is the file's exact size), so a whole file is one read of
 * size + 1 bytes: getting more than `size` bytes means the index and file disagree, and the file
 * is then read in full the ordinary way rather than trusted half-read.
 */
import { close, closeSync, open, openSync, read, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface MessageFileReaderOptions {
  /** Largest read done synchronously. */
  readonly syncBytesMax: number;
  /** A synchronous read slower than this, with disk input, switches to the thread pool. */
  readonly slowReadMs: number;
  /** The process's block-device reads so far (process.resourceUsage().fsRead); tests fake it. */
  readonly diskReads: () => number;
  /** How long reads stay on the thread pool after a slow one. */
  readonly asyncAfterSlowMs: number;
  /** Monotonic clock (tests move it). */
  readonly nowMs: () => number;
}

export const defaultMessageFileReaderOptions: MessageFileReaderOptions = {
  syncBytesMax: 256 * 1024,
  slowReadMs: 1,
  asyncAfterSlowMs: 200,
  diskReads: () => process.resourceUsage().fsRead,
  nowMs: () => performance.now(),
};

export class MessageFileReader {
  private asyncUntilMs = -Infinity;
  /** diskReads() when last looked at (only after slow reads: it costs a system call). */
  private diskReadsSeen: number;
  /** Reads done each way (tests and diagnostics). */
  readonly counts = { sync: 0, async: 0 };

  constructor(readonly options: MessageFileReaderOptions = defaultMessageFileReaderOptions) {
    this.diskReadsSeen = options.diskReads();
  }

  /** True while reads go through the thread pool because a recent synchronous one went to the disk. */
  get coldMode(): boolean { return this.options.nowMs() < this.asyncUntilMs; }

  /** The whole file, or null when it is gone. `sizeBytes` is the size the index records. */
  async whole(path: string, sizeBytes?: number): Promise<Buffer | null> {
    if (sizeBytes === undefined) return readFileOrNull(path);
    const buf = await this.readFrom(path, sizeBytes + 1);
    if (buf === null || buf.length <= sizeBytes) return buf;
    return readFileOrNull(path); // larger than the index says: read it all
  }

  /** Up to the first `bytes` bytes of the file (fewer when it is shorter), or null when it is gone. */
  head(path: string, bytes: number): Promise<Buffer | null> {
    return this.readFrom(path, bytes);
  }

  private async readFrom(path: string, bytes: number): Promise<Buffer | null> {
    if (bytes <= this.options.syncBytesMax && !this.coldMode) return this.readSyncTimed(path, bytes);
    this.counts.async++;
    return readStartAsync(path, bytes);
  }

  private readSyncTimed(path: string, bytes: number): Buffer | null {
    this.counts.sync++;
    const startMs = this.options.nowMs();
    try {
      return readStartSync(path, bytes);
    } finally {
      const nowMs = this.options.nowMs();
      if (nowMs - startMs > this.options.slowReadMs) {
        const diskReads = this.options.diskReads();
        if (diskReads > this.diskReadsSeen) this.asyncUntilMs = nowMs + this.options.asyncAfterSlowMs;
        this.diskReadsSeen = diskReads;
      }
    }
  }
}

function readStartSync(path: string, bytes: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (isGone(err)) return null;
    throw err;
  }
  try {
    const buf = Buffer.allocUnsafe(bytes);
    let filled = 0;
    while (filled < bytes) {
      const n = readSync(fd, buf, filled, bytes - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return buf.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/** open → read(s) → close, with close off the critical path (a failed close of a read-only fd loses nothing). */
function readStartAsync(path: string, bytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (openErr, fd) => {
      if (openErr) {
        if (isGone(openErr)) resolve(null);
        else reject(openErr);
        return;
      }
      const buf = Buffer.allocUnsafe(bytes);
      const step = (filled: number): void => {
        if (filled >= bytes) { finish(null, filled); return; }
        read(fd, buf, filled, bytes - filled, filled, (readErr, n) => {
          if (readErr) finish(readErr, filled);
          else if (n === 0) finish(null, filled);
          else step(filled + n);
        });
      };
      const finish = (err: Error | null, filled: number): void => {
        close(fd, () => {});
        if (err) reject(err);
        else resolve(buf.subarray(0, filled));
      };
      step(0);
    });
  });
}

async function readFileOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if (isGone(err)) return null;
    throw err;
  }
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

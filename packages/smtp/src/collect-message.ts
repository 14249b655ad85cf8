import type { Readable } from 'node:stream';
import type { MemoryBudget } from './memory-budget.js';
import { ClientGoneError, DataLineTooLongError, IntakeBusyError, MessageTooBigError } from './smtp-errors.js';

/**
 * Buffers a DATA stream in memory, bounded by the size limit (smtp-server counts bytes but does not
 * enforce SIZE itself, RFC 1870 §6.3). A message over a limit is still read to its end, so the
 * client gets its reply after the final ".", but the bytes are dropped as they come: nothing of an
 * over-size message is kept, in memory or on disk. A client that disconnects before the final "."
 * rejects with ClientGoneError, and nothing is kept either. The bytes kept are reserved from the
 * shared `budget`; on success the caller owns the reservation (Buffer length) and releases it.
 */
export interface CollectLimits {
  sizeBytesMax: number;
  /** Longest text line, CRLF excluded. */
  lineBytesMax: number;
  budget: MemoryBudget;
}

export function collectMessage(stream: Readable, collectLimits: CollectLimits): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let sizeBytes = 0;
    let lineBytes = 0;
    let failure: Error | undefined;
    let settled = false;

    const settle = (err: Error | undefined, value?: Buffer): void => {
      if (settled) return;
      settled = true;
      stream.removeListener('data', onData);
      if (err) reject(err); else resolve(value ?? Buffer.alloc(0));
    };
    let reservedBytes = 0;
    const fail = (err: Error): void => {
      failure ??= err;
      chunks = [];
      collectLimits.budget.release(reservedBytes);
      reservedBytes = 0;
    };
    const onData = (chunk: Buffer): void => {
      sizeBytes += chunk.length;
      if (failure) return;
      if (sizeBytes > collectLimits.sizeBytesMax) return fail(new MessageTooBigError(collectLimits.sizeBytesMax));
      lineBytes = longestLineCheck(chunk, lineBytes, collectLimits.lineBytesMax);
      if (lineBytes < 0) return fail(new DataLineTooLongError(collectLimits.lineBytesMax));
      if (!collectLimits.budget.tryReserve(chunk.length)) return fail(new IntakeBusyError());
      reservedBytes += chunk.length;
      chunks.push(chunk);
    };

    stream.on('data', onData);
    stream.once('end', () => settle(failure, failure ? undefined : Buffer.concat(chunks, sizeBytes)));
    // A destroyed stream (the client went away mid-DATA) closes without 'end'.
    // 'close' also follows a normal 'end'; only a close before it means the client went away.
    const gone = (): void => {
      if (settled) return;
      const err = new ClientGoneError();
      fail(err);
      settle(err);
    };
    stream.once('error', gone);
    stream.once('close', gone);
  });
}

/**
 * Returns the length of the unfinished line at the end of `chunk`, given `carried` bytes of it
 * before the chunk, or -1 when a line is longer than lineBytesMax. A line's length here counts
 * everything before its LF, so its CR gets one byte of slack.
 */
function longestLineCheck(chunk: Buffer, carried: number, lineBytesMax: number): number {
  let start = 0;
  let length = carried;
  for (;;) {
    const newline = chunk.indexOf(0x0a, start);
    const end = newline === -1 ? chunk.length : newline;
    length += end - start;
    if (length > lineBytesMax + 1) return -1;
    if (newline === -1) return length;
    start = newline + 1;
    length = 0;
  }
}

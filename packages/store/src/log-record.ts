/**
 * Framing of one command-log record:
 *
 *   [payload length u32 LE][CRC-32 of payload u32 LE][payload]
 *   payload = [log index u64 LE][encoded command (command-codec.ts)]
 *
 * The CRC (zlib's CRC-32, as in gzip) covers the index too, so a record that was only partly
 * written before a crash, or a tail of zeros a file system left behind, never passes as valid.
 */
import { crc32 } from 'node:zlib';
import { limits } from '@tandem/config';

export const recordHeaderBytes = 8;
const indexBytes = 8;
// The biggest command is a delivery of the largest message, plus its envelope and recipients.
export const recordPayloadBytesMax = limits.messageSizeBytesMax + 4 * 1024 * 1024;

export interface LogRecord { index: number; command: Uint8Array }

/** Header + payload head as one buffer, and the command bytes as given (no copy of a big body). */
export function encodeRecord(index: number, command: Uint8Array): Buffer[] {
  const payloadLength = indexBytes + command.length;
  if (payloadLength > recordPayloadBytesMax) throw new RangeError(`record of ${payloadLength} bytes is too large`);
  const head = Buffer.allocUnsafe(recordHeaderBytes + indexBytes);
  head.writeBigUInt64LE(BigInt(index), recordHeaderBytes);
  const crc = crc32(command, crc32(head.subarray(recordHeaderBytes)));
  head.writeUInt32LE(payloadLength, 0);
  head.writeUInt32LE(crc, 4);
  return [head, Buffer.from(command.buffer, command.byteOffset, command.length)];
}

export interface ScanResult {
  records: LogRecord[];
  /** Offset just past the last valid record: where the file should end. */
  validEnd: number;
  /** Why scanning stopped before the end of the buffer, if it did. */
  stoppedBecause?: string;
}

/** Reads records from the start of a segment until the end or the first record that is not whole and valid. */
export function scanRecords(buf: Buffer): ScanResult {
  const records: LogRecord[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < recordHeaderBytes) return { records, validEnd: pos, stoppedBecause: 'partial header' };
    const length = buf.readUInt32LE(pos);
    const crc = buf.readUInt32LE(pos + 4);
    if (length < indexBytes || length > recordPayloadBytesMax) return { records, validEnd: pos, stoppedBecause: `bad length ${length}` };
    const start = pos + recordHeaderBytes;
    if (buf.length - start < length) return { records, validEnd: pos, stoppedBecause: 'partial payload' };
    const payload = buf.subarray(start, start + length);
    if (crc32(payload) !== crc) return { records, validEnd: pos, stoppedBecause: 'CRC mismatch' };
    const index = Number(payload.readBigUInt64LE(0));
    records.push({ index, command: payload.subarray(indexBytes) });
    pos = start + length;
  }
  return { records, validEnd: pos };
}

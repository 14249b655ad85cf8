import { crc32 } from 'node:zlib';

/**
 * The on-disk record of the Raft log. Layout (big-endian):
 *
 *   u32 payloadLength | u32 crc32(lengthBytes ++ payload) | payload
 *   payload = u64 index | u64 term | u8 entryType | body (the entry's data, opaque here)
 *
 * The checksum covers the length too, so a damaged length is caught rather than trusted.
 * CRC-32 (IEEE, zlib's, hardware-assisted in Node >= 20.15) rather than CRC-32C: the point is to
 * catch torn and rotten records, which both do equally well.
 */
export const recordHeaderBytes = 8;
export const recordPayloadHeadBytes = 17;
export const recordOverheadBytes = recordHeaderBytes + recordPayloadHeadBytes;

export interface LogRecord {
  index: number;
  term: number;
  /** The Raft entry type, as a small number (see storage codec); 0..255. */
  entryType: number;
  body: Uint8Array;
}

export function writeU64(target: Buffer, value: number, offset: number): void {
  target.writeUInt32BE(Math.floor(value / 0x1_0000_0000), offset);
  target.writeUInt32BE(value >>> 0, offset + 4);
}

export function readU64(source: Uint8Array, offset: number): number {
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  return view.getUint32(offset) * 0x1_0000_0000 + view.getUint32(offset + 4);
}

/** The 25 bytes that precede `record.body` on disk; the body itself is written as is (no copy). */
export function encodeRecordHead(record: LogRecord): Buffer {
  const head = Buffer.allocUnsafe(recordOverheadBytes);
  head.writeUInt32BE(recordPayloadHeadBytes + record.body.byteLength, 0);
  writeU64(head, record.index, 8);
  writeU64(head, record.term, 16);
  head[24] = record.entryType;
  let crc = crc32(head.subarray(0, 4));
  crc = crc32(head.subarray(8), crc);
  // Node 20's zlib.crc32 returns 0 (not the running value) for an empty view once its ArrayBuffer has
  // been materialized (any read of `.buffer`); an empty body adds nothing to the checksum anyway.
  if (record.body.byteLength > 0) crc = crc32(record.body, crc);
  head.writeUInt32BE(crc, 4);
  return head;
}

export type RecordCheck =
  | { ok: true; record: LogRecord; sizeBytes: number }
  | { ok: false; reason: 'short' | 'length' | 'checksum'; claimedSizeBytes: number };

/** Checks the record that starts at `offset` in `buf` (which holds the file from some base on). */
export function checkRecord(buf: Buffer, offset: number, payloadBytesMax: number): RecordCheck {
  if (buf.length - offset < recordHeaderBytes) return { ok: false, reason: 'short', claimedSizeBytes: recordHeaderBytes };
  const payloadLength = buf.readUInt32BE(offset);
  const claimedSizeBytes = recordHeaderBytes + payloadLength;
  if (payloadLength < recordPayloadHeadBytes || payloadLength > payloadBytesMax) {
    return { ok: false, reason: 'length', claimedSizeBytes };
  }
  if (buf.length - offset < claimedSizeBytes) return { ok: false, reason: 'short', claimedSizeBytes };
  const payload = buf.subarray(offset + recordHeaderBytes, offset + claimedSizeBytes);
  const crc = crc32(payload, crc32(buf.subarray(offset, offset + 4)));
  if (crc !== buf.readUInt32BE(offset + 4)) return { ok: false, reason: 'checksum', claimedSizeBytes };
  return {
    ok: true,
    sizeBytes: claimedSizeBytes,
    record: {
      index: readU64(payload, 0), term: readU64(payload, 8), entryType: payload[16]!, body: payload.subarray(recordPayloadHeadBytes),
    },
  };
}

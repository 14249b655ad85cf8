import type { Message } from '@tandem/raft';
import { BinaryReader } from './binary-reader.js';
import { BinaryWriter } from './binary-writer.js';
import { decodeMembership, decodeMessage, encodeMembership, encodeMessage } from './message-codec.js';
import type { SnapshotMeta } from './snapshot-store.js';

/**
 * The snapshot stream (Raft §7 InstallSnapshot, sent in chunks with offsets as in the paper's
 * Figure 13): the sender offers a snapshot, the receiver answers with how many bytes of it it
 * already holds (resume point), the sender streams chunks from there, each acknowledged with the
 * new offset (progress, and flow control), and the last ack says whether the snapshot committed.
 */
export interface SnapshotOffer {
  meta: SnapshotMeta;
  /** The core's installSnapshot message, stepped on the receiver once the data is durable. */
  message: Message;
}

export interface SnapshotChunk {
  index: number;
  term: number;
  offset: number;
  data: Uint8Array;
}

export interface SnapshotAck {
  index: number;
  term: number;
  /** Bytes the receiver holds durably-in-progress; the sender continues from here. */
  offset: number;
  done: boolean;
  /** The receiver refused or lost the transfer (bad CRC, unexpected chunk): start again from `offset`. */
  failed: boolean;
}

export function encodeOffer(o: SnapshotOffer): Uint8Array[] {
  const w = new BinaryWriter().u64(o.meta.index).u64(o.meta.term).u64(o.meta.sizeBytes).u32(o.meta.crc32);
  encodeMembership(w, o.meta.membership);
  encodeMessage(w, o.message);
  return w.finish();
}

export function decodeOffer(body: Uint8Array): SnapshotOffer {
  const r = new BinaryReader(body);
  const index = r.u64();
  const term = r.u64();
  const sizeBytes = r.u64();
  const crc32 = r.u32();
  const membership = decodeMembership(r);
  const message = decodeMessage(r);
  r.end();
  return { meta: { index, term, sizeBytes, crc32, membership }, message };
}

export function encodeChunk(c: SnapshotChunk): Uint8Array[] {
  return new BinaryWriter().u64(c.index).u64(c.term).u64(c.offset).bytes(c.data).finish();
}

export function decodeChunk(body: Uint8Array): SnapshotChunk {
  const r = new BinaryReader(body);
  const c = { index: r.u64(), term: r.u64(), offset: r.u64(), data: r.bytes() };
  r.end();
  return c;
}

export function encodeAck(a: SnapshotAck): Uint8Array[] {
  return new BinaryWriter().u64(a.index).u64(a.term).u64(a.offset).bool(a.done).bool(a.failed).finish();
}

export function decodeAck(body: Uint8Array): SnapshotAck {
  const r = new BinaryReader(body);
  const a = { index: r.u64(), term: r.u64(), offset: r.u64(), done: r.bool(), failed: r.bool() };
  r.end();
  return a;
}

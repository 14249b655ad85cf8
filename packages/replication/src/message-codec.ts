import { MESSAGE_TYPES, type Entry, type EntryType, type Membership, type Message, type Snapshot } from '@tandem/raft';
import { BinaryReader } from './binary-reader.js';
import { BinaryWriter } from './binary-writer.js';
import { WireFormatError } from './errors.js';

/**
 * Binary encoding of Raft messages for the transport. Entry data travels as raw bytes (u32 length +
 * bytes), never base64 or JSON: a 64 KiB mail costs 64 KiB plus 21 bytes. Decoded entry data are
 * views into the received frame (no copy). Field order is fixed; a version byte in the handshake
 * covers changes.
 */

export const entryTypeCodes: Record<EntryType, number> = { normal: 0, confChange: 1 };
const entryTypesByCode: EntryType[] = ['normal', 'confChange'];

export function entryTypeFromCode(code: number): EntryType {
  const t = entryTypesByCode[code];
  if (t === undefined) throw new WireFormatError(`unknown entry type ${code}`);
  return t;
}

const messageTypeCodes = new Map(MESSAGE_TYPES.map((t, i) => [t, i]));

export function encodeMessage(w: BinaryWriter, m: Message): void {
  const code = messageTypeCodes.get(m.type);
  if (code === undefined) throw new RangeError(`unknown message type ${m.type}`);
  w.u8(code).str(m.from).str(m.to).u64(m.term).u64(m.logTerm).u64(m.index).u64(m.commit)
    .bool(m.reject).u64(m.rejectHint).u64(m.sentTick).u64(m.dataIndex).bool(m.leadershipTransfer);
  w.u32(m.entries.length);
  for (const e of m.entries) encodeEntry(w, e);
  w.bool(m.snapshot !== undefined);
  if (m.snapshot !== undefined) encodeSnapshot(w, m.snapshot);
}

export function decodeMessage(r: BinaryReader): Message {
  const type = MESSAGE_TYPES[r.u8()];
  if (type === undefined) throw new WireFormatError('unknown message type');
  const m: Message = {
    type, from: r.str(), to: r.str(), term: r.u64(), logTerm: r.u64(), index: r.u64(), commit: r.u64(),
    reject: r.bool(), rejectHint: r.u64(), sentTick: r.u64(), dataIndex: r.u64(), leadershipTransfer: r.bool(),
    entries: [],
  };
  const n = r.count(21);
  for (let i = 0; i < n; i++) m.entries.push(decodeEntry(r));
  if (r.bool()) m.snapshot = decodeSnapshot(r);
  return m;
}

export function encodeEntry(w: BinaryWriter, e: Entry): void {
  w.u64(e.term).u64(e.index).u8(entryTypeCodes[e.type]).bytes(e.data);
}

export function decodeEntry(r: BinaryReader): Entry {
  return { term: r.u64(), index: r.u64(), type: entryTypeFromCode(r.u8()), data: r.bytes() };
}

export function encodeMembership(w: BinaryWriter, m: Membership): void {
  for (const list of [m.voters, m.witnesses, m.learners]) {
    w.u32(list.length);
    for (const id of list) w.str(id);
  }
}

export function decodeMembership(r: BinaryReader): Membership {
  const lists: string[][] = [];
  for (let k = 0; k < 3; k++) {
    const n = r.count(2);
    const list: string[] = [];
    for (let i = 0; i < n; i++) list.push(r.str());
    lists.push(list);
  }
  return { voters: lists[0]!, witnesses: lists[1]!, learners: lists[2]! };
}

function encodeSnapshot(w: BinaryWriter, s: Snapshot): void {
  w.u64(s.metadata.index).u64(s.metadata.term);
  encodeMembership(w, s.metadata.membership);
  w.bytes(s.data);
}

function decodeSnapshot(r: BinaryReader): Snapshot {
  const index = r.u64();
  const term = r.u64();
  const membership = decodeMembership(r);
  return { metadata: { index, term, membership }, data: r.bytes() };
}

/** Several messages in one frame body: u32 count, then each message. */
export function encodeMessageBatch(messages: readonly Message[]): Uint8Array[] {
  const w = new BinaryWriter();
  w.u32(messages.length);
  for (const m of messages) encodeMessage(w, m);
  return w.finish();
}

export function decodeMessageBatch(body: Uint8Array): Message[] {
  const r = new BinaryReader(body);
  const n = r.count(60);
  const out: Message[] = [];
  for (let i = 0; i < n; i++) out.push(decodeMessage(r));
  r.end();
  return out;
}

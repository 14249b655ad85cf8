// Goal: every Raft message field survives the binary encoding; damaged input fails loudly, never half-decodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { encodeConfChange, MESSAGE_TYPES, type Message } from '@tandem/raft';
import { decodeMessageBatch, encodeMessageBatch } from './message-codec.js';
import { WireFormatError } from './errors.js';

function full(type: Message['type']): Message {
  return {
    type, from: 'node-a', to: 'node-ü', term: 2 ** 40 + 7, logTerm: 3, index: 2 ** 45, commit: 99, reject: true,
    rejectHint: 12, sentTick: 123_456, dataIndex: 77, leadershipTransfer: true,
    entries: [
      { term: 3, index: 100, type: 'normal', data: randomBytes(64 * 1024) },
      { term: 3, index: 101, type: 'confChange', data: encodeConfChange({ type: 'addWitness', nodeId: 'w', context: '[{"host":"h","port":1}]' }) },
      { term: 3, index: 102, type: 'normal', data: new Uint8Array(0) },
    ],
    snapshot: { metadata: { index: 50, term: 2, membership: { voters: ['a', 'b', 'w'], witnesses: ['w'], learners: ['l'] } }, data: randomBytes(10) },
  };
}

function roundTrip(messages: Message[]): Message[] {
  return decodeMessageBatch(Buffer.concat(encodeMessageBatch(messages)));
}

test('every message type round-trips with all fields, raw entry bytes and a snapshot', () => {
  for (const type of MESSAGE_TYPES) {
    const m = full(type);
    const [back] = roundTrip([m]);
    assert.deepEqual({ ...back, entries: back!.entries.map((e) => ({ ...e, data: Buffer.from(e.data) })), snapshot: { ...back!.snapshot!, data: Buffer.from(back!.snapshot!.data) } },
      { ...m, entries: m.entries.map((e) => ({ ...e, data: Buffer.from(e.data) })), snapshot: { ...m.snapshot!, data: Buffer.from(m.snapshot!.data) } });
  }
});

test('a message without entries or snapshot stays without them; batches keep order', () => {
  const base = full('heartbeat');
  const plain: Message = { ...base, entries: [], reject: false, leadershipTransfer: false };
  delete plain.snapshot;
  const out = roundTrip([plain, { ...plain, term: 1 }, { ...plain, term: 2 }]);
  assert.deepEqual(out.map((m) => m.term), [plain.term, 1, 2]);
  assert.equal(out[0]!.snapshot, undefined);
  assert.deepEqual(out[0]!.entries, []);
});

test('the encoding of a 64 KiB entry costs its bytes plus a small fixed overhead (no base64, no JSON)', () => {
  const m: Message = { ...full('appendEntries'), entries: [{ term: 1, index: 1, type: 'normal', data: randomBytes(65536) }] };
  delete m.snapshot;
  const size = encodeMessageBatch([m]).reduce((n, p) => n + p.byteLength, 0);
  assert.ok(size < 65536 + 120, `encoded size ${size}`);
});

test('truncated, padded or nonsense input is a WireFormatError', () => {
  const bytes = Buffer.concat(encodeMessageBatch([full('appendEntries')]));
  assert.throws(() => decodeMessageBatch(bytes.subarray(0, bytes.length - 1)), WireFormatError);
  assert.throws(() => decodeMessageBatch(Buffer.concat([bytes, Buffer.of(0)])), WireFormatError);
  assert.throws(() => decodeMessageBatch(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])), WireFormatError);
  const badType = Buffer.from(bytes);
  badType[4] = 200; // the first message's type code
  assert.throws(() => decodeMessageBatch(badType), WireFormatError);
});

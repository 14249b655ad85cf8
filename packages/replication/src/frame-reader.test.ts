// Goal: frames come out whole however TCP splits them (large ones in shared memory), and an oversized length is refused before any allocation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameReader } from './frame-reader.js';
import { WireFormatError } from './errors.js';

function frame(body: string): Buffer {
  const b = Buffer.from(body);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(b.length);
  return Buffer.concat([head, b]);
}

test('frames split at every possible byte boundary are reassembled in order', () => {
  const stream = Buffer.concat([frame('alpha'), frame(''), frame('gamma-gamma')]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const reader = new FrameReader(1024);
    const out = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
    assert.deepEqual(out.map((f) => f.toString()), ['alpha', '', 'gamma-gamma'], `cut at ${cut}`);
  }
});

test('byte-by-byte delivery works too', () => {
  const stream = Buffer.concat([frame('one'), frame('two')]);
  const reader = new FrameReader(1024);
  const out: string[] = [];
  for (const byte of stream) out.push(...reader.push(Buffer.of(byte)).map((f) => f.toString()));
  assert.deepEqual(out, ['one', 'two']);
});

test('a length over frameBytesMax is a protocol error', () => {
  const reader = new FrameReader(16);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(17);
  assert.throws(() => reader.push(head), WireFormatError);
});

test('a frame inside one chunk is a view into it; a large frame across chunks is one copy in shared memory', () => {
  const big = Buffer.alloc(100 * 1024, 7);
  const stream = Buffer.concat([frame('small'), frame(big.toString('latin1'))]);
  const reader = new FrameReader(1 << 20);
  const first = reader.push(stream.subarray(0, 20));
  assert.equal(first[0]!.toString(), 'small');
  assert.equal(first[0]!.buffer, stream.buffer, 'no copy');
  const rest = [...reader.push(stream.subarray(20, 65_000)), ...reader.push(stream.subarray(65_000))];
  assert.equal(rest.length, 1);
  assert.ok(rest[0]!.buffer instanceof SharedArrayBuffer, 'entries decoded from it go to the host by reference');
  assert.deepEqual(rest[0], big);
});

test('without sharedFrames (encrypted links: bodies come out of the decipher) a large frame is ordinary memory', () => {
  const big = Buffer.alloc(100 * 1024, 7);
  const stream = frame(big.toString('latin1'));
  const reader = new FrameReader(1 << 20, { sharedFrames: false });
  const out = [...reader.push(stream.subarray(0, 65_000)), ...reader.push(stream.subarray(65_000))];
  assert.equal(out.length, 1);
  assert.ok(!(out[0]!.buffer instanceof SharedArrayBuffer));
  assert.deepEqual(out[0], big);
});

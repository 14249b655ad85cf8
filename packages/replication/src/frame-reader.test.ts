// Goal: frames come out whole however TCP splits them, and an oversized length is refused before any allocation.
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

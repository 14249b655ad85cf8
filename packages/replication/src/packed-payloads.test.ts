// Goal: payloads cross between threads intact — packed into shared or transferable memory, or passed by reference when already shared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { packPayloads, transferList, unpackPayloads } from './packed-payloads.js';

const texts = ['', 'a', 'hello', 'x'.repeat(70_000)];
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Posts over a real MessageChannel (structured clone + transfer), as between host and worker. */
async function roundTrip<T>(value: T, transfer: ArrayBuffer[]): Promise<T> {
  const { port1, port2 } = new MessageChannel();
  const received = new Promise<T>((resolve) => port2.once('message', resolve));
  port1.postMessage(value, transfer);
  const out = await received;
  port1.close();
  return out;
}

test('shared packing: one SharedArrayBuffer holds every payload; nothing is transferred', async () => {
  const packed = packPayloads(texts.map(bytes), { shared: true });
  assert.ok(packed.buffer instanceof SharedArrayBuffer);
  assert.deepEqual(transferList(packed), []);
  const out = unpackPayloads(await roundTrip(packed, transferList(packed)));
  assert.deepEqual(out.map(text), texts);
  assert.ok(out.every((v) => v.buffer instanceof SharedArrayBuffer));
});

test('by reference: payloads in shared memory are not copied; the others are, into one transferred buffer', async () => {
  const shared = unpackPayloads(packPayloads([bytes('s1'), bytes('s2')], { shared: true }));
  const mixed = [shared[0]!, bytes('own'), shared[1]!, bytes('')];
  const packed = packPayloads(mixed, { byReference: true });
  assert.equal(packed.buffer.byteLength, 3, 'only "own" was copied');
  assert.deepEqual(Object.keys(packed.refs ?? {}), ['0', '2']);
  const sent = transferList(packed);
  const out = unpackPayloads(await roundTrip(packed, sent));
  assert.equal(sent[0]!.byteLength, 0, 'the copied buffer was transferred (detached here)');
  assert.deepEqual(out.map(text), ['s1', 'own', 's2', '']);
  // A reference is the same memory, not a copy: a write through the original shows through.
  shared[0]![0] = 'S'.charCodeAt(0);
  assert.equal(text(out[0]!), 'S1');
});

test('without byReference, shared payloads are copied like any other', () => {
  const shared = unpackPayloads(packPayloads([bytes('abc')], { shared: true }));
  const packed = packPayloads(shared);
  assert.equal(packed.refs, undefined);
  assert.ok(!(packed.buffer instanceof SharedArrayBuffer));
  assert.deepEqual(unpackPayloads(packed).map(text), ['abc']);
});

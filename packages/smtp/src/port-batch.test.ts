// Goal: items added during one job cross together, in order, with their transfers, once that job and its microtasks are done; a later job's items make a send of their own; nothing is lost or sent twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortBatch } from './port-batch.js';

function recorder(): { sends: Array<{ items: number[]; transfer: ArrayBuffer[] }>; batch: PortBatch<number> } {
  const sends: Array<{ items: number[]; transfer: ArrayBuffer[] }> = [];
  return { sends, batch: new PortBatch<number>((items, transfer) => sends.push({ items, transfer })) };
}

test('items added in one job, and in the promise reactions it starts, are sent once, in order, after it', async () => {
  const { sends, batch } = recorder();
  const a = new ArrayBuffer(8);
  const b = new ArrayBuffer(16);
  batch.add(1, a);
  batch.add(2);
  // A group commit resolves its proposals together; their answers are added from reactions.
  await Promise.all([3, 4].map(async (n) => { await Promise.resolve(); batch.add(n, n === 4 ? b : undefined); }));
  assert.equal(sends.length, 0, 'nothing crosses before the job that added it is done');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(sends.map((s) => s.items), [[1, 2, 3, 4]]);
  assert.deepEqual(sends[0]!.transfer, [a, b]);
});

test('each later job makes a send of its own, and an empty turn sends nothing', async () => {
  const { sends, batch } = recorder();
  batch.add(1);
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  batch.add(2);
  batch.add(3);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(sends.map((s) => s.items), [[1], [2, 3]]);
  assert.deepEqual(sends.map((s) => s.transfer.length), [0, 0]);
});

// Goal: search conditions over a real journal — envelope and From, recipient address or domain, time window,
// decoded Subject, body text — each narrowing; the count is whole when the hits are cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchArchive } from './archive-search.js';
import { archiveBed, day, t0 } from './archive-test-store.js';

test('each condition narrows; subjects are decoded; text reads the bodies; limit cuts the hits, not the count', async (t) => {
  const bed = await archiveBed();
  t.after(() => bed.close());
  const seqs = async (q: Parameters<typeof searchArchive>[1], limit = 100): Promise<number[]> => (await searchArchive(bed.store, q, limit)).hits.map((h) => h.seq);
  assert.deepEqual(await seqs({}), [1, 2, 3]);
  assert.deepEqual(await seqs({ from: '@supplier.test' }), [1]);
  assert.deepEqual(await seqs({ to: 'Alice@example.test' }), [1, 3]);
  assert.deepEqual(await seqs({ to: '@example.test', from: 'bob' }), [3]);
  assert.deepEqual(await seqs({ sinceMs: t0 + 2 * day, untilMs: t0 + 3 * day }), [2]);
  assert.deepEqual(await seqs({ subject: 'prévision' }), [1]);
  assert.deepEqual(await seqs({ text: 'FORECAST' }), [1, 3]);
  assert.deepEqual(await seqs({ text: 'forecast', to: 'bob@example.test' }), []);
  const cut = await searchArchive(bed.store, {}, 2);
  assert.deepEqual([cut.count, cut.hits.length], [3, 2]);
  assert.equal(cut.hits[0]!.subject, 'Prévision Q4');
});

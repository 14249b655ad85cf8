// Goal: the parsed-message cache is a bounded LRU by entries and by estimated bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageCache } from './message-cache.js';

test('the least recently used entry goes first when the entry bound is passed', () => {
  const cache = new MessageCache(2, 1_000_000);
  cache.update('a', { envelope: 'A' });
  cache.update('b', { envelope: 'B' });
  assert.equal(cache.get('a')?.envelope, 'A'); // a is now the most recent
  cache.update('c', { envelope: 'C' });
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a')?.envelope, 'A');
  assert.equal(cache.size, 2);
});

test('facts accumulate on one entry and the byte bound evicts old entries', () => {
  const cache = new MessageCache(100, 5_000);
  cache.update('a', { header: Buffer.alloc(1000) });
  cache.update('a', { envelope: 'A' });
  assert.deepEqual(Object.keys(cache.get('a')!).sort(), ['envelope', 'header']);
  for (let i = 0; i < 5; i++) cache.update(`m${i}`, { header: Buffer.alloc(1000) });
  assert.ok(cache.sizeBytes <= 5_000);
  assert.equal(cache.get('a'), undefined);
  assert.ok(cache.get('m4'));
});

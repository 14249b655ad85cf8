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

test('a hit moves the entry to the most recent end without losing the others', () => {
  const cache = new MessageCache(3, 1_000_000);
  for (const key of ['a', 'b', 'c']) cache.update(key, { envelope: key });
  cache.get('a'); // order (oldest first): b c a
  cache.get('b'); // c a b
  cache.update('d', { envelope: 'D' });
  assert.equal(cache.get('c'), undefined);
  assert.deepEqual(['a', 'b', 'd'].map((k) => cache.get(k)?.envelope), ['a', 'b', 'D']);
  cache.update('e', { envelope: 'E' }); // the oldest now is a
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.size, 3);
});

test('delete drops the entry and gives its bytes back (an expunged message)', () => {
  const cache = new MessageCache(10, 1_000_000);
  cache.update('a', { header: Buffer.alloc(500) });
  cache.update('b', { header: Buffer.alloc(700) });
  const before = cache.sizeBytes;
  assert.equal(cache.delete('a'), true);
  assert.equal(cache.delete('a'), false);
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.size, 1);
  assert.ok(cache.sizeBytes < before - 500);
  // The list stays consistent: filling up evicts b (the only old entry), never a ghost of a.
  const small = new MessageCache(2, 1_000_000);
  small.update('x', {});
  small.update('y', {});
  small.delete('x');
  small.update('z', {});
  small.update('w', {});
  assert.equal(small.get('y'), undefined);
  assert.ok(small.get('z') && small.get('w'));
});

test('parsed header fields and remembered SEARCH values count toward the byte bound', () => {
  const cache = new MessageCache(100, 1_000_000);
  cache.update('a', { header: Buffer.alloc(100) });
  const headerOnly = cache.sizeBytes;
  cache.update('a', { headerBlock: { start: 0, end: 100, terminator: 'empty-line', fields: Array.from({ length: 10 }, () => ({ start: 0, nameEnd: 1, valueStart: 2, valueEnd: 3, end: 4 })) } });
  const withBlock = cache.sizeBytes;
  assert.ok(withBlock > headerOnly);
  cache.update('a', { searchFields: new Map([['subject', ['x'.repeat(1000)]]]) });
  assert.ok(cache.sizeBytes >= withBlock + 2000);
  const tight = new MessageCache(100, cache.sizeBytes + 10);
  tight.update('a', cache.get('a')!);
  tight.update('b', { searchFields: new Map([['subject', ['y'.repeat(1000)]]]) });
  assert.equal(tight.get('a'), undefined, 'the older entry went to keep the bound');
  assert.ok(tight.sizeBytes <= tight.bytesMax);
});

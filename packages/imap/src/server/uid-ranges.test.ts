// Goal: VANISHED (EARLIER) ranges are exactly the requested UIDs that are not present, without walking every UID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipIntervals, formatRanges, missingRanges } from './uid-ranges.js';

test('missing parts of intervals around present UIDs', () => {
  assert.deepEqual(missingRanges([[1, 10]], [2, 3, 7]), [[1, 1], [4, 6], [8, 10]]);
  assert.deepEqual(missingRanges([[1, 3], [5, 9]], [1, 2, 3, 5, 9]), [[6, 8]]);
  assert.deepEqual(missingRanges([[4, 4]], []), [[4, 4]]);
  assert.deepEqual(missingRanges([[1, 5]], [1, 2, 3, 4, 5]), []);
});

test('a huge interval costs what the present list costs', () => {
  const present = Array.from({ length: 10_000 }, (_, i) => i * 2 + 1);
  const started = Date.now();
  const gaps = missingRanges([[1, 4_294_967_295]], present);
  assert.ok(Date.now() - started < 100);
  assert.equal(gaps.length, 10_000);
  assert.deepEqual(gaps.at(-1), [20_000, 4_294_967_295]);
});

test('formatting and clipping', () => {
  assert.equal(formatRanges([[1, 1], [3, 5]]), '1,3:5');
  assert.deepEqual(clipIntervals([[1, 3], [5, 99]], 7), [[1, 3], [5, 7]]);
  assert.deepEqual(clipIntervals([[8, 9]], 7), []);
});

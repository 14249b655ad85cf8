// Goal: sequence sets resolve "*", reversed ranges and overlaps correctly, and format compactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSeqRanges, formatSequenceSet, resolveSequenceSet, sequenceSetContains } from './sequence-set.js';

test('resolve: "*" is the largest number, ranges are unordered, overlaps merge', () => {
  assert.deepEqual(resolveSequenceSet([{ start: 4, end: 2 }, { start: 3, end: '*' }], 10), [[2, 10]]);
  assert.deepEqual(resolveSequenceSet([{ start: 1, end: 1 }, { start: 3, end: 3 }, { start: 2, end: 2 }], 5), [[1, 3]]);
  assert.deepEqual(resolveSequenceSet([{ start: 1, end: 2 }, { start: 5, end: 6 }], 9), [[1, 2], [5, 6]]);
});

test('resolve: UID "n:*" above every UID still means the highest UID (RFC 9051 §6.4.8)', () => {
  assert.deepEqual(resolveSequenceSet([{ start: 500, end: '*' }], 120), [[120, 500]]);
});

test('resolve: in an empty mailbox "*" matches nothing', () => {
  assert.deepEqual(resolveSequenceSet([{ start: '*', end: '*' }, { start: 1, end: '*' }], 0), []);
  assert.deepEqual(resolveSequenceSet([{ start: 2, end: 3 }], 0), [[2, 3]]);
});

test('contains', () => {
  const ranges = [{ start: 2, end: 4 } as const, { start: '*', end: '*' } as const];
  assert.equal(sequenceSetContains(ranges, 3, 9), true);
  assert.equal(sequenceSetContains(ranges, 9, 9), true);
  assert.equal(sequenceSetContains(ranges, 5, 9), false);
});

test('format keeps order and compresses runs (COPYUID pairs by position, RFC 4315 §3)', () => {
  assert.equal(formatSequenceSet([1, 2, 3, 7, 9, 10]), '1:3,7,9:10');
  assert.equal(formatSequenceSet([5, 4, 3]), '5,4,3');
  assert.equal(formatSequenceSet([]), '');
  assert.equal(formatSeqRanges({ kind: 'uid', ranges: [{ start: 1, end: '*' }, { start: 4, end: 4 }] }), '1:*,4');
  assert.equal(formatSeqRanges({ kind: 'saved', numbering: 'uid' }), '$');
});

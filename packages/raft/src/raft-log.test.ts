// Goal: RaftLog's Figure 2 receiver mechanics — conflicts, truncation, commit rules, fast-backtracking
// hints — over storage plus an unstable tail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from './memory-storage.js';
import { RaftInvariantError } from './raft-errors.js';
import { RaftLog } from './raft-log.js';
import { makeEntries } from './test-support/mem-cluster.js';

function log(terms: number[]): RaftLog {
  const s = new MemoryStorage();
  s.append(makeEntries(terms));
  return new RaftLog(s);
}

test('findConflictByTerm skips past every entry of a term greater than the leader\'s', () => {
  const l = log([1, 1, 2, 2, 4, 4]);
  assert.deepEqual(l.findConflictByTerm(6, 3), { index: 4, term: 2 });
  assert.deepEqual(l.findConflictByTerm(6, 4), { index: 6, term: 4 });
  assert.deepEqual(l.findConflictByTerm(6, 1), { index: 2, term: 1 });
  assert.deepEqual(l.findConflictByTerm(9, 0), { index: 0, term: 0 });
});

test('maybeAppend truncates a conflicting suffix, never a committed entry', () => {
  const l = log([1, 1, 1]);
  assert.equal(l.maybeAppend(1, 1, 0, makeEntries([2, 2], 2)), 3);
  assert.deepEqual(l.slice(1, 4).map((e) => e.term), [1, 2, 2]);
  assert.equal(l.maybeAppend(3, 9, 0, []), undefined, 'mismatched prevLogTerm');
  l.commitTo(3);
  assert.throws(() => l.maybeAppend(1, 1, 3, makeEntries([3], 2)), RaftInvariantError);
});

test('commitTo never goes backwards nor past the last index; applied stays ≤ committed', () => {
  const l = log([1, 1]);
  assert.equal(l.commitTo(2), true);
  assert.equal(l.commitTo(1), false);
  assert.equal(l.committed, 2);
  assert.throws(() => l.commitTo(3), RaftInvariantError);
  assert.deepEqual(l.nextCommittedEntries(Infinity).map((e) => e.index), [1, 2]);
  l.appliedTo(2);
  assert.throws(() => l.appliedTo(1), RaftInvariantError);
});

test('isUpToDate compares last term first, then length (§5.4.1)', () => {
  const l = log([1, 2, 2]);
  assert.equal(l.isUpToDate(1, 3), true);
  assert.equal(l.isUpToDate(3, 2), true);
  assert.equal(l.isUpToDate(2, 2), false);
  assert.equal(l.isUpToDate(10, 1), false);
});

test('unstable entries leave the unstable tail only when persisted with the same term', () => {
  const l = log([1]);
  l.append(makeEntries([2, 2], 2));
  assert.deepEqual(l.unstableEntries().map((e) => e.index), [2, 3]);
  l.append(makeEntries([3], 3)); // replaced before persisting
  l.stableTo(3, 2); // stale confirmation: ignored
  assert.deepEqual(l.unstableEntries().map((e) => [e.index, e.term]), [[2, 2], [3, 3]]);
  l.stableTo(3, 3);
  assert.deepEqual(l.unstableEntries(), []);
});

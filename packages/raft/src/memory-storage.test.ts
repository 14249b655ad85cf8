// Goal: MemoryStorage, the model every Storage follows: contiguous entries, suffix replacement,
// snapshots that carry the configuration, compaction never past the snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from './memory-storage.js';
import { CompactedError, RaftUsageError, SnapshotOutOfDateError, UnavailableError } from './raft-errors.js';
import { encodeConfChange } from './conf-change.js';
import { makeEntries } from './test-support/mem-cluster.js';

const m3 = { voters: ['a', 'b', 'c'], witnesses: [], learners: [] };

test('a founding configuration is written as committed entries 1..k of term 0', () => {
  const s = new MemoryStorage({ membership: { voters: ['a', 'b', 'w'], witnesses: ['w'], learners: [] } });
  assert.deepEqual([s.firstIndex(), s.lastIndex()], [1, 3]);
  assert.deepEqual(s.entries(1, 4).map((e) => [e.term, e.type]), [[0, 'confChange'], [0, 'confChange'], [0, 'confChange']]);
  assert.deepEqual(s.initialState().hardState, { term: 0, vote: null, commit: 3 });
  assert.deepEqual(s.initialState().membership, { voters: [], witnesses: [], learners: [] }, 'nothing below the log');
  assert.deepEqual(s.membershipAt(3), { voters: ['a', 'b', 'w'], witnesses: ['w'], learners: [] });
});

test('append replaces the suffix from the first new index; a gap is refused', () => {
  const s = new MemoryStorage();
  s.append(makeEntries([1, 1, 1]));
  s.append(makeEntries([2], 2));
  assert.deepEqual(s.entries(1, 3).map((e) => e.term), [1, 2]);
  assert.equal(s.lastIndex(), 2);
  assert.throws(() => s.append(makeEntries([2], 5)), RaftUsageError);
});

test('entries() honours maxSizeBytes but returns at least one entry; bounds throw typed errors', () => {
  const s = new MemoryStorage();
  s.append(makeEntries([1, 1, 1, 1]));
  assert.equal(s.entries(1, 5, 1).length, 1);
  assert.equal(s.entries(1, 5, 60).length, 2); // 2 + 24 bytes each
  assert.throws(() => s.entries(1, 7), UnavailableError);
  s.createSnapshot(2, new Uint8Array([1]));
  s.compact(2);
  assert.throws(() => s.entries(2, 4), CompactedError);
  assert.throws(() => s.term(1), CompactedError);
  assert.equal(s.term(2), 1, 'the snapshot index keeps its term');
});

test('snapshots carry the configuration at their index; compaction folds conf changes into the base', () => {
  const s = new MemoryStorage({ membership: m3 });
  s.append([{ term: 1, index: 4, type: 'confChange', data: encodeConfChange({ type: 'removeNode', nodeId: 'c' }) }]);
  s.append(makeEntries([1], 5));
  const snap = s.createSnapshot(5, new Uint8Array([9]));
  assert.deepEqual(snap.metadata, { index: 5, term: 1, membership: { voters: ['a', 'b'], witnesses: [], learners: [] } });
  s.compact(4);
  assert.deepEqual(s.initialState().membership.voters, ['a', 'b']);
  assert.equal(s.firstIndex(), 5);
  assert.throws(() => s.compact(6), RaftUsageError, 'never past the snapshot');
  assert.throws(() => s.createSnapshot(5, new Uint8Array()), SnapshotOutOfDateError);
});

test('applySnapshot replaces the log; an older snapshot is refused', () => {
  const s = new MemoryStorage({ membership: m3 });
  s.append(makeEntries([1, 1], 4));
  s.applySnapshot({ metadata: { index: 10, term: 3, membership: m3 }, data: new Uint8Array() });
  assert.deepEqual([s.firstIndex(), s.lastIndex(), s.term(10)], [11, 10, 3]);
  assert.throws(() => s.applySnapshot({ metadata: { index: 9, term: 3, membership: m3 }, data: new Uint8Array() }), SnapshotOutOfDateError);
});

// Goal: every checker of the simulation actually fires on the history it forbids (a checker that
// never fails proves nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry } from '@tandem/raft';
import { MemoryStorage } from '@tandem/raft';
import { SafetyChecker } from './safety-checker.js';

const enc = new TextEncoder();
const entry = (index: number, term: number, data: string): Entry => ({ index, term, type: 'normal', data: enc.encode(data) });

function storageWith(entries: Entry[]): MemoryStorage {
  const s = new MemoryStorage();
  s.append(entries);
  return s;
}

test('election safety: two leaders in one term', () => {
  const c = new SafetyChecker();
  c.onLeader('a', 2, new MemoryStorage());
  c.onLeader('a', 2, new MemoryStorage());
  assert.equal(c.violations.length, 0);
  c.onLeader('b', 2, new MemoryStorage());
  assert.deepEqual(c.violations.map((v) => v.kind), ['election safety']);
});

test('log matching: same index and term, different entries or different predecessors', () => {
  const c = new SafetyChecker();
  const a = storageWith([entry(1, 1, 'x'), entry(2, 2, 'y')]);
  c.onPersistEntries('a', [entry(1, 1, 'x'), entry(2, 2, 'y')], a);
  const b = storageWith([entry(1, 1, 'x'), entry(2, 2, 'z')]);
  c.onPersistEntries('b', [entry(2, 2, 'z')], b);
  const d = storageWith([entry(1, 2, 'q'), entry(2, 2, 'y')]);
  c.onPersistEntries('d', [entry(1, 2, 'q'), entry(2, 2, 'y')], d);
  assert.deepEqual(c.violations.map((v) => v.kind), ['log matching', 'log matching']);
});

test('commit: one index committed with two terms; leader completeness: a later leader lacks it', () => {
  const c = new SafetyChecker();
  c.onCommit('a', 2, 1, storageWith([entry(1, 1, 'x'), entry(2, 1, 'y')]), []);
  c.onCommit('b', 2, 2, storageWith([entry(1, 1, 'x'), entry(2, 2, 'w')]), []);
  assert.deepEqual(c.violations.map((v) => v.kind), ['commit']);
  const c2 = new SafetyChecker();
  c2.onCommit('a', 2, 1, storageWith([entry(1, 1, 'x'), entry(2, 1, 'y')]), []);
  c2.onLeader('b', 2, storageWith([entry(1, 1, 'x')]));
  assert.deepEqual(c2.violations.map((v) => v.kind), ['leader completeness']);
});

test('state machine safety: different entries applied at one index, gaps, applying the uncommitted', () => {
  const c = new SafetyChecker();
  c.onCommit('a', 2, 1, storageWith([entry(1, 1, 'x'), entry(2, 1, 'y')]), []);
  c.onApply('a', entry(1, 1, 'x'));
  c.onApply('b', entry(1, 1, 'not-x'));
  c.onApply('a', entry(3, 1, 'gap'));
  assert.deepEqual(c.violations.map((v) => v.kind), ['state machine safety', 'state machine safety', 'state machine safety']);
});

test('leader lease: a valid lease while someone leads a later term', () => {
  const c = new SafetyChecker();
  c.checkLeases([{ id: 'a', role: 'leader', term: 1, leaseValid: true }, { id: 'b', role: 'follower', term: 2, leaseValid: false }]);
  assert.equal(c.violations.length, 0);
  c.checkLeases([{ id: 'a', role: 'leader', term: 1, leaseValid: true }, { id: 'b', role: 'leader', term: 2, leaseValid: false }]);
  assert.deepEqual(c.violations.map((v) => v.kind), ['leader lease']);
});

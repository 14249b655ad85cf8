// Goal: RawNode's contract with its driver — Ready/advance alternation, mustSync rules, limits on
// proposals and committed batches, typed errors with a leader hint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotLeaderError, ProposalDroppedError, RaftUsageError } from './raft-errors.js';
import { MemCluster, bytes, handleReady, msg, newMember } from './test-support/mem-cluster.js';

test('ready() twice without advance() is a usage error; hasReady() is false meanwhile', () => {
  const m = newMember({ id: '1', voters: ['1', '2', '3'] });
  m.raw.step(msg('heartbeat', '2', '1', 1));
  const rd = m.raw.ready();
  assert.equal(m.raw.hasReady(), false);
  assert.throws(() => m.raw.ready(), RaftUsageError);
  m.raw.advance(rd);
  assert.throws(() => m.raw.advance(rd), RaftUsageError);
});

test('mustSync only for term, vote, entries or snapshot — not for a commit-only change', () => {
  const m = newMember({ id: '2', voters: ['1', '2', '3'] });
  m.raw.step(msg('appendEntries', '1', '2', 1, { entries: [{ term: 1, index: 1, type: 'normal', data: bytes('a') }] }));
  const first = m.raw.ready();
  assert.equal(first.mustSync, true);
  handleReady(m, first);
  m.raw.step(msg('heartbeat', '1', '2', 1, { commit: 1 }));
  const rd = m.raw.ready();
  assert.deepEqual([rd.hardState?.commit, rd.mustSync], [1, false]);
});

test('a follower refuses proposals with the leader as hint', () => {
  const c = MemCluster.of(['1', '2', '3']);
  c.elect('1');
  assert.throws(() => c.get('2').raw.propose(bytes('x')), (e: unknown) => e instanceof NotLeaderError && e.leaderHint === '1');
});

test('proposals beyond maxUncommittedSizeBytes are dropped, the first always accepted', () => {
  const c = MemCluster.of(['1', '2', '3'], { config: { maxUncommittedSizeBytes: 100 } });
  c.elect('1');
  c.isolate('1');
  const l = c.get('1').raw;
  l.propose(new Uint8Array(200));
  assert.throws(() => l.propose(new Uint8Array(10)), (e: unknown) => e instanceof ProposalDroppedError && e.reason === 'uncommittedLimit');
  c.heal();
  c.stabilize();
  l.propose(new Uint8Array(10));
});

test('committed entries come in batches of at most maxCommittedSizePerReadyBytes', () => {
  const c = MemCluster.of(['1'], { config: { maxCommittedSizePerReadyBytes: 100 } });
  c.elect('1');
  const l = c.get('1');
  for (let i = 0; i < 5; i++) l.raw.propose(new Uint8Array(60));
  const sizes: number[] = [];
  while (l.raw.hasReady()) {
    const rd = l.raw.ready();
    l.storage.append(rd.entries);
    sizes.push(rd.committedEntries.length);
    l.raw.advance(rd);
  }
  assert.deepEqual(sizes.filter((n) => n > 0), [1, 1, 1, 1, 1]);
});

test('a message addressed to another member is a usage error', () => {
  const m = newMember({ id: '1', voters: ['1', '2'] });
  assert.throws(() => m.raw.step(msg('heartbeat', '2', '3', 1)), RaftUsageError);
});

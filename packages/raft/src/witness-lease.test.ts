// Goal: the witness member (DESIGN §2) and the leader lease (DESIGN §4) behave as specified: a witness
// votes and stores but never serves and hands leadership to a data member; the lease is shorter than
// any election, is lost on transfer and check-quorum failure, and survives restarts of followers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProposalDroppedError } from './raft-errors.js';
import { RawNode } from './raw-node.js';
import { MemCluster, bytes, drain, msg, newMember, tickN } from './test-support/mem-cluster.js';

const ddw = { voters: ['a', 'b', 'w'], witnesses: ['w'] };

function witnessCluster(): MemCluster {
  // Distinct timeouts for a and b (rand), so their elections do not tie.
  return new MemCluster(['a', 'b', 'w'].map((id) => ({
    id, ...ddw, bootstrap: 'entries' as const, config: { rand: () => (id === 'b' ? 0.5 : 0) },
  })));
}

test('DESIGN §2 witness: a witness refuses proposals even as leader, and never applies entries', () => {
  const w = newMember({ id: 'w', ...ddw, logTerms: [1], term: 1, commit: 1 });
  tickN(w, 20); // its own (witness) election timeout
  w.raw.step(msg('requestPreVoteResponse', 'a', 'w', 2));
  w.raw.step(msg('requestVoteResponse', 'a', 'w', 2));
  assert.equal(w.raw.status().role, 'leader');
  assert.throws(() => w.raw.propose(bytes('x')), (e: unknown) => e instanceof ProposalDroppedError && e.reason === 'witness');
  assert.throws(() => w.raw.proposeConfChange({ type: 'addLearner', nodeId: 'z' }), ProposalDroppedError);
  const rd = w.raw.ready();
  assert.deepEqual(rd.committedEntries.map((e) => e.index), [1], 'handed out, but a witness driver applies nothing');
  w.raw.advance(rd);
  assert.equal(w.raw.status().leaseValid, false, 'a witness never holds the lease (it never holds the VIP)');
});

test('DESIGN §2 witness: a witness uses the longer election timeout', () => {
  const w = newMember({ id: 'w', ...ddw, config: { witnessElectionTimeoutTicks: 25 } });
  tickN(w, 24);
  assert.equal(w.raw.status().role, 'follower');
  w.raw.tick();
  assert.equal(w.raw.status().role, 'preCandidate');
  const a = newMember({ id: 'a', ...ddw });
  tickN(a, 10);
  assert.equal(a.raw.status().role, 'preCandidate');
});

test('DESIGN §2 witness: a witness leader brings a data member up to date, then hands leadership to it', () => {
  const c = witnessCluster();
  c.elect('a');
  c.cut('a', 'b');
  c.get('a').raw.propose(bytes('m1'));
  c.stabilize();
  assert.equal(c.get('a').raw.status().commit, 5, 'a + witness commit without b');
  c.isolate('a'); // a is gone; only the witness holds m1
  c.heal();
  c.isolate('a');
  c.tickAll(60);
  const b = c.get('b');
  assert.deepEqual(c.leaderIds().filter((id) => id !== 'a'), ['b']);
  assert.deepEqual(b.applied, ['m1']);
  const wTerms = c.delivered.filter((m) => m.type === 'timeoutNow' && m.from === 'w' && m.to === 'b');
  assert.equal(wTerms.length, 1, 'the witness handed over with TimeoutNow');
});

test('DESIGN §2 witness: dataIndex is what every data voter holds; followers learn it from the leader', () => {
  const c = witnessCluster();
  c.elect('a');
  c.cut('a', 'b');
  c.get('a').raw.propose(bytes('m1'));
  c.stabilize();
  c.tickAll(1);
  assert.equal(c.get('a').raw.status().dataIndex, 4, 'b lacks index 5');
  assert.equal(c.get('w').raw.status().dataIndex, 4, 'so the witness must keep it');
  c.heal();
  c.tickAll(2);
  assert.equal(c.get('a').raw.status().dataIndex, 5);
  assert.equal(c.get('w').raw.status().dataIndex, 5);
});

test('DESIGN §2 witness: the leader sends a witness snapshots without state machine data', () => {
  const c = witnessCluster();
  c.cut('a', 'w');
  c.elect('a');
  for (const d of ['x', 'y']) c.get('a').raw.propose(bytes(d));
  c.stabilize();
  c.get('a').storage.createSnapshot(6, bytes('mail store state'));
  c.get('a').storage.compact(6);
  c.heal();
  c.tickAll(2);
  const snaps = c.delivered.filter((m) => m.type === 'installSnapshot' && m.to === 'w');
  assert.equal(snaps.length, 1);
  assert.equal(snaps[0]?.snapshot?.metadata.index, 6);
  assert.equal(snaps[0]?.snapshot?.data.byteLength, 0);
  assert.equal(c.get('w').raw.status().commit, 6);
});

test('DESIGN §4 lease: valid once a quorum acknowledged a message sent less than leaseTicks ago', () => {
  const c = MemCluster.of(['1', '2', '3']);
  c.elect('1');
  const l = c.get('1');
  assert.equal(l.raw.status().leaseValid, true);
  c.isolate('1');
  c.tickAll(7);
  assert.deepEqual([l.raw.status().leaseValid, l.raw.status().leaseRemainingTicks], [true, 1]);
  c.tickAll(1);
  assert.deepEqual([l.raw.status().role, l.raw.status().leaseValid], ['leader', false], 'lease ends before check-quorum');
  c.heal();
  c.tickAll(1);
  assert.equal(l.raw.status().leaseValid, true, 'renewed by the next acknowledged heartbeat');
});

test('DESIGN §4 lease: one member answering is enough only if it makes a quorum', () => {
  const c = MemCluster.of(['1', '2', '3', '4', '5']);
  c.elect('1');
  c.isolate('3');
  c.cut('1', '4');
  c.tickAll(20);
  assert.equal(c.get('1').raw.status().leaseValid, true, '1, 2 and 5 are a quorum');
  c.cut('1', '5');
  c.tickAll(8);
  assert.equal(c.get('1').raw.status().leaseValid, false, '1 and 2 are not');
});

test('DESIGN §4 lease: lost as soon as a leadership transfer starts, and for the rest of the term after TimeoutNow', () => {
  const c = MemCluster.of(['1', '2', '3']);
  c.elect('1');
  c.isolate('3');
  c.get('1').raw.propose(bytes('x')); // 3 lags, so the transfer must first send it entries
  c.stabilize();
  c.get('1').raw.transferLeadership('3');
  assert.equal(c.get('1').raw.status().leaseValid, false);
  c.heal();
  c.get('1').raw.transferLeadership('1'); // abort before any TimeoutNow left
  c.tickAll(1);
  assert.equal(c.get('1').raw.status().leaseValid, true);
  c.get('1').raw.transferLeadership('2');
  drain(c.get('1')); // the TimeoutNow leaves... and is lost
  c.get('1').raw.transferLeadership('1');
  c.tickAll(3);
  assert.deepEqual([c.get('1').raw.status().role, c.get('1').raw.status().leaseValid], ['leader', false]);
});

test('DESIGN §4 lease: a restarted voter refuses votes for an election timeout (it may have acknowledged a lease)', () => {
  const f = newMember({ id: '2', voters: ['1', '2', '3'], term: 3, config: { rand: () => 0.99 } });
  f.raw.step(msg('requestVote', '3', '2', 4));
  assert.deepEqual(drain(f), [], 'ignored right after the restart');
  tickN(f, 10);
  f.raw.step(msg('requestVote', '3', '2', 4));
  assert.deepEqual(drain(f).map((m) => [m.type, m.reject]), [['requestVoteResponse', false]]);
});

test('DESIGN §4 lease: campaign() is ignored while the member hears from a live leader', () => {
  const c = MemCluster.of(['1', '2', '3']);
  c.elect('1');
  c.get('2').raw.campaign();
  c.stabilize();
  assert.deepEqual(c.leaderIds(), ['1']);
  assert.equal(c.get('2').raw.status().term, 1);
});

test('a brand-new member (term 0) has acknowledged nothing, so it may vote at once', () => {
  const f = newMember({ id: '2', voters: ['1', '2', '3'] });
  f.raw.step(msg('requestVote', '3', '2', 1));
  assert.deepEqual(drain(f).map((m) => m.reject), [false]);
  assert.ok(new RawNode(f.config, f.storage).status().term === 1);
});

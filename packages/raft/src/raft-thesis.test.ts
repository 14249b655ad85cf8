// Goal: the rules Ongaro's thesis adds to the paper — leadership transfer (§3.10), single-server
// membership changes and learners (§4), Check-Quorum (§6.2) and Pre-Vote with leader stickiness (§9.6) —
// one test each, named after its section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeConfChange } from './conf-change.js';
import { MemoryStorage } from './memory-storage.js';
import { LeadershipTransferError, ProposalDroppedError } from './raft-errors.js';
import { RawNode } from './raw-node.js';
import { MemCluster, bytes, drain, msg, newMember, tickN } from './test-support/mem-cluster.js';
import { defaultRaftConfig } from './raft-config.js';

const ids3 = ['1', '2', '3'];

function dropReason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProposalDroppedError) return e.reason;
    throw e;
  }
  return 'accepted';
}

test('thesis §3.10: transfer brings the target up to date, then TimeoutNow; the target wins at once', () => {
  const c = MemCluster.of(ids3);
  c.cut('1', '3');
  c.elect('1');
  c.get('1').raw.propose(bytes('a'));
  c.stabilize();
  assert.equal(c.get('3').raw.status().lastIndex, 0, 'member 3 lags');
  c.heal();
  c.get('1').raw.transferLeadership('3');
  assert.equal(c.get('1').raw.status().leadTransferee, '3');
  c.tickAll(1); // a heartbeat reply lets the leader probe member 3 again
  assert.deepEqual(c.leaderIds(), ['3']);
  assert.equal(c.get('3').raw.status().term, 2);
  const order = c.delivered.filter((m) => m.to === '3' && (m.type === 'appendEntries' || m.type === 'timeoutNow'));
  assert.equal(order[order.length - 1]?.type, 'timeoutNow', 'TimeoutNow only after the log is current');
  const votes = c.delivered.filter((m) => m.type === 'requestVote' && m.from === '3');
  assert.ok(votes.every((v) => v.leadershipTransfer), 'the election says it is a transfer');
});

test('thesis §3.10: the leader refuses proposals while handing over', () => {
  const c = MemCluster.of(ids3);
  c.elect('1');
  c.isolate('3');
  c.get('1').raw.transferLeadership('3');
  assert.equal(dropReason(() => c.get('1').raw.propose(bytes('x'))), 'leadershipTransfer');
});

test('thesis §3.10: a transfer that does not complete within an election timeout is aborted', () => {
  const c = MemCluster.of(ids3);
  c.elect('1');
  c.isolate('3');
  c.get('1').raw.transferLeadership('3');
  c.tickAll(10);
  const s = c.get('1').raw.status();
  assert.deepEqual([s.role, s.leadTransferee], ['leader', null]);
  assert.equal(dropReason(() => c.get('1').raw.propose(bytes('x'))), 'accepted');
});

test('thesis §3.10: leadership goes only to a data voter', () => {
  const c = new MemCluster([
    { id: '1', voters: ['1', '2', '3'], witnesses: ['3'], learners: ['4'] },
    { id: '2', voters: ['1', '2', '3'], witnesses: ['3'], learners: ['4'] },
    { id: '3', voters: ['1', '2', '3'], witnesses: ['3'], learners: ['4'] },
    { id: '4', voters: ['1', '2', '3'], witnesses: ['3'], learners: ['4'] },
  ]);
  c.elect('1');
  assert.throws(() => c.get('1').raw.transferLeadership('3'), LeadershipTransferError);
  assert.throws(() => c.get('1').raw.transferLeadership('4'), LeadershipTransferError);
});

function joinCluster(): MemCluster {
  // Members 1-3 form the cluster; member 4 starts with no configuration and joins by conf change.
  const b = { bootstrap: 'entries' as const };
  return new MemCluster([
    { id: '1', voters: ids3, ...b }, { id: '2', voters: ids3, ...b }, { id: '3', voters: ids3, ...b }, { id: '4', voters: [], ...b },
  ]);
}

test('thesis §4.1: a configuration takes effect as soon as its entry is appended, before it commits', () => {
  const c = joinCluster();
  c.elect('1');
  const pos = c.get('1').raw.proposeConfChange({ type: 'addVoter', nodeId: '4' });
  assert.deepEqual(c.get('1').raw.status().membership.voters, ['1', '2', '3', '4']);
  for (const m of drain(c.get('1'))) if (m.to === '2') c.get('2').raw.step(m);
  const s2 = c.get('2').raw.status();
  assert.ok(s2.commit < pos.index, 'not committed yet on 2');
  assert.deepEqual(s2.membership.voters, ['1', '2', '3', '4']);
  c.stabilize();
  c.tickAll(2);
  assert.deepEqual(c.get('4').raw.status().membership.voters, ['1', '2', '3', '4']);
  assert.equal(c.get('4').raw.status().commit, c.get('1').raw.status().commit);
});

test('thesis §4.1: only one membership change may be uncommitted at a time', () => {
  const c = joinCluster();
  c.elect('1');
  c.get('1').raw.proposeConfChange({ type: 'addLearner', nodeId: '4' });
  assert.equal(dropReason(() => c.get('1').raw.proposeConfChange({ type: 'addVoter', nodeId: '4' })), 'confChangePending');
  c.stabilize();
  assert.equal(dropReason(() => c.get('1').raw.proposeConfChange({ type: 'addVoter', nodeId: '4' })), 'accepted');
});

test('thesis §4.1 (raft-dev, 2015 fix): a new leader changes membership only after committing an entry of its term', () => {
  const c = joinCluster();
  c.get('1').raw.campaign();
  // Deliver until 1 is leader, but do not let its no-op commit.
  for (let i = 0; i < 10 && c.get('1').raw.status().role !== 'leader'; i++) {
    for (const m of [...drain(c.get('1')), ...drain(c.get('2')), ...drain(c.get('3'))]) c.deliver(m);
  }
  assert.equal(c.get('1').raw.status().role, 'leader');
  assert.equal(dropReason(() => c.get('1').raw.proposeConfChange({ type: 'addLearner', nodeId: '4' })), 'noCommitInTerm');
  c.stabilize();
  assert.equal(dropReason(() => c.get('1').raw.proposeConfChange({ type: 'addLearner', nodeId: '4' })), 'accepted');
});

test('thesis §4.1: when a conflicting suffix is truncated, a configuration in it is rolled back', () => {
  const f = newMember({ id: '2', voters: ids3, term: 1 });
  const conf = { term: 1, index: 1, type: 'confChange' as const, data: encodeConfChange({ type: 'addVoter', nodeId: '4' }) };
  f.raw.step(msg('appendEntries', '1', '2', 1, { entries: [conf] }));
  assert.deepEqual(f.raw.status().membership.voters, ['1', '2', '3', '4']);
  drain(f);
  const other = { term: 2, index: 1, type: 'normal' as const, data: bytes('x') };
  f.raw.step(msg('appendEntries', '3', '2', 2, { entries: [other] }));
  assert.deepEqual(f.raw.status().membership.voters, ids3);
});

test('thesis §4.1: a restarted member uses the latest configuration in its stored log', () => {
  const storage = new MemoryStorage({ membership: { voters: ids3, witnesses: [], learners: [] } });
  storage.append([{ term: 1, index: 4, type: 'confChange', data: encodeConfChange({ type: 'removeNode', nodeId: '3' }) }]);
  const raw = new RawNode(defaultRaftConfig({ id: '1', rand: () => 0 }), storage);
  assert.deepEqual(raw.status().membership.voters, ['1', '2']);
});

test('thesis §4.2.1: a learner gets the log but neither counts toward commitment nor campaigns', () => {
  const spec = { voters: ['1', '2'], learners: ['3'] };
  const c = new MemCluster([{ id: '1', ...spec }, { id: '2', ...spec }, { id: '3', ...spec }]);
  c.elect('1');
  c.cut('1', '2');
  c.get('1').raw.propose(bytes('a'));
  c.stabilize();
  assert.equal(c.get('3').raw.status().lastIndex, 2, 'learner holds the entry');
  assert.equal(c.get('1').raw.status().commit, 1, 'but its copy does not commit it');
  const learner = c.get('3');
  tickN(learner, 100);
  assert.equal(learner.raw.status().role, 'follower');
  assert.deepEqual(drain(learner).filter((m) => m.type === 'requestPreVote' || m.type === 'requestVote'), []);
});

test('thesis §4.2.1: a caught-up learner is promoted to voter', () => {
  const c = joinCluster();
  c.elect('1');
  c.get('1').raw.proposeConfChange({ type: 'addLearner', nodeId: '4' });
  c.stabilize();
  c.tickAll(1);
  assert.equal(c.get('1').raw.status().progress['4']?.match, c.get('1').raw.status().lastIndex);
  c.get('1').raw.proposeConfChange({ type: 'addVoter', nodeId: '4' });
  c.stabilize();
  const m = c.get('4').raw.status().membership;
  assert.deepEqual([m.voters, m.learners], [['1', '2', '3', '4'], []]);
});

test('thesis §4.2.2: a leader removed from the configuration steps down once the removal commits', () => {
  // Different timeouts for 2 and 3, or their elections would tie forever (rand is constant here).
  const c = new MemCluster(ids3.map((id) => ({ id, voters: ids3, config: { rand: () => (id === '2' ? 0.5 : 0) } })));
  c.elect('1');
  c.get('1').raw.proposeConfChange({ type: 'removeNode', nodeId: '1' });
  assert.equal(c.get('1').raw.status().role, 'leader', 'it still manages the cluster while the change is pending');
  c.stabilize();
  assert.equal(c.get('1').raw.status().role, 'follower');
  assert.deepEqual(c.get('2').raw.status().membership.voters, ['2', '3']);
  c.tickAll(25);
  const leaders = c.leaderIds();
  assert.equal(leaders.length, 1);
  assert.notEqual(leaders[0], '1');
});

test('thesis §4.2.3: a removed member that never learned of it cannot disrupt the cluster', () => {
  const c = MemCluster.of(ids3);
  c.elect('1');
  c.cut('1', '3');
  c.cut('2', '3');
  c.get('1').raw.proposeConfChange({ type: 'removeNode', nodeId: '3' });
  c.stabilize();
  c.heal();
  c.cut('1', '3'); // 3 can still reach 2, but never hears from the leader
  c.tickAll(60);
  assert.deepEqual(c.leaderIds(), ['1']);
  assert.equal(c.get('1').raw.status().term, 1);
  assert.equal(c.get('2').raw.status().term, 1);
});

test('thesis §6.2 Check-Quorum: a leader that hears from no majority for an election timeout steps down', () => {
  const c = MemCluster.of(ids3);
  c.elect('1');
  c.isolate('1');
  c.tickAll(9);
  assert.equal(c.get('1').raw.status().role, 'leader');
  c.tickAll(1); // checked every tick: it steps down exactly one election timeout after the last reply
  assert.equal(c.get('1').raw.status().role, 'follower');
});

test('thesis §6.2 Check-Quorum: a leader that hears from a majority stays, with one member gone', () => {
  const c = MemCluster.of(ids3);
  c.elect('1');
  c.isolate('3');
  c.tickAll(50);
  assert.deepEqual(c.leaderIds(), ['1']);
});

test('thesis §9.6 Pre-Vote: a pre-candidate asks in term+1 without incrementing its own term', () => {
  const f = newMember({ id: '1', voters: ids3 });
  tickN(f, 10);
  const rd = f.raw.ready();
  assert.equal(f.raw.status().role, 'preCandidate');
  assert.equal(f.raw.status().term, 0);
  assert.equal(rd.hardState, undefined);
  assert.equal(rd.mustSync, false);
  assert.deepEqual(rd.messages.map((m) => [m.type, m.term]), [['requestPreVote', 1], ['requestPreVote', 1]]);
});

test('thesis §9.6 Pre-Vote: a voter answers without changing its term or vote', () => {
  const f = newMember({ id: '2', voters: ids3, term: 3, vote: '3', config: { rand: () => 0.99 } });
  tickN(f, 10); // past the restart hold-off (it may have acknowledged a lease before restarting)
  f.raw.step(msg('requestPreVote', '1', '2', 4));
  const out = drain(f);
  assert.deepEqual(out.map((m) => [m.type, m.term, m.reject]), [['requestPreVoteResponse', 4, false]]);
  assert.deepEqual([f.raw.status().term, f.raw.status().vote], [3, '3']);
});

test('thesis §9.6 Pre-Vote: a pre-vote is refused to a candidate whose log is behind', () => {
  const f = newMember({ id: '2', voters: ids3, logTerms: [1, 1], term: 1, config: { rand: () => 0.99 } });
  tickN(f, 10);
  f.raw.step(msg('requestPreVote', '1', '2', 2, { index: 1, logTerm: 1 }));
  assert.deepEqual(drain(f).map((m) => m.reject), [true]);
});

test('thesis §9.6 Pre-Vote: winning the pre-vote leads to a real election in term+1', () => {
  const c = MemCluster.of(ids3);
  c.elect('2');
  assert.deepEqual(c.leaderIds(), ['2']);
  assert.equal(c.get('2').raw.status().term, 1);
  const types = c.delivered.filter((m) => m.from === '2').map((m) => m.type);
  assert.ok(types.indexOf('requestPreVote') < types.indexOf('requestVote'));
});

test('thesis §9.6: a member cut off does not raise its term and does not disrupt the leader when it returns', () => {
  const c = MemCluster.of(ids3);
  c.elect('1');
  c.isolate('3');
  c.tickAll(100);
  assert.equal(c.get('3').raw.status().term, 1, 'pre-votes failed, so the term never grew');
  c.heal();
  c.tickAll(5);
  assert.deepEqual(c.leaderIds(), ['1']);
  assert.equal(c.get('1').raw.status().term, 1);
});

test('thesis §9.6 / §4.2.3 leader stickiness: a member that heard from its leader ignores (pre-)votes', () => {
  const f = newMember({ id: '2', voters: ids3 });
  f.raw.step(msg('heartbeat', '1', '2', 1));
  drain(f);
  f.raw.step(msg('requestPreVote', '3', '2', 2));
  f.raw.step(msg('requestVote', '3', '2', 2));
  assert.deepEqual(drain(f), []);
  assert.equal(f.raw.status().term, 1);
  // ... unless the leader asked for the election (TimeoutNow, thesis §3.10).
  f.raw.step(msg('requestVote', '3', '2', 2, { leadershipTransfer: true }));
  assert.deepEqual(drain(f).map((m) => [m.type, m.reject]), [['requestVoteResponse', false]]);
});

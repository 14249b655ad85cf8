// Goal: one test per rule of the Raft paper's Figure 2 and §5 (plus §7 snapshots and §8 no-op),
// each named after its section, checked on the pure core message by message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from './message.js';
import { RaftUsageError } from './raft-errors.js';
import { defaultRaftConfig, validateRaftConfig } from './raft-config.js';
import { RawNode } from './raw-node.js';
import {
  MemCluster, bytes, drain, entryData, handleReady, makeEntries, msg, newMember, tickN,
} from './test-support/mem-cluster.js';
import type { Member, MemberSpec } from './test-support/mem-cluster.js';

/** Figure 2 as written: no Pre-Vote, no Check-Quorum (those come from the thesis, tested elsewhere). */
const vanilla = { preVote: false, checkQuorum: false };
const ids3 = ['1', '2', '3'];

function member(spec: Partial<MemberSpec> & { id?: string } = {}): Member {
  return newMember({ id: '1', voters: ids3, ...spec, config: { ...vanilla, ...spec.config } });
}

/** Makes `m` leader of term+1 by granting it every vote. */
function makeLeader(m: Member): void {
  m.raw.campaign();
  const term = m.raw.status().term;
  for (const id of m.raw.status().membership.voters) {
    if (id !== m.id) m.raw.step(msg('requestVoteResponse', id, m.id, term));
  }
  assert.equal(m.raw.status().role, 'leader');
  drain(m);
}

function sent(msgs: Message[], type: Message['type']): Message[] {
  return msgs.filter((x) => x.type === type);
}

test('Figure 2, all servers (§5.1): a higher term in any message makes every role adopt it as follower', () => {
  const f = member({ term: 1 });
  f.raw.step(msg('appendEntries', '2', '1', 2));
  assert.deepEqual([f.raw.status().role, f.raw.status().term, f.raw.status().lead], ['follower', 2, '2']);

  const c = member();
  c.raw.campaign();
  assert.equal(c.raw.status().role, 'candidate');
  c.raw.step(msg('heartbeat', '3', '1', 5));
  assert.deepEqual([c.raw.status().role, c.raw.status().term, c.raw.status().lead], ['follower', 5, '3']);

  const l = member();
  makeLeader(l);
  l.raw.step(msg('appendEntriesResponse', '2', '1', 7));
  assert.deepEqual([l.raw.status().role, l.raw.status().term, l.raw.status().lead], ['follower', 7, null]);
});

test('Figure 2, all servers: committed entries are handed out once, in log order (lastApplied follows commitIndex)', () => {
  const c = MemCluster.of(ids3, { config: vanilla });
  c.elect('1');
  for (const d of ['a', 'b', 'c']) c.get('1').raw.propose(bytes(d));
  c.stabilize();
  for (const id of ids3) {
    assert.deepEqual(c.get(id).applied, ['a', 'b', 'c'], `member ${id}`);
    assert.equal(c.get(id).raw.status().applied, 4);
    assert.equal(c.get(id).raw.hasReady(), false);
  }
});

test('Figure 2, persistent state: term and vote are in the same Ready as the vote reply, with mustSync', () => {
  const f = member({ id: '2' });
  f.raw.step(msg('requestVote', '1', '2', 1));
  const rd = f.raw.ready();
  assert.deepEqual(rd.hardState, { term: 1, vote: '1', commit: 0 });
  assert.equal(rd.mustSync, true);
  assert.deepEqual(rd.messages.map((m) => [m.type, m.reject]), [['requestVoteResponse', false]]);
  f.raw.advance(rd);
  // Entries received are likewise persisted (mustSync) in the Ready that acknowledges them.
  f.raw.step(msg('appendEntries', '1', '2', 1, { entries: makeEntries([1]) }));
  const rd2 = f.raw.ready();
  assert.equal(rd2.entries.length, 1);
  assert.equal(rd2.mustSync, true);
  assert.deepEqual(rd2.messages.map((m) => [m.type, m.index]), [['appendEntriesResponse', 1]]);
});

test('Figure 2, followers (§5.2): an election timeout without a leader makes the follower a candidate', () => {
  const f = member();
  tickN(f, 9);
  assert.equal(f.raw.status().role, 'follower');
  f.raw.tick();
  assert.equal(f.raw.status().role, 'candidate');
});

test('Figure 2, followers (§5.2): AppendEntries from the current leader resets the election timer', () => {
  const f = member({ term: 1 });
  for (let round = 0; round < 5; round++) {
    tickN(f, 9);
    f.raw.step(msg('heartbeat', '2', '1', 1));
  }
  assert.deepEqual([f.raw.status().role, f.raw.status().lead], ['follower', '2']);
});

test('Figure 2, followers (§5.2): granting a vote resets the election timer', () => {
  const f = member({ term: 1 });
  tickN(f, 9);
  f.raw.step(msg('requestVote', '2', '1', 2));
  tickN(f, 9);
  assert.equal(f.raw.status().role, 'follower');
  f.raw.tick();
  assert.equal(f.raw.status().role, 'candidate');
});

test('Figure 2, candidates (§5.2): on conversion, increment currentTerm, vote for self, send RequestVote to all others', () => {
  const c = member({ id: '1', voters: ['1', '2', '3', '4', '5'], logTerms: [1, 1], term: 1 });
  c.raw.campaign();
  const s = c.raw.status();
  assert.deepEqual([s.role, s.term, s.vote], ['candidate', 2, '1']);
  const votes = sent(drain(c), 'requestVote');
  assert.deepEqual(votes.map((v) => v.to).sort(), ['2', '3', '4', '5']);
  for (const v of votes) assert.deepEqual([v.term, v.index, v.logTerm], [2, 2, 1]);
});

test('Figure 2, candidates (§5.2): votes from a majority make a leader; a majority of refusals a follower', () => {
  const cases: Array<{ size: number; grants: number; refusals: number; role: string }> = [
    { size: 1, grants: 0, refusals: 0, role: 'leader' },
    { size: 3, grants: 1, refusals: 0, role: 'leader' },
    { size: 3, grants: 0, refusals: 1, role: 'candidate' },
    { size: 3, grants: 0, refusals: 2, role: 'follower' },
    { size: 5, grants: 1, refusals: 2, role: 'candidate' },
    { size: 5, grants: 2, refusals: 2, role: 'leader' },
    { size: 5, grants: 0, refusals: 3, role: 'follower' },
  ];
  for (const tc of cases) {
    const voters = Array.from({ length: tc.size }, (_, i) => String(i + 1));
    const c = member({ voters });
    c.raw.campaign();
    const others = voters.slice(1);
    others.slice(0, tc.grants).forEach((id) => c.raw.step(msg('requestVoteResponse', id, '1', 1)));
    others.slice(tc.grants, tc.grants + tc.refusals)
      .forEach((id) => c.raw.step(msg('requestVoteResponse', id, '1', 1, { reject: true })));
    assert.equal(c.raw.status().role, tc.role, JSON.stringify(tc));
  }
});

test('Figure 2, candidates (§5.2): AppendEntries from a leader of the same term returns the candidate to follower', () => {
  const c = member();
  c.raw.campaign();
  c.raw.step(msg('appendEntries', '2', '1', 1));
  assert.deepEqual([c.raw.status().role, c.raw.status().term, c.raw.status().lead], ['follower', 1, '2']);
});

test('Figure 2, candidates (§5.2): an election timeout in a split vote starts a new election in a higher term', () => {
  const c = member();
  c.raw.campaign();
  c.raw.step(msg('requestVoteResponse', '2', '1', 1, { reject: true }));
  tickN(c, 10);
  assert.deepEqual([c.raw.status().role, c.raw.status().term], ['candidate', 2]);
});

test('Figure 2, leaders (§5.2): upon election send AppendEntries to every member; heartbeats while idle', () => {
  const l = member();
  l.raw.campaign();
  drain(l);
  l.raw.step(msg('requestVoteResponse', '2', '1', 1));
  const first = sent(drain(l), 'appendEntries');
  assert.deepEqual(first.map((m) => m.to).sort(), ['2', '3']);
  l.raw.tick(); // heartbeatIntervalTicks = 1
  const beats = sent(drain(l), 'heartbeat');
  assert.deepEqual(beats.map((m) => m.to).sort(), ['2', '3']);
});

test('Figure 2, leaders (§5.3): a command is appended to the leader log and sent to followers at nextIndex', () => {
  const c = MemCluster.of(ids3, { config: vanilla });
  c.elect('1');
  const pos = c.get('1').raw.propose(bytes('x'));
  assert.deepEqual(pos, { index: 2, term: 1 });
  const out = drain(c.get('1'));
  const apps = sent(out, 'appendEntries');
  assert.equal(apps.length, 2);
  for (const a of apps) {
    assert.deepEqual([a.index, a.logTerm, a.entries.map(entryData)], [1, 1, ['x']]);
  }
});

test('Figure 2, leaders (§5.3): after a rejection nextIndex moves back and AppendEntries is retried until logs match', () => {
  // Figure 7-like: follower 2 holds a longer log of stale terms; follower 3 is missing entries.
  const c = new MemCluster([
    { id: '1', voters: ids3, logTerms: [1, 1, 4, 4, 5, 5, 6, 6, 6], term: 6, config: vanilla },
    { id: '2', voters: ids3, logTerms: [1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3], term: 3, config: vanilla },
    { id: '3', voters: ids3, logTerms: [1, 1, 4, 4], term: 4, config: vanilla },
  ]);
  c.elect('1');
  for (const id of ids3) {
    const s = c.get(id).storage;
    const terms = s.entries(1, s.lastIndex() + 1).map((e) => e.term);
    assert.deepEqual(terms, [1, 1, 4, 4, 5, 5, 6, 6, 6, 7], `member ${id}`);
  }
  // Fast backtracking (§5.3, last paragraphs): each follower rejected at most twice, not once per entry.
  const rejects = c.delivered.filter((m) => m.type === 'appendEntriesResponse' && m.reject);
  assert.ok(rejects.filter((m) => m.from === '2').length <= 2, `rejections from 2: ${rejects.length}`);
  assert.ok(rejects.filter((m) => m.from === '3').length <= 2);
});

test('Figure 2, leaders (§5.3, §5.4): commitIndex moves to the highest N on a majority whose term is current', () => {
  const l = member({ voters: ['1', '2', '3', '4', '5'] });
  makeLeader(l); // no-op at index 1, term 1
  l.raw.propose(bytes('a'));
  l.raw.propose(bytes('b'));
  drain(l);
  l.raw.step(msg('appendEntriesResponse', '2', '1', 1, { index: 3 }));
  assert.equal(l.raw.status().commit, 0, 'leader + 1 of 5 is no majority');
  l.raw.step(msg('appendEntriesResponse', '3', '1', 1, { index: 2 }));
  assert.equal(l.raw.status().commit, 2, 'indexes ≤ 2 are on 3 of 5');
  l.raw.step(msg('appendEntriesResponse', '4', '1', 1, { index: 3 }));
  assert.equal(l.raw.status().commit, 3);
});

test('§5.4.2 (Figure 8): a leader never commits an entry of an earlier term by counting replicas', () => {
  // Leader 1 of term 3 holds an entry of term 2 at index 2 that follower 2 also holds.
  const l = member({ logTerms: [1, 2], term: 2 });
  makeLeader(l); // term 3; its no-op goes to index 3
  const s = l.raw.status();
  assert.deepEqual([s.term, s.lastIndex], [3, 3]);
  l.raw.step(msg('appendEntriesResponse', '2', '1', 3, { index: 2 }));
  assert.equal(l.raw.status().commit, 0, 'index 2 (term 2) is on a majority but must not commit by counting');
  l.raw.step(msg('appendEntriesResponse', '2', '1', 3, { index: 3 }));
  assert.equal(l.raw.status().commit, 3, 'committing the term-3 no-op commits index 2 indirectly');
});

test('Figure 2, AppendEntries receiver 1: reply false if term < currentTerm', () => {
  const f = member({ term: 3 });
  f.raw.step(msg('appendEntries', '2', '1', 2, { entries: makeEntries([2]) }));
  const out = drain(f);
  assert.deepEqual(out.map((m) => [m.type, m.term, m.reject]), [['appendEntriesResponse', 3, true]]);
  assert.equal(f.storage.lastIndex(), 0, 'nothing appended');
});

test('Figure 2, AppendEntries receiver 2: reply false if no entry at prevLogIndex has prevLogTerm', () => {
  const cases = [
    { prevIndex: 2, prevTerm: 2, reject: false },
    { prevIndex: 2, prevTerm: 3, reject: true }, // term mismatch
    { prevIndex: 3, prevTerm: 2, reject: true }, // missing entry
    { prevIndex: 0, prevTerm: 0, reject: false },
  ];
  for (const tc of cases) {
    const f = member({ logTerms: [1, 2], term: 2 });
    f.raw.step(msg('appendEntries', '2', '1', 2, { index: tc.prevIndex, logTerm: tc.prevTerm }));
    const [resp] = drain(f);
    assert.equal(resp?.reject, tc.reject, JSON.stringify(tc));
  }
});

test('Figure 2, AppendEntries receiver 3: a conflicting entry and all that follow it are deleted', () => {
  const f = member({ logTerms: [1, 1, 1, 1], term: 1 });
  f.raw.step(msg('appendEntries', '2', '1', 2, { index: 1, logTerm: 1, entries: makeEntries([2], 2) }));
  drain(f);
  assert.deepEqual(f.storage.entries(1, f.storage.lastIndex() + 1).map((e) => e.term), [1, 2]);
});

test('Figure 2, AppendEntries receiver 4: new entries are appended; entries already held stay (duplicates are no-ops, §5.5)', () => {
  const f = member({ logTerms: [1, 1], term: 1 });
  const app = msg('appendEntries', '2', '1', 1, { index: 0, logTerm: 0, entries: makeEntries([1, 1, 1]) });
  f.raw.step(app);
  drain(f);
  f.raw.step(msg('appendEntries', '2', '1', 1, { index: 0, logTerm: 0, entries: makeEntries([1]) })); // old, shorter
  f.raw.step(app); // duplicate
  const out = drain(f);
  assert.deepEqual(f.storage.entries(1, f.storage.lastIndex() + 1).map((e) => e.index), [1, 2, 3], 'no truncation by a stale message');
  assert.deepEqual(out.map((m) => m.index), [1, 3]);
});

test('Figure 2, AppendEntries receiver 5: commitIndex = min(leaderCommit, index of last new entry)', () => {
  const cases = [
    { leaderCommit: 3, entries: 2, commit: 2 },
    { leaderCommit: 1, entries: 2, commit: 1 },
    { leaderCommit: 5, entries: 0, commit: 0 },
  ];
  for (const tc of cases) {
    const f = member({ term: 1 });
    const entries = makeEntries(Array.from({ length: tc.entries }, () => 1));
    f.raw.step(msg('appendEntries', '2', '1', 1, { index: 0, logTerm: 0, commit: tc.leaderCommit, entries }));
    assert.equal(f.raw.status().commit, tc.commit, JSON.stringify(tc));
  }
});

test('Figure 2, RequestVote receiver 1: reply false if term < currentTerm', () => {
  const f = member({ term: 3 });
  f.raw.step(msg('requestVote', '2', '1', 2));
  const out = drain(f);
  assert.deepEqual(out.map((m) => [m.type, m.term, m.reject]), [['requestVoteResponse', 3, true]]);
  assert.equal(f.raw.status().vote, null);
});

test('Figure 2, RequestVote receiver 2: vote if votedFor is null or candidateId — one vote per term', () => {
  const f = member({ term: 1 });
  f.raw.step(msg('requestVote', '2', '1', 2));
  f.raw.step(msg('requestVote', '3', '1', 2)); // another candidate, same term
  f.raw.step(msg('requestVote', '2', '1', 2)); // retransmission from the one we voted for
  const out = drain(f);
  assert.deepEqual(out.map((m) => [m.to, m.reject]), [['2', false], ['3', true], ['2', false]]);
  assert.equal(f.raw.status().vote, '2');
});

test('§5.4.1 election restriction: a vote goes only to a candidate whose log is at least as up to date', () => {
  // Voter log: terms [1, 2, 2] (last 2/3).
  const cases = [
    { lastTerm: 3, lastIndex: 1, grant: true }, // higher last term wins, even if shorter
    { lastTerm: 2, lastIndex: 3, grant: true }, // same last term, same length
    { lastTerm: 2, lastIndex: 4, grant: true }, // same last term, longer
    { lastTerm: 2, lastIndex: 2, grant: false }, // same last term, shorter
    { lastTerm: 1, lastIndex: 9, grant: false }, // lower last term loses, even if longer
  ];
  for (const tc of cases) {
    const f = member({ logTerms: [1, 2, 2], term: 2 });
    f.raw.step(msg('requestVote', '2', '1', 3, { index: tc.lastIndex, logTerm: tc.lastTerm }));
    const [resp] = drain(f);
    assert.equal(resp?.reject, !tc.grant, JSON.stringify(tc));
  }
});

test('§5.2: election timeouts are randomized in [T, 2T) from the injected random source', () => {
  for (const [r, expected] of [[0, 10], [0.5, 15], [0.999, 19]] as const) {
    const f = member({ config: { rand: () => r } });
    tickN(f, expected - 1);
    assert.equal(f.raw.status().role, 'follower', `rand ${r}`);
    f.raw.tick();
    assert.equal(f.raw.status().role, 'candidate', `rand ${r}`);
  }
});

test('§5.3 Log Matching: after replication every log equals the leader log entry for entry', () => {
  const c = new MemCluster([
    { id: '1', voters: ids3, logTerms: [1, 2, 2], term: 2, config: vanilla },
    { id: '2', voters: ids3, logTerms: [1, 1, 1, 1], term: 1, config: vanilla },
    { id: '3', voters: ids3, logTerms: [1], term: 1, config: vanilla },
  ]);
  c.elect('1');
  c.get('1').raw.propose(bytes('z'));
  c.stabilize();
  const leaderLog = c.get('1').storage.entries(1, 6);
  for (const id of ['2', '3']) {
    const s = c.get(id).storage;
    assert.deepEqual(s.entries(1, s.lastIndex() + 1), leaderLog, `member ${id}`);
  }
});

test('§5.5: a restarted member keeps its term, vote and log from stable storage', () => {
  const f = member({ id: '2' });
  f.raw.step(msg('requestVote', '1', '2', 4));
  f.raw.step(msg('appendEntries', '1', '2', 4, { entries: makeEntries([4, 4]), commit: 1 }));
  drain(f);
  const again = new RawNode(f.config, f.storage);
  const s = again.status();
  assert.deepEqual([s.term, s.vote, s.lastIndex, s.commit], [4, '1', 2, 1]);
  // It must not vote again in term 4 for someone else.
  again.step(msg('requestVote', '3', '2', 4, { index: 5, logTerm: 4 }));
  const rd = again.ready();
  assert.deepEqual(rd.messages.map((m) => m.reject), [true]);
});

test('§5.6 timing: configurations that break broadcastTime ≪ electionTimeout are refused', () => {
  const bad = [
    { heartbeatIntervalTicks: 10 },
    { leaseTicks: 10 },
    { witnessElectionTimeoutTicks: 10 },
    { electionTimeoutTicks: 0 },
  ];
  for (const b of bad) {
    assert.throws(() => validateRaftConfig(defaultRaftConfig({ id: '1', rand: () => 0, ...b })), RaftUsageError, JSON.stringify(b));
  }
  validateRaftConfig(defaultRaftConfig({ id: '1', rand: () => 0 }));
});

test('§7: a follower missing compacted entries receives InstallSnapshot, then the entries after it', () => {
  const c = MemCluster.of(ids3, { config: vanilla });
  c.cut('1', '3');
  c.elect('1');
  for (const d of ['a', 'b', 'c', 'd']) c.get('1').raw.propose(bytes(d));
  c.stabilize();
  const l = c.get('1');
  l.storage.createSnapshot(4, bytes('state@4'));
  l.storage.compact(4);
  c.heal();
  l.raw.propose(bytes('e'));
  c.tickAll(1); // a heartbeat reply un-pauses the probe of member 3 (its first append was lost)
  const snaps = c.delivered.filter((m) => m.type === 'installSnapshot' && m.to === '3');
  assert.equal(snaps.length, 1);
  assert.deepEqual([snaps[0]?.snapshot?.metadata.index, snaps[0]?.snapshot?.metadata.term], [4, 1]);
  const f = c.get('3');
  assert.equal(f.storage.snapshot().metadata.index, 4);
  assert.equal(f.raw.status().commit, 6);
  assert.deepEqual(f.storage.entries(5, 7).map(entryData), ['d', 'e']);
});

test('§7: a snapshot older than what the follower committed changes nothing', () => {
  const f = member({ logTerms: [1, 1, 1], term: 1, commit: 3 });
  const snap = { metadata: { index: 2, term: 1, membership: { voters: ids3, witnesses: [], learners: [] } }, data: bytes('s') };
  f.raw.step(msg('installSnapshot', '2', '1', 1, { snapshot: snap }));
  const rd = f.raw.ready();
  assert.equal(rd.snapshot, undefined);
  assert.deepEqual(rd.messages.map((m) => [m.type, m.index]), [['appendEntriesResponse', 3]]);
  handleReady(f, rd);
});

test('§8: a new leader appends a no-op entry of its term at once', () => {
  const l = member({ logTerms: [1, 1], term: 1 });
  makeLeader(l);
  const last = l.storage.entries(3, 4)[0];
  assert.deepEqual([last?.term, last?.type, last?.data.byteLength], [2, 'normal', 0]);
});

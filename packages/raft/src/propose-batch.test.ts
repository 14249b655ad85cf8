// Goal: RawNode.proposeBatch() — many commands appended at once and replicated together (Raft §5.3),
// all or nothing, with the same commitment and apply order as one-by-one proposals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from './message.js';
import { NotLeaderError, ProposalDroppedError } from './raft-errors.js';
import { MemCluster, bytes, drain, handleReady, msg, newMember } from './test-support/mem-cluster.js';
import type { Member } from './test-support/mem-cluster.js';

const ids3 = ['1', '2', '3'];
const vanilla = { preVote: false, checkQuorum: false };

/** Member 1 leads term 1 with followers 2 and 3 in the replicate state (they acknowledged the no-op). */
function replicatingLeader(config: Record<string, unknown> = {}): Member {
  const l = newMember({ id: '1', voters: ids3, config: { ...vanilla, ...config } });
  l.raw.campaign();
  for (const id of ['2', '3']) l.raw.step(msg('requestVoteResponse', id, '1', 1));
  drain(l);
  for (const id of ['2', '3']) l.raw.step(msg('appendEntriesResponse', id, '1', 1, { index: 1 }));
  drain(l);
  assert.deepEqual(Object.values(l.raw.status().progress).map((p) => p.state), ['replicate', 'replicate', 'replicate']);
  return l;
}

function appendsTo(msgs: Message[], to: string): Message[] {
  return msgs.filter((m) => m.type === 'appendEntries' && m.to === to);
}

test('Raft §5.3: proposeBatch appends consecutive entries of the leader term and returns their positions in order', () => {
  const l = replicatingLeader();
  const positions = l.raw.proposeBatch([bytes('a'), bytes('b'), bytes('c')]);
  assert.deepEqual(positions, [{ index: 2, term: 1 }, { index: 3, term: 1 }, { index: 4, term: 1 }]);
  const rd = l.raw.ready();
  assert.deepEqual(rd.entries.map((e) => [e.index, e.term, new TextDecoder().decode(e.data)]), [[2, 1, 'a'], [3, 1, 'b'], [4, 1, 'c']]);
  assert.equal(rd.mustSync, true);
});

test('Raft §5.3: the whole batch reaches each follower in ONE appendEntries (prevLogIndex/prevLogTerm of the entry before it)', () => {
  const l = replicatingLeader();
  l.raw.proposeBatch(Array.from({ length: 50 }, (_, i) => bytes(`x${i}`)));
  const sent = l.raw.ready().messages;
  for (const to of ['2', '3']) {
    const appends = appendsTo(sent, to);
    assert.equal(appends.length, 1, `one message to ${to}`);
    assert.deepEqual([appends[0]!.index, appends[0]!.logTerm, appends[0]!.entries.length], [1, 1, 50]);
    assert.deepEqual(appends[0]!.entries.map((e) => e.index), Array.from({ length: 50 }, (_, i) => i + 2));
  }
});

test('maxSizePerMsgBytes: a larger batch is split into messages that each stay within it, all sent at once to a replicating follower', () => {
  const l = replicatingLeader({ maxSizePerMsgBytes: 300 });
  // entrySizeBytes = data + 24 = 124 bytes: two entries per message.
  l.raw.proposeBatch(Array.from({ length: 5 }, () => new Uint8Array(100)));
  const appends = appendsTo(l.raw.ready().messages, '2');
  assert.deepEqual(appends.map((m) => m.entries.map((e) => e.index)), [[2, 3], [4, 5], [6]]);
  for (const m of appends) assert.ok(m.entries.reduce((s, e) => s + e.data.byteLength + 24, 0) <= 300);
});

test('flow control: a split batch stops at the inflight window; the rest follows the acknowledgements', () => {
  const l = replicatingLeader({ maxSizePerMsgBytes: 130, maxInflightMsgs: 2 });
  l.raw.proposeBatch(Array.from({ length: 5 }, () => new Uint8Array(100)));
  const rd = l.raw.ready();
  assert.deepEqual(appendsTo(rd.messages, '2').map((m) => m.entries.map((e) => e.index)), [[2], [3]]);
  handleReady(l, rd);
  l.raw.step(msg('appendEntriesResponse', '2', '1', 1, { index: 3 }));
  assert.deepEqual(appendsTo(l.raw.ready().messages, '2').map((m) => m.entries.map((e) => e.index)), [[4], [5]]);
});

test('Raft §5.3 probe state: a follower whose log position is unknown gets one message, not the whole pipeline', () => {
  const l = newMember({ id: '1', voters: ids3, config: { ...vanilla, maxSizePerMsgBytes: 130 } });
  l.raw.campaign();
  for (const id of ['2', '3']) l.raw.step(msg('requestVoteResponse', id, '1', 1));
  drain(l); // followers are still probed (no answer to the no-op yet)
  l.raw.step(msg('appendEntriesResponse', '3', '1', 1, { index: 1 }));
  drain(l);
  l.raw.proposeBatch(Array.from({ length: 3 }, () => new Uint8Array(100)));
  const sent = l.raw.ready().messages;
  assert.equal(appendsTo(sent, '2').length, 0, 'the probe to 2 is still unanswered: paused');
  assert.deepEqual(appendsTo(sent, '3').map((m) => m.entries.map((e) => e.index)), [[2], [3], [4]]);
});

test('all or nothing: a follower refuses with NotLeaderError and appends nothing', () => {
  const c = MemCluster.of(ids3, { config: vanilla });
  c.elect('1');
  const before = c.get('2').raw.status().lastIndex;
  assert.throws(() => c.get('2').raw.proposeBatch([bytes('a'), bytes('b')]), (e: unknown) => e instanceof NotLeaderError && e.leaderHint === '1');
  assert.equal(c.get('2').raw.status().lastIndex, before);
});

test('all or nothing: a batch that would pass maxUncommittedSizeBytes is dropped whole; a single entry keeps propose()\'s rule', () => {
  const c = MemCluster.of(ids3, { config: { ...vanilla, maxUncommittedSizeBytes: 300 } });
  c.elect('1');
  c.isolate('1');
  const l = c.get('1').raw;
  const last = l.status().lastIndex;
  assert.throws(() => l.proposeBatch([new Uint8Array(200), new Uint8Array(200)]),
    (e: unknown) => e instanceof ProposalDroppedError && e.reason === 'uncommittedLimit');
  assert.equal(l.status().lastIndex, last, 'nothing appended');
  assert.deepEqual(l.proposeBatch([new Uint8Array(400)]), [{ index: last + 1, term: 1 }], 'one entry alone is accepted as by propose()');
  assert.throws(() => l.proposeBatch([new Uint8Array(1)]), (e: unknown) => e instanceof ProposalDroppedError && e.reason === 'uncommittedLimit');
  c.heal();
  c.stabilize();
  assert.equal(l.proposeBatch([new Uint8Array(100), new Uint8Array(100)]).length, 2, 'room again once committed');
});

test('an empty batch appends and sends nothing', () => {
  const l = replicatingLeader();
  assert.deepEqual(l.raw.proposeBatch([]), []);
  assert.equal(l.raw.hasReady(), false);
});

test('Figure 2 (leaders, commitIndex): one acknowledgement per follower commits the whole batch; every member applies it in order', () => {
  const c = MemCluster.of(ids3, { config: vanilla });
  c.elect('1');
  c.get('1').raw.propose(bytes('single'));
  c.get('1').raw.proposeBatch(['b1', 'b2', 'b3'].map(bytes));
  c.get('1').raw.propose(bytes('after'));
  c.stabilize();
  for (const id of ids3) assert.deepEqual(c.get(id).applied, ['single', 'b1', 'b2', 'b3', 'after'], `member ${id}`);
  const acks = c.delivered.filter((m) => m.type === 'appendEntriesResponse' && m.index >= 4);
  assert.ok(acks.some((m) => m.index === 5), 'a follower acknowledged the batch up to its last entry at once');
});

// Goal: the engine's one exception to "persist before send" (thesis §10.2.1) is safe — the leader's
// appends leave before its own fsync, but nothing is acknowledged, applied or announced as committed
// until that fsync is done; a leader that dies first has told no client yes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeCluster, waitFor, type TestMember } from './test-support/node-cluster.js';

/**
 * Three data members; the third is stopped, so the only quorum left is the leader plus one follower
 * (no quorum of OTHER members). The leader's fsync is held while it proposes `x`. Returns once the
 * follower has x on disk, the leader has counted that acknowledgement (commit, in memory) and the
 * engine has run on for a few more status rounds.
 */
async function proposeWithLeaderFsyncHeld(c: NodeCluster): Promise<{ leader: TestMember; follower: TestMember; index: number; outcome: () => string; done: Promise<void> }> {
  const leader = await c.leader();
  const warm = await leader.node!.propose(Buffer.from('warm'));
  const [follower, stopped] = c.members.filter((m) => m !== leader);
  await c.stopMember(stopped!.id);
  const index = warm + 1;
  leader.gate.hold();
  let outcome = 'pending';
  const done = leader.node!.propose(Buffer.from('x')).then(() => { outcome = 'resolved'; }, (e: Error) => { outcome = e.name; });
  await waitFor(() => c.loggedLastIndex(follower!.id) >= index, 'the follower wrote x to its log');
  await waitFor(() => leader.node!.status().commitIndex >= index, 'the leader counted the acknowledgement');
  let posts = 0;
  const off = leader.node!.onStatus(() => posts++);
  await waitFor(() => posts >= 3, 'three more status rounds of the leader');
  off();
  return { leader, follower: follower!, index, outcome: () => outcome, done };
}

test('thesis §10.2.1: while the leader\'s own fsync is pending, a proposal a follower already persisted is not acknowledged, applied, or announced', { timeout: 30_000 }, async () => {
  const c = await NodeCluster.start(['a', 'b', 'c'], { electionTimeoutMs: 3000 });
  try {
    const { leader, follower, index, outcome, done } = await proposeWithLeaderFsyncHeld(c);
    assert.equal(outcome(), 'pending');
    assert.equal(leader.gate.heldCount, 1, 'what the proposal waits for is the leader\'s own fsync');
    assert.ok(!leader.machine!.items.includes('x'), 'not applied on the leader');
    assert.ok(!follower.machine!.items.includes('x'), 'the follower was not told x is committed');
    assert.ok(follower.node!.status().commitIndex < index);
    leader.gate.release();
    await done;
    assert.equal(outcome(), 'resolved');
    await waitFor(() => follower.machine!.items.includes('x'), 'the follower applies x once the leader announces it');
  } finally {
    await c.close();
  }
});

test('Figure 2 (persist before responding): a follower acknowledges only after its own fsync — the exception is the leader\'s alone', { timeout: 30_000 }, async () => {
  const c = await NodeCluster.start(['a', 'b', 'c'], { electionTimeoutMs: 3000 });
  try {
    const leader = await c.leader();
    const warm = await leader.node!.propose(Buffer.from('warm'));
    const [follower, stopped] = c.members.filter((m) => m !== leader);
    await c.stopMember(stopped!.id);
    follower!.gate.hold();
    let outcome = 'pending';
    const done = leader.node!.propose(Buffer.from('x')).then(() => { outcome = 'resolved'; }, (e: Error) => { outcome = e.name; });
    await waitFor(() => follower!.gate.heldCount === 1 && c.loggedLastIndex(leader.id) > warm, 'both wrote x; the follower\'s fsync is held');
    let posts = 0;
    const off = leader.node!.onStatus(() => posts++);
    await waitFor(() => posts >= 3, 'three more status rounds of the leader');
    off();
    assert.equal(outcome, 'pending', 'no acknowledgement left the follower before its fsync');
    assert.ok(leader.node!.status().commitIndex <= warm, 'the leader does not even count x as committed in memory');
    follower!.gate.release();
    await done;
    assert.equal(outcome, 'resolved');
  } finally {
    await c.close();
  }
});

test('thesis §10.2.1: the leader dies in its fsync after sending; the client never got a yes (only the follower held x)', { timeout: 30_000 }, async () => {
  const c = await NodeCluster.start(['a', 'b', 'c'], { electionTimeoutMs: 3000 });
  try {
    const { leader, follower, outcome, done } = await proposeWithLeaderFsyncHeld(c);
    leader.gate.fail(new Error('EIO: the disk died'));
    await done;
    assert.equal(outcome(), 'LeadershipLostError', 'outcome unknown to the client: it retries (dedupe makes that exactly-once)');
    assert.equal(leader.gate.fatals.length, 1, 'the failed fsync is fatal');
    assert.equal(leader.failures.length, 1, 'and the node failed');
    assert.ok(!leader.machine!.items.includes('x'));
    assert.ok(!follower.machine!.items.includes('x'));
    leader.node = undefined; // dead
  } finally {
    await c.close();
  }
});

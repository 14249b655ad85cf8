// Goal: DESIGN §3's hot standby on a real cluster (two data members and a witness) — an answer means the
// other data node holds the entry while it is up; once it is down, answers come after down-detection
// (policy accept) or proposals are refused at once with DegradedError (policy refuse); and it comes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DegradedError } from './errors.js';
import { NodeCluster, waitFor, type TestMember } from './test-support/node-cluster.js';
import type { RaftNodeOptions } from './raft-node.js';

const dataPeerDownMs = 300;

async function dataLeader(c: NodeCluster): Promise<{ leader: TestMember; other: TestMember }> {
  // A witness that wins an election hands leadership to a data member (DESIGN §2).
  const leader = await c.leader(10_000, (m) => !m.witness);
  const other = c.members.find((m) => !m.witness && m !== leader)!;
  return { leader, other };
}

/** Proposes `count` values, 8 at a time; for each, records how far `other` had synced when it resolved. */
async function proposeAndWatch(leader: TestMember, other: TestMember, count: number): Promise<Array<{ index: number; otherSynced: number }>> {
  const seen: Array<{ index: number; otherSynced: number }> = [];
  for (let k = 0; k < count; k += 8) {
    await Promise.all(Array.from({ length: Math.min(8, count - k) }, (_, j) => leader.node!.propose(Buffer.from(`v${k + j}`))
      .then((index) => { seen.push({ index, otherSynced: other.gate.syncedThrough }); })));
  }
  return seen;
}

async function start(extra: Partial<RaftNodeOptions<number>> = {}): Promise<NodeCluster> {
  return NodeCluster.start(['a', 'b', 'w'], { dataPeerDownMs, ...extra }, ['w']);
}

test('DESIGN §3, both data nodes up: a proposal resolves only once the other data node has it on disk, though the witness answers first', { timeout: 30_000 }, async () => {
  const c = await start();
  try {
    const { leader, other } = await dataLeader(c);
    await leader.node!.propose(Buffer.from('warm'));
    other.gate.delayMs = 60; // the other data node's disk is slower than the witness's
    const seen = await proposeAndWatch(leader, other, 24);
    assert.equal(seen.length, 24);
    for (const s of seen) assert.ok(s.otherSynced >= s.index, `entry ${s.index} answered when ${other.id} had synced only ${s.otherSynced}`);
    const status = leader.node!.status();
    assert.equal(status.degraded, false);
    assert.deepEqual(status.dataPeers.map((p) => [p.id, p.state]), [[other.id, 'sync']]);
  } finally {
    await c.close();
  }
});

test('hotStandby: false — the same cluster answers on the witness\'s acknowledgement, before the slow data node has the entry', { timeout: 30_000 }, async () => {
  const c = await start({ hotStandby: false });
  try {
    const { leader, other } = await dataLeader(c);
    await leader.node!.propose(Buffer.from('warm'));
    other.gate.delayMs = 60;
    const seen = await proposeAndWatch(leader, other, 24);
    assert.ok(seen.some((s) => s.otherSynced < s.index), 'without hot standby some answers outrun the other data node');
    assert.deepEqual(leader.node!.status().dataPeers, []);
  } finally {
    await c.close();
  }
});

test('DESIGN §3, policy accept: with the other data node stopped, proposals resolve after down-detection on leader + witness; it catches up and is waited for again', { timeout: 30_000 }, async () => {
  const c = await start();
  try {
    const { leader, other } = await dataLeader(c);
    await leader.node!.propose(Buffer.from('before'));
    await c.stopMember(other.id);
    const t0 = performance.now();
    const index = await leader.node!.propose(Buffer.from('while down'));
    assert.ok(index > 0);
    assert.ok(performance.now() - t0 < 10_000);
    await waitFor(() => leader.node!.status().degraded, 'the leader reports degraded');
    assert.equal(leader.node!.status().dataPeers[0]!.state, 'unreachable');
    for (let i = 0; i < 5; i++) await leader.node!.propose(Buffer.from(`degraded ${i}`));
    assert.ok(leader.machine!.items.includes('degraded 4'));
    // Back: it catches up from the log, the leader leaves degraded mode, and waits for it again.
    const back = await c.startMember(other.id);
    await waitFor(() => !leader.node!.status().degraded, 'the returning data node is in sync again', 10_000);
    back.gate.delayMs = 60;
    const seen = await proposeAndWatch(leader, back, 8);
    for (const s of seen) assert.ok(s.otherSynced >= s.index, `entry ${s.index} answered before ${back.id} synced it`);
    await waitFor(() => back.machine!.items.includes('degraded 4'), 'the returning node applied what it missed');
  } finally {
    await c.close();
  }
});

test('DESIGN §3, policy refuse: while degraded a proposal rejects at once with DegradedError and nothing is proposed', { timeout: 30_000 }, async () => {
  const c = await start({ degradedPolicy: 'refuse' });
  try {
    const { leader, other } = await dataLeader(c);
    await leader.node!.propose(Buffer.from('before'));
    await c.stopMember(other.id);
    await waitFor(() => leader.node!.status().degraded, 'the leader reports degraded');
    const lastIndex = leader.node!.status().lastIndex;
    const t0 = performance.now();
    await assert.rejects(leader.node!.propose(Buffer.from('refused')), (e: unknown) => e instanceof DegradedError && e.downPeers.join() === other.id);
    assert.ok(performance.now() - t0 < dataPeerDownMs, 'refused at once, not after a wait');
    let posts = 0;
    const off = leader.node!.onStatus(() => posts++);
    await waitFor(() => posts >= 2, 'two more status rounds');
    off();
    assert.equal(leader.node!.status().lastIndex, lastIndex, 'nothing was appended');
    assert.ok(!leader.machine!.items.includes('refused'));
    await c.startMember(other.id);
    await waitFor(() => !leader.node!.status().degraded, 'both data nodes healthy again', 10_000);
    assert.ok(await leader.node!.propose(Buffer.from('accepted again')) > lastIndex);
  } finally {
    await c.close();
  }
});

// Goal: issue 5 acceptance 3 — with one data node stopped, 1,000 messages arrive through the other data node and the witness; the stopped node returns and catches up from the log, and after compaction by a streamed snapshot; then `tandem cluster transfer --to` it, and every message is readable from it.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { domain, monoNowMs, sleep, TandemCluster, type MemberId } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

const user = `degraded@${domain}`;
const password = 'degraded-password';
/** Above one batch of 1,000 (the first return replays the log), below two (the second needs a snapshot). */
const snapshotIntervalEntries = 1_500;

test('degraded and back: log catch-up, snapshot catch-up, then transfer to the returned node', async (t) => {
  cluster = await TandemCluster.create({ clusterJson: { snapshotIntervalEntries } });
  const c = cluster;
  try {
    await c.startAll();
    const leader = await c.waitForServingLeader();
    const returning: MemberId = leader === 'a' ? 'b' : 'a';
    await c.addUser(leader, user, password);

    // 1. Stopped; 1,000 messages on the leader + witness; back, and caught up from the log.
    await c.stop(returning);
    const first = c.load({ run: 'degraded1', count: 1000, connections: 10, to: user });
    // Down once not heard from for dataPeerDownMs (the election timeout, 1 s).
    const deadline = monoNowMs() + 5_000;
    while (!(await c.member(leader)).degraded) {
      assert.ok(monoNowMs() < deadline, 'the leader knows it is degraded');
      await sleep(100);
    }
    assert.deepEqual(await first.done, { t: 'done', acked: 1000, rejected: 0, gaveUp: 0 });
    const statusText = await c.cli(leader, ['cluster', 'status']);
    t.diagnostic(`status while ${returning} is down:\n${statusText.stdout}`);
    assert.match(statusText.stdout, /DEGRADED/);
    assert.match(statusText.stdout, new RegExp(`^${returning} +data +unreachable`, 'm'));
    await c.start(returning);
    await c.waitForCaughtUp(returning, leader, 60_000);
    const afterLog = await c.member(returning);
    assert.equal(afterLog.snapshotIndex, 0, 'caught up from the log: no snapshot was needed');
    t.diagnostic(`log catch-up: ${returning} applied ${afterLog.appliedIndex}`);

    // 2. Stopped again; 1,000 more: the leader snapshots and compacts its log past what the
    // stopped node has, so it must catch up by a snapshot streamed in chunks.
    await c.stop(returning);
    const second = c.load({ run: 'degraded2', count: 1000, connections: 10, to: user });
    assert.deepEqual(await second.done, { t: 'done', acked: 1000, rejected: 0, gaveUp: 0 });
    await sleep(500);
    const compacted = await c.member(leader);
    t.diagnostic(`leader snapshot index ${compacted.snapshotIndex}; ${returning} had ${afterLog.appliedIndex}`);
    assert.ok(compacted.snapshotIndex! > afterLog.appliedIndex!, 'the leader compacted past the stopped node');
    await c.start(returning);
    await c.waitForCaughtUp(returning, leader, 120_000);
    const afterSnapshot = await c.member(returning);
    assert.ok(afterSnapshot.snapshotIndex! >= compacted.snapshotIndex!, `caught up by the snapshot (its snapshot index ${afterSnapshot.snapshotIndex})`);

    // 3. Planned switchover to the returned node; everything is readable from it.
    const transfer = await c.cli(leader, ['cluster', 'transfer', '--to', returning]);
    assert.equal(transfer.code, 0, transfer.stderr);
    t.diagnostic(transfer.stdout.trim());
    assert.equal(await c.waitForServingLeader(10_000), returning);
    for (const [run, load] of [['degraded1', first], ['degraded2', second]] as const) {
      const check = await c.imapCheck(user, password, run);
      const intact = new Set(check.messages.filter((m) => m.intact).map((m) => m.n));
      assert.deepEqual([...load.acked()].filter((n) => !intact.has(n)), [], `${run}: every message readable from ${returning}, byte-identical`);
      assert.equal(check.messages.filter((m) => m.n !== null).length, 1000, `${run}: exactly once`);
    }
    const [da, db] = await Promise.all([c.admin<{ appliedIndex: number; digest: string }>('a', 'store.digest'), c.admin<{ appliedIndex: number; digest: string }>('b', 'store.digest')]);
    assert.equal(da.digest, db.digest, 'identical stores after the snapshot catch-up');
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});

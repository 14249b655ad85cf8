// Goal: issue 5 acceptance 5 — with a dedicated replication link beside the LAN, cutting the replication link causes no failover: same leader, same term, the VIP stays, mail keeps flowing.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { domain, monoNowMs, sleep, TandemCluster, type MemberId } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

test('two links: cutting the replication link of the leader (and of the other data node) is not a failover', async (t) => {
  cluster = await TandemCluster.create({ secondLink: true });
  const c = cluster;
  try {
    const prober = await c.harness.startArpProber();
    await c.startAll();
    const leader = await c.waitForServingLeader();
    const other: MemberId = leader === 'a' ? 'b' : 'a';
    const user = `links@${domain}`;
    await c.addUser(leader, user, 'links-password');
    const load = c.load({ run: 'links', count: 0, connections: 4, to: user, retryMs: 50 });
    await load.waitForAcks(50, 30_000);
    const before = await c.member(leader);

    // The replication link is the first address of every member: eth1, on the second bridge.
    const cutAtMs = monoNowMs();
    await c.harness.linkDown(leader, 1);
    await sleep(4_000);
    await c.harness.linkDown(other, 1);
    await sleep(4_000);
    const during = await c.member(leader);
    const links = during.peers;
    t.diagnostic(`after the cuts: leader ${during.id} term ${during.term} (was ${before.term}), peers ${JSON.stringify(links)}`);
    await c.harness.linkUp(leader, 1);
    await c.harness.linkUp(other, 1);
    await sleep(1_000);
    load.stop();
    const summary = await load.done;

    assert.equal(during.raftRole, 'leader');
    assert.equal(during.term, before.term, 'no new election');
    assert.equal(during.serving, true);
    assert.equal(during.vipHeld, true);
    const after = await c.member(leader);
    assert.equal(after.term, before.term);
    assert.deepEqual(prober.ownership(cutAtMs).map((s) => s.mac), [c.harness.mac(leader)], 'the VIP never moved nor went silent');
    assert.equal(summary.gaveUp, 0);
    const acks = load.events.filter((e) => e.t === 'ack' && e.atMs! > cutAtMs).map((e) => e.atMs!).sort((x, y) => x - y);
    let gap = 0;
    for (let i = 1; i < acks.length; i++) gap = Math.max(gap, acks[i]! - acks[i - 1]!);
    t.diagnostic(`${acks.length} acknowledgements after the first cut; longest pause ${Math.round(gap)} ms`);
    assert.ok(acks.length > 100);
    assert.ok(gap < 3_000, `mail kept flowing (longest pause ${gap} ms)`);
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});

// Goal: with degradedPolicy "refuse", a leader whose other data node is down answers 451 before proposing (the retrying client delivers once both data nodes are back), never a 250 on one data node + witness.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { domain, monoNowMs, sleep, TandemCluster, type MemberId } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

test('degraded policy refuse: 451 while the other data node is down, delivered exactly once after it returns', async (t) => {
  cluster = await TandemCluster.create({ degradedPolicy: 'refuse' });
  const c = cluster;
  try {
    await c.startAll();
    const leader = await c.waitForServingLeader();
    const other: MemberId = leader === 'a' ? 'b' : 'a';
    const user = `refuse@${domain}`;
    await c.addUser(leader, user, 'refuse-password');
    await c.kill(other);
    const deadline = monoNowMs() + 10_000;
    while (!(await c.member(leader)).degraded) {
      assert.ok(monoNowMs() < deadline, 'the leader never noticed the other data node is down');
      await sleep(100);
    }
    const load = c.load({ run: 'refuse', count: 10, connections: 2, to: user, retryMs: 200 });
    await sleep(3_000);
    assert.equal(load.acked().size, 0, 'no 250 while degraded');
    const refusals = load.events.filter((e) => e.t === 'retry' && /^451 this node cannot accept mail/.test(e.why ?? ''));
    assert.ok(refusals.length > 0, `451 (nothing proposed) while degraded (saw ${load.events.slice(0, 3).map((e) => e.why).join(' | ')})`);
    t.diagnostic(`while degraded: ${refusals.length} × "${refusals[0]?.why}"`);
    await c.start(other);
    const summary = await load.done;
    assert.deepEqual(summary, { t: 'done', acked: 10, rejected: 0, gaveUp: 0 });
    const check = await c.imapCheck(user, 'refuse-password', 'refuse');
    assert.deepEqual(check.messages.map((m) => m.n).sort((x, y) => x! - y!), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'each exactly once');
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});

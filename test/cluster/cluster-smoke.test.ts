// Goal: three real tandemd members in namespaces elect a data leader that holds the VIP and accepts SMTP through it; after kill -9 of that leader the other data node takes the VIP over and serves.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { domain, monoNowMs, TandemCluster, type MemberId } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

test('smoke: leader elected, VIP held by it, SMTP 250 through the VIP; kill -9 of the leader moves the VIP to the other data node', async (t) => {
  cluster = await TandemCluster.create();
  const c = cluster;
  try {
    const prober = await c.harness.startArpProber();
    await c.startAll();
    const leader = await c.waitForServingLeader();
    assert.notEqual(leader, 'w', 'the witness never leads for long and never serves');
    assert.deepEqual(await c.harness.addresses(leader), [c.harness.ip(leader), c.harness.vip]);
    await prober.waitForOwner(c.harness.mac(leader), { fromMs: 0, timeoutMs: 5_000, consecutive: 3 });
    const user = `smoke@${domain}`;
    await c.addUser(leader, user, 'smoke-password');

    const first = c.load({ run: 'smoke1', count: 20, connections: 2, to: user });
    assert.deepEqual(await first.done, { t: 'done', acked: 20, rejected: 0, gaveUp: 0 });

    // /metrics on the leader's loopback (Prometheus text).
    const { stdout: metrics } = await c.harness.exec(leader, process.execPath, ['-e', "fetch('http://127.0.0.1:9465/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))"]);
    const sample = (line: string): boolean => metrics.split('\n').includes(line);
    assert.ok(sample('tandem_raft_role{role="leader"} 1'), metrics);
    assert.ok(sample('tandem_vip_held 1'));
    assert.ok(sample('tandem_smtp_writes_total{command="message.deliver",outcome="ok"} 20'));
    assert.match(metrics, /^tandem_raft_replication_lag_entries\{member="w"\} \d+$/m);
    assert.match(metrics, /^tandem_smtp_write_seconds_count\{command="message.deliver"\} 20$/m);

    const other: MemberId = leader === 'a' ? 'b' : 'a';
    const killedAtMs = monoNowMs();
    await c.kill(leader);
    const second = c.load({ run: 'smoke2', count: 20, connections: 2, to: user });
    assert.deepEqual(await second.done, { t: 'done', acked: 20, rejected: 0, gaveUp: 0 });
    const newLeader = await c.waitForServingLeader(10_000);
    assert.equal(newLeader, other);
    assert.deepEqual(await c.harness.addresses(other), [c.harness.ip(other), c.harness.vip]);
    assert.deepEqual(prober.conflicts(), [], 'never two MACs for the VIP');
    const firstAck = Math.min(...second.events.filter((e) => e.t === 'ack').map((e) => e.atMs!));
    t.diagnostic(`failover: first 250 on the VIP ${Math.round(firstAck - killedAtMs)} ms after kill -9 of ${leader}`);
    const check = await c.imapCheck(user, 'smoke-password', 'smoke2');
    assert.equal(check.messages.filter((m) => m.intact).length, 20);
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});

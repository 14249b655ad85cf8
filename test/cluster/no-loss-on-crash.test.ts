// Goal: issue 5 acceptance 1 — 2,000 messages over 10 retrying SMTP connections to the VIP, the leader kill -9'd mid-stream and restarted: every 250 is in the mailbox exactly once and byte-identical, no 5xx message is, and both data nodes end with identical stores.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { domain, monoNowMs, TandemCluster, type MemberId } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

test('no loss on a crash: 2,000 messages, 10 connections, leader kill -9 after 600 acknowledgements, then restarted', async (t) => {
  cluster = await TandemCluster.create();
  const c = cluster;
  try {
    await c.startAll();
    const leader = await c.waitForServingLeader();
    const user = `crash@${domain}`;
    const password = 'crash-password';
    await c.addUser(leader, user, password);
    const load = c.load({ run: 'crash', count: 2000, connections: 10, to: user });
    await load.waitForAcks(600, 60_000);
    const killedAtMs = monoNowMs();
    await c.kill(leader);
    const survivor: MemberId = leader === 'a' ? 'b' : 'a';
    assert.equal(await c.waitForServingLeader(10_000), survivor);
    const summary = await load.done;
    t.diagnostic(`load: ${JSON.stringify(summary)}; retries ${load.events.filter((e) => e.t === 'retry').length}`);
    const afterKill = load.events.filter((e) => e.t === 'ack' && e.atMs! > killedAtMs).length;
    t.diagnostic(`${afterKill} acknowledgements after the kill`);
    assert.equal(summary.t, 'done');
    assert.deepEqual(load.rejected(), new Set(), 'no 5xx');
    assert.equal(load.acked().size, 2000, 'a retrying client gets every message accepted');

    await c.start(leader);
    await c.waitForCaughtUp(leader, survivor, 60_000);

    const check = await c.imapCheck(user, password, 'crash');
    const seen = new Map<number, number>();
    for (const m of check.messages) if (m.n !== null) seen.set(m.n, (seen.get(m.n) ?? 0) + 1);
    const missing = [...load.acked()].filter((n) => !seen.has(n));
    const duplicated = [...seen].filter(([, count]) => count > 1).map(([n]) => n);
    assert.deepEqual(missing, [], 'every acknowledged message is readable');
    assert.deepEqual(duplicated, [], 'exactly once');
    assert.deepEqual(check.messages.filter((m) => !m.intact), [], 'byte-identical');
    for (const n of load.rejected()) assert.equal(seen.has(n), false, `rejected message ${n} is not stored`);

    const [da, db] = await Promise.all([c.admin<{ appliedIndex: number; digest: string }>('a', 'store.digest'), c.admin<{ appliedIndex: number; digest: string }>('b', 'store.digest')]);
    t.diagnostic(`store digests at applied index ${da.appliedIndex}/${db.appliedIndex}: ${da.digest.slice(0, 16)} ${db.digest.slice(0, 16)}`);
    assert.equal(da.appliedIndex, db.appliedIndex);
    assert.equal(da.digest, db.digest, 'both data nodes hold identical stores (UIDs, flags, files)');
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});

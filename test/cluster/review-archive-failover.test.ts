// Goal: held mail and the archive journal are replicated state like the mail. With a review rule and the archive
// on, messages taken by the leader — some held — leave both data nodes with identical stores (digest), the same
// held list and the same journal head; after kill -9 of the leader the new one approves the held messages (they
// arrive intact over IMAP through the VIP) and its journal verifies end to end.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { domain, TandemCluster, type MemberId } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

interface Held { count: number; entries: Array<{ queueId: string; rule: string }> }
interface ArchiveStatus { records: number; head: { seq: number; hash: string } | null }

test('review and archive across a failover: replicated, approved by the new leader, journal intact', async (t) => {
  cluster = await TandemCluster.create();
  const c = cluster;
  try {
    await c.startAll();
    const leader = await c.waitForServingLeader();
    const other: MemberId = leader === 'a' ? 'b' : 'a';
    const [plain, watched] = [`plain@${domain}`, `watched@${domain}`];
    await c.addUser(leader, plain, 'plain-password');
    await c.addUser(leader, watched, 'watched-password');
    await c.admin(leader, 'archive.enable', {});
    await c.admin(leader, 'review.rule.add', { name: 'watch', to: watched, direction: 'inbound', reviewers: [plain] });

    const toPlain = c.load({ run: 'ra-plain', count: 20, connections: 2, to: plain });
    const toWatched = c.load({ run: 'ra-watched', count: 5, connections: 1, to: watched });
    assert.deepEqual(await toPlain.done, { t: 'done', acked: 20, rejected: 0, gaveUp: 0 });
    assert.deepEqual(await toWatched.done, { t: 'done', acked: 5, rejected: 0, gaveUp: 0 });
    await c.waitForCaughtUp(other, leader);

    const [da, db] = await Promise.all([c.admin<{ digest: string }>('a', 'store.digest'), c.admin<{ digest: string }>('b', 'store.digest')]);
    assert.equal(da.digest, db.digest, 'identical stores, held files and journal included');
    const [heldL, heldO] = await Promise.all([c.admin<Held>(leader, 'review.list'), c.admin<Held>(other, 'review.list')]);
    assert.equal(heldL.count, 5);
    assert.deepEqual(heldO.entries.map((e) => e.queueId), heldL.entries.map((e) => e.queueId));
    const [archL, archO] = await Promise.all([c.admin<ArchiveStatus>(leader, 'archive.status'), c.admin<ArchiveStatus>(other, 'archive.status')]);
    // 25 accepted messages; each held one also brought the reviewer a notice (a delivery, journaled too).
    assert.equal(archL.records, 30);
    assert.deepEqual(archO.head, archL.head, 'the same journal head on both data nodes');
    // The gauges come from replicated state: the follower's /metrics says what the leader's does.
    const { stdout: metrics } = await c.harness.exec(other, process.execPath, ['-e', "fetch('http://127.0.0.1:9465/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))"]);
    assert.ok(metrics.split('\n').includes('tandem_review_held_messages 5'), metrics);
    assert.ok(metrics.split('\n').includes('tandem_archive_records 30'));

    await c.kill(leader);
    const newLeader = await c.waitForServingLeader(15_000, { not: leader });
    assert.equal(newLeader, other);
    for (const e of heldO.entries) await c.admin(newLeader, 'review.approve', { queueId: e.queueId, reviewer: 'auditor' });
    assert.equal((await c.admin<Held>(newLeader, 'review.list')).count, 0);
    const check = await c.imapCheck(watched, 'watched-password', 'ra-watched');
    assert.equal(check.messages.filter((m) => m.intact).length, 5, 'every approved message arrives intact');
    const verified = await c.admin<{ ok: boolean; records: number; problems: unknown[] }>(newLeader, 'archive.verify');
    assert.deepEqual([verified.ok, verified.records, verified.problems], [true, 30, []]);
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});

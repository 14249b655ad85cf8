// Goal: after force-single, the other data node and the witness, rebuilt with empty data dirs and cluster.join, are added back with `tandem cluster add` on the leader (the data node as a learner that catches up and is then made a voter, then the witness); the survivor keeps serving throughout, the cluster is whole again (not degraded), and a kill -9 of the survivor fails over to the re-added node, which serves every message.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { domain, TandemCluster, type MemberId } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

/** Empties the member's data dir and sets cluster.join in its config, as an operator rebuilding it would. */
function rebuildToJoin(c: TandemCluster, id: MemberId): void {
  rmSync(c.dataDir(id), { recursive: true, force: true });
  c.setJoin(id);
}

test('force-single, then cluster add of the rebuilt witness and data node: whole again, and it fails over', async (t) => {
  cluster = await TandemCluster.create();
  const c = cluster;
  try {
    await c.startAll();
    const survivor = await c.waitForServingLeader();
    const other: MemberId = survivor === 'a' ? 'b' : 'a';
    const user = `rejoin@${domain}`;
    await c.addUser(survivor, user, 'rejoin-password');
    const first = c.load({ run: 'rejoin1', count: 20, connections: 2, to: user });
    assert.deepEqual(await first.done, { t: 'done', acked: 20, rejected: 0, gaveUp: 0 });

    await c.kill('w');
    await c.kill(other);
    assert.equal((await c.forceSingle(survivor)).exitCode, 75);
    assert.equal(await c.waitForServingLeader(15_000), survivor);
    const alone = c.load({ run: 'rejoin2', count: 20, connections: 2, to: user });
    assert.deepEqual(await alone.done, { t: 'done', acked: 20, rejected: 0, gaveUp: 0 });

    for (const id of ['w', other] as const) rebuildToJoin(c, id);
    await c.start('w');
    await c.start(other);
    const early = await c.cli(other, ['cluster', 'add', 'w']);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /is not the leader/);

    // The data node first: it counts for the quorum only once it has caught up, and then the
    // witness, still copying, is not needed for a commit (deploy/README §9).
    const witnessFirst = await c.cli(survivor, ['cluster', 'add', 'w']);
    assert.equal(witnessFirst.code, 1);
    assert.match(witnessFirst.stderr, new RegExp(`add the data member first \\(tandem cluster add ${other}\\)`));
    const data = await c.cli(survivor, ['cluster', 'add', other]);
    assert.equal(data.code, 0, data.stderr);
    t.diagnostic(data.stdout.trim());
    assert.match(data.stdout, new RegExp(`^${other} \\(data\\) is a voting member now, after \\d+ ms; voters: .*${other}`));
    const witness = await c.cli(survivor, ['cluster', 'add', 'w']);
    assert.equal(witness.code, 0, witness.stderr);
    const again = await c.cli(survivor, ['cluster', 'add', other]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is already a voting member/);

    assert.equal(await c.waitForServingLeader(15_000), survivor);
    await c.waitForCaughtUp(other, survivor);
    const status = JSON.parse((await c.cli(survivor, ['cluster', 'status', '--json'])).stdout) as { degraded: boolean; leader: string };
    assert.deepEqual([status.leader, status.degraded], [survivor, false]);
    const whole = c.load({ run: 'rejoin3', count: 20, connections: 2, to: user });
    assert.deepEqual(await whole.done, { t: 'done', acked: 20, rejected: 0, gaveUp: 0 });
    await c.waitForCaughtUp(other, survivor);

    await c.kill(survivor);
    assert.equal(await c.waitForServingLeader(15_000), other, 'the re-added data node takes over with the witness\'s vote');
    for (const run of ['rejoin1', 'rejoin2', 'rejoin3']) {
      const check = await c.imapCheck(user, 'rejoin-password', run);
      assert.equal(check.messages.filter((m) => m.intact).length, 20, `${run}: served by ${other}`);
    }
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});

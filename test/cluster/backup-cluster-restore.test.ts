// Goal: a cluster starts over from a backup (disaster recovery: every member's data gone): `tandem backup restore --config` on one data node makes it a one-member cluster with the backed-up mail, the other data node and the witness rejoin empty (cluster.join, `tandem cluster add`), and the rebuilt cluster serves the backed-up mail, takes new mail and fails over; mail that came after the backup is not there.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../support/cli-process.js';
import { domain, TandemCluster } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

test('every data dir lost: restore the backup on a, b and w rejoin empty, the cluster serves the backed-up mail and fails over', async (t) => {
  cluster = await TandemCluster.create();
  const c = cluster;
  const user = `dr@${domain}`;
  const password = 'dr-password';
  try {
    await c.startAll();
    const leader = await c.waitForServingLeader();
    await c.addUser(leader, user, password);
    const kept = c.load({ run: 'dr1', count: 20, connections: 2, to: user });
    assert.deepEqual(await kept.done, { t: 'done', acked: 20, rejected: 0, gaveUp: 0 });
    const file = join(c.dir, 'cluster.backup');
    const created = await c.cli(leader, ['backup', 'create', '--out', file]);
    assert.equal(created.code, 0, created.stderr);
    const lost = c.load({ run: 'dr2', count: 10, connections: 2, to: user });
    assert.deepEqual(await lost.done, { t: 'done', acked: 10, rejected: 0, gaveUp: 0 });

    for (const id of ['a', 'b', 'w'] as const) {
      await c.stop(id);
      rmSync(c.dataDir(id), { recursive: true, force: true });
    }
    const witnessRefused = await runCli(['backup', 'restore', file, '--config', c.configFile('w')]);
    assert.equal(witnessRefused.code, 1);
    assert.match(witnessRefused.stderr, /a witness holds no mail/);
    const restored = await runCli(['backup', 'restore', file, '--config', c.configFile('a')]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /a starts as a one-member cluster/);
    const again = await runCli(['backup', 'restore', file, '--config', c.configFile('a')]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /has Raft state: to start the cluster over from this backup/);

    await c.start('a');
    assert.equal(await c.waitForServingLeader(15_000), 'a');
    c.setJoin('b');
    c.setJoin('w');
    await c.start('b');
    await c.start('w');
    for (const id of ['b', 'w']) {
      const added = await c.cli('a', ['cluster', 'add', id]);
      assert.equal(added.code, 0, added.stderr);
    }
    assert.equal(await c.waitForServingLeader(15_000), 'a');
    await c.waitForCaughtUp('b', 'a');

    const back = await c.imapCheck(user, password, 'dr1');
    assert.equal(back.messages.filter((m) => m.intact).length, 20, 'the backed-up mail');
    assert.equal((await c.imapCheck(user, password, 'dr2')).messages.filter((m) => m.n !== null).length, 0, 'mail after the backup is gone');
    const fresh = c.load({ run: 'dr3', count: 10, connections: 2, to: user });
    assert.deepEqual(await fresh.done, { t: 'done', acked: 10, rejected: 0, gaveUp: 0 });
    await c.waitForCaughtUp('b', 'a');

    await c.kill('a');
    assert.equal(await c.waitForServingLeader(15_000), 'b');
    for (const [run, count] of [['dr1', 20], ['dr3', 10]] as const) {
      const check = await c.imapCheck(user, password, run);
      assert.equal(check.messages.filter((m) => m.intact).length, count, `${run} on b`);
    }
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});

// Goal: the break-glass `tandem cluster force-single` refuses without --yes-i-understand and says what it risks; with it, a lone data node (witness and other data node gone) restarts as a one-member cluster that takes the VIP and accepts mail, keeping what it had.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { domain, TandemCluster, type MemberId } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

test('force-single: refused without the flag; with it, the survivor serves alone after its restart', async (t) => {
  cluster = await TandemCluster.create();
  const c = cluster;
  try {
    await c.startAll();
    const survivor = await c.waitForServingLeader();
    const gone: MemberId = survivor === 'a' ? 'b' : 'a';
    const user = `single@${domain}`;
    await c.addUser(survivor, user, 'single-password');
    const before = c.load({ run: 'single1', count: 20, connections: 2, to: user });
    assert.deepEqual(await before.done, { t: 'done', acked: 20, rejected: 0, gaveUp: 0 });

    await c.kill('w');
    await c.kill(gone);
    const refused = await c.cli(survivor, ['cluster', 'force-single']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^tandem: refusing without --yes-i-understand\.\n/);
    assert.match(refused.stderr, /losing mail/);
    assert.match(refused.stderr, /split brain/);

    // The lone member steps down once it cannot hear a quorum (check-quorum), then it may be forced.
    const forced = await c.forceSingle(survivor);
    t.diagnostic(forced.stdout.trim().split('\n').at(-1) ?? '');
    assert.match(forced.stdout, /is now a one-member cluster/);
    assert.equal(forced.exitCode, 75, 'it exits with 75 so that systemd restarts it');
    assert.equal(await c.waitForServingLeader(15_000), survivor);
    const report = await c.member(survivor);
    assert.deepEqual(report.peers, {}, 'alone in its configuration');
    const afterForce = c.load({ run: 'single2', count: 20, connections: 2, to: user });
    assert.deepEqual(await afterForce.done, { t: 'done', acked: 20, rejected: 0, gaveUp: 0 });
    for (const run of ['single1', 'single2']) {
      const check = await c.imapCheck(user, 'single-password', run);
      assert.equal(check.messages.filter((m) => m.intact).length, 20, `${run}: kept and readable`);
    }
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});

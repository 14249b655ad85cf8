// Goal: a backup taken from the data node that does not lead (deploy/README §9: spare the leader) holds everything the cluster acknowledged before it, checks out whole, and restores into a single node's data dir with every message intact.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MailStore } from '@tandem/store';
import { runCli } from '../support/cli-process.js';
import { loadMessage } from './fixtures/load-message.js';
import { domain, TandemCluster, type MemberId } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

test('backup from the follower, check, restore on a single node: the acknowledged mail, intact', async (t) => {
  cluster = await TandemCluster.create();
  const c = cluster;
  try {
    await c.startAll();
    const leader = await c.waitForServingLeader();
    const follower: MemberId = leader === 'a' ? 'b' : 'a';
    const user = `backup@${domain}`;
    await c.addUser(leader, user, 'backup-password');
    const load = c.load({ run: 'backup', count: 30, connections: 3, to: user });
    assert.deepEqual(await load.done, { t: 'done', acked: 30, rejected: 0, gaveUp: 0 });
    await c.waitForCaughtUp(follower, leader);

    const file = join(c.dir, 'follower.backup');
    const created = await c.cli(follower, ['backup', 'create', '--out', file, '--json']);
    assert.equal(created.code, 0, created.stderr);
    const made = JSON.parse(created.stdout) as { appliedIndex: number; bytes: number };
    t.diagnostic(`backup from ${follower}: applied index ${made.appliedIndex}, ${made.bytes} bytes`);
    const check = await runCli(['backup', 'check', file]);
    assert.equal(check.code, 0, check.stderr);

    const single = join(c.dir, 'single');
    const restored = await runCli(['--data-dir', single, 'backup', 'restore', file]);
    assert.equal(restored.code, 0, restored.stderr);
    const store = await MailStore.open({ dataDir: single });
    try {
      const messages = store.listMessages(user, 'INBOX');
      assert.equal(messages.length, 30);
      const stored = await Promise.all(messages.map((m) => store.readMessage(user, 'INBOX', m.uid)));
      for (let n = 0; n < 30; n++) {
        const expected = loadMessage('backup', n, user);
        assert.ok(stored.some((b) => b.length >= expected.length && b.subarray(b.length - expected.length).equals(expected)), `message ${n} intact`);
      }
    } finally {
      await store.close();
    }
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});

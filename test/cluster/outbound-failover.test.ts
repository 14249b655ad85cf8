// Goal: the outbound queue is replicated state. Mail for another domain queued on the leader while that
// domain's MX defers it (a real SMTP server and DNS server in the client namespace) is still queued after
// kill -9 of the leader; the other data node, now serving, delivers every queued message exactly once (the MX
// had refused them all before, so nothing was delivered twice), and takes new outbound mail at once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LineProcess } from './line-process.js';
import { domain, repoRoot, TandemCluster, type MemberId } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
let mx: LineProcess | undefined;
after(async () => {
  await mx?.close();
  await cluster?.close();
});

const fixtures = join(repoRoot, 'test/cluster/fixtures');
const mxPort = 2525;
const dnsPort = 5353;
interface Listing { count: number; entries: Array<{ queueId: string; recipients: Array<{ address: string; state: string; reply: string | null }> }> }

test('outbound: queued mail survives kill -9 of the leader and the new leader delivers it, once', async (t) => {
  cluster = await TandemCluster.create();
  const c = cluster;
  try {
    const clientIp = c.harness.ip('c');
    c.setOutbound({ mxPort, dnsServers: [`${clientIp}:${dnsPort}`] });
    const remote = new LineProcess(c.harness.spawn('c', process.execPath, [
      '--import', 'tsx', join(fixtures, 'remote-mx.ts'), '--host', clientIp, '--dns-port', String(dnsPort), '--smtp-port', String(mxPort),
    ], { cwd: repoRoot }), 'the remote MX');
    mx = remote;
    await remote.waitForLine('ready', 30_000);
    const command = async (word: 'defer' | 'accept'): Promise<void> => {
      (remote.child.stdin!).write(`${word}\n`);
      await remote.waitFor(`acknowledging ${word}`, () => (remote.lines.filter((l) => l === `ok ${word}`).length > 0 ? true : undefined), 5_000);
    };
    await command('defer');

    await c.startAll();
    const leader = await c.waitForServingLeader();
    const user = `sender@${domain}`;
    const password = 'outbound-password';
    await c.addUser(leader, user, password);
    const submit = async (subject: string): Promise<void> => {
      const { stdout } = await c.harness.exec('c', process.execPath, [
        '--import', 'tsx', join(fixtures, 'submit.ts'), '--host', c.harness.vip, '--user', user, '--password', password, '--to', 'friend@remote.test', '--subject', subject,
      ], { timeoutMs: 60_000 });
      assert.match(stdout, /^250 2\.0\.0 /, subject);
    };
    const subjects = ['queued 1', 'queued 2', 'queued 3', 'queued 4', 'queued 5'];
    for (const s of subjects) await submit(s);

    // Every message tried once and deferred by the MX, on the leader.
    const deferred = async (id: MemberId): Promise<boolean> => {
      const listing = await c.admin<Listing>(id, 'queue.list');
      return listing.count === subjects.length && listing.entries.every((e) => e.recipients[0]?.reply?.startsWith('451 4.3.2') === true);
    };
    const deadline = Date.now() + 30_000;
    while (!(await deferred(leader))) {
      assert.ok(Date.now() < deadline, 'the leader tried and deferred every message within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const other: MemberId = leader === 'a' ? 'b' : 'a';
    await c.waitForCaughtUp(other, leader);
    assert.equal((await c.admin<Listing>(other, 'queue.list')).count, subjects.length, 'the queue is replicated to the other data node');

    await c.kill(leader);
    const newLeader = await c.waitForServingLeader(15_000, { not: leader });
    assert.equal(newLeader, other);
    await command('accept');
    const retried = await c.admin<{ count: number }>(newLeader, 'queue.retry');
    assert.equal(retried.count, subjects.length);
    await submit('after the failover');

    const received = await remote.waitFor('receiving all six messages', () => {
      const got = remote.lines.filter((l) => l.startsWith('received ')).map((l) => JSON.parse(l.slice(9)) as { rcptTo: string[]; subject: string; client: string });
      return got.length >= subjects.length + 1 ? got : undefined;
    }, 30_000);
    assert.deepEqual(received.map((m) => m.subject).sort(), [...subjects, 'after the failover'].sort(), 'each message once');
    assert.ok(received.every((m) => m.rcptTo.length === 1 && m.rcptTo[0] === 'friend@remote.test'));
    // Mail leaves from the VIP, not from the node's own address: SPF and PTR hold whichever node leads.
    assert.deepEqual([...new Set(received.map((m) => m.client))], [c.harness.vip]);
    const drained = Date.now() + 10_000;
    while ((await c.admin<Listing>(newLeader, 'queue.list')).count !== 0) {
      assert.ok(Date.now() < drained, 'the queue empties once the outcomes are recorded');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});

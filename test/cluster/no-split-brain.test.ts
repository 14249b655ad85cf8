// Goal: issue 5 acceptance 2 — with all of the leader's links cut, the leader daemon kill -9'd, and the leader frozen (SIGSTOP 10 s), the old leader lets go of the VIP before the new one adds it (never two MACs at the 20 Hz ARP prober), the isolated node refuses writes, and it rejoins as a follower with its unacknowledged tail discarded.
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import type { ArpProber } from './arp-prober.js';
import { domain, monoNowMs, sleep, TandemCluster, type LoadRun, type MemberId } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

const user = `brain@${domain}`;
const password = 'brain-password';

/** Polls a host's addresses until the VIP is gone; returns when (monotonic ms). */
async function vipGoneAt(c: TandemCluster, host: MemberId, timeoutMs: number): Promise<number> {
  const deadline = monoNowMs() + timeoutMs;
  while (monoNowMs() < deadline) {
    if (!(await c.harness.addresses(host)).includes(c.harness.vip)) return monoNowMs();
    await sleep(20);
  }
  throw new Error(`${host} still holds the VIP after ${timeoutMs} ms`);
}

/** The first window the new leader's MAC answered, after `fromMs`; asserts nobody else answered with it. */
async function takeover(c: TandemCluster, prober: ArpProber, to: MemberId, fromMs: number): Promise<number> {
  const window = await prober.waitForOwner(c.harness.mac(to), { fromMs, timeoutMs: 20_000, consecutive: 3 });
  return window.sentAtMs;
}

/**
 * Polls a member that comes back (links up, SIGCONT) until it is a follower, checking at every poll
 * that it never holds the VIP meanwhile; returns the role it ended with and how long that took. Its
 * links may take a couple of seconds to come back (a connect begun while they were down waits for
 * TCP's SYN retransmit and the handshake), so the time is reported, not guessed with a fixed sleep.
 */
async function rejoin(c: TandemCluster, id: MemberId, timeoutMs: number): Promise<{ role: string | undefined; afterMs: number }> {
  const startedMs = monoNowMs();
  let role: string | undefined;
  while (monoNowMs() - startedMs < timeoutMs) {
    const m = await c.member(id);
    assert.equal(m.vipHeld, false, `${id} holds the VIP while it rejoins`);
    role = m.raftRole;
    if (role === 'follower') break;
    await sleep(50);
  }
  return { role, afterMs: monoNowMs() - startedMs };
}

function assertNoConflicts(prober: ArpProber, what: string): void {
  const conflicts = prober.conflicts();
  assert.deepEqual(conflicts, [], `${what}: two MACs answered for the VIP in ${conflicts.length} windows`);
}

async function checkStores(c: TandemCluster, t: TestContext, loads: LoadRun[]): Promise<void> {
  const leader = await c.waitForServingLeader();
  for (const id of ['a', 'b'] as MemberId[]) if (id !== leader) await c.waitForCaughtUp(id, leader, 60_000);
  const [da, db] = await Promise.all([c.admin<{ appliedIndex: number; digest: string }>('a', 'store.digest'), c.admin<{ appliedIndex: number; digest: string }>('b', 'store.digest')]);
  assert.equal(da.appliedIndex, db.appliedIndex);
  assert.equal(da.digest, db.digest, 'the rejoined node holds the same store (its unacknowledged tail was discarded)');
  for (const load of loads) {
    const run = (load as LoadRun & { run: string }).run;
    const check = await c.imapCheck(user, password, run);
    const seen = new Map<number, number>();
    for (const m of check.messages) if (m.n !== null) seen.set(m.n, (seen.get(m.n) ?? 0) + 1);
    assert.deepEqual([...load.acked()].filter((n) => seen.get(n) !== 1), [], `${run}: every acknowledged message exactly once`);
    t.diagnostic(`${run}: ${load.acked().size} acknowledged, all present once`);
  }
}

function startLoad(c: TandemCluster, run: string): LoadRun {
  const load = c.load({ run, count: 0, connections: 4, to: user, retryMs: 50 });
  return Object.assign(load, { run });
}

test('no split brain under three faults: links cut, kill -9, SIGSTOP 10 s', async (t) => {
  cluster = await TandemCluster.create();
  const c = cluster;
  try {
    const prober = await c.harness.startArpProber();
    await c.startAll();
    let leader = await c.waitForServingLeader();
    await c.addUser(leader, user, password);
    const loads: LoadRun[] = [];

    // (a) Every link of the leader down while it keeps running.
    {
      const load = startLoad(c, 'cut');
      loads.push(load);
      await load.waitForAcks(100, 30_000);
      const other: MemberId = leader === 'a' ? 'b' : 'a';
      const cutAtMs = monoNowMs();
      await c.harness.allLinksDown(leader);
      const goneAtMs = await vipGoneAt(c, leader, 5_000);
      const addedAtMs = await takeover(c, prober, other, cutAtMs);
      t.diagnostic(`(a) links cut: ${leader} dropped the VIP ${Math.round(goneAtMs - cutAtMs)} ms after the cut, ${other} answered ARP ${Math.round(addedAtMs - cutAtMs)} ms after`);
      assert.ok(goneAtMs < addedAtMs, 'the isolated leader let go before the new leader took the VIP');
      // The isolated node refuses writes once it knows it is alone.
      const isolated = await c.member(leader);
      assert.equal(isolated.serving, false);
      await assert.rejects(c.admin(leader, 'user.add', { address: `isolated@${domain}`, password: 'isolated-password' }), /not the leader|outcome unknown|internal error/);
      await load.waitForAcks(load.acked().size + 50, 30_000);
      await c.harness.allLinksUp(leader);
      const rejoined = await rejoin(c, leader, 10_000);
      t.diagnostic(`(a) ${leader} was a ${rejoined.role} ${Math.round(rejoined.afterMs)} ms after its links came back`);
      assert.equal(rejoined.role, 'follower', 'it rejoins as a follower');
      leader = await c.waitForServingLeader();
      assert.equal(leader, other);
      load.stop();
      await load.done;
      assertNoConflicts(prober, '(a)');
    }

    // (b) kill -9 of the leader daemon.
    {
      const load = startLoad(c, 'kill');
      loads.push(load);
      await load.waitForAcks(100, 30_000);
      const other: MemberId = leader === 'a' ? 'b' : 'a';
      const killAtMs = monoNowMs();
      await c.kill(leader);
      const goneAtMs = await vipGoneAt(c, leader, 5_000);
      const addedAtMs = await takeover(c, prober, other, killAtMs);
      t.diagnostic(`(b) kill -9: VIP gone from ${leader} ${Math.round(goneAtMs - killAtMs)} ms after, ${other} answered ARP ${Math.round(addedAtMs - killAtMs)} ms after`);
      assert.ok(goneAtMs < addedAtMs);
      await c.start(leader);
      await load.waitForAcks(load.acked().size + 50, 30_000);
      leader = await c.waitForServingLeader();
      load.stop();
      await load.done;
      assertNoConflicts(prober, '(b)');
      await c.waitForCaughtUp(leader === 'a' ? 'b' : 'a', leader, 60_000);
    }

    // (c) SIGSTOP of the leader daemon for 10 s, then SIGCONT.
    {
      const load = startLoad(c, 'freeze');
      loads.push(load);
      await load.waitForAcks(100, 30_000);
      const other: MemberId = leader === 'a' ? 'b' : 'a';
      const stopAtMs = monoNowMs();
      c.signal(leader, 'SIGSTOP');
      const goneAtMs = await vipGoneAt(c, leader, 5_000);
      const addedAtMs = await takeover(c, prober, other, stopAtMs);
      t.diagnostic(`(c) SIGSTOP: the guard dropped the VIP of frozen ${leader} ${Math.round(goneAtMs - stopAtMs)} ms after, ${other} answered ARP ${Math.round(addedAtMs - stopAtMs)} ms after`);
      assert.ok(goneAtMs < addedAtMs);
      await sleep(Math.max(0, stopAtMs + 10_000 - monoNowMs()));
      c.signal(leader, 'SIGCONT');
      const woke = await rejoin(c, leader, 10_000);
      t.diagnostic(`(c) ${leader} was a ${woke.role} ${Math.round(woke.afterMs)} ms after SIGCONT`);
      assert.equal(woke.role, 'follower', 'the frozen leader woke up as a follower (and never took the VIP back)');
      assert.equal((await c.harness.addresses(leader)).includes(c.harness.vip), false);
      await load.waitForAcks(load.acked().size + 50, 30_000);
      load.stop();
      await load.done;
      assertNoConflicts(prober, '(c)');
    }
    t.diagnostic(`prober: ${prober.windows.length} windows, ${prober.conflicts().length} with two MACs`);
    await checkStores(c, t, loads);
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});

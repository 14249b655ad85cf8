// Goal: the VIP guard lets go by itself — its decision logic on a fake clock, then real guards in network namespaces watched by a 20 Hz ARP prober: kill -9, SIGSTOP, hand-over with never two MACs.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { NetnsHarness } from '../../../test/cluster/netns-harness.js';
import { VipHolderProcess } from '../../../test/cluster/vip-holder-process.js';
import { monotonicNowMs } from './monotonic-clock.js';
import type { VipActions } from './vip-actions.js';
import { VipGuard, type GuardTimers } from './vip-guard.js';
import type { VipGuardEvent } from './vip-guard-protocol.js';
import { vipGuardLimits } from './vip-guard-limits.js';

/** A clock that moves only when told; timers fire in order as it passes them. */
class FakeTimers implements GuardTimers {
  now = 1_000;
  private nextId = 0;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();
  nowMs(): number {
    return this.now;
  }
  setTimer(callback: () => void, delayMs: number): unknown {
    const id = ++this.nextId;
    this.timers.set(id, { at: this.now + delayMs, callback });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Advances to now + ms, firing due timers (and letting promise callbacks run between them). */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    for (;;) {
      await flush();
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= target).sort((x, y) => x[1].at - y[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = Math.max(this.now, due[1].at);
      due[1].callback();
    }
    this.now = target;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

interface Deferred {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Records every call; add/remove can be held open to test what happens meanwhile. */
class FakeActions implements VipActions {
  readonly description = 'fake VIP';
  readonly calls: string[] = [];
  holdAdd = false;
  removeFailures = 0;
  addFails = false;
  pendingAdd: Deferred | undefined;
  announceSignals: AbortSignal[] = [];
  announceNeverEnds = false;
  add(): Promise<void> {
    this.calls.push('add');
    if (this.addFails) return Promise.reject(new Error('ip says no'));
    if (!this.holdAdd) return Promise.resolve();
    return new Promise((resolve, reject) => (this.pendingAdd = { resolve, reject }));
  }
  remove(): Promise<void> {
    this.calls.push('remove');
    if (this.removeFailures > 0) {
      this.removeFailures--;
      return Promise.reject(new Error('RTNETLINK busy'));
    }
    return Promise.resolve();
  }
  removeSync(): void {
    this.calls.push('removeSync');
  }
  announce(signal?: AbortSignal): Promise<void> {
    this.calls.push('announce');
    if (signal) this.announceSignals.push(signal);
    if (!this.announceNeverEnds || !signal) return Promise.resolve();
    return new Promise((_, reject) => signal.addEventListener('abort', () => {
      this.calls.push('announce-aborted');
      reject(new Error('aborted'));
    }));
  }
}

function makeGuard(options: { leaseMs?: number; garpIntervalMs?: number } = {}): { guard: VipGuard; timers: FakeTimers; actions: FakeActions; events: VipGuardEvent[] } {
  const timers = new FakeTimers();
  const actions = new FakeActions();
  const events: VipGuardEvent[] = [];
  const guard = new VipGuard({ actions, timers, leaseMs: options.leaseMs ?? 1_000, garpIntervalMs: options.garpIntervalMs ?? 0, log: () => {}, emit: (event) => events.push(event) });
  return { guard, timers, actions, events };
}

describe('VipGuard decisions (fake clock)', () => {
  test('acquire adds, reports held and announces; without renewals it removes exactly at the lease deadline', async () => {
    const { guard, timers, actions, events } = makeGuard({ leaseMs: 1_000 });
    guard.acquire();
    await timers.advance(0);
    assert.deepEqual(actions.calls, ['add', 'announce']);
    assert.deepEqual(events, [{ type: 'held' }]);
    await timers.advance(999);
    assert.equal(guard.state, 'held');
    await timers.advance(1);
    assert.deepEqual(actions.calls, ['add', 'announce', 'remove']);
    assert.deepEqual(events.at(-1), { type: 'released', reason: 'lease-expired' });
    assert.deepEqual(await guard.done, { type: 'released', reason: 'lease-expired' });
  });

  test('a renewal moves the deadline to now + lease; one with an earlier deadline shortens it; none extends past now + lease', async () => {
    const { guard, timers, actions } = makeGuard({ leaseMs: 1_000 });
    guard.acquire();
    await timers.advance(600);
    guard.renew(undefined); // until 1600 from start
    await timers.advance(900);
    assert.equal(guard.state, 'held');
    guard.renew(timers.now + 50_000); // capped at now + 1000
    assert.equal(guard.leaseDeadlineMs, timers.now + 1_000);
    guard.renew(timers.now + 200);
    await timers.advance(199);
    assert.equal(guard.state, 'held');
    await timers.advance(1);
    assert.equal(guard.state, 'released');
    assert.equal(actions.calls.filter((c) => c === 'remove').length, 1);
  });

  test('a renewal with a deadline already past removes at once', async () => {
    const { guard, timers, events } = makeGuard();
    guard.acquire();
    await timers.advance(10);
    guard.renew(timers.now - 1);
    await timers.advance(0);
    assert.deepEqual(events.at(-1), { type: 'released', reason: 'lease-expired' });
  });

  test('a release while the add is in flight removes after the add finishes and never reports held', async () => {
    const { guard, timers, actions, events } = makeGuard();
    actions.holdAdd = true;
    guard.acquire();
    await timers.advance(0);
    const released = guard.release('parent-gone');
    await timers.advance(0);
    assert.deepEqual(actions.calls, ['add'], 'no remove while the add runs');
    actions.pendingAdd!.resolve();
    assert.deepEqual(await released, { type: 'released', reason: 'parent-gone' });
    assert.deepEqual(actions.calls, ['add', 'remove']);
    assert.deepEqual(events, [{ type: 'released', reason: 'parent-gone' }]);
  });

  test('the lease runs out during a slow add: removed right after the add completes', async () => {
    const { guard, timers, actions, events } = makeGuard({ leaseMs: 500 });
    actions.holdAdd = true;
    guard.acquire();
    await timers.advance(600);
    assert.deepEqual(actions.calls, ['add']);
    actions.pendingAdd!.resolve();
    await timers.advance(0);
    assert.deepEqual(actions.calls, ['add', 'remove']);
    assert.deepEqual(events, [{ type: 'released', reason: 'lease-expired' }]);
  });

  test('an announcement in flight is aborted before the VIP is removed (no gratuitous ARP for a gone address)', async () => {
    const { guard, timers, actions } = makeGuard();
    actions.announceNeverEnds = true;
    guard.acquire();
    await timers.advance(0);
    await guard.release('release');
    assert.deepEqual(actions.calls, ['add', 'announce', 'announce-aborted', 'remove']);
  });

  test('gratuitous ARP repeats every garpIntervalMs while held, and on "garp"', async () => {
    const { guard, timers, actions } = makeGuard({ leaseMs: 10_000, garpIntervalMs: 500 });
    guard.acquire();
    await timers.advance(1_600);
    assert.equal(actions.calls.filter((c) => c === 'announce').length, 4); // at 0, 500, 1000, 1500
    guard.handle({ type: 'garp' });
    assert.equal(actions.calls.filter((c) => c === 'announce').length, 5);
    await guard.release('release');
    await timers.advance(2_000);
    assert.equal(actions.calls.filter((c) => c === 'announce').length, 5, 'none after release');
  });

  test('removal is retried, then reported as failed (the VIP may remain)', async () => {
    const ok = makeGuard();
    ok.guard.acquire();
    await ok.timers.advance(0);
    ok.actions.removeFailures = vipGuardLimits.dropAttemptsMax - 1;
    const released = ok.guard.release('release');
    await ok.timers.advance(vipGuardLimits.dropRetryDelayMs * vipGuardLimits.dropAttemptsMax);
    assert.deepEqual(await released, { type: 'released', reason: 'release' });
    assert.equal(ok.actions.calls.filter((c) => c === 'remove').length, vipGuardLimits.dropAttemptsMax);

    const failing = makeGuard();
    failing.guard.acquire();
    await failing.timers.advance(0);
    failing.actions.removeFailures = vipGuardLimits.dropAttemptsMax;
    const failed = failing.guard.release('signal');
    await failing.timers.advance(vipGuardLimits.dropRetryDelayMs * vipGuardLimits.dropAttemptsMax);
    assert.deepEqual(await failed, { type: 'failed', reason: 'signal' });
    assert.deepEqual(failing.events.at(-1), { type: 'failed', stage: 'remove', message: 'Error: RTNETLINK busy' });
    assert.equal(failing.guard.mayHoldVip, true);
  });

  test('a failed add is reported and undone', async () => {
    const { guard, timers, actions, events } = makeGuard();
    actions.addFails = true;
    guard.acquire();
    await timers.advance(0);
    assert.deepEqual(actions.calls, ['add', 'remove']);
    assert.deepEqual(events, [{ type: 'failed', stage: 'add', message: 'Error: ip says no' }, { type: 'released', reason: 'add-failed' }]);
  });

  test('single use: after release, acquire and renew do nothing; release in standby removes nothing', async () => {
    const { guard, timers, actions } = makeGuard();
    guard.acquire();
    await timers.advance(0);
    await guard.release('release');
    guard.acquire();
    guard.renew(undefined);
    await timers.advance(5_000);
    assert.deepEqual(actions.calls, ['add', 'announce', 'remove']);

    const standby = makeGuard();
    assert.deepEqual(await standby.guard.release('parent-gone'), { type: 'released', reason: 'parent-gone' });
    assert.deepEqual(standby.actions.calls, []);
    assert.equal(standby.guard.mayHoldVip, false);
  });
});

describe('VIP guard processes in network namespaces (root)', () => {
  const leaseMs = 1_000;
  const renewMs = 200;
  /** Slack on top of the lease for process scheduling on a loaded 2-core machine plus one probe window. */
  const boundMs = 600;
  const harnesses: NetnsHarness[] = [];
  const holders: VipHolderProcess[] = [];
  after(async () => {
    for (const holder of holders) await holder.close().catch(() => {});
    for (const harness of harnesses) await harness.close();
  });

  async function setup(): Promise<NetnsHarness> {
    const harness = await NetnsHarness.create();
    harnesses.push(harness);
    return harness;
  }

  function holder(harness: NetnsHarness, host: 'a' | 'b', garpIntervalMs?: number): VipHolderProcess {
    const spawned = VipHolderProcess.spawnIn(harness, host, { vip: harness.vipCidr, dev: 'eth0', leaseMs, renewMs, ...(garpIntervalMs !== undefined ? { garpIntervalMs } : {}) });
    holders.push(spawned);
    return spawned;
  }

  test('the guard adds the VIP: the prober sees the owner\'s MAC and its gratuitous ARPs (repeated); release removes it', async () => {
    const harness = await setup();
    const prober = await harness.startArpProber();
    const a = holder(harness, 'a', 700);
    await a.waitForLine('ready', 15_000);
    const startMs = monotonicNowMs();
    a.send('start');
    await a.waitForLine('held', 10_000);
    assert.ok((await harness.addresses('a')).includes(harness.vip));
    await prober.waitForOwner(harness.mac('a'), { fromMs: startMs, timeoutMs: 2_000, consecutive: 3 });
    const first = await prober.waitForGratuitous(harness.mac('a'), { fromMs: startMs, timeoutMs: 3_000 });
    const repeated = await prober.waitForGratuitous(harness.mac('a'), { fromMs: first.atMs + 500, timeoutMs: 3_000 });
    assert.ok(repeated.atMs - first.atMs >= 500, 'a repeat, not the second packet of the first announcement');
    const releaseMs = monotonicNowMs();
    a.send('release');
    await a.waitForLine('released release', 5_000);
    await prober.waitForOwner(null, { fromMs: releaseMs, timeoutMs: 2_000, consecutive: 5 });
    assert.equal((await harness.addresses('a')).includes(harness.vip), false);
    assert.deepEqual((await a.guardExit(3_000)).releasedReason, 'release');
    assert.deepEqual(prober.conflicts(), []);
  });

  test(`kill -9 of the daemon: the VIP is gone within lease (${leaseMs} ms) + ${boundMs} ms`, async (t) => {
    const harness = await setup();
    const prober = await harness.startArpProber();
    const a = holder(harness, 'a');
    await a.waitForLine('ready', 15_000);
    a.send('start');
    await a.waitForLine('held', 10_000);
    await prober.waitForOwner(harness.mac('a'), { fromMs: 0, timeoutMs: 2_000, consecutive: 3 });
    const killedMs = monotonicNowMs();
    process.kill(a.pid, 'SIGKILL');
    const gone = await prober.waitForOwner(null, { fromMs: killedMs, timeoutMs: leaseMs + boundMs + 2_000, consecutive: 5 });
    const goneAfterMs = gone.sentAtMs - killedMs;
    t.diagnostic(`VIP gone ${goneAfterMs.toFixed(0)} ms after kill -9 (first unanswered probe)`);
    assert.ok(goneAfterMs <= leaseMs + boundMs, `gone ${goneAfterMs.toFixed(0)} ms after kill -9`);
    assert.equal((await harness.addresses('a')).includes(harness.vip), false);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(prober.windows.filter((w) => w.sentAtMs > gone.sentAtMs && w.macs.length > 0).length, 0, 'it stays gone');
  });

  test(`SIGSTOP of the daemon: the VIP is gone within lease + ${boundMs} ms (not before the lease runs out), and SIGCONT does not bring it back`, async (t) => {
    const harness = await setup();
    const prober = await harness.startArpProber();
    const a = holder(harness, 'a');
    await a.waitForLine('ready', 15_000);
    a.send('start');
    await a.waitForLine('held', 10_000);
    await prober.waitForOwner(harness.mac('a'), { fromMs: 0, timeoutMs: 2_000, consecutive: 3 });
    const stoppedMs = monotonicNowMs();
    process.kill(a.pid, 'SIGSTOP');
    const gone = await prober.waitForOwner(null, { fromMs: stoppedMs, timeoutMs: leaseMs + boundMs + 2_000, consecutive: 5 });
    const goneAfterMs = gone.sentAtMs - stoppedMs;
    t.diagnostic(`VIP gone ${goneAfterMs.toFixed(0)} ms after SIGSTOP (lease ${leaseMs} ms, renewals every ${renewMs} ms)`);
    // The last renewal came about renewMs (more if timers ran late) before the stop, so the lease ends
    // somewhat before stop + lease; dropping at once would mean the guard ignored the lease.
    assert.ok(goneAfterMs >= leaseMs / 2, `gone only ${goneAfterMs.toFixed(0)} ms after SIGSTOP: before the lease could have run out`);
    assert.ok(goneAfterMs <= leaseMs + boundMs, `gone ${goneAfterMs.toFixed(0)} ms after SIGSTOP`);
    const continuedMs = monotonicNowMs();
    process.kill(a.pid, 'SIGCONT');
    await a.waitForLine('lost', 3_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = prober.windows.filter((w) => w.sentAtMs >= continuedMs);
    assert.ok(after.length >= 15, `${after.length} windows after SIGCONT`);
    assert.deepEqual(after.filter((w) => w.macs.length > 0), [], 'nobody answers for the VIP after SIGCONT');
    assert.equal((await harness.addresses('a')).includes(harness.vip), false);
    assert.equal((await a.guardExit(1_000)).releasedReason, 'lease-expired');
  });

  test('hand-over A → B → A → B, each taking the VIP only after the other released it: never two MACs in one probe window', async () => {
    const harness = await setup();
    const prober = await harness.startArpProber();
    const sequence = [holder(harness, 'a'), holder(harness, 'b'), holder(harness, 'a'), holder(harness, 'b')];
    await Promise.all(sequence.map((h) => h.waitForLine('ready', 20_000)));
    const startMs = monotonicNowMs();
    for (const [index, current] of sequence.entries()) {
      const mac = harness.mac(index % 2 === 0 ? 'a' : 'b');
      const heldMs = monotonicNowMs();
      current.send('start');
      await current.waitForLine('held', 10_000);
      await prober.waitForOwner(mac, { fromMs: heldMs, timeoutMs: 2_000, consecutive: 4 });
      current.send('release');
      await current.waitForLine('released release', 5_000);
    }
    await prober.waitForOwner(null, { fromMs: monotonicNowMs(), timeoutMs: 2_000, consecutive: 3 });
    assert.deepEqual(prober.conflicts(), [], `two MACs answered at once: ${JSON.stringify(prober.ownership(startMs))}`);
    const owners = prober.ownership(startMs).map((span) => span.mac).filter((mac) => mac !== null);
    assert.deepEqual(owners, [harness.mac('a'), harness.mac('b'), harness.mac('a'), harness.mac('b')]);
  });

  test('adding is idempotent: a VIP already present (left by a crashed guard) is taken over and removed on release', async () => {
    const harness = await setup();
    await harness.exec('a', 'ip', ['addr', 'add', harness.vipCidr, 'dev', 'eth0']);
    const a = holder(harness, 'a');
    await a.waitForLine('ready', 15_000);
    a.send('start');
    await a.waitForLine('held', 10_000);
    a.send('release');
    await a.waitForLine('released release', 5_000);
    assert.deepEqual(await harness.addresses('a'), [harness.ip('a')]);
  });
});

// Goal: the driver performs the controller's decisions in order — VIP before listeners, VIP dropped before listeners close — and never counts a starting guard as a lost VIP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { RaftNodeStatus } from '@tandem/replication';
import { ServiceDriver, type LeadershipSource, type VipHolder } from './service-driver.js';

const membership = { voters: ['a', 'b', 'w'], witnesses: ['w'], learners: [] };
let now = 1_000;

function status(over: Partial<RaftNodeStatus>): RaftNodeStatus {
  return {
    id: 'a', role: 'follower', term: 1, leader: null, commitIndex: 3, dispatchedIndex: 3, lastIndex: 3, snapshotIndex: 0,
    isWitness: false, membership, leaseValid: false, leaseExpiresAtMonoMs: 0, links: {}, snapshotTransfers: [], matchIndex: {}, degraded: false, dataPeers: [],
    appliedIndex: 3, hasLease: false, ...over,
  };
}

class FakeSource implements LeadershipSource {
  current = status({});
  transfers: string[] = [];
  private readonly listeners = new Set<(s: RaftNodeStatus) => void>();
  status(): RaftNodeStatus { return this.current; }
  onStatus(listener: (s: RaftNodeStatus) => void): () => void { this.listeners.add(listener); return () => this.listeners.delete(listener); }
  transferLeadership(to: string): void { this.transfers.push(to); }
  emit(over: Partial<RaftNodeStatus>): void {
    this.current = status(over);
    for (const l of this.listeners) l(this.current);
  }
}

/** A guard whose start() completes when the test says so. */
class FakeGuard extends EventEmitter implements VipHolder {
  state: 'preparing' | 'standby' | 'acquiring' | 'held' | 'exited' = 'preparing';
  renewals: Array<number | undefined> = [];
  private finishStart!: () => void;
  constructor(private readonly log: string[]) { super(); }
  async prepare(): Promise<void> { this.state = 'standby'; }
  start(): Promise<void> {
    this.state = 'acquiring';
    this.log.push('vip.add');
    return new Promise((resolve) => { this.finishStart = () => { this.state = 'held'; resolve(); }; });
  }
  completeStart(): void { this.finishStart(); }
  renew(deadline?: number): boolean {
    if (this.state !== 'acquiring' && this.state !== 'held') return false;
    this.renewals.push(deadline);
    return true;
  }
  garp(): boolean { return this.state === 'held'; }
  async release(): Promise<unknown> { this.log.push('vip.drop'); this.state = 'exited'; return {}; }
  async stop(): Promise<unknown> { this.state = 'exited'; return {}; }
}

function setup(): { source: FakeSource; guards: FakeGuard[]; log: string[]; driver: ServiceDriver } {
  const source = new FakeSource();
  const log: string[] = [];
  const guards: FakeGuard[] = [];
  const driver = new ServiceDriver({
    source, role: 'data', previousLeaseWaitMs: 0,
    makeVipHolder: () => { const g = new FakeGuard(log); guards.push(g); return g; },
    listeners: { open: async (term) => { log.push(`open ${term}`); }, close: async (reason) => { log.push(`close ${reason}`); } },
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    nowMonoMs: () => now,
    transferTarget: () => 'b',
  });
  driver.start();
  return { source, guards, log, driver };
}

const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 2)); };

test('leader with a lease: VIP added (renewed with the Raft lease deadline), then listeners open; stepping down drops the VIP before closing', async () => {
  const { source, guards, log, driver } = setup();
  source.emit({ role: 'leader', term: 2, leader: 'a', hasLease: true, leaseValid: true, leaseExpiresAtMonoMs: now + 800 });
  await settle();
  assert.deepEqual(log, ['vip.add']);
  source.emit({ role: 'leader', term: 2, leader: 'a', hasLease: true, leaseValid: true, leaseExpiresAtMonoMs: now + 900 });
  assert.equal(driver.state().vipHeld, false, 'not held until the guard says so');
  guards[0]!.completeStart();
  await settle();
  assert.deepEqual(log, ['vip.add', 'open 2']);
  assert.equal(driver.state().serving, true);
  assert.ok(guards[0]!.renewals.includes(now + 900));
  source.emit({ role: 'follower', term: 3, leader: 'b' });
  await settle();
  assert.deepEqual(log, ['vip.add', 'open 2', 'vip.drop', 'close stepped-down']);
  assert.equal(driver.state().vipHeld, false);
  assert.equal(guards.length, 2, 'a fresh standby guard for next time');
  await driver.stop();
});

test('a renewal while the guard is still starting is not a lost VIP (no fencing); demoted during the add: let go at once', async () => {
  const { source, guards, log, driver } = setup();
  guards[0]!.state = 'preparing';
  source.emit({ role: 'leader', term: 2, leader: 'a', hasLease: true, leaseValid: true, leaseExpiresAtMonoMs: now + 800 });
  source.emit({ role: 'leader', term: 2, leader: 'a', hasLease: true, leaseValid: true, leaseExpiresAtMonoMs: now + 900 });
  await settle();
  assert.equal(driver.state().fencedReason, undefined);
  source.emit({ role: 'follower', term: 3, leader: 'b' });
  guards[0]!.completeStart();
  await settle();
  assert.deepEqual(log, ['vip.add', 'vip.drop'], 'never opened; the address added late is removed');
  await driver.stop();
});

test('the guard letting go by itself fences the term: listeners close and leadership is handed to the other data node', async () => {
  const { source, guards, log, driver } = setup();
  source.emit({ role: 'leader', term: 4, leader: 'a', hasLease: true, leaseValid: true, leaseExpiresAtMonoMs: now + 800 });
  await settle();
  guards[0]!.completeStart();
  await settle();
  guards[0]!.state = 'exited';
  guards[0]!.emit('exit');
  await settle();
  assert.deepEqual(log, ['vip.add', 'open 4', 'close vip-lost']);
  assert.equal(driver.state().fencedReason, 'vip-lost');
  assert.deepEqual(source.transfers, ['b']);
  // Still fenced in term 4: a valid lease does not bring the VIP back.
  source.emit({ role: 'leader', term: 4, leader: 'a', hasLease: true, leaseValid: true, leaseExpiresAtMonoMs: now + 900 });
  await settle();
  assert.deepEqual(log, ['vip.add', 'open 4', 'close vip-lost']);
  await driver.stop();
});

test('planned transfer: VIP dropped and listeners closed, then TimeoutNow to the target', async () => {
  const { source, guards, log, driver } = setup();
  source.emit({ role: 'leader', term: 5, leader: 'a', hasLease: true, leaseValid: true, leaseExpiresAtMonoMs: now + 800 });
  await settle();
  guards[0]!.completeStart();
  await settle();
  await driver.transferTo('b');
  assert.equal(log.indexOf('vip.drop') < log.indexOf('close transfer'), true);
  assert.deepEqual(source.transfers, ['b']);
  await driver.stop();
});

// Goal: the service controller emits VIP and listener actions exactly in DESIGN §4's order, and never serves when it must not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceController, type ServiceAction, type ServiceControllerOptions, type ServiceInput } from './service-controller.js';

const options: ServiceControllerOptions = { role: 'data', previousLeaseWaitMs: 3000 };

type Step = [ServiceInput, ServiceAction[]];

const leader = (term: number): ServiceInput => ({ type: 'role', role: 'leader', term });
const follower = (term: number): ServiceInput => ({ type: 'role', role: 'follower', term });
const candidate = (term: number): ServiceInput => ({ type: 'role', role: 'candidate', term });
const committed = (term: number): ServiceInput => ({ type: 'committedOwnTermEntry', term });
const expired = (term: number): ServiceInput => ({ type: 'previousLeaseExpired', term });
const leaseValid = (leaseDeadlineMs?: number): ServiceInput => (leaseDeadlineMs === undefined ? { type: 'leaseValid' } : { type: 'leaseValid', leaseDeadlineMs });
const added = (term: number): ServiceInput => ({ type: 'vipAdded', term });
const timer = (term: number): ServiceAction => ({ type: 'timer.previousLease', term, delayMs: options.previousLeaseWaitMs });
const add = (term: number): ServiceAction => ({ type: 'vip.add', term });
const open = (term: number): ServiceAction => ({ type: 'listeners.open', term });

/** A leader of `term` that holds the VIP and has its listeners open. */
function serving(term: number): Step[] {
  return [
    [leader(term), [timer(term)]],
    [committed(term), []],
    [expired(term), []],
    [leaseValid(), [add(term)]],
    [added(term), [open(term)]],
  ];
}

interface Case {
  name: string;
  options?: ServiceControllerOptions;
  steps: Step[];
}

const cases: Case[] = [
  { name: 'a new leader waits for its own commit, the old lease and its lease, then adds the VIP, then opens the listeners', steps: serving(2) },
  {
    name: 'conditions in another order: lease first, commit last',
    steps: [[candidate(4), []], [leader(4), [timer(4)]], [leaseValid(), []], [expired(4), []], [committed(4), [add(4)]], [added(4), [open(4)]]],
  },
  {
    name: 'stepping down while serving drops the VIP BEFORE closing the listeners',
    steps: [...serving(2), [follower(3), [{ type: 'vip.drop', reason: 'stepped-down' }, { type: 'listeners.close', reason: 'stepped-down' }]]],
  },
  {
    name: 'losing the lease while serving drops then closes, and the same term never serves again',
    steps: [
      ...serving(2),
      [{ type: 'leaseLost' }, [{ type: 'vip.drop', reason: 'lease-lost' }, { type: 'listeners.close', reason: 'lease-lost' }]],
      [leaseValid(), []],
      [committed(2), []],
      [expired(2), []],
      [{ type: 'garpDue' }, []],
    ],
  },
  {
    name: 'after losing the lease, a new term serves again once its own conditions hold',
    steps: [
      ...serving(2),
      [{ type: 'leaseLost' }, [{ type: 'vip.drop', reason: 'lease-lost' }, { type: 'listeners.close', reason: 'lease-lost' }]],
      [candidate(3), []],
      [leader(3), [timer(3)]],
      [expired(2), []], // the old term's timer is stale
      [committed(3), []],
      [leaseValid(), []],
      [expired(3), [add(3)]],
      [added(3), [open(3)]],
    ],
  },
  {
    name: 'losing the lease while the VIP is being added drops it and never opens the listeners',
    steps: [
      [leader(5), [timer(5)]],
      [committed(5), []],
      [expired(5), []],
      [leaseValid(), [add(5)]],
      [{ type: 'leaseLost' }, [{ type: 'vip.drop', reason: 'lease-lost' }]],
      [added(5), []],
    ],
  },
  {
    name: 'the guard letting go by itself closes the listeners (no drop: the address is gone) and fences the term',
    steps: [...serving(2), [{ type: 'vipLost' }, [{ type: 'listeners.close', reason: 'vip-lost' }]], [leaseValid(), []], [{ type: 'vipLost' }, []]],
  },
  {
    name: 'a failed add opens nothing and is not retried in the same term',
    steps: [
      [leader(2), [timer(2)]],
      [committed(2), []],
      [expired(2), []],
      [leaseValid(), [add(2)]],
      [{ type: 'vipAddFailed', term: 2 }, []],
      [leaseValid(), []],
      [added(2), []],
    ],
  },
  {
    name: 'a planned transfer releases everything first; the follower role afterwards changes nothing',
    steps: [...serving(7), [{ type: 'transferOut' }, [{ type: 'vip.drop', reason: 'transfer' }, { type: 'listeners.close', reason: 'transfer' }]], [follower(8), []], [leaseValid(), []]],
  },
  {
    name: 'stop drops then closes, and the controller is inert afterwards',
    steps: [...serving(2), [{ type: 'stop' }, [{ type: 'vip.drop', reason: 'stopped' }, { type: 'listeners.close', reason: 'stopped' }]], [leader(3), []], [committed(3), []], [expired(3), []], [leaseValid(), []]],
  },
  {
    name: 'stop before serving does nothing',
    steps: [[leader(2), [timer(2)]], [{ type: 'stop' }, []], [committed(2), []], [expired(2), []], [leaseValid(), []]],
  },
  {
    name: 'lease renewals while holding go to the guard; gratuitous ARP only while held',
    steps: [
      [leader(2), [timer(2)]],
      [committed(2), []],
      [expired(2), []],
      [{ type: 'garpDue' }, []],
      [leaseValid(1000), [add(2)]],
      [{ type: 'garpDue' }, []],
      [leaseValid(1500), [{ type: 'vip.renew', leaseDeadlineMs: 1500 }]],
      [added(2), [open(2)]],
      [leaseValid(2000), [{ type: 'vip.renew', leaseDeadlineMs: 2000 }]],
      [{ type: 'garpDue' }, [{ type: 'garp.repeat' }]],
    ],
  },
  {
    name: 'inputs for another term, a role report from an older term and repeated reports are ignored',
    steps: [
      [leader(6), [timer(6)]],
      [committed(5), []],
      [expired(5), []],
      [leader(6), []],
      [follower(4), []],
      [committed(6), []],
      [expired(6), []],
      [leaseValid(), [add(6)]],
      [added(5), []],
      [added(6), [open(6)]],
    ],
  },
  {
    name: 'conditions met as a follower count for nothing; election resets them',
    steps: [[follower(3), []], [leaseValid(), []], [committed(3), []], [expired(3), []], [leader(3), [timer(3)]], [leaseValid(), []], [committed(3), []], [expired(3), [add(3)]]],
  },
  {
    name: 'a witness never holds the VIP nor opens listeners, even as leader',
    options: { role: 'witness', previousLeaseWaitMs: 3000 },
    steps: [[leader(2), []], [committed(2), []], [expired(2), []], [leaseValid(), []], [added(2), []], [{ type: 'garpDue' }, []], [{ type: 'stop' }, []]],
  },
];

for (const { name, options: caseOptions, steps } of cases) {
  test(`ServiceController: ${name}`, () => {
    const controller = new ServiceController(caseOptions ?? options);
    steps.forEach(([input, expected], index) => {
      assert.deepEqual(controller.step(input), expected, `step ${index + 1}: ${JSON.stringify(input)}`);
    });
  });
}

test('ServiceController: status says what a leader still waits for and why a term is fenced', () => {
  const controller = new ServiceController(options);
  controller.step(leader(2));
  controller.step(committed(2));
  assert.deepEqual(controller.status.waitingFor, ['previousLeaseExpired', 'leaseValid']);
  controller.step(expired(2));
  controller.step(leaseValid());
  controller.step(added(2));
  assert.equal(controller.status.vip, 'held');
  assert.equal(controller.status.listenersOpen, true);
  controller.step({ type: 'leaseLost' });
  assert.deepEqual({ vip: controller.status.vip, listenersOpen: controller.status.listenersOpen, fencedReason: controller.status.fencedReason }, { vip: 'none', listenersOpen: false, fencedReason: 'lease-lost' });
});

/** mulberry32: small, seedable, good enough to pick inputs. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random input, weighted so that runs often reach "serving" and then meet every kind of demotion. */
function randomInput(random: () => number, step: number, term: number): ServiceInput {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const anyTerm = Math.max(1, term + pick([-1, 0, 0, 0, 0, 0, 1]));
  const weighted: Array<[number, () => ServiceInput]> = [
    [6, () => ({ type: 'role', role: pick(['leader', 'leader', 'follower', 'candidate'] as const), term: anyTerm })],
    [15, () => ({ type: 'committedOwnTermEntry', term: anyTerm })],
    [15, () => ({ type: 'previousLeaseExpired', term: anyTerm })],
    [20, () => ({ type: 'leaseValid', leaseDeadlineMs: step })],
    [3, () => ({ type: 'leaseLost' })],
    [20, () => ({ type: 'vipAdded', term: anyTerm })],
    [2, () => ({ type: 'vipAddFailed', term: anyTerm })],
    [2, () => ({ type: 'vipLost' })],
    [2, () => ({ type: 'transferOut' })],
    [10, () => ({ type: 'garpDue' })],
    [0.3, () => ({ type: 'stop' })],
  ];
  let roll = random() * weighted.reduce((sum, [weight]) => sum + weight, 0);
  for (const [weight, make] of weighted) {
    roll -= weight;
    if (roll < 0) return make();
  }
  return { type: 'garpDue' };
}

/**
 * An independent model of what is allowed, written from the rules of DESIGN §4 and Raft, not from the
 * controller's code: observe() follows the inputs, check() holds each emitted action to the rules.
 */
class RulesModel {
  term = 1;
  private role = 'follower';
  private roleTerm = 0;
  private stopped = false;
  private seen = { committed: false, expired: false, leaseValid: false, fenced: false };
  private vip: 'none' | 'adding' | 'held' = 'none';
  private listenersOpen = false;

  /** Before the actions: what the input tells about Raft's state. */
  observe(input: ServiceInput): void {
    if (input.type === 'role' && input.term >= this.roleTerm && (input.role !== this.role || input.term !== this.roleTerm)) {
      if (input.term !== this.roleTerm || input.role === 'leader') this.seen = { committed: false, expired: false, leaseValid: false, fenced: false };
      this.role = input.role;
      this.roleTerm = input.term;
      this.term = Math.max(this.term, input.term);
    }
    const isLeader = this.role === 'leader';
    const ofTerm = 'term' in input && input.term === this.roleTerm;
    if (isLeader && ofTerm && input.type === 'committedOwnTermEntry') this.seen.committed = true;
    if (isLeader && ofTerm && input.type === 'previousLeaseExpired') this.seen.expired = true;
    if (isLeader && input.type === 'leaseValid' && !this.seen.fenced) this.seen.leaseValid = true;
    if (input.type === 'leaseLost') this.seen.leaseValid = false;
    if (isLeader && (input.type === 'leaseLost' || input.type === 'transferOut')) this.seen.fenced = true;
    if (isLeader && this.vip !== 'none' && input.type === 'vipLost') this.seen.fenced = true;
    if (isLeader && this.vip === 'adding' && ofTerm && input.type === 'vipAddFailed') this.seen.fenced = true;
  }

  check(input: ServiceInput, actions: ServiceAction[], where: string): void {
    if (this.stopped) assert.deepEqual(actions, [], where);
    const kinds = actions.map((a) => a.type);
    if (kinds.includes('vip.drop') && kinds.includes('listeners.close')) {
      assert.ok(kinds.indexOf('vip.drop') < kinds.indexOf('listeners.close'), `drop must precede close: ${where}`);
    }
    for (const action of actions) this.checkAction(input, action, where);
    if (input.type === 'vipLost') this.vip = 'none';
    if (input.type === 'vipAddFailed' && input.term === this.roleTerm && this.vip === 'adding') this.vip = 'none';
    if (this.vip === 'none') assert.equal(this.listenersOpen, false, `listeners open without the VIP: ${where}`);
    if (input.type === 'stop') this.stopped = true;
  }

  private checkAction(input: ServiceInput, action: ServiceAction, where: string): void {
    const isLeader = this.role === 'leader';
    const { seen } = this;
    switch (action.type) {
      case 'vip.add':
        assert.ok(isLeader && action.term === this.roleTerm && seen.committed && seen.expired && seen.leaseValid && !seen.fenced, `vip.add not allowed: ${where}`);
        assert.equal(this.vip, 'none', `vip.add while holding: ${where}`);
        this.vip = 'adding';
        return;
      case 'listeners.open':
        assert.ok(input.type === 'vipAdded' && this.vip === 'adding' && isLeader && action.term === this.roleTerm && !seen.fenced, `listeners.open not allowed: ${where}`);
        this.vip = 'held';
        this.listenersOpen = true;
        return;
      case 'vip.drop':
        assert.notEqual(this.vip, 'none', `drop without a VIP: ${where}`);
        this.vip = 'none';
        return;
      case 'listeners.close':
        assert.ok(this.listenersOpen, `close without open listeners: ${where}`);
        this.listenersOpen = false;
        return;
      case 'vip.renew':
        assert.ok(this.vip !== 'none' && input.type === 'leaseValid', `renew without a VIP: ${where}`);
        return;
      case 'garp.repeat':
        assert.equal(this.vip, 'held', `garp without the VIP: ${where}`);
        return;
      case 'timer.previousLease':
        assert.ok(input.type === 'role' && input.role === 'leader', `timer outside an election: ${where}`);
        return;
    }
  }
}

/** One seeded run; returns how many actions of each kind it produced. */
function checkRandomRun(seed: number, stepsMax: number): Map<string, number> {
  const random = prng(seed);
  const counts = new Map<string, number>();
  const controller = new ServiceController(options);
  const model = new RulesModel();
  for (let step = 0; step < stepsMax; step++) {
    const input = randomInput(random, step, model.term);
    const actions = controller.step(input);
    model.observe(input);
    model.check(input, actions, `seed ${seed} (replay: TANDEM_SEED=${seed}), step ${step}, input ${JSON.stringify(input)}, actions ${JSON.stringify(actions)}`);
    for (const action of actions) counts.set(action.type, (counts.get(action.type) ?? 0) + 1);
  }
  return counts;
}

test('ServiceController: random input sequences never break the ordering rules (seeded; TANDEM_SEED replays one)', () => {
  const replay = process.env['TANDEM_SEED'];
  const seeds = replay !== undefined ? [Number(replay)] : Array.from({ length: 200 }, (_, i) => (Date.now() + i * 7919) >>> 0);
  const totals = new Map<string, number>();
  for (const seed of seeds) {
    for (const [kind, count] of checkRandomRun(seed, 400)) totals.set(kind, (totals.get(kind) ?? 0) + count);
  }
  // The runs must actually reach serving and demotion, or they prove nothing.
  if (replay === undefined) {
    for (const kind of ['vip.add', 'listeners.open', 'vip.drop', 'listeners.close', 'vip.renew', 'garp.repeat']) {
      assert.ok((totals.get(kind) ?? 0) >= 50, `only ${totals.get(kind) ?? 0} ${kind} actions in ${seeds.length} runs`);
    }
  }
});

/**
 * Performs what the ServiceController (packages/cluster) decides: Raft status in, ordered actions out
 * (DESIGN §4). It owns the VIP guard process and calls the daemon's listener hooks.
 *
 * Ordering, the reason this file exists:
 *  - add/drop of the VIP and open/close of the listeners run strictly one after another in the order
 *    the controller emitted them (a serial queue): vip.add → listeners.open, vip.drop → listeners.close;
 *  - renewals and gratuitous ARPs do not wait in that queue (they must keep flowing while an add is
 *    in progress, or the guard would let go);
 *  - the controller learns of a leadership lease only from the engine's own lease (status.hasLease),
 *    so a leader never adds the VIP before it committed an entry of its term (the core's lease
 *    implies it) and the previous leader's lease must have run out (Raft thesis §6.4, DESIGN §4).
 * Safety does not depend on this process staying responsive: the guard drops the VIP by itself when
 * renewals stop (SIGSTOP, a stuck event loop) or when this process dies.
 */
import { ServiceController, type DemotionReason, type RaftRole, type ServiceAction, type ServiceInput } from '@tandem/cluster';
import { limits } from '@tandem/config';
import type { NodeId } from '@tandem/raft';
import type { RaftNodeStatus } from '@tandem/replication';

/** What the driver needs of a RaftNode. */
export interface LeadershipSource {
  status(): RaftNodeStatus;
  onStatus(listener: (s: RaftNodeStatus) => void): () => void;
  transferLeadership(to: NodeId): void;
}

/** What the driver needs of a VipGuardClient (single use: a new one per leadership). */
export interface VipHolder {
  prepare(): Promise<void>;
  start(): Promise<void>;
  renew(leaseDeadlineMs?: number): boolean;
  garp(): boolean;
  release(): Promise<unknown>;
  stop(): Promise<unknown>;
  on(event: 'exit', listener: () => void): unknown;
  on(event: 'log', listener: (line: string) => void): unknown;
}

export interface ListenerHooks {
  /** Open SMTP and IMAP on the VIP (the VIP is held). A throw hands leadership over. */
  open(term: number): Promise<void>;
  /** 421 to SMTP sessions, * BYE to IMAP sessions, close the listeners. */
  close(reason: DemotionReason): Promise<void>;
}

export interface DriverLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ServiceDriverOptions {
  source: LeadershipSource;
  role: 'data' | 'witness';
  previousLeaseWaitMs: number;
  /** Makes a new guard; undefined: no VIP (single member or loopback tests): "adding" succeeds at once. */
  makeVipHolder: (() => VipHolder) | undefined;
  listeners: ListenerHooks;
  logger: DriverLogger;
  /** Monotonic ms on the clock of status.leaseExpiresAtMonoMs. */
  nowMonoMs: () => number;
  /** Where to hand leadership when this node cannot serve in its term (the other data node). */
  transferTarget: () => NodeId | undefined;
}

export interface ServiceDriverState {
  vipHeld: boolean;
  serving: boolean;
  servingSinceMs: number | undefined;
  fencedReason: DemotionReason | undefined;
  role: RaftRole;
  term: number;
}

const handOverRetryMs = limits.clusterFencedHandOverRetryMs;
const vipReleaseWaitMs = limits.clusterVipReleaseWaitMs;

export class ServiceDriver {
  private readonly controller: ServiceController;
  private queue: Promise<void> = Promise.resolve();
  private guard: VipHolder | undefined;
  private guardHeld = false;
  /** The guard asked to add the VIP (held or not yet): the one a drop must release. */
  private guardStarting: VipHolder | undefined;
  private serving = false;
  private servingSinceMs: number | undefined;
  private leaseFedTerm = -1;
  private leaseTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private handoverTerm = -1;

  constructor(private readonly options: ServiceDriverOptions) {
    this.controller = new ServiceController({ role: options.role, previousLeaseWaitMs: options.previousLeaseWaitMs });
  }

  state(): ServiceDriverState {
    const s = this.controller.status;
    return {
      vipHeld: this.guardHeld, // without a VIP there is nothing to hold (serving says it all)
      serving: this.serving, servingSinceMs: this.servingSinceMs, fencedReason: s.fencedReason, role: s.role, term: s.term,
    };
  }

  start(): void {
    if (this.options.role === 'data' && this.options.makeVipHolder) this.prepareGuard();
    this.unsubscribe = this.options.source.onStatus((s) => this.onStatus(s));
    this.onStatus(this.options.source.status());
  }

  /**
   * A planned switchover (DESIGN §4): drop the VIP and close the listeners first, then hand
   * leadership to `to`, so the new leader can take the VIP at once.
   */
  async transferTo(to: NodeId): Promise<void> {
    this.handoverTerm = this.controller.status.term; // this transfer is the hand-over
    this.feed({ type: 'transferOut' });
    // TimeoutNow may go as soon as the VIP is gone; our listeners close meanwhile (no client can
    // reach them any more), so the new leader does not wait for our sessions to drain.
    await this.vipReleased();
    this.options.source.transferLeadership(to);
  }

  /** Resolves once no guard holds or is adding the VIP for us (polls: the queue may be busy). */
  private async vipReleased(): Promise<void> {
    const deadline = this.options.nowMonoMs() + vipReleaseWaitMs;
    while ((this.guardHeld || this.controller.status.vip !== 'none') && this.options.nowMonoMs() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Drops the VIP, closes the listeners, stops the standby guard. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.unsubscribe?.();
    this.feed({ type: 'stop' });
    this.stopped = true;
    this.clearLeaseTimer();
    for (const t of this.timers) clearTimeout(t);
    await this.queue;
    await this.guard?.stop().catch(() => {});
  }

  private onStatus(s: RaftNodeStatus): void {
    if (this.stopped) return;
    const role: RaftRole = s.role === 'leader' ? 'leader' : s.role === 'follower' ? 'follower' : 'candidate';
    this.feed({ type: 'role', role, term: s.term });
    if (role !== 'leader') return;
    if (s.hasLease) {
      // The core grants the lease only after an entry of this term committed (docs/raft.md).
      this.feed({ type: 'committedOwnTermEntry', term: s.term });
      this.feed({ type: 'leaseValid', leaseDeadlineMs: s.leaseExpiresAtMonoMs });
      this.leaseFedTerm = s.term;
      this.armLeaseTimer(s.term, s.leaseExpiresAtMonoMs);
    } else if (this.leaseFedTerm === s.term) {
      this.feed({ type: 'leaseLost' });
    }
  }

  private armLeaseTimer(term: number, deadlineMs: number): void {
    this.clearLeaseTimer();
    const delayMs = Math.max(0, deadlineMs - this.options.nowMonoMs()) + 1;
    this.leaseTimer = setTimeout(() => {
      this.leaseTimer = undefined;
      const s = this.options.source.status();
      if (this.leaseFedTerm === term && !(s.role === 'leader' && s.term === term && s.hasLease)) this.feed({ type: 'leaseLost' });
    }, delayMs);
  }

  private clearLeaseTimer(): void {
    if (this.leaseTimer !== undefined) clearTimeout(this.leaseTimer);
    this.leaseTimer = undefined;
  }

  private feed(input: ServiceInput): void {
    const actions = this.controller.step(input);
    for (const action of actions) this.dispatch(action);
    this.maybeHandOver();
  }

  private dispatch(action: ServiceAction): void {
    switch (action.type) {
      case 'vip.renew': {
        // While the add is in progress a guard may still be starting (renew has nothing to renew
        // yet): only a guard that held the VIP and refuses a renewal has let go.
        const renewed = this.guard?.renew(action.leaseDeadlineMs);
        if (renewed === false && this.guardHeld) this.feed({ type: 'vipLost' });
        return;
      }
      case 'garp.repeat':
        this.guard?.garp();
        return;
      case 'timer.previousLease': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.feed({ type: 'previousLeaseExpired', term: action.term });
        }, action.delayMs);
        this.timers.add(timer);
        return;
      }
      default:
        this.enqueue(() => this.perform(action));
    }
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => {
      this.options.logger.error({ err }, 'service action failed');
    });
  }

  private async perform(action: ServiceAction): Promise<void> {
    const log = this.options.logger;
    switch (action.type) {
      case 'vip.add':
        await this.addVip(action.term);
        return;
      case 'listeners.open':
        try {
          await this.options.listeners.open(action.term);
          this.serving = true;
          this.servingSinceMs = Date.now();
          log.info({ term: action.term }, 'serving: VIP held, listeners open');
        } catch (err) {
          log.error({ err, term: action.term }, 'cannot open the listeners; handing leadership over');
          this.feed({ type: 'transferOut' });
        }
        return;
      case 'vip.drop':
        await this.dropVip(action.reason);
        return;
      case 'listeners.close':
        this.serving = false;
        this.servingSinceMs = undefined;
        await this.options.listeners.close(action.reason);
        log.info({ reason: action.reason }, 'not serving: listeners closed');
        return;
      default:
        return;
    }
  }

  private async addVip(term: number): Promise<void> {
    const log = this.options.logger;
    if (this.options.makeVipHolder === undefined) {
      this.feed({ type: 'vipAdded', term });
      return;
    }
    const guard = this.guard ?? this.prepareGuard();
    const startedMs = this.options.nowMonoMs();
    this.guardStarting = guard;
    try {
      await guard.start();
    } catch (err) {
      log.error({ err, term }, 'adding the VIP failed');
      if (this.guard === guard) this.replaceGuard();
      this.feed({ type: 'vipAddFailed', term });
      return;
    }
    this.guardHeld = true;
    // Renew with the current lease at once: the guard's first lease ran from "acquire".
    const s = this.options.source.status();
    if (s.hasLease) guard.renew(s.leaseExpiresAtMonoMs);
    log.info({ term, addMs: Math.round(this.options.nowMonoMs() - startedMs) }, 'VIP added');
    const wanted = this.controller.status;
    if (wanted.vip !== 'adding' || wanted.term !== term || wanted.role !== 'leader') {
      // Demoted while the guard was adding (the controller already counts the VIP as gone): let go now.
      await this.dropVip('stepped-down');
      return;
    }
    this.feed({ type: 'vipAdded', term });
  }

  private async dropVip(reason: DemotionReason): Promise<void> {
    const guard = this.guard;
    // A standby guard never added anything (a late add already let go and made a new standby).
    if (guard === undefined || (!this.guardHeld && guard !== this.guardStarting)) return;
    const startedMs = this.options.nowMonoMs();
    this.guard = undefined;
    await guard.release();
    this.guardHeld = false;
    this.options.logger.info({ reason, dropMs: Math.round(this.options.nowMonoMs() - startedMs) }, 'VIP dropped');
    if (!this.stopped) this.prepareGuard();
  }

  /** A standby guard, started ahead of need so that taking the VIP costs no process start. */
  private prepareGuard(): VipHolder {
    const guard = this.options.makeVipHolder!();
    this.guard = guard;
    guard.on('log', (line) => this.options.logger.info({ guard: line }, 'vip-guard'));
    guard.on('exit', () => this.onGuardExit(guard));
    guard.prepare().catch((err: unknown) => this.options.logger.error({ err }, 'VIP guard did not start'));
    return guard;
  }

  private replaceGuard(): void {
    this.guard = undefined;
    if (!this.stopped) this.prepareGuard();
  }

  /** The guard ended by itself (lease ran out, crashed): the VIP is gone; a new standby replaces it. */
  private onGuardExit(guard: VipHolder): void {
    if (this.guard !== guard || this.stopped) return;
    const wasHeld = this.guardHeld;
    this.guardHeld = false;
    this.replaceGuard();
    if (wasHeld) {
      this.options.logger.warn({}, 'the VIP guard let go by itself (lease ran out or it died)');
      this.feed({ type: 'vipLost' });
    }
  }

  /**
   * A leader fenced in its term (lease lapsed, VIP lost, listeners failed) must not serve again
   * in it: hand leadership to the other data node, which may (ServiceController).
   */
  private maybeHandOver(): void {
    const s = this.controller.status;
    if (s.role !== 'leader' || s.fencedReason === undefined || s.fencedReason === 'stopped' || this.handoverTerm === s.term) return;
    this.handoverTerm = s.term;
    this.options.logger.warn({ term: s.term, reason: s.fencedReason }, 'fenced in this term: handing leadership over');
    void this.vipReleased().then(() => this.handOver(s.term, 0));
  }

  /** Tries again while still the fenced leader of `term` (a transfer aborts when the target does not take over). */
  private handOver(term: number, attempt: number): void {
    const s = this.controller.status;
    if (this.stopped || s.role !== 'leader' || s.term !== term) return;
    const to = this.options.transferTarget();
    if (to !== undefined) this.options.source.transferLeadership(to);
    else if (attempt === 0) this.options.logger.error({ term }, 'fenced and no other data node to hand leadership to yet; retrying');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.handOver(term, attempt + 1);
    }, handOverRetryMs);
    this.timers.add(timer);
  }
}

/**
 * Leadership → lease → VIP → listeners, as a pure state machine (DESIGN §4). It decides; a driver in
 * the daemon performs the actions (VipGuardClient, the SMTP/IMAP listeners, timers) and feeds back
 * what happened. No clock, no I/O: every input is an event, every output an ordered list of actions.
 *
 * Invariants (what the table tests hold it to):
 * - vip.add only for a data node that leads term T, has committed an entry of T (Raft §5.4.2: only
 *   then does it know its log holds everything committed), holds a valid lease, and has waited long
 *   enough that the previous leader's lease must have run out (so that one has dropped the VIP).
 * - listeners.open only after the VIP was added (vipAdded) in the same term, and never while dropped.
 * - On demotion (stepped down, lease lost, transfer, stop) vip.drop comes BEFORE listeners.close, in
 *   the same action list: once the address is gone no new client can reach us, then the sessions
 *   are ended (421 / * BYE). The driver performs a list in order, awaiting each action.
 * - A leader that lost its lease, lost the VIP or began a transfer in term T never serves again in T:
 *   another node may have been elected meanwhile without us hearing of it. It must win a new term.
 */

export type RaftRole = 'leader' | 'candidate' | 'follower';

export type DemotionReason = 'stepped-down' | 'lease-lost' | 'transfer' | 'vip-lost' | 'stopped';

export type ServiceInput =
  /** Raft reports this node's role in `term` (become* in the Raft core). */
  | { type: 'role'; role: RaftRole; term: number }
  /** The leader committed an entry of its own term (e.g. the no-op it appends on election). */
  | { type: 'committedOwnTermEntry'; term: number }
  /** The timer from timer.previousLease fired: the previous leader's lease must have expired. */
  | { type: 'previousLeaseExpired'; term: number }
  /** A quorum acknowledged the leader recently (check-quorum); the lease runs until leaseDeadlineMs. */
  | { type: 'leaseValid'; leaseDeadlineMs?: number }
  /** No quorum heard within the lease time: the leader must let go now. */
  | { type: 'leaseLost' }
  /** The guard reports the VIP held (VipGuardClient.start() resolved). */
  | { type: 'vipAdded'; term: number }
  /** Adding failed (the guard undid it). The driver should hand leadership to the other data node. */
  | { type: 'vipAddFailed'; term: number }
  /** The guard let go by itself (lease ran out, guard died): the address is already gone. */
  | { type: 'vipLost' }
  /** A planned switchover begins: release everything before TimeoutNow goes to the target. */
  | { type: 'transferOut' }
  /** The driver's periodic gratuitous-ARP timer fired. */
  | { type: 'garpDue' }
  /** The daemon shuts down. */
  | { type: 'stop' };

export type ServiceAction =
  /** Start a one-shot timer; when it fires, feed { type: 'previousLeaseExpired', term }. */
  | { type: 'timer.previousLease'; term: number; delayMs: number }
  /** Add the VIP (VipGuardClient.start()); then feed vipAdded or vipAddFailed. */
  | { type: 'vip.add'; term: number }
  /** Renew the guard's lease (VipGuardClient.renew(leaseDeadlineMs)). */
  | { type: 'vip.renew'; leaseDeadlineMs: number | undefined }
  /** Open the SMTP and IMAP listeners on the VIP. */
  | { type: 'listeners.open'; term: number }
  /** Remove the VIP (VipGuardClient.release()), awaited before the next action. */
  | { type: 'vip.drop'; reason: DemotionReason }
  /** Close the listeners: 421 to SMTP sessions, * BYE to IMAP sessions. */
  | { type: 'listeners.close'; reason: DemotionReason }
  /** Send a gratuitous ARP now (VipGuardClient.garp()). */
  | { type: 'garp.repeat' };

export interface ServiceControllerOptions {
  /** Data nodes serve; a witness never holds the VIP nor opens listeners (DESIGN §2). */
  role: 'data' | 'witness';
  /**
   * How long a new leader waits after its election before the previous leader's lease must have
   * run out: the lease time plus a margin for clock-rate drift between machines.
   */
  previousLeaseWaitMs: number;
}

export type VipHolding = 'none' | 'adding' | 'held';

export interface ServiceStatus {
  role: RaftRole;
  term: number;
  vip: VipHolding;
  listenersOpen: boolean;
  /** Why this node will not serve again in this term, if so. */
  fencedReason: DemotionReason | undefined;
  waitingFor: Array<'committedOwnTermEntry' | 'previousLeaseExpired' | 'leaseValid'>;
  stopped: boolean;
}

export class ServiceController {
  private role: RaftRole = 'follower';
  private term = 0;
  private committedOwnTerm = false;
  private previousLeaseExpired = false;
  private leaseValid = false;
  private fencedReason: DemotionReason | undefined;
  private vip: VipHolding = 'none';
  private listenersOpen = false;
  private stopped = false;

  constructor(private readonly options: ServiceControllerOptions) {}

  get status(): ServiceStatus {
    const waitingFor: ServiceStatus['waitingFor'] = [];
    if (!this.committedOwnTerm) waitingFor.push('committedOwnTermEntry');
    if (!this.previousLeaseExpired) waitingFor.push('previousLeaseExpired');
    if (!this.leaseValid) waitingFor.push('leaseValid');
    return {
      role: this.role,
      term: this.term,
      vip: this.vip,
      listenersOpen: this.listenersOpen,
      fencedReason: this.fencedReason,
      waitingFor: this.role === 'leader' ? waitingFor : [],
      stopped: this.stopped,
    };
  }

  /** Feeds one input; returns the actions to perform, in order. */
  step(input: ServiceInput): ServiceAction[] {
    if (this.stopped || this.options.role === 'witness') {
      if (input.type === 'stop') this.stopped = true;
      return [];
    }
    switch (input.type) {
      case 'role':
        return this.stepRole(input.role, input.term);
      case 'committedOwnTermEntry':
        if (!this.isLeaderOf(input.term)) return [];
        this.committedOwnTerm = true;
        return this.maybeServe();
      case 'previousLeaseExpired':
        if (!this.isLeaderOf(input.term)) return [];
        this.previousLeaseExpired = true;
        return this.maybeServe();
      case 'leaseValid':
        return this.stepLeaseValid(input.leaseDeadlineMs);
      case 'leaseLost':
        this.leaseValid = false;
        return this.role === 'leader' ? this.demote('lease-lost', true) : [];
      case 'vipAdded':
        if (this.vip !== 'adding' || !this.isLeaderOf(input.term)) return []; // stale: already dropped
        this.vip = 'held';
        this.listenersOpen = true;
        return [{ type: 'listeners.open', term: this.term }];
      case 'vipAddFailed':
        if (this.vip !== 'adding' || !this.isLeaderOf(input.term)) return [];
        this.vip = 'none';
        this.fencedReason ??= 'vip-lost';
        return [];
      case 'vipLost':
        return this.stepVipLost();
      case 'transferOut':
        return this.role === 'leader' ? this.demote('transfer', true) : [];
      case 'garpDue':
        return this.vip === 'held' ? [{ type: 'garp.repeat' }] : [];
      case 'stop': {
        const actions = this.demote('stopped', false);
        this.stopped = true;
        return actions;
      }
    }
  }

  private stepRole(role: RaftRole, term: number): ServiceAction[] {
    if (term < this.term) return []; // a late report from an older term
    if (role === this.role && term === this.term) return [];
    // Any change of role or term ends what we served under the old one (Raft §5.1: a node that sees
    // a higher term steps down at once).
    const actions = this.demote('stepped-down', false);
    const newTerm = term !== this.term;
    this.role = role;
    this.term = term;
    if (newTerm || role === 'leader') {
      this.committedOwnTerm = false;
      this.previousLeaseExpired = false;
      this.leaseValid = false;
      this.fencedReason = undefined;
    }
    if (role === 'leader') actions.push({ type: 'timer.previousLease', term, delayMs: this.options.previousLeaseWaitMs });
    return actions;
  }

  private stepLeaseValid(leaseDeadlineMs: number | undefined): ServiceAction[] {
    if (this.role !== 'leader' || this.fencedReason !== undefined) return [];
    this.leaseValid = true;
    if (this.vip !== 'none') return [{ type: 'vip.renew', leaseDeadlineMs }];
    return this.maybeServe();
  }

  private stepVipLost(): ServiceAction[] {
    if (this.vip === 'none') return [];
    this.vip = 'none';
    this.fencedReason ??= 'vip-lost';
    if (!this.listenersOpen) return [];
    this.listenersOpen = false;
    return [{ type: 'listeners.close', reason: 'vip-lost' }];
  }

  private maybeServe(): ServiceAction[] {
    const ready = this.role === 'leader' && this.fencedReason === undefined && this.committedOwnTerm && this.previousLeaseExpired && this.leaseValid;
    if (!ready || this.vip !== 'none') return [];
    this.vip = 'adding';
    return [{ type: 'vip.add', term: this.term }];
  }

  /** Drop the VIP first, then close the listeners (DESIGN §4). `fence`: never serve again in this term. */
  private demote(reason: DemotionReason, fence: boolean): ServiceAction[] {
    if (fence) this.fencedReason ??= reason;
    const actions: ServiceAction[] = [];
    if (this.vip !== 'none') actions.push({ type: 'vip.drop', reason });
    if (this.listenersOpen) actions.push({ type: 'listeners.close', reason });
    this.vip = 'none';
    this.listenersOpen = false;
    return actions;
  }

  private isLeaderOf(term: number): boolean {
    return this.role === 'leader' && term === this.term;
  }
}

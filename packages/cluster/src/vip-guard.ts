import type { VipActions } from './vip-actions.js';
import type { VipGuardCommand, VipGuardEvent, VipReleaseReason } from './vip-guard-protocol.js';
import { vipGuardLimits } from './vip-guard-limits.js';

/**
 * The decision logic of the VIP guard process, apart from its stdin, signals and clock so that it can
 * be tested with a fake clock. Invariant: once the VIP has been (or may have been) added, the guard
 * removes it no later than the lease deadline unless a renewal moved the deadline, and it never adds
 * it again: a guard is single use, so a daemon that was frozen and continues cannot get the VIP back
 * by renewing; it must start a new guard, which its service controller only does as a fresh leader.
 */

export interface GuardTimers {
  /** CLOCK_MONOTONIC milliseconds. */
  nowMs(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export type VipGuardLogLevel = 'info' | 'warn' | 'error';

export interface VipGuardOptions {
  actions: VipActions;
  leaseMs: number;
  /** Gratuitous ARP repeat period while held; 0 = only once, on add. */
  garpIntervalMs: number;
  timers: GuardTimers;
  log: (level: VipGuardLogLevel, message: string) => void;
  /** Reports an event to the daemon (a line on stdout). */
  emit: (event: VipGuardEvent) => void;
}

export type VipGuardState = 'standby' | 'adding' | 'held' | 'removing' | 'released' | 'failed';

/** How the guard ended: released (exit 0) or failed to remove (exit 1, the VIP may still be there). */
export type VipGuardOutcome = { type: 'released'; reason: VipReleaseReason } | { type: 'failed'; reason: VipReleaseReason };

export class VipGuard {
  private currentState: VipGuardState = 'standby';
  private leaseDeadline = 0;
  private expiryTimer: unknown;
  private garpTimer: unknown;
  private adding: Promise<void> = Promise.resolve();
  private announcing: Promise<void> | undefined;
  private readonly announceAbort = new AbortController();
  private releasing: Promise<VipGuardOutcome> | undefined;
  private resolveDone!: (outcome: VipGuardOutcome) => void;
  /** Settles when the guard has finished: the process exits after it. */
  readonly done: Promise<VipGuardOutcome> = new Promise((resolve) => (this.resolveDone = resolve));

  constructor(private readonly options: VipGuardOptions) {}

  get state(): VipGuardState {
    return this.currentState;
  }

  /** CLOCK_MONOTONIC ms at which the VIP goes unless renewed (0 before acquire). */
  get leaseDeadlineMs(): number {
    return this.leaseDeadline;
  }

  /** Whether the VIP may be configured now (or be about to be): what a last-ditch exit must undo. */
  get mayHoldVip(): boolean {
    return this.currentState === 'adding' || this.currentState === 'held' || this.currentState === 'removing' || this.currentState === 'failed';
  }

  handle(command: VipGuardCommand): void {
    switch (command.type) {
      case 'acquire':
        this.acquire();
        return;
      case 'renew':
        this.renew(command.leaseDeadlineMs);
        return;
      case 'garp':
        if (this.currentState === 'held') this.announce();
        return;
      case 'release':
        void this.release('release');
        return;
    }
  }

  /** Adds the VIP; the lease starts now. Ignored unless in standby (a guard is single use). */
  acquire(): void {
    if (this.currentState !== 'standby') {
      this.options.log('warn', `acquire ignored: the guard is ${this.currentState} (a guard adds the VIP at most once)`);
      return;
    }
    const { actions, timers, leaseMs } = this.options;
    this.currentState = 'adding';
    this.leaseDeadline = timers.nowMs() + leaseMs;
    this.scheduleExpiry();
    const startedMs = timers.nowMs();
    this.adding = actions.add().then(
      () => {
        if (this.currentState !== 'adding') return; // a release came first; it removes the VIP next
        this.currentState = 'held';
        this.options.log('info', `added ${actions.description} in ${Math.round(timers.nowMs() - startedMs)} ms; lease ${leaseMs} ms`);
        this.options.emit({ type: 'held' });
        this.announce();
        if (this.options.garpIntervalMs > 0) this.scheduleGarp();
      },
      (err: unknown) => {
        this.options.log('error', `adding ${actions.description} failed: ${String(err)}`);
        this.options.emit({ type: 'failed', stage: 'add', message: String(err) });
        // The command may have half worked (a hook that timed out after the cloud moved the
        // address): undo whatever may be there.
        void this.release('add-failed');
      },
    );
  }

  /** Extends the lease to min(deadline, now + leaseMs); a deadline already past removes the VIP now. */
  renew(leaseDeadlineMs: number | undefined): void {
    if (this.currentState !== 'adding' && this.currentState !== 'held') return; // renewals race with release
    const now = this.options.timers.nowMs();
    const capped = now + this.options.leaseMs;
    this.leaseDeadline = leaseDeadlineMs === undefined ? capped : Math.min(capped, leaseDeadlineMs);
    if (this.leaseDeadline <= now) {
      this.options.log('warn', `renewal with a deadline already past (${(now - this.leaseDeadline).toFixed(0)} ms ago): the daemon's lease is gone`);
      void this.release('lease-expired');
      return;
    }
    this.scheduleExpiry();
  }

  /**
   * Removes the VIP (after any add in flight has finished, and after killing any announcement in
   * flight, so that no gratuitous ARP for the address leaves after it is gone), then finishes.
   * Idempotent: later calls return the first call's outcome.
   */
  release(reason: VipReleaseReason): Promise<VipGuardOutcome> {
    this.releasing ??= this.releaseOnce(reason);
    return this.releasing;
  }

  private async releaseOnce(reason: VipReleaseReason): Promise<VipGuardOutcome> {
    const { timers, actions, log } = this.options;
    const wasStandby = this.currentState === 'standby';
    this.currentState = 'removing';
    timers.clearTimer(this.expiryTimer);
    timers.clearTimer(this.garpTimer);
    this.announceAbort.abort();
    if (wasStandby) return this.finish({ type: 'released', reason }, 'nothing to remove: the VIP was never added');
    const startedMs = timers.nowMs();
    log('info', `removing ${actions.description}: ${describeReason(reason, this.options.leaseMs)}`);
    await this.adding.catch(() => {});
    await this.announcing?.catch(() => {});
    for (let attempt = 1; attempt <= vipGuardLimits.dropAttemptsMax; attempt++) {
      try {
        await actions.remove();
        return this.finish({ type: 'released', reason }, `removed the VIP in ${Math.round(timers.nowMs() - startedMs)} ms`);
      } catch (err) {
        log('error', `removing the VIP failed (attempt ${attempt} of ${vipGuardLimits.dropAttemptsMax}): ${String(err)}`);
        if (attempt === vipGuardLimits.dropAttemptsMax) {
          this.options.emit({ type: 'failed', stage: 'remove', message: String(err) });
          return this.finish({ type: 'failed', reason }, 'GAVE UP removing the VIP: it may still be configured; remove it by hand (deploy/vip-release.sh)');
        }
        await new Promise<void>((resolve) => timers.setTimer(resolve, vipGuardLimits.dropRetryDelayMs));
      }
    }
    throw new Error('unreachable: the retry loop returns on its last attempt');
  }

  private finish(outcome: VipGuardOutcome, message: string): VipGuardOutcome {
    this.currentState = outcome.type;
    this.options.log(outcome.type === 'released' ? 'info' : 'error', message);
    if (outcome.type === 'released') this.options.emit({ type: 'released', reason: outcome.reason });
    this.resolveDone(outcome);
    return outcome;
  }

  private scheduleExpiry(): void {
    const { timers } = this.options;
    timers.clearTimer(this.expiryTimer);
    this.expiryTimer = timers.setTimer(() => {
      if (this.currentState !== 'adding' && this.currentState !== 'held') return;
      // A timer may fire a little early or late; the monotonic clock decides.
      if (timers.nowMs() >= this.leaseDeadline) void this.release('lease-expired');
      else this.scheduleExpiry();
    }, Math.max(0, this.leaseDeadline - timers.nowMs()));
  }

  private scheduleGarp(): void {
    this.garpTimer = this.options.timers.setTimer(() => {
      if (this.currentState !== 'held') return;
      this.announce();
      this.scheduleGarp();
    }, this.options.garpIntervalMs);
  }

  /** Gratuitous ARP, best effort: a failed announcement is logged, never a reason to drop the VIP. */
  private announce(): void {
    if (this.announcing) return; // one at a time; the next period sends again
    this.announcing = this.options.actions.announce(this.announceAbort.signal).then(
      () => {},
      (err: unknown) => {
        if (!this.announceAbort.signal.aborted) this.options.log('warn', `gratuitous ARP failed: ${String(err)}`);
      },
    ).finally(() => {
      this.announcing = undefined;
    });
  }
}

function describeReason(reason: VipReleaseReason, leaseMs: number): string {
  switch (reason) {
    case 'release':
      return 'the daemon released it';
    case 'lease-expired':
      return `no renewal within the lease (${leaseMs} ms): the daemon is frozen, stuck or lost its lease`;
    case 'parent-gone':
      return 'the daemon is gone (stdin closed)';
    case 'signal':
      return 'stopped by a signal';
    case 'add-failed':
      return 'undoing a failed add';
  }
}

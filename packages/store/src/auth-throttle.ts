import { limits } from '@tandem/config';

/**
 * Slows down password guessing per client address (DESIGN §7: failed-login throttling). Pure: the
 * caller passes the time, so tests need no clock. After `failuresBeforeDelay` failures from one
 * address, each further attempt from it waits `delayMsPerFailure` × (failures beyond the free
 * ones), capped at `delayMsMax`. Failures are forgotten `failureWindowMs` after the last one.
 * Memory is bounded: past `clientsMax` addresses, the one whose last failure is oldest goes first.
 */
export interface AuthThrottleLimits {
  failuresBeforeDelay: number;
  delayMsPerFailure: number;
  delayMsMax: number;
  failureWindowMs: number;
  clientsMax: number;
}

export const defaultAuthThrottleLimits: AuthThrottleLimits = {
  failuresBeforeDelay: limits.authFailuresBeforeDelay,
  delayMsPerFailure: limits.authDelayMsPerFailure,
  delayMsMax: limits.authDelayMsMax,
  failureWindowMs: limits.authFailureWindowMs,
  clientsMax: limits.authThrottleClientsMax,
};

interface FailureRecord { failures: number; lastFailureMs: number }

export class AuthThrottle {
  /** Insertion order = order of the last failure (re-inserted on each), so the first entry is the oldest. */
  private readonly records = new Map<string, FailureRecord>();

  constructor(readonly throttleLimits: AuthThrottleLimits = defaultAuthThrottleLimits) {}

  /** How long the next attempt from this address must wait before it is checked. */
  delayMsBeforeAttempt(clientAddress: string, nowMs: number): number {
    const record = this.current(clientAddress, nowMs);
    if (!record) return 0;
    const beyond = record.failures - this.throttleLimits.failuresBeforeDelay + 1;
    if (beyond <= 0) return 0;
    return Math.min(beyond * this.throttleLimits.delayMsPerFailure, this.throttleLimits.delayMsMax);
  }

  recordFailure(clientAddress: string, nowMs: number): number {
    const failures = (this.current(clientAddress, nowMs)?.failures ?? 0) + 1;
    this.records.delete(clientAddress);
    this.records.set(clientAddress, { failures, lastFailureMs: nowMs });
    while (this.records.size > this.throttleLimits.clientsMax) {
      const oldest = this.records.keys().next();
      if (oldest.done) break;
      this.records.delete(oldest.value);
    }
    return failures;
  }

  /** Number of addresses remembered (for tests and status). */
  get size(): number { return this.records.size; }

  private current(clientAddress: string, nowMs: number): FailureRecord | undefined {
    const record = this.records.get(clientAddress);
    if (record && nowMs - record.lastFailureMs >= this.throttleLimits.failureWindowMs) {
      this.records.delete(clientAddress);
      return undefined;
    }
    return record;
  }
}

/**
 * When a deferred recipient is tried again, and when the queue gives up on it. The waits grow
 * (limits.outboundRetryDelaysMs, like Postfix's minimal_backoff_time doubling up to its maximum)
 * so a server that is down for a day is not knocked on every minute, and a greylisting server
 * (which asks for a retry after a few minutes) is retried soon enough.
 */
import { limits } from '@tandem/config';

/** The time of the next attempt after the `attemptsMade`-th one (1 = the first attempt just failed). */
export function nextAttemptMs(attemptsMade: number, nowMs: number): number {
  const delays = limits.outboundRetryDelaysMs;
  return nowMs + delays[Math.min(Math.max(attemptsMade, 1), delays.length) - 1]!;
}

/** The queue lifetime ran out (RFC 5321 §4.5.4.1: give up after 4–5 days): a deferral becomes a failure, 4.4.7. */
export function expired(arrivalMs: number, nowMs: number): boolean {
  return nowMs - arrivalMs >= limits.outboundQueueLifetimeMs;
}

/**
 * Commands per second per session (limits.imapCommandsPerSecondMax): a token bucket holding at
 * most `burst` tokens, refilled at `perSecond`. Pure: the session passes the time and waits the
 * returned delay before running the command, so a flood is slowed down, never refused.
 */
export class CommandRateLimiter {
  private tokens: number;
  private lastMs: number | null = null;

  constructor(readonly perSecond: number, readonly burst: number) {
    this.tokens = burst;
  }

  /** Takes a token; returns how long to wait before the command may run (0 = now). */
  take(nowMs: number): number {
    if (this.lastMs !== null) this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) * this.perSecond) / 1000);
    this.lastMs = nowMs;
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    return Math.ceil((-this.tokens * 1000) / this.perSecond);
  }
}

/**
 * Limits and timings of the VIP guard and its client, each with what happens when it is reached.
 * (Cluster-local for now, like replication-limits.ts; they may move to @tandem/config's limits.ts.)
 */
export const vipGuardLimits = {
  /** Shortest lease the guard accepts: below it a busy machine would drop the VIP between renewals. */
  leaseMsMin: 200,
  /** Longest lease: a frozen daemon keeps the VIP this long, so failover can never be faster. */
  leaseMsMax: 60_000,
  /** Gratuitous ARP is repeated this often while held (switches and hosts forget). 0 turns it off. */
  garpIntervalMsDefault: 5_000,
  /** Gratuitous ARP packets per announcement (RFC 5227 §3 suggests more than one). */
  garpCount: 2,
  /** `ip` or `arping` taking longer than this is killed and counted as failed. */
  commandTimeoutMs: 5_000,
  /** A hook script (cloud API call) taking longer than this is killed and counted as failed. */
  hookTimeoutMsDefault: 20_000,
  /** Removing the VIP is retried this many times before the guard gives up (exit 1, loud log). */
  dropAttemptsMax: 3,
  /** Pause between those attempts. */
  dropRetryDelayMs: 200,
  /** Longest line accepted on the guard's stdin or stdout; longer lines are ignored with a warning. */
  protocolLineBytesMax: 256,
  /** Client: the guard must report "ready" (standby) or "held" within this, or start() fails. */
  startTimeoutMsDefault: 15_000,
  /** Client: after SIGTERM the guard must exit within this, or it is killed and the client removes the VIP itself. */
  stopTimeoutMsDefault: 5_000,
  /** Client: stderr lines of the guard kept for error messages. */
  stderrTailLinesMax: 20,
} as const;

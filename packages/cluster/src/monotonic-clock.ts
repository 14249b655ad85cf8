/**
 * CLOCK_MONOTONIC in milliseconds. Node's process.hrtime reads CLOCK_MONOTONIC on Linux, which is one
 * clock for the whole machine, so a lease deadline computed by the daemon means the same instant to
 * the guard process. Wall-clock time must never decide a lease: it jumps (NTP, the operator).
 */
export function monotonicNowMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

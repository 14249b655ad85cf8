/**
 * UID sets as ranges, for VANISHED (EARLIER) (RFC 7162 §3.2.5.1, §3.2.6): the UIDs of a requested
 * set that are no longer in the mailbox, computed by walking the set's intervals alongside the
 * ascending UID list, so a set like 1:4294967295 costs O(messages), not O(UIDs).
 */

/** The parts of `intervals` (sorted, merged, inclusive) not covered by `present` (ascending UIDs). */
export function missingRanges(intervals: ReadonlyArray<readonly [number, number]>, present: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let p = 0;
  for (const [low, high] of intervals) {
    let from = low;
    while (p < present.length && present[p]! < low) p++;
    while (p < present.length && present[p]! <= high) {
      const uid = present[p]!;
      if (uid > from) out.push([from, uid - 1]);
      from = uid + 1;
      p++;
    }
    if (from <= high) out.push([from, high]);
  }
  return out;
}

export function formatRanges(ranges: ReadonlyArray<readonly [number, number]>): string {
  return ranges.map(([a, b]) => (a === b ? String(a) : `${a}:${b}`)).join(',');
}

/** Clips intervals to [1, max]. */
export function clipIntervals(intervals: ReadonlyArray<readonly [number, number]>, max: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [a, b] of intervals) {
    const high = Math.min(b, max);
    if (a <= high) out.push([Math.max(1, a), high]);
  }
  return out;
}

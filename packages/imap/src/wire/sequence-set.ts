/**
 * Sequence sets (RFC 9051 §9 sequence-set, §6.4.8 for UIDs). Message sequence numbers and UIDs are
 * different kinds of number, so the kind travels with the set and a handler must decide which one
 * it holds. "$" (RFC 5182 SEARCHRES) is its own kind: the saved result of the last SEARCH.
 *
 * "*" is the largest number in use (the message count, or the highest UID); a range is unordered
 * ("4:2" = "2:4"). For UIDs, "n:*" with n above every UID still means the highest UID
 * (RFC 9051 §6.4.8), which resolveSequenceSet gives for free.
 */

export type SeqNumber = number | '*';

export interface SeqRange {
  readonly start: SeqNumber;
  readonly end: SeqNumber;
}

export type SequenceSet =
  | { readonly kind: 'seq'; readonly ranges: readonly SeqRange[] }
  | { readonly kind: 'uid'; readonly ranges: readonly SeqRange[] }
  | { readonly kind: 'saved'; readonly numbering: NumberKind };

export type NumberKind = 'seq' | 'uid';

/**
 * The set as sorted, merged, inclusive [low, high] intervals, with "*" = `largest`. An empty
 * mailbox (largest 0) gives [] (every "*" is then out of range).
 */
export function resolveSequenceSet(ranges: readonly SeqRange[], largest: number): Array<[number, number]> {
  if (largest <= 0) {
    const out: Array<[number, number]> = [];
    for (const r of ranges) {
      if (r.start === '*' || r.end === '*') continue;
      out.push([Math.min(r.start, r.end), Math.max(r.start, r.end)]);
    }
    return mergeIntervals(out);
  }
  const value = (n: SeqNumber): number => (n === '*' ? largest : n);
  return mergeIntervals(ranges.map((r) => {
    const a = value(r.start);
    const b = value(r.end);
    return [Math.min(a, b), Math.max(a, b)];
  }));
}

function mergeIntervals(intervals: Array<[number, number]>): Array<[number, number]> {
  intervals.sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const iv of intervals) {
    const last = out[out.length - 1];
    if (last && iv[0] <= last[1] + 1) last[1] = Math.max(last[1], iv[1]);
    else out.push([iv[0], iv[1]]);
  }
  return out;
}

/** True when `n` is in the set, "*" standing for `largest`. */
export function sequenceSetContains(ranges: readonly SeqRange[], n: number, largest: number): boolean {
  for (const r of ranges) {
    const a = r.start === '*' ? largest : r.start;
    const b = r.end === '*' ? largest : r.end;
    if (n >= Math.min(a, b) && n <= Math.max(a, b)) return true;
  }
  return false;
}

/**
 * Writes numbers as a compact sequence set ("1:3,7,9:10"), e.g. for APPENDUID, COPYUID, VANISHED
 * and ESEARCH ALL. Order is kept: COPYUID pairs source and destination UIDs by position
 * (RFC 4315 §3), so the numbers are not sorted here.
 */
export function formatSequenceSet(numbers: readonly number[]): string {
  let out = '';
  for (let i = 0; i < numbers.length;) {
    const start = numbers[i]!;
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    if (out) out += ',';
    out += j > i ? `${start}:${numbers[j]}` : String(start);
    i = j + 1;
  }
  return out;
}

/** Writes a parsed set back ("1:*", "$"). */
export function formatSeqRanges(set: SequenceSet): string {
  if (set.kind === 'saved') return '$';
  return set.ranges.map((r) => (r.start === r.end ? String(r.start) : `${r.start}:${r.end}`)).join(',');
}

/**
 * mulberry32: a tiny seedable PRNG returning uniform numbers in [0, 1). The one copy the project's
 * replayable tests share (fuzzers, workloads), so that a printed seed means the same sequence
 * everywhere. The simulator itself uses SeededRandom (xoshiro128**), which has a longer period.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

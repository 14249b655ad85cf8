/**
 * A small seeded PRNG (mulberry32) for tests that must replay: the seed comes from TANDEM_SEED when
 * set, else it is drawn and printed, so a failure can be rerun with the same choices.
 */
export function testSeed(): number {
  const fromEnv = process.env.TANDEM_SEED;
  return fromEnv !== undefined ? Number(fromEnv) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

export class SeededRandom {
  private state: number;
  constructor(readonly seed: number) { this.state = seed >>> 0; }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

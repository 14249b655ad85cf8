/**
 * A small seeded PRNG (mulberry32) for tests that must replay: the seed comes from TANDEM_SEED when
 * set, else it is drawn and printed, so a failure can be rerun with the same choices.
 */
import { mulberry32 } from '@tandem/testkit';

export function testSeed(): number {
  const fromEnv = process.env.TANDEM_SEED;
  return fromEnv !== undefined ? Number(fromEnv) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

export class SeededRandom {
  /** Uniform in [0, 1). */
  readonly next: () => number;
  constructor(readonly seed: number) { this.next = mulberry32(seed); }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

/**
 * A small seeded generator (splitmix32 → mulberry-style), so every random
 * object in flatcheck is reproducible from one integer seed.
 */
import { InputError } from './errors.js';

export class Rng {
  private state: number;
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new InputError('seed', seed, 'an integer');
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1), 32 bits of randomness. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer uniform in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  /** ±1 with equal probability. */
  rademacher(): number {
    return this.next() < 0.5 ? -1 : 1;
  }
}

/** The seed of the conformance battery, `flatcheck check` and `flatcheck prove` when none is given (the paper's arXiv date). */
export const DEFAULT_SEED = 20170315;

/**
 * Seeded random numbers for the simulation: xoshiro128** (Blackman and
 * Vigna, 2018) on 32-bit integers, seeded through SplitMix32 so that any
 * (seed, stream) pair gives an independent sequence. The state is four
 * uint32 words, so a generator can be saved and restored exactly.
 *
 * Each event draws from its own stream, `Rng.forEvent(seed, event)`, so an
 * event's numbers do not depend on which worker runs it or in what order.
 */

const TWO_PI = 2 * Math.PI;
const UINT32_SCALE = 2 ** -32;

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

export class Rng {
  private readonly s = new Uint32Array(4);
  private spareNormal: number | undefined;

  /** A generator for `seed` (an integer) and an optional stream index. */
  constructor(seed: number, stream = 0) {
    let state = (seed ^ Math.imul(stream + 1, 0x27d4eb2d)) | 0;
    for (let i = 0; i < 4; i++) {
      [state, this.s[i]] = splitmix32(state ^ Math.imul(i + 1, 0x165667b1));
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** The generator for one event of a run seeded with `seed`. */
  static forEvent(seed: number, event: number): Rng {
    return new Rng(seed, event);
  }

  /** A generator that continues from a saved `state()`. */
  static fromState(state: readonly number[]): Rng {
    const rng = new Rng(0);
    rng.s.set(state.slice(0, 4));
    return rng;
  }

  /** The four state words; `Rng.fromState` continues from them. */
  state(): number[] {
    return Array.from(this.s);
  }

  /** Uniform uint32. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1), 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in (0, 1]: safe under a logarithm. */
  uniformPositive(): number {
    return 1 - this.uniform();
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Integer uniform in [0, n). */
  integer(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Gaussian with the given mean and standard deviation (Box-Muller). */
  normal(mean = 0, sigma = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + sigma * z;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniformPositive()));
    const phi = TWO_PI * this.nextUint32() * UINT32_SCALE;
    this.spareNormal = r * Math.sin(phi);
    return mean + sigma * r * Math.cos(phi);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(this.uniformPositive());
  }

  /**
   * Poisson with the given mean: exact by multiplication below 30, the
   * Gaussian limit (rounded, clamped at 0) above.
   */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean >= 30) {
      return Math.max(0, Math.round(this.normal(mean, Math.sqrt(mean))));
    }
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.uniform();
    while (p > limit) {
      k++;
      p *= this.uniform();
    }
    return k;
  }

  /**
   * Binomial(n, p): exact by counting for n up to 200, the Poisson limit for
   * more trials with a small variance, and the Gaussian limit (rounded,
   * clamped to [0, n]) when n p (1 - p) exceeds 30.
   */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    const variance = n * p * (1 - p);
    if (variance > 30) {
      const k = Math.round(this.normal(n * p, Math.sqrt(variance)));
      return Math.min(n, Math.max(0, k));
    }
    if (n > 200) {
      // Small variance with many trials: p or 1 - p is tiny (Poisson limit).
      return p < 0.5
        ? Math.min(n, this.poisson(n * p))
        : n - Math.min(n, this.poisson(n * (1 - p)));
    }
    let k = 0;
    for (let i = 0; i < n; i++) if (this.uniform() < p) k++;
    return k;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

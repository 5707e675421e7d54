/**
 * The order in which the loader hands out tiles: epoch after epoch, each a
 * seeded permutation of all tiles of a split.
 *
 * Batch k covers the positions [k B, (k + 1) B) of the endless sequence
 * epoch 0, epoch 1, ...; position p is tile perm_e[p mod N] of epoch
 * e = floor(p / N). A batch that straddles an epoch boundary continues into
 * the next epoch's permutation. Epoch e of domain a is shuffled with the
 * random stream 2 e, domain b with stream 2 e + 1, so a and b are drawn
 * independently; paired order uses the a permutation for both. Any batch
 * is computed from (seed, k) alone, without replaying earlier epochs.
 *
 * Left out: sampling with replacement and weighting of tiles.
 */
import { Rng } from '../sim/random.js';
import type { Domain } from './tilefile.js';

/** Tile indices of one batch: [batchSize] per domain. */
export interface BatchIndices {
  readonly a: Int32Array;
  readonly b: Int32Array;
}

/** Epoch permutations kept per domain (a batch spans at most a few). */
const CACHED_EPOCHS = 2;

export class TileOrder {
  private readonly cache: Record<Domain, Map<number, Int32Array>> = {
    a: new Map(),
    b: new Map(),
  };

  constructor(
    readonly tileCount: number,
    readonly batchSize: number,
    readonly seed: number,
    readonly paired: boolean,
  ) {}

  /** The tiles of batch `batch` (an integer >= 0). */
  batch(batch: number): BatchIndices {
    const a = this.indices('a', batch);
    return { a, b: this.paired ? a.slice() : this.indices('b', batch) };
  }

  /** Epoch `epoch`'s permutation of [0, tileCount) for a domain. */
  permutation(domain: Domain, epoch: number): Int32Array {
    const cache = this.cache[domain];
    let perm = cache.get(epoch);
    if (!perm) {
      perm = shuffled(this.tileCount, new Rng(this.seed, 2 * epoch + (domain === 'a' ? 0 : 1)));
      cache.set(epoch, perm);
      if (cache.size > CACHED_EPOCHS) cache.delete(cache.keys().next().value!);
    }
    return perm;
  }

  private indices(domain: Domain, batch: number): Int32Array {
    const out = new Int32Array(this.batchSize);
    const first = batch * this.batchSize;
    for (let i = 0; i < this.batchSize; i++) {
      const position = first + i;
      const epoch = Math.floor(position / this.tileCount);
      out[i] = this.permutation(domain, epoch)[position - epoch * this.tileCount];
    }
    return out;
  }
}

/** Fisher-Yates shuffle of [0, n). */
function shuffled(n: number, rng: Rng): Int32Array {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

/**
 * Random crops of a batch's tiles, for training a generator whose tile is
 * smaller than the tile file's (e.g. 128 x 128 crops of 256 x 256 tiles).
 *
 * Input: a TileBatch of [n, H, W] tiles per domain. Output: [n, h, w] per
 * domain, each tile cut at its own uniformly drawn offset (row in
 * [0, H - h], column in [0, W - w]). Detector tiles are sparse, and a crop
 * with no signal at all gives a discriminator with instance norm nothing
 * to normalise (its input gradients, and so the gradient penalty, blow
 * up); with `minNonzero` > 0 an offset is drawn again, up to `attempts`
 * times, until the crop has at least that fraction of non-zero pixels, and
 * the fullest crop drawn is kept otherwise. The offsets of batch k depend
 * only on (seed, k), so a resumed run cuts the same crops as an
 * uninterrupted one. Left out: flips and other augmentation.
 */
import { ShapeError } from '../sim/errors.js';
import { Rng } from '../sim/random.js';
import type { TileBatch } from './batches.js';

/** Separates the crop streams from the loader's tile-order streams of the same seed. */
const CROP_SEED_SALT = 0x63726f70;

export interface CropOptions {
  /** Wanted fraction of non-zero pixels in each crop, in [0, 1] (default 0: any crop). */
  readonly minNonzero?: number;
  /** Offsets drawn at most per tile when looking for signal (default 16). */
  readonly attempts?: number;
}

/** The tiles of `batch` number `batchNumber` cropped to [height, width]. */
export function cropBatch(
  batch: TileBatch,
  [height, width]: readonly [number, number],
  seed: number,
  batchNumber: number,
  options: CropOptions = {},
): TileBatch {
  if (height > batch.height || width > batch.width) {
    throw new ShapeError(
      `crop: ${height} x ${width} does not fit in tiles of ${batch.height} x ${batch.width}`,
    );
  }
  const wanted = Math.ceil((options.minNonzero ?? 0) * height * width);
  const cropper = new Cropper(batch, height, width, wanted, options.attempts ?? 16);
  const rng = new Rng(seed ^ CROP_SEED_SALT, batchNumber);
  const a = cropper.crop(batch.a, rng);
  const b = cropper.crop(batch.b, rng);
  return { a, b, n: batch.n, height, width };
}

class Cropper {
  constructor(
    private readonly batch: TileBatch,
    private readonly height: number,
    private readonly width: number,
    /** Non-zero pixels wanted per crop. */
    private readonly wanted: number,
    private readonly attempts: number,
  ) {}

  /** [n, H, W] -> [n, h, w], one offset per tile. */
  crop(tiles: Float32Array, rng: Rng): Float32Array {
    const { n, height: H, width: W } = this.batch;
    const { height, width } = this;
    const out = new Float32Array(n * height * width);
    for (let i = 0; i < n; i++) {
      const tile = tiles.subarray(i * H * W, (i + 1) * H * W);
      const [row0, col0] = this.offset(tile, rng);
      for (let r = 0; r < height; r++) {
        const from = (row0 + r) * W + col0;
        out.set(tile.subarray(from, from + width), (i * height + r) * width);
      }
    }
    return out;
  }

  /** The first offset whose crop has `wanted` non-zero pixels, else the fullest drawn. */
  private offset(tile: Float32Array, rng: Rng): [number, number] {
    const { height: H, width: W } = this.batch;
    let best: [number, number] = [0, 0];
    let bestCount = -1;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      const row0 = rng.integer(H - this.height + 1);
      const col0 = rng.integer(W - this.width + 1);
      if (this.wanted === 0) return [row0, col0];
      const count = this.nonzero(tile, row0, col0);
      if (count >= this.wanted) return [row0, col0];
      if (count > bestCount) [best, bestCount] = [[row0, col0], count];
    }
    return best;
  }

  private nonzero(tile: Float32Array, row0: number, col0: number): number {
    const W = this.batch.width;
    let count = 0;
    for (let r = row0; r < row0 + this.height; r++) {
      for (let k = r * W + col0; k < r * W + col0 + this.width; k++) if (tile[k] !== 0) count++;
    }
    return count;
  }
}

/**
 * Random crops of a batch's tiles, for training a generator whose tile is
 * smaller than the tile file's (e.g. 128 x 128 crops of 256 x 256 tiles).
 *
 * Input: a TileBatch of [n, H, W] tiles per domain. Output: [n, h, w] per
 * domain, each tile cut at its own uniformly drawn offset (row in
 * [0, H - h], column in [0, W - w]). The offsets of batch k depend only on
 * (seed, k), so a resumed run cuts the same crops as an uninterrupted one.
 * Left out: flips and other augmentation.
 */
import { ShapeError } from '../sim/errors.js';
import { Rng } from '../sim/random.js';
import type { TileBatch } from './batches.js';

/** Separates the crop streams from the loader's tile-order streams of the same seed. */
const CROP_SEED_SALT = 0x63726f70;

/** The tiles of `batch` number `batchNumber` cropped to [height, width]. */
export function cropBatch(
  batch: TileBatch,
  [height, width]: readonly [number, number],
  seed: number,
  batchNumber: number,
): TileBatch {
  if (height > batch.height || width > batch.width) {
    throw new ShapeError(
      `crop: ${height} x ${width} does not fit in tiles of ${batch.height} x ${batch.width}`,
    );
  }
  const rng = new Rng(seed ^ CROP_SEED_SALT, batchNumber);
  const a = cropTiles(batch.a, batch, height, width, rng);
  const b = cropTiles(batch.b, batch, height, width, rng);
  return { a, b, n: batch.n, height, width };
}

/** [n, H, W] -> [n, h, w], one random offset per tile. */
function cropTiles(
  tiles: Float32Array,
  batch: TileBatch,
  height: number,
  width: number,
  rng: Rng,
): Float32Array {
  const { n, height: H, width: W } = batch;
  const out = new Float32Array(n * height * width);
  for (let i = 0; i < n; i++) {
    const row0 = rng.integer(H - height + 1);
    const col0 = rng.integer(W - width + 1);
    for (let r = 0; r < height; r++) {
      const from = i * H * W + (row0 + r) * W + col0;
      out.set(tiles.subarray(from, from + width), (i * height + r) * width);
    }
  }
  return out;
}

/**
 * Tile batches (pipeline/batches.ts, [n, h, w] float32 per domain) as the
 * networks' [1, h, w, 1] input tensors, one sample at a time.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { TileBatch } from '../pipeline/batches.js';
import { ShapeError } from '../sim/errors.js';

/** Checks that both domains hold n tiles of the generator's tile size. */
export function checkBatch(
  batch: TileBatch,
  tile: readonly [number, number],
  operation: string,
): void {
  const [h, w] = tile;
  if (batch.height !== h || batch.width !== w) {
    throw new ShapeError(
      `${operation}: expected tiles ${h} x ${w}, got ${batch.height} x ${batch.width}`,
    );
  }
  if (!(Number.isInteger(batch.n) && batch.n >= 1)) {
    throw new ShapeError(`${operation}: expected n >= 1 tiles, got ${batch.n}`);
  }
  for (const domain of ['a', 'b'] as const) {
    const expected = batch.n * h * w;
    if (batch[domain].length !== expected) {
      throw new ShapeError(
        `${operation}: domain ${domain} expected ${expected} values [${batch.n}, ${h}, ${w}], ` +
          `got ${batch[domain].length}`,
      );
    }
  }
}

/** Tile i of one domain: [h, w] -> [1, h, w, 1] (a view, no copy of the batch). */
export function sampleImage(batch: TileBatch, domain: 'a' | 'b', i: number): Float32Array {
  const size = batch.height * batch.width;
  return batch[domain].subarray(i * size, (i + 1) * size);
}

/** Tile i of one domain as a [1, h, w, 1] tensor. */
export function sampleTensor(batch: TileBatch, domain: 'a' | 'b', i: number): tf.Tensor4D {
  return tf.tensor4d(sampleImage(batch, domain, i), [1, batch.height, batch.width, 1]);
}

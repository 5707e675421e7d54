/**
 * A `Translator` over a VitUnetGenerator held in memory (e.g. one still in
 * training): tiles [n, h, w] ADC -> [n, h, w] ADC through `apply` on the
 * current TF.js backend, in chunks of at most `batch` tiles so that the
 * backend's memory stays bounded whatever n is.
 *
 * The generator stays owned by the caller: `close` only stops this
 * translator from being used. The weights are read at each call, so a
 * translator made once sees the generator as it trains.
 */
import * as tf from '@tensorflow/tfjs-core';

import { ConfigError, ShapeError } from '../sim/errors.js';
import type { Translator } from './translator.js';
import type { VitUnetGenerator } from './vitunet.js';

export class VitUnetTranslator implements Translator {
  readonly tileHeight: number;
  readonly tileWidth: number;
  private closed = false;

  /** `batch`: tiles per generator call, >= 1. */
  constructor(
    private readonly generator: VitUnetGenerator,
    private readonly batch = 32,
  ) {
    if (!(Number.isInteger(batch) && batch >= 1)) {
      throw new ConfigError(`VitUnetTranslator: batch must be an integer >= 1, got ${batch}`);
    }
    [this.tileHeight, this.tileWidth] = generator.config.tile;
  }

  async translate(tiles: Float32Array, n: number): Promise<Float32Array> {
    if (this.closed) throw new ConfigError(`${this.generator.name}: translator already closed`);
    const size = this.tileHeight * this.tileWidth;
    if (!(Number.isInteger(n) && n > 0) || tiles.length !== n * size) {
      throw new ShapeError(
        `${this.generator.name}: expected tiles [${n}, ${this.tileHeight}, ${this.tileWidth}] ` +
          `(${n * size} values), got ${tiles.length}`,
      );
    }
    const out = new Float32Array(n * size);
    for (let first = 0; first < n; first += this.batch) {
      const count = Math.min(this.batch, n - first);
      const chunk = tiles.subarray(first * size, (first + count) * size);
      // [count, h, w] -> [count, h, w, 1]
      const x = tf.tensor4d(chunk, [count, this.tileHeight, this.tileWidth, 1]);
      let y: tf.Tensor4D | undefined;
      try {
        y = this.generator.apply(x);
        out.set(await y.data(), first * size);
      } finally {
        x.dispose();
        y?.dispose();
      }
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * A `Translator` for images of another size than the model's tile: each
 * image [h, w] is translated as a frame (pipeline/translate-frame.ts),
 * cut into overlapping model tiles, reflect-padded at the edges and
 * blended back, exactly as `wiregan translate` treats a full frame.
 *
 * This lets a model trained on small crops (the `small` and `tiny`
 * presets) be scored on the 256 x 256 tiles of a benchmark dataset.
 * Memory: one image and its model tiles at a time. The wrapped
 * translator stays owned by the caller's `close()` of this one.
 */
import type { Translator } from '../models/translator.js';
import { ConfigError, ShapeError } from '../sim/errors.js';
import { overlapPixels } from './frametiling.js';
import { translateFrame } from './translate-frame.js';

export interface TiledTranslatorOptions {
  /** Image size [h, w] this translator accepts. */
  readonly image: readonly [number, number];
  /** Overlap of model tiles: a fraction of the tile below 1, else pixels. */
  readonly overlap: number;
  /** Model tiles per call of the wrapped translator, >= 1. */
  readonly batch: number;
}

export class TiledTranslator implements Translator {
  readonly tileHeight: number;
  readonly tileWidth: number;
  private readonly overlap: readonly [number, number];

  constructor(
    private readonly model: Translator,
    private readonly options: TiledTranslatorOptions,
  ) {
    const [h, w] = options.image;
    if (![h, w].every((n) => Number.isInteger(n) && n >= 1)) {
      throw new ConfigError(`TiledTranslator: image must be two integers >= 1, got [${h}, ${w}]`);
    }
    this.tileHeight = h;
    this.tileWidth = w;
    this.overlap = [
      overlapPixels(options.overlap, model.tileHeight),
      overlapPixels(options.overlap, model.tileWidth),
    ];
  }

  /** Translates n images [n, h, w], one frame translation each. */
  async translate(images: Float32Array, n: number): Promise<Float32Array> {
    const size = this.tileHeight * this.tileWidth;
    if (!(Number.isInteger(n) && n > 0) || images.length !== n * size) {
      throw new ShapeError(
        `TiledTranslator: expected [n, h, w] = [${n}, ${this.tileHeight}, ${this.tileWidth}] ` +
          `(${n * size} values), got ${images.length}`,
      );
    }
    const out = new Float32Array(n * size);
    const shape = [this.tileHeight, this.tileWidth] as const;
    const frameOptions = { overlap: this.overlap, batch: this.options.batch };
    for (let k = 0; k < n; k++) {
      const image = images.subarray(k * size, (k + 1) * size);
      out.set(await translateFrame(this.model, image, shape, frameOptions), k * size);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.model.close();
  }
}

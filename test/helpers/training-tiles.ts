import { TileFileWriter } from '../../pipeline/tilefile.js';
import { Rng } from '../../sim/random.js';

/**
 * A tile file of toy line images for training tests: domain a holds
 * straight tracks of 40 ADC drawn one pixel wide, domain b the same tracks
 * spread over the neighbouring rows (weights 0.25, 0.5, 0.25), so b
 * differs from a by a fixed cross-wire response, as in the benchmark.
 */
export async function writeTrainingTiles(
  file: string,
  options: { size: number; train: number; test?: number; seed?: number },
): Promise<void> {
  const { size } = options;
  const rng = new Rng(options.seed ?? 3);
  const writer = await TileFileWriter.create(file, {
    tileHeight: size,
    tileWidth: size,
    source: 'test tracks',
    config: { size },
  });
  try {
    for (const [split, count] of [
      ['train', options.train],
      ['test', options.test ?? 2],
    ] as const) {
      for (let k = 0; k < count; k++) {
        const a = trackImage(size, rng);
        writer.add(split, a, spreadRows(a, size));
      }
    }
    writer.close();
  } catch (error) {
    writer.abort();
    throw error;
  }
}

/** [size, size]: two straight tracks at random angles. */
function trackImage(size: number, rng: Rng): Float32Array {
  const image = new Float32Array(size * size);
  for (let track = 0; track < 2; track++) {
    const row0 = rng.range(0, size);
    const slope = rng.range(-0.5, 0.5);
    for (let col = 0; col < size; col++) {
      const row = Math.round(row0 + slope * col);
      if (row >= 0 && row < size) image[row * size + col] = 40;
    }
  }
  return image;
}

/** [size, size] -> same, each row mixed with its neighbours (0.25, 0.5, 0.25). */
function spreadRows(image: Float32Array, size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const up = r > 0 ? image[(r - 1) * size + c] : 0;
      const down = r < size - 1 ? image[(r + 1) * size + c] : 0;
      out[r * size + c] = 0.25 * up + 0.5 * image[r * size + c] + 0.25 * down;
    }
  }
  return out;
}

/**
 * Random generator weights for export tests: every weight of
 * generator-spec.ts, scaled so that activations keep their size through
 * the network (kernels N(0, 1 / fan_in)), biases and LayerNorm betas
 * N(0, 0.1), gammas 1 + N(0, 0.1) and ReZero scalars in [0.3, 0.8]
 * (non-zero, so the transformer shows in the output). Seeded.
 */
import { type GeneratorConfig, generatorWeightSpecs } from '../../models/generator-spec.js';
import { Rng } from '../../sim/random.js';

export function randomGeneratorWeights(
  config: GeneratorConfig,
  seed: number,
): Map<string, Float32Array> {
  const rng = new Rng(seed);
  const weights = new Map<string, Float32Array>();
  for (const spec of generatorWeightSpecs(config)) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    const kind = spec.name.slice(spec.name.lastIndexOf('/') + 1);
    // kernel [.., in, out] (conv [k, k, in, out], dense [in, out]): fan_in = count / out.
    const fanIn = count / (spec.shape[spec.shape.length - 1] ?? 1);
    for (let i = 0; i < count; i++) {
      if (kind === 'kernel') values[i] = rng.normal(0, 1 / Math.sqrt(fanIn));
      else if (kind === 'gamma') values[i] = 1 + rng.normal(0, 0.1);
      else if (kind === 'rezero') values[i] = rng.range(0.3, 0.8);
      else values[i] = rng.normal(0, 0.1);
    }
    weights.set(spec.name, values);
  }
  return weights;
}

/** Sparse ADC-like tiles [n, h, w]: ~20 % of pixels N(0, 60), the rest 0. */
export function randomTiles(n: number, h: number, w: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * h * w }, () =>
    rng.uniform() < 0.2 ? rng.normal(0, 60) : 0,
  );
}

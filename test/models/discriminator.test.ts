import assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../../models/backend.js';
import {
  DISCRIMINATOR_PRESETS,
  type DiscriminatorConfig,
  PatchDiscriminator,
  discriminatorWeightSpecs,
} from '../../models/discriminator.js';
import { ConfigError } from '../../sim/errors.js';
import { Rng } from '../../sim/random.js';
import { naiveDiscriminator } from '../helpers/naive-nets.js';

/** float32 network vs float64 loops, relative to the largest score. */
const FORWARD_TOLERANCE = 1e-4;

/** Random weights N(0, 0.3), gammas N(1, 0.3); with zeroBias every bias and beta is 0. */
function randomWeights(
  disc: PatchDiscriminator,
  rng: Rng,
  zeroBias = false,
): Map<string, Float32Array> {
  const weights = new Map<string, Float32Array>();
  for (const [name, v] of disc.variables) {
    const bias = name.endsWith('/bias') || name.endsWith('/beta');
    const mean = name.endsWith('/gamma') ? 1 : 0;
    const draw = () => (zeroBias && bias ? 0 : rng.normal(mean, 0.3));
    weights.set(name, Float32Array.from({ length: v.size }, draw));
  }
  disc.setWeights(weights);
  return weights;
}

/** Scores of one image x [h, w]. */
function scores(disc: PatchDiscriminator, x: Float32Array, h: number, w: number): Float32Array {
  return tf.tidy(() => disc.apply(tf.tensor4d(x, [1, h, w, 1])).dataSync() as Float32Array);
}

describe('models/discriminator: the 70 x 70 PatchGAN', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('paper preset: 256 x 256 tiles give 30 x 30 scores, 2.77 M parameters', () => {
    const disc = PatchDiscriminator.create(DISCRIMINATOR_PRESETS.paper, { name: 'dp', seed: 1 });
    try {
      const shape = tf.tidy(() => disc.apply(tf.zeros([1, 256, 256, 1]) as tf.Tensor4D).shape);
      assert.deepEqual(shape, [1, 30, 30, 1]);
      // pix2pix n_layers=3: 16 (64) + 16*64*128 + 16*128*256 + 16*256*512 + 16*512 (1) + biases/norms.
      const weights = 16 * 64 + 64 + 16 * 64 * 128 + 16 * 128 * 256 + 16 * 256 * 512 + 16 * 512 + 1;
      const norms = 2 * (128 + 256 + 512);
      const held = [...disc.variables.values()].reduce((a, v) => a + v.size, 0);
      assert.equal(held, weights + norms);
    } finally {
      disc.dispose();
    }
  });

  it('has the variables of discriminatorWeightSpecs; tiny maps 32 x 32 to 2 x 2', () => {
    const cfg = DISCRIMINATOR_PRESETS.tiny;
    const disc = PatchDiscriminator.create(cfg, { name: 'dt', seed: 1 });
    try {
      assert.deepEqual(
        [...disc.variables].map(([name, v]) => [name, v.shape]),
        discriminatorWeightSpecs(cfg).map((s) => [s.name, [...s.shape]]),
      );
      const shape = tf.tidy(() => disc.apply(tf.zeros([3, 32, 32, 1]) as tf.Tensor4D).shape);
      assert.deepEqual(shape, [3, 2, 2, 1]);
    } finally {
      disc.dispose();
    }
  });

  it(`forward equals a loop-by-loop float64 computation within ${FORWARD_TOLERANCE}`, () => {
    const cfg = { features: [3, 4, 5, 6], inputScale: 1 / 50 };
    const rng = new Rng(3);
    const disc = PatchDiscriminator.create(cfg, { name: 'dn', seed: 2 });
    try {
      const weights = new Map<string, Float32Array>();
      for (const [name, v] of disc.variables) {
        const mean = name.endsWith('/gamma') ? 1 : 0;
        weights.set(
          name,
          Float32Array.from({ length: v.size }, () => rng.normal(mean, 0.3)),
        );
      }
      disc.setWeights(weights);
      const [h, w] = [40, 48];
      const x = Float32Array.from({ length: h * w }, () => rng.normal(0, 40));
      const got = tf.tidy(() => disc.apply(tf.tensor4d(x, [1, h, w, 1])).dataSync());
      const want = naiveDiscriminator(cfg.features, cfg.inputScale, weights, x, h, w);
      assert.deepEqual([want.h, want.w, want.c], [3, 4, 1]);
      const scale = Math.max(...want.data.map(Math.abs));
      want.data.forEach((v, i) =>
        assert.ok(Math.abs(got[i] - v) < FORWARD_TOLERANCE * scale, `${got[i]} vs ${v}`),
      );
    } finally {
      disc.dispose();
    }
  });

  it("norm 'none': a bias on every convolution, no norm weights; a config without norm is 'instance'", () => {
    const f = [3, 4, 5, 6];
    const none = discriminatorWeightSpecs({ features: f, inputScale: 1, norm: 'none' });
    const want = [1, ...f, 1].slice(1).flatMap((cout, i) => [`conv${i}/kernel`, `conv${i}/bias`]);
    assert.deepEqual(
      none.map((s) => s.name),
      want,
    );
    const sizes = [1, ...f, 1];
    const count = (specs: typeof none) =>
      specs.reduce((a, s) => a + s.shape.reduce((p, d) => p * d, 1), 0);
    const kernels = [0, 1, 2, 3, 4].reduce((a, i) => a + 16 * sizes[i] * sizes[i + 1], 0);
    assert.equal(count(none), kernels + 3 + 4 + 5 + 6 + 1);
    const legacy = discriminatorWeightSpecs({ features: f, inputScale: 1 });
    assert.deepEqual(
      legacy,
      discriminatorWeightSpecs({ features: f, inputScale: 1, norm: 'instance' }),
    );
    assert.equal(count(legacy), kernels + 3 + 1 + 2 * (4 + 5 + 6));
    const bad = { features: f, inputScale: 1, norm: 'batch' } as unknown as DiscriminatorConfig;
    assert.throws(() => PatchDiscriminator.create(bad, { name: 'db', seed: 1 }), ConfigError);
  });

  it(`norm 'none': forward equals a loop-by-loop float64 computation within ${FORWARD_TOLERANCE}`, () => {
    const cfg: DiscriminatorConfig = { features: [3, 4, 5, 6], inputScale: 1 / 50, norm: 'none' };
    const rng = new Rng(5);
    const disc = PatchDiscriminator.create(cfg, { name: 'dnn', seed: 2 });
    try {
      const weights = randomWeights(disc, rng);
      const [h, w] = [40, 48];
      const x = Float32Array.from({ length: h * w }, () => rng.normal(0, 40));
      const got = scores(disc, x, h, w);
      const want = naiveDiscriminator(cfg.features, cfg.inputScale, weights, x, h, w, 'none');
      assert.deepEqual([want.h, want.w, want.c], [3, 4, 1]);
      const scale = Math.max(...want.data.map(Math.abs));
      want.data.forEach((v, i) =>
        assert.ok(Math.abs(got[i] - v) < FORWARD_TOLERANCE * scale, `${got[i]} vs ${v}`),
      );
    } finally {
      disc.dispose();
    }
  });

  // Without biases, convolutions and LeakyReLU are positively homogeneous:
  // D(c x) = c D(x) for c > 0 without norm; instance norm divides the scale
  // out again, D(c x) = D(x) up to its epsilon.
  it("sees the input's amplitude with norm 'none' (D(1.1 x) = 1.1 D(x)), not with 'instance'", () => {
    const [h, w] = [32, 32];
    const rng = new Rng(8);
    const x = Float32Array.from({ length: h * w }, () => rng.normal(0, 40));
    const x11 = x.map((v) => 1.1 * v);
    for (const norm of ['none', 'instance'] as const) {
      const cfg: DiscriminatorConfig = { features: [4, 8, 8, 16], inputScale: 1 / 50, norm };
      const disc = PatchDiscriminator.create(cfg, { name: `ds-${norm}`, seed: 3 });
      try {
        randomWeights(disc, rng, true);
        const base = scores(disc, x, h, w);
        const scaled = scores(disc, x11, h, w);
        const size = Math.max(...base.map(Math.abs));
        assert.ok(size > 1e-3, `${norm}: scores ${base} too small to compare`);
        const factor = norm === 'none' ? 1.1 : 1;
        base.forEach((v, i) =>
          assert.ok(
            Math.abs(scaled[i] - factor * v) < 1e-3 * size,
            `${norm}: D(1.1 x) = ${scaled[i]}, expected ${factor} * ${v}`,
          ),
        );
      } finally {
        disc.dispose();
      }
    }
  });
});

import assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../../models/backend.js';
import {
  DISCRIMINATOR_PRESETS,
  PatchDiscriminator,
  discriminatorWeightSpecs,
} from '../../models/discriminator.js';
import { Rng } from '../../sim/random.js';
import { naiveDiscriminator } from '../helpers/naive-nets.js';

/** float32 network vs float64 loops, relative to the largest score. */
const FORWARD_TOLERANCE = 1e-4;

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
});

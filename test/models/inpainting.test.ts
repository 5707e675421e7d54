import assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../../models/backend.js';
import { GENERATOR_PRESETS } from '../../models/generator-spec.js';
import { type InpaintingConfig, InpaintingPretrainer, patchMask } from '../../models/inpainting.js';
import type { TileBatch } from '../../pipeline/batches.js';
import { Rng } from '../../sim/random.js';

const CONFIG: InpaintingConfig = {
  generator: GENERATOR_PRESETS.tiny,
  patch: 8,
  maskProbability: 0.4,
  lr: 1e-4,
  betas: [0.9, 0.99],
  weightDecay: 0.05,
  restartSteps: 100,
  restartMult: 1,
};

function batch(seed: number, n = 2): TileBatch {
  const rng = new Rng(seed);
  const [h, w] = CONFIG.generator.tile;
  const tiles = () => Float32Array.from({ length: n * h * w }, () => rng.normal(0, 30));
  return { a: tiles(), b: tiles(), n, height: h, width: w };
}

describe('models/inpainting: masked-patch pre-training', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('masks whole squares (edge squares cropped) with the given probability', () => {
    const [h, w, patch] = [40, 72, 32];
    const rng = new Rng(5);
    let masked = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const mask = patchMask(h, w, patch, 0.4, rng);
      // Squares: rows [0, 32), [32, 40); columns [0, 32), [32, 64), [64, 72).
      for (const [r0, r1] of [
        [0, 32],
        [32, 40],
      ]) {
        for (const [c0, c1] of [
          [0, 32],
          [32, 64],
          [64, 72],
        ]) {
          const first = mask[r0 * w + c0];
          for (let r = r0; r < r1; r++) {
            for (let c = c0; c < c1; c++) assert.equal(mask[r * w + c], first);
          }
          masked += 1 - first;
        }
      }
    }
    const fraction = masked / (6 * trials);
    // Binomial(2400, 0.4): sd of the fraction 0.01.
    assert.ok(Math.abs(fraction - 0.4) < 0.04, `masked fraction ${fraction}`);
    assert.ok(patchMask(8, 8, 4, 0, rng).every((v) => v === 1));
    assert.ok(patchMask(8, 8, 4, 1, rng).every((v) => v === 0));
  });

  it('with no mask, the loss is the scaled L2 of G(x) - x over both domains', () => {
    const cfg = { ...CONFIG, maskProbability: 0 };
    const trainer = InpaintingPretrainer.create(cfg, 1);
    const b = batch(1);
    const s = cfg.generator.inputScale;
    try {
      const want = tf.tidy(() => {
        const x = tf.concat([tf.tensor4d(b.a, [2, 32, 32, 1]), tf.tensor4d(b.b, [2, 32, 32, 1])]);
        const y = trainer.generator.apply(x as tf.Tensor4D);
        return s * s * tf.mean(tf.square(tf.sub(y, x))).dataSync()[0];
      });
      const count = tf.memory().numTensors;
      const { loss } = trainer.step(b, 0);
      assert.equal(tf.memory().numTensors, count);
      assert.ok(Math.abs(loss - want) < 1e-5 * want, `${loss} vs ${want}`);
    } finally {
      trainer.dispose();
    }
  });

  it('one generator learns: a step moves its output layer and keeps the tensor count', () => {
    const trainer = InpaintingPretrainer.create(CONFIG, 2);
    try {
      const before = trainer.generator.getWeights();
      const count = tf.memory().numTensors;
      trainer.step(batch(2), 1e-3);
      assert.equal(tf.memory().numTensors, count);
      const after = trainer.generator.getWeights();
      assert.notDeepEqual(after.get('output/kernel'), before.get('output/kernel'));
      assert.equal(trainer.iterations, 1);
    } finally {
      trainer.dispose();
    }
  });

  it('restore() then step gives the weights of uninterrupted steps', () => {
    const first = InpaintingPretrainer.create(CONFIG, 3);
    const second = InpaintingPretrainer.create(CONFIG, 4);
    try {
      first.step(batch(10), 1e-3);
      second.restore(first.state());
      const want = first.step(batch(11), 1e-3);
      const got = second.step(batch(11), 1e-3);
      assert.deepEqual(got, want);
      assert.deepEqual(second.state(), first.state());
    } finally {
      first.dispose();
      second.dispose();
    }
  });
});

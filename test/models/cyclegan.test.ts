import assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../../models/backend.js';
import { CycleGan, type CycleGanConfig } from '../../models/cyclegan.js';
import { DISCRIMINATOR_PRESETS } from '../../models/discriminator.js';
import { GENERATOR_PRESETS } from '../../models/generator-spec.js';
import type { TileBatch } from '../../pipeline/batches.js';
import { ShapeError } from '../../sim/errors.js';
import { Rng } from '../../sim/random.js';
import { PAPER_CYCLEGAN } from '../../models/trainconfig.js';

const CONFIG: CycleGanConfig = {
  generator: GENERATOR_PRESETS.tiny,
  discriminator: DISCRIMINATOR_PRESETS.tiny,
  ...PAPER_CYCLEGAN,
};

/** Losses recomputed outside the step (float32, different op order). */
const LOSS_TOLERANCE = 1e-5;

function batch(seed: number, n = 2): TileBatch {
  const rng = new Rng(seed);
  const [h, w] = CONFIG.generator.tile;
  const tiles = () => Float32Array.from({ length: n * h * w }, () => rng.normal(0, 30));
  return { a: tiles(), b: tiles(), n, height: h, width: w };
}

function allWeights(gan: CycleGan): Map<string, Float32Array>[] {
  return [gan.genAB, gan.genBA, gan.discA, gan.discB].map((net) => net.getWeights());
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('models/cyclegan: one UVCGAN training step', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('frees every intermediate tensor and moves all four networks', () => {
    const gan = CycleGan.create(CONFIG, 1);
    try {
      const before = allWeights(gan);
      const count = tf.memory().numTensors;
      const losses = gan.step(batch(1), { gen: 1e-3, disc: 1e-3 });
      assert.equal(tf.memory().numTensors, count);
      assert.deepEqual(Object.keys(losses).sort(), [
        'cycle_a',
        'cycle_b',
        'disc_a',
        'disc_b',
        'gen_ab',
        'gen_ba',
        'gp_a',
        'gp_b',
        'idt_a',
        'idt_b',
      ]);
      assert.ok(Object.values(losses).every(Number.isFinite));
      // N(0, 0.02) kernels in narrow layers leave the deep UNet levels with
      // gradients near 1e-29 at initialisation, below Adam's epsilon: check
      // the layers next to the losses.
      const moved = [
        ['output/kernel', 'dec0/conv2/kernel'],
        ['output/kernel', 'dec0/conv2/kernel'],
        ['conv0/kernel', 'conv4/kernel'],
        ['conv0/kernel', 'conv4/kernel'],
      ];
      allWeights(gan).forEach((after, k) => {
        for (const name of moved[k]) {
          assert.notDeepEqual(after.get(name), before[k].get(name), `network ${k}: ${name}`);
        }
      });
    } finally {
      gan.dispose();
    }
  });

  it(`reports the losses of its formulas within ${LOSS_TOLERANCE}`, () => {
    const gan = CycleGan.create(CONFIG, 2);
    const b = batch(2);
    const [h, w] = CONFIG.generator.tile;
    const s = CONFIG.generator.inputScale;
    try {
      const want = tf.tidy(() => {
        const realA = tf.tensor4d(b.a, [2, h, w, 1]);
        const realB = tf.tensor4d(b.b, [2, h, w, 1]);
        const perSample = (f: (i: number) => tf.Tensor) =>
          mean([0, 1].map((i) => f(i).dataSync()[0]));
        const one = (t: tf.Tensor4D, i: number) => tf.slice(t, [i, 0, 0, 0], [1, h, w, 1]);
        const fakeB = gan.genAB.apply(realA);
        const fakeA = gan.genBA.apply(realB);
        const l1 = (x: tf.Tensor, y: tf.Tensor) => tf.mean(tf.abs(tf.sub(x, y)));
        const mse = (x: tf.Tensor, t: number) => tf.mean(tf.square(tf.sub(x, t)));
        return {
          gen_ab: perSample((i) => mse(gan.discB.apply(one(fakeB, i)), 1)),
          gen_ba: perSample((i) => mse(gan.discA.apply(one(fakeA, i)), 1)),
          cycle_a: s * l1(gan.genBA.apply(fakeB), realA).dataSync()[0],
          cycle_b: s * l1(gan.genAB.apply(fakeA), realB).dataSync()[0],
          idt_a: 0.5 * s * l1(gan.genBA.apply(realA), realA).dataSync()[0],
          idt_b: 0.5 * s * l1(gan.genAB.apply(realB), realB).dataSync()[0],
          // First step: the pools hand back the fakes themselves.
          disc_a: perSample((i) =>
            tf.mul(
              tf.add(
                mse(gan.discA.apply(one(realA, i)), 1),
                mse(gan.discA.apply(one(fakeA, i)), 0),
              ),
              0.5,
            ),
          ),
          disc_b: perSample((i) =>
            tf.mul(
              tf.add(
                mse(gan.discB.apply(one(realB, i)), 1),
                mse(gan.discB.apply(one(fakeB, i)), 0),
              ),
              0.5,
            ),
          ),
        };
      });
      const got = gan.step(b, { gen: 0, disc: 0 });
      for (const [name, value] of Object.entries(want)) {
        const g = got[name as keyof typeof got];
        assert.ok(
          Math.abs(g - value) <= LOSS_TOLERANCE * Math.max(1, Math.abs(value)),
          `${name}: ${g} vs ${value}`,
        );
      }
      assert.ok(got.gp_a > 0 && got.gp_b > 0);
    } finally {
      gan.dispose();
    }
  });

  it('restore() then step gives the weights and losses of uninterrupted steps', () => {
    const first = CycleGan.create(CONFIG, 3);
    const second = CycleGan.create(CONFIG, 99);
    try {
      const lr = { gen: 1e-3, disc: 2e-3 };
      first.step(batch(10), lr);
      first.step(batch(11), lr);
      second.restore(first.state());
      const wantLosses = first.step(batch(12), lr);
      const gotLosses = second.step(batch(12), lr);
      assert.deepEqual(gotLosses, wantLosses);
      assert.deepEqual(allWeights(second), allWeights(first));
      assert.deepEqual(second.state(), first.state());
    } finally {
      first.dispose();
      second.dispose();
    }
  });

  it("norm 'none': state() holds the discriminators' conv biases; restore() refuses a normed state", () => {
    const discriminator = { ...DISCRIMINATOR_PRESETS.tiny, norm: 'none' as const };
    const plain = CycleGan.create({ ...CONFIG, discriminator }, 5);
    const copy = CycleGan.create({ ...CONFIG, discriminator }, 6);
    const normed = CycleGan.create(CONFIG, 5);
    try {
      plain.step(batch(20), { gen: 1e-3, disc: 1e-3 });
      const state = plain.state();
      const names = [...state.weights.disc_a.keys()];
      assert.deepEqual(
        names,
        [0, 1, 2, 3, 4].flatMap((i) => [`conv${i}/kernel`, `conv${i}/bias`]),
      );
      copy.restore(state);
      assert.deepEqual(copy.state(), state);
      assert.throws(() => normed.restore(state), ShapeError);
      assert.throws(() => copy.restore(normed.state()), ShapeError);
    } finally {
      for (const gan of [plain, copy, normed]) gan.dispose();
    }
  });

  it('refuses tiles of another size', () => {
    const gan = CycleGan.create(CONFIG, 4);
    try {
      const b = { ...batch(1), height: 16, width: 64 };
      assert.throws(() => gan.step(b, { gen: 0, disc: 0 }), ShapeError);
    } finally {
      gan.dispose();
    }
  });
});

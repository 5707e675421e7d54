import assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../../models/backend.js';
import { GradientSum } from '../../models/gradients.js';

describe('models/gradients: gradients summed over separate evaluations', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('weighted parts add up to the gradient of the weighted total, by formula', () => {
    const u = tf.variable(tf.tensor1d([1, -2, 0.5]), true, 'gsum_u');
    const v = tf.variable(tf.tensor1d([3, 0.25]), true, 'gsum_v');
    const sum = new GradientSum(
      new Map([
        ['u', u],
        ['v', v],
      ]),
    );
    try {
      const count = tf.memory().numTensors;
      // f1 = sum(u^2) * sum(v): du = 2 u sum(v), dv = sum(u^2); f2 = sum(v^3): dv = 3 v^2.
      const f1 = sum.add(() => tf.mul(tf.sum(tf.square(u)), tf.sum(v)) as tf.Scalar, 0.5);
      const f2 = sum.add(() => tf.sum(tf.pow(v, 3)) as tf.Scalar, 0.25);
      assert.ok(Math.abs(f1 - 5.25 * 3.25) < 1e-5 && Math.abs(f2 - (27 + 1 / 64)) < 1e-5);
      const grads = sum.get();
      const du = [1, -2, 0.5].map((x) => 0.5 * 2 * x * 3.25);
      const dv = [3, 0.25].map((x) => 0.5 * 5.25 + 0.25 * 3 * x * x);
      (grads.get('u') as tf.Tensor)
        .dataSync()
        .forEach((g, i) => assert.ok(Math.abs(g - du[i]) < 1e-5));
      (grads.get('v') as tf.Tensor)
        .dataSync()
        .forEach((g, i) => assert.ok(Math.abs(g - dv[i]) < 1e-5));
      sum.dispose();
      assert.equal(tf.memory().numTensors, count);
    } finally {
      sum.dispose();
      tf.dispose([u, v]);
    }
  });

  it('a parameter that no part reached is an error, not a silent zero', () => {
    const u = tf.variable(tf.scalar(1), true, 'gsum_only');
    const w = tf.variable(tf.scalar(2), true, 'gsum_unused');
    const sum = new GradientSum(
      new Map([
        ['u', u],
        ['w', w],
      ]),
    );
    try {
      sum.add(() => tf.square(u) as tf.Scalar, 1);
      assert.throws(() => sum.get(), /no gradient reached w/);
    } finally {
      sum.dispose();
      tf.dispose([u, w]);
    }
  });
});

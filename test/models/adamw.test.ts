import assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs-core';

import { AdamW } from '../../models/adamw.js';
import { initBackend } from '../../models/backend.js';

/** float32 updates against float64 hand computation. */
const TOLERANCE = 1e-6;

/** PyTorch's AdamW, written out for one parameter vector, in float64. */
function handAdamW(
  p: number[],
  grads: number[][],
  lrs: number[],
  b1: number,
  b2: number,
  wd: number,
  eps = 1e-8,
): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, step) => {
    const t = step + 1;
    const lr = lrs[step];
    for (let i = 0; i < p.length; i++) {
      p[i] *= 1 - lr * wd;
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const mhat = m[i] / (1 - b1 ** t);
      const vhat = v[i] / (1 - b2 ** t);
      p[i] -= (lr * mhat) / (Math.sqrt(vhat) + eps);
    }
  });
  return p;
}

describe('models/adamw: Adam with decoupled weight decay', () => {
  before(async () => {
    await initBackend('wasm');
  });

  const start = [0.5, -1.2, 2.0, 0.0];
  const grads = [
    [0.1, -0.3, 2.5, 1e-4],
    [-0.2, 0.05, 1.5, -3],
  ];
  const lrs = [0.01, 0.005];

  for (const wd of [0.05, 0]) {
    it(`two steps equal the hand computation (weight decay ${wd})`, () => {
      const p = tf.variable(tf.tensor1d(start), true, `adamw_p_${wd}`);
      const opt = new AdamW(new Map([['p', p]]), { beta1: 0.9, beta2: 0.99, weightDecay: wd });
      try {
        grads.forEach((g, i) => {
          const gt = tf.tensor1d(g);
          opt.apply(new Map([['p', gt]]), lrs[i]);
          gt.dispose();
        });
        const want = handAdamW([...start], grads, lrs, 0.9, 0.99, wd);
        const got = p.dataSync();
        want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) < TOLERANCE, `${got[i]} vs ${w}`));
        assert.equal(opt.step, 2);
      } finally {
        opt.dispose();
        p.dispose();
      }
    });
  }

  it('state() then restore() continues exactly; step keeps the tensor count', () => {
    const make = (name: string) => tf.variable(tf.tensor1d(start), true, name);
    const pa = make('adamw_a');
    const pb = make('adamw_b');
    const a = new AdamW(new Map([['p', pa]]), { beta1: 0.5, beta2: 0.99 });
    const b = new AdamW(new Map([['p', pb]]), { beta1: 0.5, beta2: 0.99 });
    const g0 = tf.tensor1d(grads[0]);
    const g1 = tf.tensor1d(grads[1]);
    try {
      a.apply(new Map([['p', g0]]), 0.01);
      b.restore(a.state());
      pb.assign(pa);
      const before = tf.memory().numTensors;
      a.apply(new Map([['p', g1]]), 0.01);
      b.apply(new Map([['p', g1]]), 0.01);
      assert.equal(tf.memory().numTensors, before);
      assert.deepEqual(pb.dataSync(), pa.dataSync());
      assert.deepEqual(b.state(), a.state());
    } finally {
      tf.dispose([g0, g1]);
      [a, b].forEach((o) => o.dispose());
      [pa, pb].forEach((p) => p.dispose());
    }
  });
});

import assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../../models/backend.js';
import { PatchDiscriminator } from '../../models/discriminator.js';
import { gradientPenalty, l1Loss, l2Loss, lsganLoss } from '../../models/losses.js';
import { Rng } from '../../sim/random.js';

const TINY = { features: [2, 3, 3, 2], inputScale: 1 };
const [H, W] = [32, 32];
const GP = { lambda: 0.01, gamma: 10 };

/** Central difference step on a weight, and the agreement required (float32 losses). */
const FD_STEP = 2e-3;
const FD_TOLERANCE = 2e-2;
/** cpu and wasm sum in different orders. */
const BACKEND_TOLERANCE = 5e-5;

interface Setup {
  weights: Map<string, Float32Array>;
  real: Float32Array;
  fake: Float32Array;
  alpha: Float32Array;
}

function makeSetup(): Setup {
  const rng = new Rng(21);
  const disc = PatchDiscriminator.create(TINY, { name: 'setup', seed: 1 });
  const weights = new Map<string, Float32Array>();
  for (const [name, v] of disc.variables) {
    const mean = name.endsWith('/gamma') ? 1 : 0;
    weights.set(
      name,
      Float32Array.from({ length: v.size }, () => rng.normal(mean, 0.4)),
    );
  }
  disc.dispose();
  const image = () => Float32Array.from({ length: 2 * H * W }, () => rng.normal(0, 1));
  return { weights, real: image(), fake: image(), alpha: Float32Array.of(0.3, 0.8) };
}

function penalty(disc: PatchDiscriminator, s: Setup): tf.Scalar {
  const real = tf.tensor4d(s.real, [2, H, W, 1]);
  const fake = tf.tensor4d(s.fake, [2, H, W, 1]);
  return gradientPenalty((z) => disc.applyScaled(z), real, fake, s.alpha, GP);
}

/** The penalty's value and its gradient with respect to every weight, on `backend`. */
async function penaltyGradients(backend: 'cpu' | 'wasm', s: Setup) {
  await tf.setBackend(backend);
  const disc = PatchDiscriminator.create(TINY, { name: `gp_${backend}`, seed: 1 });
  try {
    disc.setWeights(s.weights);
    const vars = [...disc.variables.values()];
    const { value, grads } = tf.variableGrads(() => penalty(disc, s), vars);
    try {
      // Biases before no norm (conv0, conv4) do not reach the input gradient: 0.
      const byWeight = new Map<string, Float32Array>();
      for (const [name, v] of disc.variables) {
        const g = grads[v.name];
        byWeight.set(name, g ? (g.dataSync() as Float32Array) : new Float32Array(v.size));
      }
      return { value: value.dataSync()[0], grads: byWeight };
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  } finally {
    disc.dispose();
  }
}

describe('models/losses', () => {
  before(async () => {
    await initBackend('cpu');
    await initBackend('wasm');
  });

  it('LSGAN, L1 and L2 are the means of their formulas', () => {
    const pred = tf.tensor1d([0.5, 2, -1]);
    const other = tf.tensor1d([1, 0, 1]);
    assert.ok(Math.abs(lsganLoss(pred, 1).dataSync()[0] - (0.25 + 1 + 4) / 3) < 1e-6);
    assert.ok(Math.abs(lsganLoss(pred, 0).dataSync()[0] - (0.25 + 4 + 1) / 3) < 1e-6);
    assert.ok(Math.abs(l1Loss(pred, other).dataSync()[0] - (0.5 + 2 + 2) / 3) < 1e-6);
    assert.ok(Math.abs(l2Loss(pred, other).dataSync()[0] - (0.25 + 4 + 4) / 3) < 1e-6);
    tf.dispose([pred, other]);
  });

  it('gradient penalty: value from its formula with the input gradient by finite differences', async () => {
    await tf.setBackend('wasm');
    const s = makeSetup();
    const disc = PatchDiscriminator.create(TINY, { name: 'gp_value', seed: 1 });
    try {
      disc.setWeights(s.weights);
      const gp = tf.tidy(() => penalty(disc, s).dataSync()[0]);
      // Sample 0's mix, and d sum(D) / dx at a few pixels by central differences.
      const mix = s.real.slice(0, H * W).map((r, i) => 0.3 * r + 0.7 * s.fake[i]);
      const score = (x: Float32Array) =>
        tf.tidy(() => tf.sum(disc.applyScaled(tf.tensor4d(x, [1, H, W, 1]))).dataSync()[0]);
      const inputGrad = tf.tidy(
        () =>
          tf
            .grad((x: tf.Tensor) => tf.sum(disc.applyScaled(x as tf.Tensor4D)))(
              tf.tensor4d(mix, [1, H, W, 1]),
            )
            .dataSync() as Float32Array,
      );
      for (const p of [100, 517, 990]) {
        const up = mix.slice();
        const down = mix.slice();
        up[p] += FD_STEP;
        down[p] -= FD_STEP;
        const fd = (score(up) - score(down)) / (2 * FD_STEP);
        assert.ok(
          Math.abs(fd - inputGrad[p]) < FD_TOLERANCE * Math.max(...inputGrad.map(Math.abs)),
        );
      }
      // The value: lambda * mean over both samples of (||g_i|| - gamma)^2.
      const norms = [0, 1].map((i) => {
        const m = s.real.slice(i * H * W, (i + 1) * H * W).map((r, k) => {
          const a = s.alpha[i];
          return a * r + (1 - a) * s.fake[i * H * W + k];
        });
        const g = tf.tidy(
          () =>
            tf
              .grad((x: tf.Tensor) => tf.sum(disc.applyScaled(x as tf.Tensor4D)))(
                tf.tensor4d(m, [1, H, W, 1]),
              )
              .dataSync() as Float32Array,
        );
        return Math.sqrt(g.reduce((a, v) => a + v * v, 0));
      });
      const want = (GP.lambda * norms.reduce((a, n) => a + (n - GP.gamma) ** 2, 0)) / 2;
      assert.ok(Math.abs(gp - want) < 1e-5 * want, `${gp} vs ${want}`);
    } finally {
      disc.dispose();
    }
  });

  it(`gradient penalty: its weight gradients match central differences within ${FD_TOLERANCE}`, async () => {
    const s = makeSetup();
    const { grads } = await penaltyGradients('wasm', s);
    const disc = PatchDiscriminator.create(TINY, { name: 'gp_fd', seed: 1 });
    try {
      const probes: [string, number][] = [
        ['conv0/kernel', 5],
        ['conv0/bias', 1],
        ['conv1/kernel', 40],
        ['norm1/gamma', 2],
        ['norm2/beta', 0],
        ['conv3/kernel', 77],
        ['norm3/gamma', 1],
        ['conv4/kernel', 9],
      ];
      const at = (name: string, k: number, delta: number) => {
        const w = new Map(s.weights);
        const changed = Float32Array.from(w.get(name) as Float32Array);
        changed[k] += delta;
        w.set(name, changed);
        disc.setWeights(w);
        return tf.tidy(() => penalty(disc, s).dataSync()[0]);
      };
      const analytic = probes.map(([name, k]) => (grads.get(name) as Float32Array)[k]);
      const numeric = probes.map(
        ([name, k]) => (at(name, k, FD_STEP) - at(name, k, -FD_STEP)) / (2 * FD_STEP),
      );
      const scale = Math.max(...analytic.map(Math.abs));
      assert.ok(scale > 1e-3, `penalty gradients too small to test: ${scale}`);
      analytic.forEach((g, i) =>
        assert.ok(
          Math.abs(g - numeric[i]) < FD_TOLERANCE * scale,
          `${probes[i].join('[')}]: analytic ${g}, numeric ${numeric[i]}`,
        ),
      );
    } finally {
      disc.dispose();
    }
  });

  it(`gradient penalty: cpu and wasm agree within ${BACKEND_TOLERANCE}`, async () => {
    const s = makeSetup();
    const cpu = await penaltyGradients('cpu', s);
    const wasm = await penaltyGradients('wasm', s);
    assert.ok(Math.abs(cpu.value - wasm.value) < BACKEND_TOLERANCE * cpu.value);
    for (const [name, g] of cpu.grads) {
      const w = wasm.grads.get(name) as Float32Array;
      const scale = Math.max(...g.map(Math.abs));
      g.forEach((v, i) =>
        assert.ok(Math.abs(v - w[i]) <= BACKEND_TOLERANCE * scale, `${name}[${i}] ${v} vs ${w[i]}`),
      );
    }
  });
});

import assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../../models/backend.js';
import { Rng } from '../../sim/random.js';

/** Largest |a - b| relative to the largest |b| (float32 sums of ~100 terms). */
const TOLERANCE = 2e-6;

function randomArray(rng: Rng, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.normal();
  return out;
}

function relativeError(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

interface ConvCase {
  title: string;
  x: [number, number, number, number];
  k: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
  /** Relative tolerance when the sums are longer than TOLERANCE allows for. */
  tolerance?: number;
}

const PATCH_PAD: ConvCase['pad'] = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];

/** The convolutions the models use, at small sizes, with odd sizes too. */
const CASES: ConvCase[] = [
  { title: '3x3 same stride 1', x: [2, 9, 8, 3], k: [3, 3, 3, 5], stride: 1, pad: 'same' },
  { title: '2x2 valid stride 2', x: [1, 8, 10, 4], k: [2, 2, 4, 3], stride: 2, pad: 'valid' },
  {
    title: '2x2 valid stride 2, odd size',
    x: [1, 9, 7, 2],
    k: [2, 2, 2, 3],
    stride: 2,
    pad: 'valid',
  },
  { title: '4x4 stride 2 pad 1', x: [2, 12, 10, 3], k: [4, 4, 3, 4], stride: 2, pad: PATCH_PAD },
  {
    title: '4x4 stride 2 pad 1, odd size',
    x: [1, 11, 9, 2],
    k: [4, 4, 2, 3],
    stride: 2,
    pad: PATCH_PAD,
  },
  { title: '4x4 stride 1 pad 1', x: [1, 7, 9, 3], k: [4, 4, 3, 2], stride: 1, pad: PATCH_PAD },
  { title: '1x1 valid stride 1', x: [1, 5, 5, 4], k: [1, 1, 4, 1], stride: 1, pad: 'valid' },
  {
    title: '4x4 same stride 1 (uneven padding)',
    x: [2, 6, 7, 2],
    k: [4, 4, 2, 3],
    stride: 1,
    pad: 'same',
  },
  { title: '5x5 same stride 1', x: [1, 4, 6, 3], k: [5, 5, 3, 2], stride: 1, pad: 'same' },
  // n * ow * kh * kw * cin = 82944 patch floats an output row: 101 rows a
  // block, two blocks. Sums of 32768 float32 terms: 1e-5.
  {
    title: '3x3 same, two samples, filter gradient in two row blocks',
    x: [2, 128, 128, 36],
    k: [3, 3, 36, 1],
    stride: 1,
    pad: 'same',
    tolerance: 1e-5,
  },
];

/** Gradients of sum(conv(x, k) * r) with respect to x and k on `backend`. */
async function convGrads(
  backend: string,
  c: ConvCase,
  x: Float32Array,
  k: Float32Array,
  r: Float32Array,
): Promise<[Float32Array, Float32Array]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    const kt = tf.tensor4d(k, c.k);
    const f = (a: tf.Tensor4D, b: tf.Tensor4D) => {
      const y = tf.conv2d(a, b, c.stride, c.pad);
      return tf.sum(tf.mul(y, tf.tensor(r, y.shape)));
    };
    const [dx, dk] = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([xt, kt]);
    return [dx.dataSync() as Float32Array, dk.dataSync() as Float32Array] as [
      Float32Array,
      Float32Array,
    ];
  });
}

describe('models/wasm-kernels: training convolutions on wasm against cpu', () => {
  before(async () => {
    await initBackend('cpu');
    await initBackend('wasm');
  });

  for (const c of CASES) {
    const tolerance = c.tolerance ?? TOLERANCE;
    it(`${c.title}: input and filter gradients agree within ${tolerance}`, async () => {
      const rng = new Rng(7);
      const x = randomArray(
        rng,
        c.x.reduce((a, b) => a * b),
      );
      const k = randomArray(
        rng,
        c.k.reduce((a, b) => a * b),
      );
      await tf.setBackend('cpu');
      const outShape = tf.tidy(
        () =>
          tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.k) as tf.Tensor4D, c.stride, c.pad)
            .shape,
      );
      const r = randomArray(
        rng,
        outShape.reduce((a, b) => a * b),
      );

      const [dxCpu, dkCpu] = await convGrads('cpu', c, x, k, r);
      const [dxWasm, dkWasm] = await convGrads('wasm', c, x, k, r);

      assert.ok(
        relativeError(dxWasm, dxCpu) < tolerance,
        `dx error ${relativeError(dxWasm, dxCpu)}`,
      );
      assert.ok(
        relativeError(dkWasm, dkCpu) < tolerance,
        `dk error ${relativeError(dkWasm, dkCpu)}`,
      );
    });
  }

  it('matMul with transposed operands, and its gradients, agree with cpu', async () => {
    const rng = new Rng(8);
    const a = randomArray(rng, 2 * 5 * 7);
    const b = randomArray(rng, 2 * 7 * 3);
    const results: Float32Array[][] = [];
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      results.push(
        tf.tidy(() => {
          const at = tf.tensor3d(a, [2, 7, 5]);
          const bt = tf.tensor3d(b, [2, 3, 7]);
          const f = (x: tf.Tensor, y: tf.Tensor) =>
            tf.sum(tf.square(tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D, true, true)));
          const y = tf.matMul(at, bt, true, true);
          const [ga, gb] = tf.grads(f)([at, bt]);
          return [y, ga, gb].map((t) => t.dataSync() as Float32Array);
        }),
      );
    }
    results[0].forEach((cpu, i) => assert.ok(relativeError(results[1][i], cpu) < TOLERANCE));
  });

  it('concat, its gradient (SplitV) and split agree with cpu on every axis, short and long runs', async () => {
    const rng = new Rng(9);
    // Last-axis runs of 3 and 5 values (loops); axis-1 runs of 2 * 70 values (memmove).
    const a = randomArray(rng, 2 * 4 * 70 * 3);
    const b = randomArray(rng, 2 * 4 * 70 * 5);
    const c = randomArray(rng, 2 * 2 * 70 * 3);
    const r = randomArray(rng, 2 * 4 * 70 * 8);
    const results: Float32Array[][] = [];
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      results.push(
        tf.tidy(() => {
          const at = tf.tensor4d(a, [2, 4, 70, 3]);
          const bt = tf.tensor4d(b, [2, 4, 70, 5]);
          const ct = tf.tensor4d(c, [2, 2, 70, 3]);
          const weights = tf.tensor4d(r, [2, 4, 70, 8]);
          const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.concat([x, y], 3), weights));
          const [ga, gb] = tf.grads(f)([at, bt]);
          const rows = tf.concat([at, ct], 1);
          const [top, bottom] = tf.split(rows, [4, 2], 1);
          const [first, , last] = tf.split(bt, [1, 3, 1], 3);
          const batch = tf.concat([at, at], 0);
          return [ga, gb, rows, top, bottom, first, last, batch].map(
            (t) => t.dataSync() as Float32Array,
          );
        }),
      );
    }
    // Pure copies and one product per value: equal, not close.
    results[0].forEach((cpu, i) => assert.deepEqual(results[1][i], cpu, `result ${i}`));
  });

  for (const [title, size, alignCorners] of [
    ['x2 (JavaScript kernel)', [8, 10], false],
    ['x4 by x2 (JavaScript kernel)', [16, 10], false],
    ['x3 (shipped kernel)', [12, 15], false],
    ['x2 with aligned corners (shipped kernel)', [8, 10], true],
  ] as const) {
    it(`nearest-neighbour resize gradient ${title} matches the sum over the copies`, async () => {
      // The cpu backend's gradient is wrong past the first sample, so the
      // reference is the definition: output pixel (y, x) copies input pixel
      // (floor(y h / H), floor(x w / W)), or round(y (h - 1) / (H - 1)) with
      // aligned corners; the gradient sums dy over each pixel's copies.
      const [n, h, w, c] = [2, 4, 5, 3];
      const [oh, ow] = size;
      const rng = new Rng(10);
      const x = randomArray(rng, n * h * w * c);
      const r = randomArray(rng, n * oh * ow * c);
      const source = (i: number, from: number, to: number) =>
        Math.min(
          from - 1,
          alignCorners ? Math.round((i * (from - 1)) / (to - 1)) : Math.floor((i * from) / to),
        );
      const expected = new Float32Array(n * h * w * c);
      for (let b = 0; b < n; b++) {
        for (let y = 0; y < oh; y++) {
          for (let xo = 0; xo < ow; xo++) {
            for (let ch = 0; ch < c; ch++) {
              const to = ((b * h + source(y, h, oh)) * w + source(xo, w, ow)) * c + ch;
              expected[to] += r[((b * oh + y) * ow + xo) * c + ch];
            }
          }
        }
      }
      await tf.setBackend('wasm');
      const got = tf.tidy(() => {
        const weights = tf.tensor4d(r, [n, oh, ow, c]);
        const f = (t: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [oh, ow], alignCorners),
              weights,
            ),
          );
        return tf
          .grad(f)(tf.tensor4d(x, [n, h, w, c]))
          .dataSync() as Float32Array;
      });
      const error = relativeError(got, expected);
      assert.ok(error < TOLERANCE, `error ${error}`);
    });
  }

  it('batched matMul (per-matrix XNNPACK products) agrees with cpu, with broadcasts and transposes', async () => {
    const rng = new Rng(11);
    const cases: [number[], number[], boolean, boolean][] = [
      [[1, 3, 6, 4], [1, 3, 4, 5], false, false], // attention: [1, heads, t, d]
      [[2, 3, 4, 6], [2, 3, 5, 4], true, true],
      [[3, 6, 4], [4, 5], false, false], // one matrix on the right
      [[6, 4], [2, 3, 4, 5], false, false], // one matrix on the left
      [[1, 6, 4], [3, 4, 5], false, false],
      [[2, 1, 6, 4], [1, 3, 4, 5], false, false], // crossed broadcast: shipped kernel
    ];
    const values = cases.map(([sa, sb]) => [
      randomArray(
        rng,
        sa.reduce((x, y) => x * y),
      ),
      randomArray(
        rng,
        sb.reduce((x, y) => x * y),
      ),
    ]);
    const results: Float32Array[][] = [];
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      results.push(
        cases.map(([sa, sb, ta, tb], i) =>
          tf.tidy(
            () =>
              tf
                .matMul(tf.tensor(values[i][0], sa), tf.tensor(values[i][1], sb), ta, tb)
                .dataSync() as Float32Array,
          ),
        ),
      );
    }
    results[0].forEach((cpu, i) => {
      assert.equal(results[1][i].length, cpu.length);
      assert.ok(relativeError(results[1][i], cpu) < TOLERANCE, `case ${i}`);
    });
  });

  it('identity shares data: a clone outlives its source and the last disposal frees it', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const before = backend.numDataIds();
    const source = tf.tensor1d([1, 2, 3]);
    const copy = tf.clone(source);
    assert.equal(backend.numDataIds(), before + 1);
    source.dispose();
    assert.deepEqual([...copy.dataSync()], [1, 2, 3]);
    copy.dispose();
    assert.equal(backend.numDataIds(), before);
  });

  it('input gradients follow a changed filter; a disposed filter frees its flipped kernel', async () => {
    const rng = new Rng(12);
    const shape: [number, number, number, number] = [3, 3, 4, 5];
    const x = randomArray(rng, 1 * 6 * 7 * 4);
    const r = randomArray(rng, 1 * 6 * 7 * 5);
    const filters = [0, 1, 2].map(() => randomArray(rng, 3 * 3 * 4 * 5));
    const inputGrad = (k: Float32Array) =>
      tf.tidy(() => {
        const f = (t: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.conv2d(t as tf.Tensor4D, tf.tensor4d(k, shape), 1, 'same'),
              tf.tensor4d(r, [1, 6, 7, 5]),
            ),
          );
        return tf
          .grad(f)(tf.tensor4d(x, [1, 6, 7, 4]))
          .dataSync() as Float32Array;
      });
    await tf.setBackend('cpu');
    const expected = filters.map(inputGrad);
    await tf.setBackend('wasm');
    const backend = tf.backend();
    inputGrad(filters[0]); // frees kernels of earlier tests' filters
    const before = backend.numDataIds();
    filters.forEach((k, i) => {
      const error = relativeError(inputGrad(k), expected[i]);
      assert.ok(error < TOLERANCE, `filter ${i}: error ${error}`);
    });
    // Only the last filter's kernel can outlive its filter (until the next call).
    assert.ok(backend.numDataIds() - before <= 1, `${backend.numDataIds() - before} left`);
  });

  it('leakyRelu (x * step(x, alpha)) is the float32 product, within an ulp of cpu', async () => {
    const rng = new Rng(13);
    const values = randomArray(rng, 4 * 9 * 7 * 5);
    values.set([0, -0, 1e-30, -1e-30, 3e38, -3e38]);
    await tf.setBackend('wasm');
    const got = tf.tidy(
      () => tf.leakyRelu(tf.tensor4d(values, [4, 9, 7, 5]), 0.2).dataSync() as Float32Array,
    );
    // float32 alpha times float32 x, rounded once to float32 (as wasm's own kernel).
    const alpha = Math.fround(0.2);
    const expected = values.map((v) => (v > 0 ? v : Math.fround(alpha * v)));
    assert.deepEqual(got, expected);
    await tf.setBackend('cpu');
    const cpu = tf.tidy(
      () => tf.leakyRelu(tf.tensor4d(values, [4, 9, 7, 5]), 0.2).dataSync() as Float32Array,
    );
    cpu.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= Math.abs(v) * 2 ** -23, `at ${i}`));
  });

  it('a second copy of the module registering again wraps the shipped kernel, not a wrapper', async () => {
    const first = await import('../../models/wasm-kernels.js');
    // @ts-expect-error: a query makes a second module instance
    const second = (await import('../../models/wasm-kernels.js?copy')) as typeof first;
    second.registerWasmTrainingKernels();
    first.registerWasmTrainingKernels();
    second.registerWasmTrainingKernels();
    await tf.setBackend('wasm');
    const got = tf.tidy(() =>
      tf
        .matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2]), true)
        .dataSync(),
    );
    // [[1, 3], [2, 4]] x [[5, 6], [7, 8]]
    assert.deepEqual([...got], [26, 30, 38, 44]);
  });

  it('second derivatives pass through leakyRelu and maximum (zero comparison gradients)', async () => {
    await tf.setBackend('wasm');
    const values = [-1.5, -0.2, 0.3, 2];
    const got = tf.tidy(() => {
      const x = tf.tensor1d(values);
      // d/dx of sum((d/dx sum(leakyRelu(x^2 ... )))^2): here g(x) = d/dx sum(leakyRelu(x) * x).
      const inner = (t: tf.Tensor) =>
        tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(u, 0.2), u)))(t);
      const outer = tf.grad((u: tf.Tensor) => tf.sum(tf.square(inner(u))))(x);
      const viaMax = tf.grad((u: tf.Tensor) =>
        tf.sum(tf.square(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maximum(v, 0), v)))(u))),
      )(x);
      return [Array.from(outer.dataSync()), Array.from(viaMax.dataSync())];
    });
    // f(u) = a u^2 with a = 1 (u > 0) or 0.2: f' = 2 a u, (f')^2 = 4 a^2 u^2, derivative 8 a^2 u.
    const expected = values.map((u) => 8 * (u > 0 ? 1 : 0.04) * u);
    const expectedMax = values.map((u) => 8 * (u > 0 ? 1 : 0) * u);
    got[0].forEach((v, i) =>
      assert.ok(Math.abs(v - expected[i]) < 1e-5, `leakyRelu ${v} vs ${expected[i]}`),
    );
    got[1].forEach((v, i) =>
      assert.ok(Math.abs(v - expectedMax[i]) < 1e-5, `maximum ${v} vs ${expectedMax[i]}`),
    );
  });
});

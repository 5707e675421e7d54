import assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';

import { type BackendName, initBackend } from '../../models/backend.js';
import { GENERATOR_PRESETS, type GeneratorConfig } from '../../models/generator-spec.js';
import { exportGeneratorOnnx } from '../../models/onnx-export.js';
import { zeroResponse } from '../../models/onnx-zero-response.js';
import { VitUnetGenerator } from '../../models/vitunet.js';
import { randomGeneratorWeights, randomTiles } from '../helpers/generator-weights.js';

/** Parity tolerance: max |onnx - tfjs| / max |tfjs|. */
const PARITY = 1e-4;

/** max |got - want| / max |want| over tiles [n, 1, h, w] = [n, h, w, 1]. */
function relativeError(got: Float32Array, want: Float32Array): number {
  assert.equal(got.length, want.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  assert.ok(scale > 0, 'tfjs output is all zeros');
  return diff / scale;
}

/** The TF.js generator's output for `tiles` [n, h, w] with `weights`. */
function tfjsOutput(
  config: GeneratorConfig,
  weights: Map<string, Float32Array>,
  tiles: Float32Array,
  n: number,
): Float32Array {
  const generator = VitUnetGenerator.create(config, { name: 'export-parity', seed: 1 });
  try {
    generator.setWeights(weights);
    const [h, w] = config.tile;
    const x = tf.tensor4d(tiles, [n, h, w, 1]);
    const y = generator.apply(x);
    try {
      return y.dataSync() as Float32Array;
    } finally {
      x.dispose();
      y.dispose();
    }
  } finally {
    generator.dispose();
  }
}

async function onnxOutput(bytes: Uint8Array, config: GeneratorConfig, tiles: Float32Array) {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const n = tiles.length / (config.tile[0] * config.tile[1]);
    const result = await session.run({
      input: new ort.Tensor('float32', tiles, [n, 1, ...config.tile]),
    });
    return Float32Array.from(result.output.data as Float32Array);
  } finally {
    await session.release();
  }
}

/** Random weights (ReZero non-zero) in both; onnxruntime against tfjs. */
async function parity(preset: string, n: number, residual = false): Promise<number> {
  const config = { ...GENERATOR_PRESETS[preset], residual };
  const weights = randomGeneratorWeights(config, 31);
  const tiles = randomTiles(n, config.tile[0], config.tile[1], 32);
  const want = tfjsOutput(config, weights, tiles, n);
  const got = await onnxOutput(exportGeneratorOnnx(config, weights), config, tiles);
  return relativeError(got, want);
}

describe('models/onnx-export against the TF.js generator', function () {
  let previous: string;
  const use = async (backend: BackendName) => {
    await initBackend(backend);
  };
  before(() => {
    previous = tf.getBackend();
  });
  after(async () => {
    if (previous) await tf.setBackend(previous);
  });

  it(`tiny (cpu backend): onnxruntime equals tfjs within ${PARITY} relative`, async () => {
    await use('cpu');
    assert.ok((await parity('tiny', 3)) < PARITY);
  });

  it(`tiny residual (cpu backend): onnxruntime equals tfjs within ${PARITY} relative`, async () => {
    await use('cpu');
    assert.ok((await parity('tiny', 3, true)) < PARITY);
  });

  it(`tiny residual zero-anchored (cpu backend): within ${PARITY}; zeros give zeros`, async () => {
    await use('cpu');
    const config = { ...GENERATOR_PRESETS.tiny, residual: true, zeroAnchored: true };
    const weights = randomGeneratorWeights(config, 31);
    const zero = await zeroResponse(config, weights);
    assert.ok(
      zero.some((v) => Math.abs(v) > 1e-3),
      'the un-anchored network maps zeros to zeros',
    );
    const bytes = exportGeneratorOnnx(config, weights, { zeroResponse: zero });
    const tiles = randomTiles(3, 32, 32, 32);
    const want = tfjsOutput(config, weights, tiles, 3);
    assert.ok(relativeError(await onnxOutput(bytes, config, tiles), want) < PARITY);
    const blank = await onnxOutput(bytes, config, new Float32Array(2 * 32 * 32));
    assert.ok(blank.every((v) => v === 0));
    assert.throws(
      () => exportGeneratorOnnx(config, weights),
      /expected a zero response of 32 x 32/,
    );
  });

  it(`small (cpu backend): onnxruntime equals tfjs within ${PARITY} relative`, async () => {
    await use('cpu');
    assert.ok((await parity('small', 1)) < PARITY);
  });

  it(`paper (slow; wasm backend, one 256 x 256 tile): within ${PARITY}`, async function () {
    this.timeout(180_000);
    await use('wasm');
    assert.ok((await parity('paper', 1)) < PARITY);
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { OnnxTranslator } from '../../models/onnx-translator.js';
import { TiledTranslator } from '../../pipeline/tiled-translator.js';
import { ConfigError, ShapeError } from '../../sim/errors.js';
import { Rng } from '../../sim/random.js';
import { boxBlur, writeBoxBlurModel } from '../helpers/onnx-conv-models.js';
import { hasPythonOnnx, NO_ONNX, writeAffineModel } from '../helpers/onnx-models.js';

/** Images [n, h, w] of sparse track-like values. */
function images(n: number, h: number, w: number): Float32Array {
  const rng = new Rng(3);
  return Float32Array.from({ length: n * h * w }, () =>
    rng.uniform() < 0.2 ? Math.round(rng.normal(0, 40)) : 0,
  );
}

describe('pipeline/tiled-translator: images larger than the model tile', function () {
  let dir: string;
  before(function () {
    if (!hasPythonOnnx()) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-tiledtr-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps an affine model affine: 2 x + 3 on every pixel of 40 x 52 images', async function () {
    if (!hasPythonOnnx()) this.skip();
    const file = path.join(dir, 'affine.onnx');
    writeAffineModel(file, 16, 16, 2, 3);
    const tiled = new TiledTranslator(await OnnxTranslator.open(file), {
      image: [40, 52],
      overlap: 0.25,
      batch: 4,
    });
    try {
      const x = images(2, 40, 52);
      const y = await tiled.translate(x, 2);
      assert.equal(y.length, x.length);
      for (let i = 0; i < x.length; i++) assert.ok(Math.abs(y[i] - (2 * x[i] + 3)) < 1e-3);
    } finally {
      await tiled.close();
    }
  });

  it('gives a 3x3 blur of the whole image inside its 1-pixel border (1e-4 ADC)', async function () {
    if (!hasPythonOnnx()) this.skip();
    const file = path.join(dir, 'blur.onnx');
    writeBoxBlurModel(file, 16, 16);
    const [h, w] = [40, 52];
    const tiled = new TiledTranslator(await OnnxTranslator.open(file), {
      image: [h, w],
      overlap: 4,
      batch: 3,
    });
    try {
      const x = images(1, h, w);
      const y = await tiled.translate(x, 1);
      const expected = boxBlur(x, h, w);
      let worst = 0;
      for (let r = 1; r < h - 1; r++) {
        for (let c = 1; c < w - 1; c++) {
          worst = Math.max(worst, Math.abs(y[r * w + c] - expected[r * w + c]));
        }
      }
      assert.ok(worst < 1e-4, `largest interior difference ${worst} ADC`);
    } finally {
      await tiled.close();
    }
  });

  it('names the sizes of a wrong input and refuses a bad image size', async function () {
    if (!hasPythonOnnx()) this.skip();
    const file = path.join(dir, 'affine8.onnx');
    writeAffineModel(file, 8, 8, 1, 0);
    const model = await OnnxTranslator.open(file);
    try {
      const tiled = new TiledTranslator(model, { image: [20, 30], overlap: 2, batch: 2 });
      await assert.rejects(
        tiled.translate(new Float32Array(100), 1),
        (e: Error) =>
          e instanceof ShapeError && /\[1, 20, 30\] \(600 values\), got 100/.test(e.message),
      );
      assert.throws(
        () => new TiledTranslator(model, { image: [0, 30], overlap: 2, batch: 2 }),
        ConfigError,
      );
    } finally {
      await model.close();
    }
  });
});

if (!hasPythonOnnx()) console.warn(`tiled-translator tests skipped: ${NO_ONNX}`);

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { OnnxTranslator } from '../../models/onnx-translator.js';
import { planTiles } from '../../pipeline/frametiling.js';
import { translateFrame } from '../../pipeline/translate-frame.js';
import { PoolTranslator } from '../../pipeline/translate-pool.js';
import { ShapeError } from '../../sim/errors.js';
import { boxBlur, writeBoxBlurModel, writeHalvingModel } from '../helpers/onnx-conv-models.js';
import { NO_ONNX, hasPythonOnnx, writeAffineModel } from '../helpers/onnx-models.js';

/** Deterministic noise plus a straight track crossing the frame [rows, cols]. */
function trackFrame(rows: number, cols: number, seed = 1, noise = 3): Float32Array {
  const frame = new Float32Array(rows * cols);
  let s = seed;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const centre = 5 + (c * (rows - 10)) / cols;
      frame[r * cols + c] =
        100 * Math.exp(-(((r - centre) / 4) ** 2) / 2) + ((s / 2147483648) * 2 - 1) * noise;
    }
  }
  return frame;
}

/**
 * Mean |difference| between neighbours along columns: pairs touching a
 * pixel within the blur's reach (1) of a tile border, and all others.
 */
function seamGradients(out: Float32Array, rows: number, cols: number, borders: Set<number>) {
  let [atBorder, nBorder, inside, nInside] = [0, 0, 0, 0];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c + 1 < cols; c++) {
      const g = Math.abs(out[r * cols + c + 1] - out[r * cols + c]);
      if (borders.has(c) || borders.has(c + 1)) [atBorder, nBorder] = [atBorder + g, nBorder + 1];
      else [inside, nInside] = [inside + g, nInside + 1];
    }
  }
  return { border: atBorder / nBorder, inside: inside / nInside };
}

/** Tolerance of float32 blends against a float64 reference [ADC], values ~100. */
const BLEND_TOLERANCE = 1e-4;

describe('pipeline/translate-frame', function () {
  let dir: string;
  let blur: OnnxTranslator;
  before(async function () {
    if (!hasPythonOnnx()) {
      console.warn(`      skipped: ${NO_ONNX}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'wiregan-tframe-'));
    writeBoxBlurModel(join(dir, 'blur.onnx'), 32, 32);
    blur = await OnnxTranslator.open(join(dir, 'blur.onnx'), { intraOpThreads: 1 });
  });
  after(async () => {
    await blur?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('equals one pass of the model on a frame of exactly one tile', async () => {
    const frame = trackFrame(32, 32);
    const tiled = await translateFrame(blur, frame, [32, 32], { overlap: [8, 8], batch: 4 });
    const single = await blur.translate(frame.slice(), 1);
    assert.deepEqual(tiled, single);
  });

  it('gives an interior independent of the grid offset, equal to a blur of the whole frame', async () => {
    const [rows, cols] = [97, 161];
    const frame = trackFrame(rows, cols);
    const reference = boxBlur(frame, rows, cols);
    for (const offset of [undefined, [0, 0], [5, 11], [23, 1]] as const) {
      const out = await translateFrame(blur, frame, [rows, cols], {
        overlap: [8, 8],
        offset,
        batch: 3,
      });
      assert.equal(out.length, rows * cols);
      let worst = 0;
      // Interior: one pixel (the blur's reach) away from the frame edges.
      for (let r = 1; r < rows - 1; r++) {
        for (let c = 1; c < cols - 1; c++)
          worst = Math.max(worst, Math.abs(out[r * cols + c] - reference[r * cols + c]));
      }
      assert.ok(worst < BLEND_TOLERANCE, `offset ${offset}: max |diff| ${worst}`);
    }
  });

  it('leaves no seam where a track crosses tile borders (and the check sees one without overlap)', async () => {
    const [rows, cols] = [64, 400];
    const frame = trackFrame(rows, cols, 7, 0.5);
    const measure = async (overlap: number) => {
      const out = await translateFrame(blur, frame, [rows, cols], {
        overlap: [overlap, overlap],
        batch: 8,
      });
      const plan = planTiles([rows, cols], [32, 32], { overlap: [overlap, overlap] });
      const near = plan.cols.starts.filter((s) => s > 0).flatMap((s) => [s - 1, s]);
      return seamGradients(out, rows, cols, new Set(near));
    };
    const blended = await measure(8);
    assert.ok(blended.border <= blended.inside * 1.05, JSON.stringify(blended));
    const hard = await measure(0);
    assert.ok(
      hard.border > hard.inside * 1.2,
      `seams should show without overlap: ${JSON.stringify(hard)}`,
    );
  });

  it('keeps the shape of odd and tiny frames', async () => {
    for (const shape of [
      [1, 1],
      [3, 50],
      [33, 7],
      [65, 97],
    ] as [number, number][]) {
      const frame = trackFrame(...shape);
      const out = await translateFrame(blur, frame, shape, { overlap: [8, 8], batch: 2 });
      assert.equal(out.length, shape[0] * shape[1]);
      assert.ok(out.every(Number.isFinite));
    }
  });

  it('fails naming the sizes for a model returning another tile size and for wrong-size arrays', async () => {
    const path = join(dir, 'half.onnx');
    writeHalvingModel(path, 32, 32);
    await assert.rejects(
      OnnxTranslator.open(path, { intraOpThreads: 1 }),
      /expected output float32 \[n, 1, 32, 32\], got float32 \[N,1,16,16\]/,
    );
    await assert.rejects(
      translateFrame(blur, new Float32Array(10), [3, 4], { overlap: [8, 8], batch: 1 }),
      (e: Error) =>
        e instanceof ShapeError && /expected a frame \[3, 4\] = 12 values, got 10/.test(e.message),
    );
    const pool = await PoolTranslator.open(join(dir, 'blur.onnx'), 2);
    try {
      await assert.rejects(
        pool.translate(new Float32Array(3 * 32 * 32), 2),
        (e: Error) =>
          e instanceof ShapeError && /\[2, 32, 32\] \(2048 values\), got 3072/.test(e.message),
      );
    } finally {
      await pool.close();
    }
  });

  it('gives the same tiles through two worker threads as in this thread', async () => {
    const path = join(dir, 'affine.onnx');
    writeAffineModel(path, 16, 8, 2, 1);
    const pool = await PoolTranslator.open(path, 2);
    try {
      const tiles = Float32Array.from({ length: 5 * 128 }, (_, i) => Math.sin(i));
      const out = await pool.translate(tiles.slice(), 5);
      assert.deepEqual(
        out,
        tiles.map((x) => 2 * x + 1),
      );
    } finally {
      await pool.close();
    }
  });
});

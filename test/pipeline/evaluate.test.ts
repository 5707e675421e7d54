import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Table, makeVector, tableToIPC } from 'apache-arrow';
import { PNG } from 'pngjs';

import { runEvaluation, type EvaluationJob } from '../../pipeline/evaluate.js';
import { openHdf5 } from '../../pipeline/hdf5.js';
import { readMetricsTable } from '../../pipeline/metricstable.js';
import { TileFileWriter } from '../../pipeline/tilefile.js';
import { FileFormatError } from '../../sim/errors.js';
import { NO_ONNX, hasPythonOnnx, writeAffineModel } from '../helpers/onnx-models.js';

const [H, W] = [8, 16];
const TEST_TILES = 5;

/** Tile pixel of domain d: sparse integer ADC, signs mixed. */
function tileValue(d: number, k: number, r: number, c: number): number {
  const v = ((k * 31 + r * 7 + c * 3 + d * 5) % 11) - 5;
  return Math.abs(v) < 2 ? 0 : v;
}
function tile(d: number, k: number): Float32Array {
  return Float32Array.from({ length: H * W }, (_, i) => tileValue(d, k, Math.floor(i / W), i % W));
}
const meanAbs = (f: (i: number) => number) => {
  let s = 0;
  for (let i = 0; i < H * W; i++) s += Math.abs(f(i));
  return s / (H * W);
};

function writeHistory(file: string): void {
  const step = Int32Array.from([0, 10, 20, 30]);
  const table = new Table({
    step: makeVector(step),
    elapsed_s: makeVector(Float64Array.from([0, 1, 2, 3])),
    gen_ab: makeVector(Float64Array.from([1, 0.8, 0.7, 0.65])),
    disc_a: makeVector(Float64Array.from([0.3, 0.25, 0.26, 0.24])),
  });
  fs.writeFileSync(file, tableToIPC(table, 'file'));
}

function baseJob(dir: string): Omit<EvaluationJob, 'outDir'> {
  return {
    tiles: {
      modelDir: path.join(dir, 'run'),
      tileFile: path.join(dir, 'tiles.h5'),
      split: 'test',
      batchSize: 2,
      previewTiles: 2,
      intraOpThreads: 1,
    },
    force: false,
    metrics: { threshold: 0.5 },
    linearThreshold: 3,
  };
}

describe('pipeline/evaluate', function () {
  let dir: string;
  before(async function () {
    if (!hasPythonOnnx()) {
      console.warn(`      skipped: ${NO_ONNX}`);
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-eval-'));
    fs.mkdirSync(path.join(dir, 'run'));
    // G_ab: y = 2x + 1; G_ba: identity.
    writeAffineModel(path.join(dir, 'run', 'g_ab.onnx'), H, W, 2, 1);
    writeAffineModel(path.join(dir, 'run', 'g_ba.onnx'), H, W, 1, 0);
    writeHistory(path.join(dir, 'run', 'history.arrow'));
    const header = { tileHeight: H, tileWidth: W, source: 'formula', config: null };
    const writer = await TileFileWriter.create(path.join(dir, 'tiles.h5'), header);
    for (let k = 0; k < 3; k++) writer.add('train', tile(0, 100 + k), tile(1, 100 + k));
    for (let k = 0; k < TEST_TILES; k++) writer.add('test', tile(0, k), tile(1, k));
    writer.close();
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('scores both directions and both cycles of the test tiles against the formulas', async () => {
    const outDir = path.join(dir, 'eval');
    const result = await runEvaluation({ ...baseJob(dir), outDir });
    const rows = readMetricsTable(result.metricsFile);
    assert.equal(rows.length, 2 * TEST_TILES);

    for (let k = 0; k < TEST_TILES; k++) {
      const [a, b] = [tile(0, k), tile(1, k)];
      const ab = rows.find((r) => r.direction === 'a_to_b' && r.index === k)!;
      const ba = rows.find((r) => r.direction === 'b_to_a' && r.index === k)!;
      // fake_b = 2a + 1 against b; cycle G_ba(fake_b) = 2a + 1 against a.
      assert.ok(Math.abs(ab.l1 - meanAbs((i) => 2 * a[i] + 1 - b[i])) < 1e-9);
      assert.ok(Math.abs(ab.baselineL1 - meanAbs((i) => a[i] - b[i])) < 1e-9);
      assert.ok(Math.abs(ab.cycleL1 - meanAbs((i) => a[i] + 1)) < 1e-9);
      // fake_a = b against a (identity): the baseline; cycle 2b + 1 against b.
      assert.equal(ba.l1, ba.baselineL1);
      assert.ok(Math.abs(ba.cycleL1 - meanAbs((i) => b[i] + 1)) < 1e-9);
      assert.equal(
        ab.adcSumOutput,
        a.reduce((s, v) => s + 2 * v + 1, 0),
      );
      assert.equal(ab.pixels, H * W);
    }
    const ba = result.summary.find((s) => s.direction === 'b_to_a')!;
    assert.equal(ba.l1Ratio, 1);
    assert.equal(ba.images, TEST_TILES);
    const summary = JSON.parse(fs.readFileSync(result.summaryFile, 'utf8'));
    assert.equal(summary.summary.length, 2);
    assert.equal(summary.steps, 30);
  });

  it('writes a report whose PNGs decode at the tile, colour-bar and loss-plot sizes', async () => {
    const outDir = path.join(dir, 'eval-report');
    const result = await runEvaluation({ ...baseJob(dir), outDir });
    const reportDir = path.dirname(result.reportFile);
    const html = fs.readFileSync(result.reportFile, 'utf8');
    // Tiles of 8 x 16 are enlarged by floor(256 / 16) = 16.
    const expected = new Map<string, [number, number]>([
      ['colourbar.png', [256, 12]],
      ['loss_gen_ab.png', [360, 180]],
      ['loss_disc_a.png', [360, 180]],
    ]);
    // The 2 preview tiles are those of largest sum |a| + sum |b|, shown both ways.
    const score = (k: number) =>
      [...tile(0, k), ...tile(1, k)].reduce((s, v) => s + Math.abs(v), 0);
    const shown = [...Array(TEST_TILES).keys()].sort((x, y) => score(y) - score(x) || x - y);
    for (const k of shown.slice(0, 2)) {
      for (const direction of ['a_to_b', 'b_to_a']) {
        for (const panel of ['input', 'translation', 'truth', 'difference']) {
          expected.set(`${direction}_test_tile_${k}_${panel}.png`, [W * 16, H * 16]);
        }
      }
    }
    const files = fs.readdirSync(reportDir).filter((f) => f.endsWith('.png'));
    assert.deepEqual(files.sort(), [...expected.keys()].sort());
    for (const [file, [width, height]] of expected) {
      const png = PNG.sync.read(fs.readFileSync(path.join(reportDir, file)));
      assert.deepEqual([png.width, png.height], [width, height], file);
      assert.ok(html.includes(`src="${file}"`), file);
    }
  });

  it('refuses an existing output folder without force, and replaces it with force', async () => {
    const outDir = path.join(dir, 'eval-force');
    await runEvaluation({ ...baseJob(dir), outDir });
    await assert.rejects(runEvaluation({ ...baseJob(dir), outDir }), /refusing to replace/);
    fs.writeFileSync(path.join(outDir, 'stale.txt'), 'old');
    await runEvaluation({ ...baseJob(dir), outDir, force: true });
    assert.ok(!fs.existsSync(path.join(outDir, 'stale.txt')));
    const hidden = fs.readdirSync(dir).filter((f) => f.startsWith('.'));
    assert.deepEqual(hidden, []);
  });

  it('names the file and the expectation for missing models, an empty and a missing split', async () => {
    const job = baseJob(dir);
    const outDir = path.join(dir, 'eval-bad');
    const noModel = { ...job.tiles!, modelDir: path.join(dir, 'empty') };
    fs.mkdirSync(noModel.modelDir, { recursive: true });
    await assert.rejects(
      runEvaluation({ ...job, tiles: noModel, outDir }),
      (e: Error) =>
        e instanceof FileFormatError && /g_ab\.onnx: missing generator model/.test(e.message),
    );
    const emptyTest = path.join(dir, 'empty-test.h5');
    const full = { tileHeight: H, tileWidth: W, source: 'formula', config: null };
    const emptyWriter = await TileFileWriter.create(emptyTest, full);
    emptyWriter.add('train', tile(0, 0), tile(1, 0));
    emptyWriter.close();
    await assert.rejects(
      runEvaluation({ ...job, tiles: { ...job.tiles!, tileFile: emptyTest }, outDir }),
      /empty-test\.h5 \(dataset test\/a\): split "test" has no tiles/,
    );
    const noSplit = path.join(dir, 'no-split.h5');
    const file = await openHdf5(noSplit, 'w');
    file.create_group('train');
    for (const d of ['a', 'b']) {
      file.create_dataset({ name: `train/${d}`, data: tile(0, 0), shape: [1, H, W], dtype: '<f' });
    }
    file.close();
    await assert.rejects(
      runEvaluation({ ...job, tiles: { ...job.tiles!, tileFile: noSplit }, outDir }),
      /no-split\.h5 \(dataset test\/a\): no such dataset/,
    );
    assert.ok(!fs.existsSync(outDir));
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { initBackend } from '../../models/backend.js';
import { GENERATOR_PRESETS } from '../../models/generator-spec.js';
import { EVAL_COLUMNS, TrainingEvaluator } from '../../models/train-eval.js';
import { runCycleGanTraining } from '../../models/train-run.js';
import { resolveTrainConfig } from '../../models/trainconfig.js';
import { evalHistoryPath, type TrainingEvent } from '../../models/trainer.js';
import type { Translator } from '../../models/translator.js';
import { VitUnetGenerator } from '../../models/vitunet.js';
import { VitUnetTranslator } from '../../models/vitunet-translator.js';
import { readLossHistory } from '../../pipeline/runhistory.js';
import { TileFileReader } from '../../pipeline/tilefile.js';
import { writeTrainingTiles } from '../helpers/training-tiles.js';

const TINY = GENERATOR_PRESETS.tiny;

/** A translator of tiles [n, size, size] by a pixel-wise function. */
function pixelTranslator(size: number, f: (x: number) => number): Translator {
  return {
    tileHeight: size,
    tileWidth: size,
    translate: async (tiles) => tiles.map(f),
    close: async () => {},
  };
}

/** mean |x - y|, in float64. */
function meanAbsDiff(x: Float32Array, y: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i] - y[i]);
  return sum / x.length;
}

describe('models/train-eval: scoring generators during training', function () {
  this.timeout(60000);
  let dir: string;
  let tiles32: string;
  let tiles64: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-train-eval-'));
    tiles32 = path.join(dir, 'tiles32.h5');
    tiles64 = path.join(dir, 'tiles64.h5');
    await writeTrainingTiles(tiles32, { size: 32, train: 4, test: 3 });
    await writeTrainingTiles(tiles64, { size: 64, train: 4, test: 3 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a residual generator adds its input: only the output bias set gives x + bias / inputScale', async () => {
    await initBackend('cpu');
    const tiles = Float32Array.from({ length: 2 * 32 * 32 }, (_, i) => ((i * 37) % 101) - 50);
    const bias = 0.01;
    const shift = bias / TINY.inputScale;
    for (const residual of [true, false]) {
      const generator = VitUnetGenerator.create({ ...TINY, residual }, { name: 'g', seed: 1 });
      try {
        const weights = generator.getWeights();
        for (const values of weights.values()) values.fill(0);
        weights.get('output/bias')!.fill(bias);
        generator.setWeights(weights);
        const out = await new VitUnetTranslator(generator, 1).translate(tiles, 2);
        const want = (x: number) => (residual ? x + shift : shift);
        // float32: a few ulps of |x| + shift.
        out.forEach((v, i) => assert.ok(Math.abs(v - want(tiles[i])) < 1e-4, `${residual} ${i}`));
      } finally {
        generator.dispose();
      }
    }
  });

  it('scores identity as ratio 1 and a zero output as mean|b| / mean|a - b|, tiled or not', async () => {
    for (const [file, size] of [
      [tiles32, 32],
      [tiles64, 64],
    ] as const) {
      const evaluator = await TrainingEvaluator.open(file, 2);
      const reader = await TileFileReader.open(file);
      const a = reader.readRange('test', 'a', 0, 2);
      const b = reader.readRange('test', 'b', 0, 2);
      reader.close();
      const base = meanAbsDiff(a, b);
      const identity = pixelTranslator(32, (x) => x);
      const zero = pixelTranslator(32, () => 0);

      const scores = await evaluator.evaluate(identity, zero);
      assert.deepEqual(Object.keys(scores), [...EVAL_COLUMNS]);
      assert.equal(evaluator.tiles, 2);
      // Blending overlapping tiles of the identity returns the input within float32 rounding.
      assert.ok(Math.abs(scores.l1_ratio_a_to_b - 1) < 1e-5, `${size}: ${scores.l1_ratio_a_to_b}`);
      assert.ok(Math.abs(scores.baseline_l1 - base) < 1e-9 * base);
      const zeroRatio = meanAbsDiff(a, new Float32Array(a.length)) / base;
      assert.ok(Math.abs(scores.l1_ratio_b_to_a - zeroRatio) < 1e-5 * zeroRatio);
    }
  });

  it('records a row every eval.every steps; a residual generator starts at ratio 1', async () => {
    await initBackend('wasm');
    const runDir = path.join(dir, 'run');
    const every = 2;
    const steps = 4;
    // A rate this small leaves the generators at their initial weights
    // within float32 rounding, so the rows show the model at init.
    const config = resolveTrainConfig('tiny', [
      {
        steps,
        checkpointEvery: steps,
        logEvery: steps,
        model: { generator: { residual: true }, genLr: 1e-12 },
        data: { crop: true },
        eval: { data: tiles64, every, tiles: 2 },
      },
    ]);
    const events: TrainingEvent[] = [];
    await runCycleGanTraining({ config, data: tiles64, runDir, onProgress: (e) => events.push(e) });

    const history = readLossHistory(evalHistoryPath(runDir))!;
    assert.deepEqual(Array.from(history.step), [2, 4], 'one row per eval.every steps');
    assert.deepEqual([...history.losses.keys()], [...EVAL_COLUMNS]);
    // N(0, 0.02) weights give a correction far below the baseline's 4-8 ADC per track pixel.
    const ratio = history.losses.get('l1_ratio_a_to_b')![0];
    assert.ok(Math.abs(ratio - 1) < 0.01, `ratio at init ${ratio}`);
    assert.ok(Math.abs(history.losses.get('l1_ratio_b_to_a')![0] - 1) < 0.01);

    const evals = events.filter((e) => e.kind === 'eval');
    assert.deepEqual(
      evals.map((e) => e.step),
      [2, 4],
    );
    assert.equal(evals[0].kind === 'eval' && evals[0].scores.l1_ratio_a_to_b, ratio);
  });

  it('is off by default: no eval-history.arrow', async () => {
    const config = resolveTrainConfig('tiny', [{ steps: 1, checkpointEvery: 1, logEvery: 1 }]);
    assert.deepEqual(config.eval, { data: '', every: 0, tiles: 8 });
    const runDir = path.join(dir, 'run-off');
    await runCycleGanTraining({ config, data: tiles32, runDir });
    assert.equal(fs.existsSync(evalHistoryPath(runDir)), false);
  });
});

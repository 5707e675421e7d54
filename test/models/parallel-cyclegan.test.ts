import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { initBackend } from '../../models/backend.js';
import { CycleGan, type CycleGanConfig } from '../../models/cyclegan.js';
import { DISCRIMINATOR_PRESETS } from '../../models/discriminator.js';
import { GENERATOR_PRESETS } from '../../models/generator-spec.js';
import { ParallelCycleGan } from '../../models/parallel-cyclegan.js';
import { readCheckpoint } from '../../models/checkpoint.js';
import { parallelMode, runCycleGanTraining } from '../../models/train-run.js';
import { PAPER_CYCLEGAN, resolveTrainConfig, type ParallelMode } from '../../models/trainconfig.js';
import { VitUnetTranslator } from '../../models/vitunet-translator.js';
import type { TileBatch } from '../../pipeline/batches.js';
import { ShapeError, UnsupportedError } from '../../sim/errors.js';
import { readLossHistory } from '../../pipeline/runhistory.js';
import { Rng } from '../../sim/random.js';
import { writeTrainingTiles } from '../helpers/training-tiles.js';

const CONFIG: CycleGanConfig = {
  generator: GENERATOR_PRESETS.tiny,
  discriminator: DISCRIMINATOR_PRESETS.tiny,
  ...PAPER_CYCLEGAN,
};
const LR = { gen: 1e-3, disc: 2e-3 };

function batch(seed: number, n: number): TileBatch {
  const rng = new Rng(seed);
  const [h, w] = CONFIG.generator.tile;
  const tiles = () => Float32Array.from({ length: n * h * w }, () => rng.normal(0, 30));
  return { a: tiles(), b: tiles(), n, height: h, width: w };
}

describe('models/parallel-cyclegan: the CycleGAN step split by domain over two workers', function () {
  this.timeout(30000);
  let parallel: ParallelCycleGan;

  before(async () => {
    await initBackend('wasm');
    parallel = await ParallelCycleGan.create(CONFIG, 11, { backend: 'wasm' });
  });
  after(async () => {
    await parallel.dispose();
  });

  // The serial step adds each domain's gradient sum last, as the split
  // step does: the two agree to the last bit, not only within rounding.
  for (const n of [1, 2]) {
    it(`batch ${n}: three steps give the serial step's losses, weights and state exactly`, async () => {
      const serial = CycleGan.create(CONFIG, 11);
      try {
        // The first test runs the replicas as created from the seed; the second continues.
        if (n === 2) await parallel.restore(serial.state());
        for (let step = 0; step < 3; step++) {
          const b = batch(100 + step, n);
          const want = serial.step(b, LR);
          assert.deepEqual(await parallel.step(b, LR), want, `losses of step ${step}`);
        }
        assert.equal(parallel.iterations, 3);
        assert.deepEqual(await parallel.state(), serial.state());
      } finally {
        serial.dispose();
      }
    });
  }

  it('a serial state continues in parallel and a parallel state serially, as uninterrupted steps', async () => {
    const straight = CycleGan.create(CONFIG, 12);
    const serial = CycleGan.create(CONFIG, 98);
    try {
      straight.step(batch(1, 1), LR);
      straight.step(batch(2, 1), LR);
      await parallel.restore(straight.state());
      assert.deepEqual(await parallel.step(batch(3, 1), LR), straight.step(batch(3, 1), LR));
      serial.restore(await parallel.state());
      assert.deepEqual(serial.step(batch(4, 1), LR), straight.step(batch(4, 1), LR));
      assert.deepEqual(serial.state(), straight.state());
    } finally {
      for (const gan of [straight, serial]) gan.dispose();
    }
  });

  it("its translators run the trained generators (worker a's replica)", async () => {
    const serial = CycleGan.create(CONFIG, 13);
    try {
      await parallel.restore(serial.state());
      const b = batch(5, 2);
      serial.step(b, LR);
      await parallel.step(b, LR);
      for (const [which, generator] of [
        ['gab', serial.genAB],
        ['gba', serial.genBA],
      ] as const) {
        const want = await new VitUnetTranslator(generator).translate(b.a, 2);
        assert.deepEqual(await parallel.translator(which).translate(b.a, 2), want, which);
      }
    } finally {
      serial.dispose();
    }
  });

  it("rejects with the worker's error class and message; after dispose every call rejects", async () => {
    const normed = CycleGan.create(CONFIG, 14);
    const discriminator = { ...DISCRIMINATOR_PRESETS.tiny, norm: 'none' as const };
    const plain = CycleGan.create({ ...CONFIG, discriminator }, 14);
    try {
      const state = plain.state();
      const expected = (() => {
        try {
          normed.restore(state);
        } catch (error) {
          return (error as Error).message;
        }
        assert.fail('a serial restore of a state without norms should fail');
      })();
      await assert.rejects(
        parallel.restore(state),
        (e: unknown) => e instanceof ShapeError && e.message === expected,
      );
      await parallel.dispose();
      await assert.rejects(parallel.step(batch(6, 1), LR), /terminated/);
    } finally {
      for (const gan of [normed, plain]) gan.dispose();
    }
  });

  it('lets the process exit after dispose (no worker keeps it alive)', () => {
    const url = (file: string) => new URL(file, import.meta.url).href;
    const script = `
      import { initBackend } from ${JSON.stringify(url('../../models/backend.ts'))};
      import { ParallelCycleGan } from ${JSON.stringify(url('../../models/parallel-cyclegan.ts'))};
      import { GENERATOR_PRESETS } from ${JSON.stringify(url('../../models/generator-spec.ts'))};
      import { DISCRIMINATOR_PRESETS } from ${JSON.stringify(url('../../models/discriminator.ts'))};
      import { PAPER_CYCLEGAN } from ${JSON.stringify(url('../../models/trainconfig.ts'))};
      const config = { generator: GENERATOR_PRESETS.tiny, discriminator: DISCRIMINATOR_PRESETS.tiny, ...PAPER_CYCLEGAN };
      await initBackend('wasm');
      const gan = await ParallelCycleGan.create(config, 1, { backend: 'wasm' });
      const tile = new Float32Array(32 * 32).fill(3);
      const losses = await gan.step({ a: tile, b: tile, n: 1, height: 32, width: 32 }, { gen: 1e-3, disc: 1e-3 });
      await gan.dispose();
      console.log(JSON.stringify(losses));
    `;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-parallel-'));
    const file = path.join(dir, 'exit.mjs');
    fs.writeFileSync(file, script);
    const run = spawnSync(process.execPath, ['--import', 'tsx', file], {
      encoding: 'utf8',
      timeout: 25000,
      cwd: fileURLToPath(url('../..')),
    });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(run.signal, null, `killed after 25 s: ${run.stderr}`);
    assert.equal(run.status, 0, run.stderr);
    const losses = JSON.parse(run.stdout.trim());
    assert.ok(Object.values(losses).every(Number.isFinite), run.stdout);
  });
});

describe('models/train-run: parallel training runs (wasm, tiny)', function () {
  this.timeout(60000);
  let dir: string;
  let tiles: string;

  before(async () => {
    await initBackend('wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-parallel-run-'));
    tiles = path.join(dir, 'tiles.h5');
    await writeTrainingTiles(tiles, { size: 32, train: 5 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  // The loader reads in the training thread: fewer threads to start.
  const config = (parallel: ParallelMode) =>
    resolveTrainConfig('tiny', [
      { steps: 4, checkpointEvery: 1, logEvery: 2, parallel, data: { workers: 0 } },
    ]);

  /** Runs (or resumes) `runDir` in `mode`, stopping after step `stop`. */
  async function runUntil(runDir: string, mode: ParallelMode, stop: number, resume: boolean) {
    const controller = new AbortController();
    return runCycleGanTraining({
      config: config(mode),
      data: tiles,
      runDir,
      resume,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.kind === 'step' && e.step === stop) controller.abort();
      },
    });
  }

  it('checkpoints move between modes: 4 serial steps = 2 parallel + 1 serial + 1 parallel', async () => {
    const straightDir = path.join(dir, 'straight');
    await runUntil(straightDir, 'none', 4, false);
    const runDir = path.join(dir, 'mixed');
    const stops = [
      ['domains', 2],
      ['none', 3],
      ['domains', 4],
    ] as const;
    for (const [k, [mode, stop]] of stops.entries()) {
      const summary = await runUntil(runDir, mode, stop, k > 0);
      assert.deepEqual([summary.step, summary.interrupted], [stop, stop < 4]);
    }
    const checkpoint = (d: string) => readCheckpoint(path.join(d, 'checkpoints', 'step-4'));
    const [straight, mixed] = [checkpoint(straightDir), checkpoint(runDir)];
    assert.deepEqual(mixed.networks, straight.networks);
    assert.deepEqual(mixed.state, straight.state);
    const history = (d: string) => readLossHistory(path.join(d, 'history.arrow'))!.losses;
    assert.deepEqual(history(runDir), history(straightDir));
  });

  it("'auto' picks the workers on two or more cores with wasm or cpu; 'domains' refuses a native backend", () => {
    const cores = os.availableParallelism();
    assert.equal(parallelMode('auto', 'wasm'), cores >= 2 ? 'domains' : 'none');
    assert.equal(parallelMode('auto', 'tensorflow'), 'none');
    assert.equal(parallelMode('none', 'wasm'), 'none');
    assert.equal(parallelMode('domains', 'cpu'), 'domains');
    assert.throws(() => parallelMode('domains', 'tensorflow'), UnsupportedError);
    assert.throws(
      () => config('threads' as ParallelMode),
      /parallel must be one of auto, domains, none/,
    );
  });
});

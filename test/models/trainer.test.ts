import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../../models/backend.js';
import { readCheckpoint, readGeneratorWeights, writeCheckpoint } from '../../models/checkpoint.js';
import { runPretraining } from '../../models/pretrain-run.js';
import { CYCLEGAN_LOSSES, cycleGanLearner, runCycleGanTraining } from '../../models/train-run.js';
import { resolvePretrainConfig, resolveTrainConfig } from '../../models/trainconfig.js';
import {
  readRunConfig,
  runTraining,
  type Learner,
  type TrainingEvent,
} from '../../models/trainer.js';
import { VitUnetGenerator } from '../../models/vitunet.js';
import { readLossHistory } from '../../pipeline/runhistory.js';
import { TileFileReader } from '../../pipeline/tilefile.js';
import { readRunData } from '../../models/rundata.js';
import { ConfigError, UnsupportedError } from '../../sim/errors.js';
import { writeTrainingTiles } from '../helpers/training-tiles.js';

/** Equal weights, compared element by element. */
function assertSameWeights(
  a: ReadonlyMap<string, Float32Array>,
  b: ReadonlyMap<string, Float32Array>,
  what: string,
): void {
  assert.deepEqual([...a.keys()], [...b.keys()], what);
  for (const [name, values] of a) assert.deepEqual(values, b.get(name), `${what}: ${name}`);
}

describe('models/trainer: CycleGAN and pre-training runs (wasm, tiny)', function () {
  this.timeout(60000);
  let dir: string;
  let tiles32: string;
  let tiles64: string;

  before(async () => {
    await initBackend('wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-trainer-'));
    tiles32 = path.join(dir, 'tiles32.h5');
    tiles64 = path.join(dir, 'tiles64.h5');
    await writeTrainingTiles(tiles32, { size: 32, train: 5 });
    await writeTrainingTiles(tiles64, { size: 64, train: 5 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const tiny = (steps: number, extra: object = {}) =>
    resolveTrainConfig('tiny', [{ steps, checkpointEvery: 2, logEvery: 2, ...extra }]);

  it('trains, logging losses, and writes config, checkpoints and a readable history', async () => {
    const runDir = path.join(dir, 'run-basic');
    const events: TrainingEvent[] = [];
    const config = tiny(3);
    const summary = await runCycleGanTraining({
      config,
      data: tiles32,
      runDir,
      onProgress: (e) => events.push(e),
    });
    assert.deepEqual(
      [summary.step, summary.interrupted, summary.checkpoint],
      [3, false, path.join(runDir, 'checkpoints', 'step-3')],
    );
    assert.deepEqual(readRunConfig(runDir), config);
    const reader = await TileFileReader.open(tiles32);
    const plane = reader.plane() ?? null;
    reader.close();
    assert.deepEqual(readRunData(runDir), { tiles: path.resolve(tiles32), plane });

    const kinds = events.map((e) => (e.kind === 'checkpoint' ? `ckpt${e.step}` : e.kind));
    assert.deepEqual(kinds, ['start', 'step', 'step', 'log', 'ckpt2', 'step', 'log', 'ckpt3']);
    const log = events.find((e) => e.kind === 'log')!;
    assert.ok(log.kind === 'log');
    // The log's losses are the means of the two steps before it.
    const steps = events.filter((e) => e.kind === 'step');
    for (const name of CYCLEGAN_LOSSES) {
      const mean = (steps[0].losses[name] + steps[1].losses[name]) / 2;
      assert.ok(Math.abs(log.losses[name] - mean) <= 1e-12 * Math.abs(mean), name);
    }
    assert.equal(log.rates.gen, 1e-5, 'constant rate in the first half');
    // Step index 2 of 3, decay after floor(3 / 2) = 1 constant step: lr (1 - (2 - 1) / 2).
    const last = events.filter((e) => e.kind === 'log').at(-1)!;
    assert.ok(last.kind === 'log');
    assert.deepEqual(last.rates, { gen: 1e-5 * 0.5, disc: 5e-5 * 0.5 });

    const history = readLossHistory(path.join(runDir, 'history.arrow'))!;
    assert.deepEqual(Array.from(history.step), [1, 2, 3]);
    assert.deepEqual([...history.losses.keys()], [...CYCLEGAN_LOSSES]);
    for (const [name, values] of history.losses) {
      assert.deepEqual(
        Array.from(values),
        steps.map((e) => e.losses[name]),
        `history column ${name}`,
      );
    }
    const checkpoint = readCheckpoint(summary.checkpoint);
    assert.deepEqual([checkpoint.step, checkpoint.loaderPosition], [3, 3]);
    assert.deepEqual([...checkpoint.networks.keys()], ['gen_ab', 'gen_ba', 'disc_a', 'disc_b']);
  });

  it('stores generator weights that give identical outputs after a round trip', async () => {
    const config = tiny(1);
    const learner = cycleGanLearner(config);
    const x = tf.randomNormal([1, 32, 32, 1], 0, 30, 'float32', 4) as tf.Tensor4D;
    let fresh: VitUnetGenerator | undefined;
    try {
      const batch = { a: new Float32Array(32 * 32).fill(5), b: new Float32Array(32 * 32), n: 1 };
      learner.step({ ...batch, height: 32, width: 32 }, 0);
      const runDir = path.join(dir, 'run-roundtrip');
      const { networks, state } = learner.snapshot();
      await writeCheckpoint(runDir, {
        kind: 'cyclegan',
        step: 1,
        loaderPosition: 1,
        elapsedS: 0,
        seed: config.seed,
        config,
        generator: config.model.generator,
        networks,
        state,
      });

      const stored = readGeneratorWeights(runDir, 'gen_ab');
      fresh = VitUnetGenerator.create(stored.config, { name: 'roundtrip', seed: 99 });
      fresh.setWeights(stored.weights);
      const original = (state as { weights: { gen_ab: Map<string, Float32Array> } }).weights.gen_ab;
      const reference = VitUnetGenerator.create(config.model.generator, {
        name: 'reference',
        seed: 98,
      });
      reference.setWeights(original);
      const [y0, y1] = [reference.apply(x), fresh.apply(x)];
      assert.deepEqual(y1.dataSync(), y0.dataSync());
      tf.dispose([y0, y1]);
      reference.dispose();
    } finally {
      x.dispose();
      fresh?.dispose();
      learner.dispose();
    }
  });

  it('continues an interrupted run exactly: 4 steps equal 2 + resume 2 (random crops too)', async () => {
    const config = tiny(4, { data: { crop: true, cropMinNonzero: 0.01, workers: 1, prefetch: 2 } });
    const straight = path.join(dir, 'run-straight');
    const split = path.join(dir, 'run-split');
    await runCycleGanTraining({ config, data: tiles64, runDir: straight });

    const controller = new AbortController();
    const first = await runCycleGanTraining({
      config,
      data: tiles64,
      runDir: split,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.kind === 'step' && e.step === 2) controller.abort();
      },
    });
    assert.deepEqual([first.step, first.interrupted], [2, true]);
    const second = await runCycleGanTraining({
      config,
      data: tiles64,
      runDir: split,
      resume: true,
    });
    assert.deepEqual([second.step, second.interrupted], [4, false]);

    const a = readCheckpoint(path.join(straight, 'checkpoints', 'step-4'));
    const b = readCheckpoint(path.join(split, 'checkpoints', 'step-4'));
    assert.equal(b.loaderPosition, 4);
    for (const network of ['gen_ab', 'gen_ba', 'disc_a', 'disc_b']) {
      const weights = (c: typeof a) =>
        new Map([...c.networks.get(network)!].map(([k, v]) => [k, v.data]));
      assertSameWeights(weights(a), weights(b), network);
    }
    const historyA = readLossHistory(path.join(straight, 'history.arrow'))!;
    const historyB = readLossHistory(path.join(split, 'history.arrow'))!;
    assert.deepEqual(Array.from(historyB.step), [1, 2, 3, 4]);
    assert.deepEqual(historyB.losses, historyA.losses);
  });

  it('stops at a non-finite loss without saving, keeping the last checkpoint', async () => {
    const runDir = path.join(dir, 'run-diverge');
    const config = tiny(6);
    let calls = 0;
    const diverging = (): Learner => {
      const inner = cycleGanLearner(config);
      return {
        ...inner,
        step: (batch, step) => {
          const losses = inner.step(batch, step);
          return ++calls === 3 ? { ...losses, gp_b: Number.NaN } : losses;
        },
      };
    };
    await assert.rejects(
      runTraining({
        kind: 'cyclegan',
        config,
        data: tiles32,
        runDir,
        resume: false,
        createLearner: diverging,
      }),
      (e: unknown) => e instanceof ConfigError && /loss gp_b is NaN at step 3/.test(e.message),
    );
    assert.equal(readGeneratorWeights(runDir, 'gen_ab').step, 2);
  });

  it('leaves no run folder when a new run fails before its first step', async () => {
    const runDir = path.join(dir, 'run-bad-init');
    await assert.rejects(
      runTraining({
        kind: 'cyclegan',
        config: tiny(2),
        data: tiles32,
        runDir,
        resume: false,
        createLearner: () => {
          throw new ConfigError('--init: not a pre-training run');
        },
      }),
      /not a pre-training run/,
    );
    assert.equal(fs.existsSync(runDir), false);
  });

  it('reports a wasm abort in a step as the backend running out of memory', async () => {
    const inner = cycleGanLearner(tiny(2));
    const aborting: Learner = {
      ...inner,
      step: () => {
        throw new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');
      },
      dispose: () => {
        inner.dispose();
        throw new Error('dispose after abort');
      },
    };
    await assert.rejects(
      runTraining({
        kind: 'cyclegan',
        config: tiny(2),
        data: tiles32,
        runDir: path.join(dir, 'run-abort'),
        resume: false,
        createLearner: () => aborting,
      }),
      (e: unknown) => e instanceof UnsupportedError && /out of its 4 GB memory/.test(e.message),
    );
  });

  it('refuses tiles of another size without crop, naming both sizes and the file', async () => {
    await assert.rejects(
      runCycleGanTraining({ config: tiny(1), data: tiles64, runDir: path.join(dir, 'run-size') }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.includes(tiles64) &&
        e.message.includes('64 x 64') &&
        e.message.includes('32 x 32'),
    );
  });

  it('refuses to start over a run with checkpoints, and to resume a run without', async () => {
    const runDir = path.join(dir, 'run-basic');
    await assert.rejects(
      runCycleGanTraining({ config: tiny(3), data: tiles32, runDir }),
      /already has checkpoints/,
    );
    await assert.rejects(
      runCycleGanTraining({
        config: tiny(3),
        data: tiles32,
        runDir: path.join(dir, 'none'),
        resume: true,
      }),
      /no checkpoint to resume from/,
    );
  });

  it('pre-trains a generator with a `loss` history and initialises both generators from it', async () => {
    const runDir = path.join(dir, 'pretrain');
    const config = resolvePretrainConfig('tiny', [{ steps: 2, checkpointEvery: 5, logEvery: 1 }]);
    const rates: number[] = [];
    const summary = await runPretraining({
      config,
      data: tiles32,
      runDir,
      onProgress: (e) => e.kind === 'log' && rates.push(e.rates.gen),
    });
    assert.equal(summary.step, 2);
    // Cosine warm restarts at steps 0 and 1: lr (1 + cos(pi t / T0)) / 2.
    const { lr, restartSteps } = config.model;
    assert.deepEqual(rates, [lr, (lr * (1 + Math.cos(Math.PI / restartSteps))) / 2]);
    const history = readLossHistory(path.join(runDir, 'history.arrow'))!;
    assert.deepEqual([...history.losses.keys()], ['loss']);
    assert.ok(history.losses.get('loss')!.every((v) => Number.isFinite(v) && v > 0));

    const pretrained = readGeneratorWeights(runDir, 'generator');
    assert.equal(pretrained.step, 2);
    const learner = cycleGanLearner(tiny(2), runDir);
    try {
      const { networks } = learner.snapshot();
      for (const which of ['gen_ab', 'gen_ba']) {
        const weights = new Map([...networks.get(which)!].map(([k, v]) => [k, v.data]));
        assertSameWeights(weights, pretrained.weights, which);
      }
    } finally {
      learner.dispose();
    }
    const other = tiny(2, { model: { generator: { tile: [64, 64] } } });
    assert.throws(() => cycleGanLearner(other, runDir), /pre-trained generator is/);
  });
});

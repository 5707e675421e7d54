/**
 * CycleGAN training as a run: the CycleGan of models/cyclegan.ts driven
 * by the loop of models/trainer.ts, with the published schedule (the base
 * rates for `constantFraction` of the run, then a linear decay to 0 at the
 * last step) for both the generators and the discriminators.
 *
 * `init` names a pre-training run (models/pretrain-run.ts) whose newest
 * generator initialises both gen_ab and gen_ba of a fresh run; its
 * generator config must equal this run's. Checkpoints hold gen_ab, gen_ba,
 * disc_a and disc_b and the CycleGan state. The learner hands its
 * generators to the loop as translators for evaluation during training.
 *
 * `config.parallel` chooses where the step runs: 'none' in this thread
 * (CycleGan), 'domains' split by domain over two worker threads
 * (ParallelCycleGan: the same numbers, ~1.5x faster on two cores for the
 * small preset, bench/train.bench.ts), 'auto' the latter when the machine
 * has two or more cores and the backend is wasm or cpu (the native
 * backends use every core themselves). Both modes write the same
 * checkpoints, so a run may resume in the other.
 */
import os from 'node:os';

import * as tf from '@tensorflow/tfjs-core';

import { ConfigError, UnsupportedError } from '../sim/errors.js';
import type { BackendName } from './backend.js';
import { readGeneratorWeights, type NamedArray } from './checkpoint.js';
import { CycleGan, type CycleGanState } from './cyclegan.js';
import { discriminatorWeightSpecs } from './discriminator.js';
import { generatorWeightSpecs, type WeightSpec } from './generator-spec.js';
import { ParallelCycleGan } from './parallel-cyclegan.js';
import { linearDecayRate } from './schedule.js';
import type { ParallelMode, TrainConfig } from './trainconfig.js';
import { VitUnetTranslator } from './vitunet-translator.js';
import {
  runTraining,
  type Learner,
  type SyncLearner,
  type TrainingEvent,
  type TrainingSummary,
} from './trainer.js';

export const CYCLEGAN_LOSSES = [
  'gen_ab',
  'gen_ba',
  'cycle_a',
  'cycle_b',
  'idt_a',
  'idt_b',
  'disc_a',
  'disc_b',
  'gp_a',
  'gp_b',
] as const;

export interface TrainRunOptions {
  readonly config: TrainConfig;
  readonly data: string;
  readonly runDir: string;
  readonly resume?: boolean;
  /** Pre-training run whose generator initialises both generators (fresh runs only). */
  readonly init?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: TrainingEvent) => void;
}

/** Trains (or resumes) a CycleGAN run. */
export function runCycleGanTraining(options: TrainRunOptions): Promise<TrainingSummary> {
  const resume = options.resume ?? false;
  return runTraining({
    kind: 'cyclegan',
    config: options.config,
    data: options.data,
    runDir: options.runDir,
    resume,
    createLearner: () => createCycleGanLearner(options.config, resume ? undefined : options.init),
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/**
 * Where the step runs for a `parallel` setting on the running tfjs
 * backend: 'domains' (two worker threads) or 'none' (this thread).
 * 'domains' on a native backend is an UnsupportedError.
 */
export function parallelMode(setting: ParallelMode, backend = tf.getBackend()): 'domains' | 'none' {
  const threaded = backend === 'wasm' || backend === 'cpu';
  if (setting === 'domains' && !threaded) {
    throw new UnsupportedError(
      `parallel 'domains' runs on the wasm and cpu backends only, got ${backend} ` +
        '(the native backends use every core themselves): use --parallel none',
    );
  }
  if (setting === 'auto') return threaded && os.availableParallelism() >= 2 ? 'domains' : 'none';
  return setting;
}

/** The learner of `config.parallel`: serial or split over two worker threads. */
export async function createCycleGanLearner(config: TrainConfig, init?: string): Promise<Learner> {
  if (parallelMode(config.parallel) === 'none') return cycleGanLearner(config, init);
  return parallelCycleGanLearner(config, init);
}

/** Both rates at `step`: the base rates, then a linear decay to 0 at the last step. */
function cycleGanRates(config: TrainConfig): (step: number) => { gen: number; disc: number } {
  const schedule = {
    totalSteps: config.steps,
    constantSteps: Math.floor(config.steps * config.constantFraction),
  };
  return (step) => ({
    gen: linearDecayRate({ ...schedule, base: config.model.genLr }, step),
    disc: linearDecayRate({ ...schedule, base: config.model.discLr }, step),
  });
}

/** A CycleGan with its schedule, optionally starting from pre-trained generators. */
export function cycleGanLearner(config: TrainConfig, init?: string): SyncLearner {
  const gan = CycleGan.create(config.model, config.seed);
  try {
    if (init) {
      const weights = readPretrained(config, init);
      gan.genAB.setWeights(weights);
      gan.genBA.setWeights(weights);
    }
  } catch (error) {
    gan.dispose();
    throw error;
  }
  const rates = cycleGanRates(config);

  return {
    lossNames: CYCLEGAN_LOSSES,
    step: (batch, step) => gan.step(batch, rates(step)),
    rates,
    snapshot: () => {
      const state = gan.state();
      return { networks: stateNetworks(state, config), state };
    },
    restore: (state) => gan.restore(state as CycleGanState),
    dispose: () => gan.dispose(),
    translators: { gab: new VitUnetTranslator(gan.genAB), gba: new VitUnetTranslator(gan.genBA) },
  };
}

/** A ParallelCycleGan on this thread's backend with its schedule, as `cycleGanLearner`. */
export async function parallelCycleGanLearner(
  config: TrainConfig,
  init?: string,
): Promise<Learner> {
  const weights = init ? readPretrained(config, init) : undefined;
  const backend = tf.getBackend() as BackendName;
  const gan = await ParallelCycleGan.create(config.model, config.seed, { backend });
  try {
    if (weights) await gan.setGenerators(weights);
  } catch (error) {
    await gan.dispose();
    throw error;
  }
  const rates = cycleGanRates(config);

  return {
    lossNames: CYCLEGAN_LOSSES,
    step: (batch, step) => gan.step(batch, rates(step)),
    rates,
    snapshot: async () => {
      const state = await gan.state();
      return { networks: stateNetworks(state, config), state };
    },
    restore: (state) => gan.restore(state as CycleGanState),
    dispose: () => gan.dispose(),
    translators: { gab: gan.translator('gab'), gba: gan.translator('gba') },
  };
}

/** The four networks' weights of a state, with their shapes, for the checkpoint. */
function stateNetworks(
  state: CycleGanState,
  config: TrainConfig,
): Map<string, Map<string, NamedArray>> {
  const generator = shapes(generatorWeightSpecs(config.model.generator));
  const discriminator = shapes(discriminatorWeightSpecs(config.model.discriminator));
  return new Map([
    ['gen_ab', withShapes(state.weights.gen_ab, generator)],
    ['gen_ba', withShapes(state.weights.gen_ba, generator)],
    ['disc_a', withShapes(state.weights.disc_a, discriminator)],
    ['disc_b', withShapes(state.weights.disc_b, discriminator)],
  ]);
}

const shapes = (specs: readonly WeightSpec[]) =>
  new Map(specs.map((spec) => [spec.name, { shape: spec.shape }]));

/** Each weight with the shape of its variable. */
export function withShapes(
  weights: ReadonlyMap<string, Float32Array>,
  variables: ReadonlyMap<string, { readonly shape: readonly number[] }>,
): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  for (const [name, data] of weights) out.set(name, { shape: variables.get(name)!.shape, data });
  return out;
}

/** The pre-trained generator's weights; its config must equal this run's. */
function readPretrained(config: TrainConfig, init: string): Map<string, Float32Array> {
  const pretrained = readGeneratorWeights(init, 'generator');
  const expected = JSON.stringify(config.model.generator);
  const got = JSON.stringify(pretrained.config);
  if (expected !== got) {
    throw new ConfigError(
      `--init ${init}: the pre-trained generator is ${got}, this run's model.generator is ${expected}`,
    );
  }
  return pretrained.weights;
}

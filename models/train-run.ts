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
 */
import { ConfigError } from '../sim/errors.js';
import { readGeneratorWeights, type NamedArray } from './checkpoint.js';
import { CycleGan, type CycleGanState } from './cyclegan.js';
import { linearDecayRate } from './schedule.js';
import type { TrainConfig } from './trainconfig.js';
import { VitUnetTranslator } from './vitunet-translator.js';
import { runTraining, type Learner, type TrainingEvent, type TrainingSummary } from './trainer.js';
import type * as tf from '@tensorflow/tfjs-core';

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
    createLearner: () => cycleGanLearner(options.config, resume ? undefined : options.init),
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/** A CycleGan with its schedule, optionally starting from pre-trained generators. */
export function cycleGanLearner(config: TrainConfig, init?: string): Learner {
  const gan = CycleGan.create(config.model, config.seed);
  try {
    if (init) loadPretrained(gan, config, init);
  } catch (error) {
    gan.dispose();
    throw error;
  }
  const schedule = {
    totalSteps: config.steps,
    constantSteps: Math.floor(config.steps * config.constantFraction),
  };
  const rates = (step: number) => ({
    gen: linearDecayRate({ ...schedule, base: config.model.genLr }, step),
    disc: linearDecayRate({ ...schedule, base: config.model.discLr }, step),
  });

  return {
    lossNames: CYCLEGAN_LOSSES,
    step: (batch, step) => gan.step(batch, rates(step)),
    rates,
    snapshot: () => {
      const state = gan.state();
      const networks = new Map([
        ['gen_ab', withShapes(state.weights.gen_ab, gan.genAB.variables)],
        ['gen_ba', withShapes(state.weights.gen_ba, gan.genBA.variables)],
        ['disc_a', withShapes(state.weights.disc_a, gan.discA.variables)],
        ['disc_b', withShapes(state.weights.disc_b, gan.discB.variables)],
      ]);
      return { networks, state };
    },
    restore: (state) => gan.restore(state as CycleGanState),
    dispose: () => gan.dispose(),
    translators: { gab: new VitUnetTranslator(gan.genAB), gba: new VitUnetTranslator(gan.genBA) },
  };
}

/** Each weight with the shape of its variable. */
export function withShapes(
  weights: ReadonlyMap<string, Float32Array>,
  variables: ReadonlyMap<string, tf.Variable>,
): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  for (const [name, data] of weights) out.set(name, { shape: variables.get(name)!.shape, data });
  return out;
}

function loadPretrained(gan: CycleGan, config: TrainConfig, init: string): void {
  const pretrained = readGeneratorWeights(init, 'generator');
  const expected = JSON.stringify(config.model.generator);
  const got = JSON.stringify(pretrained.config);
  if (expected !== got) {
    throw new ConfigError(
      `--init ${init}: the pre-trained generator is ${got}, this run's model.generator is ${expected}`,
    );
  }
  gan.genAB.setWeights(pretrained.weights);
  gan.genBA.setWeights(pretrained.weights);
}

/**
 * Configs of the two training jobs, CycleGAN training (`train`) and
 * inpainting pre-training (`pretrain`): one typed config each, complete
 * defaults per preset, overrides by key path (`--set model.genLr=1e-4`),
 * unknown keys and wrong types refused with a ConfigError naming the key.
 * The resolved config is stored in the run folder (config.json) and in
 * every checkpoint.
 *
 * Presets:
 *   paper      the published UVCGAN settings for detector data (DESIGN.md,
 *              "Models"): 256 x 256 tiles, ~31 M-parameter generators
 *   small      128 x 128 generator for CPU work, published training settings
 *   tiny       32 x 32 generator for tests, published training settings
 *   cpu-short  the tiny generator with rates raised so that a run of a few
 *              hundred steps on a CPU shows the losses moving: the paper's
 *              rates (1e-5, 5e-5) are tuned for ~10^5 steps of a large
 *              model and barely move a tiny one in minutes; 2e-4, the rate
 *              of the original CycleGAN (Zhu et al., 2017), for both
 *              networks, and 1e-3 for AdamW pre-training. Its generators
 *              are residual (output = input + correction): a non-residual
 *              tiny generator trained this briefly leaves a 1-2 ADC floor
 *              on the 97 % empty pixels of noiseless data (L1 ratio to the
 *              do-nothing translation ~9 after 400 steps). They are
 *              initialised by fan-in (models/variables.ts): with N(0, 0.02)
 *              a network this narrow passes ~1e-7 of its input and does
 *              not learn. They are zero-anchored (generator-spec.ts), as a
 *              fan-in generator otherwise drifts to a constant offset on
 *              empty pixels. The discriminator is the `small` one (16 to
 *              128 features), cheap next to the generator at 32 x 32.
 * Sizes come from GENERATOR_PRESETS (models/generator-spec.ts) and
 * DISCRIMINATOR_PRESETS (models/discriminator.ts).
 *
 * `parallel` (CycleGAN training, every preset 'auto'): 'none' runs the step
 * in the training thread, 'domains' splits it by domain over two worker
 * threads (models/parallel-cyclegan.ts; same numbers, wasm and cpu
 * backends), 'auto' picks 'domains' on two or more cores with those
 * backends (models/train-run.ts).
 */
import { ConfigError } from '../sim/errors.js';
import { mergeConfig } from '../sim/config.js';
import type { CycleGanConfig } from './cyclegan.js';
import {
  DISCRIMINATOR_NORMS,
  DISCRIMINATOR_PRESETS,
  type DiscriminatorConfig,
} from './discriminator.js';
import {
  GENERATOR_PRESETS,
  type GeneratorConfig,
  validateGeneratorConfig,
} from './generator-spec.js';
import type { InpaintingConfig } from './inpainting.js';

export const TRAIN_PRESETS = ['paper', 'small', 'tiny', 'cpu-short'] as const;
export type TrainPreset = (typeof TRAIN_PRESETS)[number];

/** How batches are drawn from the tile file. */
export interface DataConfig {
  /** Tiles per domain per step. */
  readonly batchSize: number;
  /**
   * Cut a seeded random crop of the generator's tile size out of each
   * (larger) tile; without it the file's tile size must equal the generator's.
   */
  readonly crop: boolean;
  /**
   * Fraction of non-zero pixels a crop should hold; offsets are drawn again
   * (up to 16 times) until one does (pipeline/batchcrop.ts). Empty crops
   * make the discriminator's instance norm blow its gradients up.
   */
  readonly cropMinNonzero: number;
  /** Loader worker threads (0: read in the training thread). */
  readonly workers: number;
  /** Batches read ahead of training. */
  readonly prefetch: number;
}

/** When to save and report. */
export interface RunLoopConfig {
  /** Training steps in the whole run (a resumed run counts from 0). */
  readonly steps: number;
  /** Save a checkpoint every this many steps (and at the end). */
  readonly checkpointEvery: number;
  /** Keep the newest this many checkpoints. */
  readonly keepCheckpoints: number;
  /** Emit a log event (and rewrite history.arrow) every this many steps. */
  readonly logEvery: number;
}

/** Scoring the generators on held-out tiles during training (models/train-eval.ts). */
export interface EvalConfig {
  /** Tile file whose test split is scored; '' = no evaluation. */
  readonly data: string;
  /** Score every this many steps (0 = never). */
  readonly every: number;
  /** The first this many test tiles, >= 1. */
  readonly tiles: number;
}

export const PARALLEL_MODES = ['auto', 'domains', 'none'] as const;
/** Where a CycleGAN step runs: see `parallel` above. */
export type ParallelMode = (typeof PARALLEL_MODES)[number];

export interface TrainConfig extends RunLoopConfig {
  readonly preset: string;
  readonly seed: number;
  readonly model: CycleGanConfig;
  /** Fraction of the run at the base rates before the linear decay to 0. */
  readonly constantFraction: number;
  readonly data: DataConfig;
  readonly eval: EvalConfig;
  /** Where the step runs: 'auto', 'domains' (two worker threads) or 'none'. */
  readonly parallel: ParallelMode;
}

export interface PretrainConfig extends RunLoopConfig {
  readonly preset: string;
  readonly seed: number;
  readonly model: InpaintingConfig;
  readonly data: DataConfig;
}

/** 0.2 % non-zero: 33 pixels of a 128 x 128 crop, about a quarter of a track across it. */
const DATA: DataConfig = {
  batchSize: 1,
  crop: false,
  cropMinNonzero: 0.002,
  workers: 1,
  prefetch: 4,
};

/** Published CycleGAN settings for detector data (DESIGN.md, "Models"). */
export const PAPER_CYCLEGAN = {
  lambdaCycle: 1,
  lambdaIdentity: 0.5,
  gpLambda: 0.01,
  gpGamma: 10,
  poolSize: 50,
  genLr: 1e-5,
  discLr: 5e-5,
  betas: [0.5, 0.99] as const,
};

/**
 * Pre-training: AdamW betas (0.9, 0.99), weight decay 0.05, 32 x 32 patches
 * masked with probability 0.4 (DESIGN.md). The rate and the restart period
 * are not fixed there: 1e-4 and 10^4-step cycles.
 */
const PAPER_INPAINTING = {
  patch: 32,
  maskProbability: 0.4,
  lr: 1e-4,
  betas: [0.9, 0.99] as const,
  weightDecay: 0.05,
  restartSteps: 10000,
  restartMult: 1,
};

const LOOP: Record<TrainPreset, RunLoopConfig> = {
  paper: { steps: 200000, checkpointEvery: 5000, keepCheckpoints: 3, logEvery: 100 },
  small: { steps: 20000, checkpointEvery: 1000, keepCheckpoints: 3, logEvery: 50 },
  tiny: { steps: 1000, checkpointEvery: 200, keepCheckpoints: 3, logEvery: 10 },
  'cpu-short': { steps: 600, checkpointEvery: 100, keepCheckpoints: 3, logEvery: 10 },
};

/** The generator of a preset: its size; residual, fan-in and zero-anchored for cpu-short. */
function presetGenerator(preset: TrainPreset): GeneratorConfig {
  const generator = GENERATOR_PRESETS[SIZES[preset]];
  return preset === 'cpu-short'
    ? { ...generator, residual: true, init: 'fan-in', zeroAnchored: true }
    : generator;
}

/** The network sizes each preset uses. */
const SIZES: Record<TrainPreset, 'paper' | 'small' | 'tiny'> = {
  paper: 'paper',
  small: 'small',
  tiny: 'tiny',
  'cpu-short': 'tiny',
};

/** The default CycleGAN training config of a preset. */
export function trainPreset(name: string): TrainConfig {
  const preset = checkPreset(name);
  const sizes = SIZES[preset];
  const rates = preset === 'cpu-short' ? { genLr: 2e-4, discLr: 2e-4 } : {};
  return {
    preset,
    seed: 1,
    ...LOOP[preset],
    model: {
      generator: presetGenerator(preset),
      discriminator: DISCRIMINATOR_PRESETS[preset === 'cpu-short' ? 'small' : sizes],
      ...PAPER_CYCLEGAN,
      ...rates,
    },
    constantFraction: 0.5,
    data: DATA,
    eval: { data: '', every: 0, tiles: 8 },
    parallel: 'auto',
  };
}

/** The default pre-training config of a preset. */
export function pretrainPreset(name: string): PretrainConfig {
  const preset = checkPreset(name);
  const sizes = SIZES[preset];
  const patch = sizes === 'tiny' ? { patch: 8 } : {};
  const rate = preset === 'cpu-short' ? { lr: 1e-3, restartSteps: 200 } : {};
  return {
    preset,
    seed: 1,
    ...LOOP[preset],
    model: { generator: presetGenerator(preset), ...PAPER_INPAINTING, ...patch, ...rate },
    data: DATA,
  };
}

/** A preset with overrides applied (each a partial config), checked. */
export function resolveTrainConfig(preset: string, overrides: unknown[] = []): TrainConfig {
  let config = trainPreset(preset);
  for (const override of overrides) config = mergeConfig(config, override, 'train config');
  checkLoop(config);
  validateGeneratorConfig(config.model.generator, 'model.generator');
  checkNorm(config.model.discriminator);
  checkRate('model.genLr', config.model.genLr);
  checkRate('model.discLr', config.model.discLr);
  checkBetas('model.betas', config.model.betas);
  checkRange('model.poolSize', config.model.poolSize, 0, Number.MAX_SAFE_INTEGER, true);
  checkRange('constantFraction', config.constantFraction, 0, 1 - 1e-12, false);
  checkRange('eval.every', config.eval.every, 0, Number.MAX_SAFE_INTEGER, true);
  checkRange('eval.tiles', config.eval.tiles, 1, Number.MAX_SAFE_INTEGER, true);
  if (!(PARALLEL_MODES as readonly string[]).includes(config.parallel)) {
    throw new ConfigError(
      `parallel must be one of ${PARALLEL_MODES.join(', ')}, got ${JSON.stringify(config.parallel)}`,
    );
  }
  return config;
}

/** A pre-training preset with overrides applied, checked. */
export function resolvePretrainConfig(preset: string, overrides: unknown[] = []): PretrainConfig {
  let config = pretrainPreset(preset);
  for (const override of overrides) config = mergeConfig(config, override, 'pretrain config');
  checkLoop(config);
  validateGeneratorConfig(config.model.generator, 'model.generator');
  const { model } = config;
  checkRate('model.lr', model.lr);
  checkBetas('model.betas', model.betas);
  checkRange('model.maskProbability', model.maskProbability, 0, 1, false);
  checkRange('model.weightDecay', model.weightDecay, 0, 1, false);
  checkRange('model.restartSteps', model.restartSteps, 1, Number.MAX_SAFE_INTEGER, true);
  checkRange('model.restartMult', model.restartMult, 1, 16, true);
  const [h, w] = model.generator.tile;
  if (h % model.patch !== 0 || w % model.patch !== 0) {
    throw new ConfigError(
      `pretrain config: model.patch must divide the tile ${h} x ${w}, got ${model.patch}`,
    );
  }
  return config;
}

function checkPreset(name: string): TrainPreset {
  if (!(TRAIN_PRESETS as readonly string[]).includes(name)) {
    throw new ConfigError(`preset: expected one of ${TRAIN_PRESETS.join(', ')}, got "${name}"`);
  }
  return name as TrainPreset;
}

function checkLoop(config: RunLoopConfig & { seed: number; data: DataConfig }): void {
  const MAX = Number.MAX_SAFE_INTEGER;
  checkRange('steps', config.steps, 1, MAX, true);
  checkRange('checkpointEvery', config.checkpointEvery, 1, MAX, true);
  checkRange('keepCheckpoints', config.keepCheckpoints, 1, MAX, true);
  checkRange('logEvery', config.logEvery, 1, MAX, true);
  checkRange('seed', config.seed, 0, 2 ** 32 - 1, true);
  checkRange('data.batchSize', config.data.batchSize, 1, 1024, true);
  checkRange('data.workers', config.data.workers, 0, 64, true);
  checkRange('data.prefetch', config.data.prefetch, 1, 1024, true);
  checkRange('data.cropMinNonzero', config.data.cropMinNonzero, 0, 1, false);
}

function checkNorm(discriminator: DiscriminatorConfig): void {
  const norm = discriminator.norm ?? 'instance';
  if (!(DISCRIMINATOR_NORMS as readonly string[]).includes(norm)) {
    throw new ConfigError(
      `model.discriminator.norm must be one of ${DISCRIMINATOR_NORMS.join(', ')}, got "${norm}"`,
    );
  }
}

function checkRate(key: string, value: number): void {
  if (!(value > 0 && value < 1)) throw new ConfigError(`${key} must be in (0, 1), got ${value}`);
}

function checkBetas(key: string, betas: readonly number[]): void {
  const ok = betas.length === 2 && betas.every((b) => typeof b === 'number' && b >= 0 && b < 1);
  if (!ok)
    throw new ConfigError(`${key} must be two numbers in [0, 1), got ${JSON.stringify(betas)}`);
}

function checkRange(key: string, value: number, min: number, max: number, integer: boolean): void {
  const ok = value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) {
    const kind = integer ? 'an integer' : 'a number';
    throw new ConfigError(`${key} must be ${kind} in [${min}, ${max}], got ${value}`);
  }
}

/**
 * The training loop shared by CycleGAN training and inpainting
 * pre-training: it reads batches from the tile loader, runs one learner
 * step per batch, records the losses in history.arrow, saves checkpoints
 * and reports progress through a callback.
 *
 * A run folder holds config.json (the resolved config, seed included),
 * checkpoints/ (models/checkpoint.ts) and history.arrow
 * (pipeline/historywriter.ts). A fresh run refuses a folder that already
 * has checkpoints; `resume` continues from the newest one exactly: the
 * learner's state (weights, optimiser slots, pools, random state), the
 * loader's batch number and the elapsed time are restored, so N steps in
 * one go and N/2 + N/2 with a resume give the same weights.
 *
 * Checkpoints are saved every `checkpointEvery` steps, at the end, and
 * when `signal` aborts (the loop stops between steps). A failure inside a
 * step, or a loss that is not finite (a ConfigError), saves nothing: the
 * learner may be half-updated or diverged.
 *
 * With `config.eval` set (data and every > 0) and a learner that has
 * translators, the generators are scored every `eval.every` steps on the
 * first `eval.tiles` test tiles of `eval.data` (models/train-eval.ts); the
 * rows go to eval-history.arrow (same layout as history.arrow, one column
 * per score) and an `eval` event reports them.
 *
 * Step numbers count completed steps: the first step is step 0 for the
 * schedule and history row 1; checkpoint step-N holds the state after N
 * steps.
 */
import fs from 'node:fs';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';

import { ConfigError, FileFormatError, UnsupportedError } from '../sim/errors.js';
import { writeFileAtomic } from '../pipeline/atomic.js';
import { cropBatch } from '../pipeline/batchcrop.js';
import type { BatchSource, TileBatch } from '../pipeline/batches.js';
import { HistoryWriter } from '../pipeline/historywriter.js';
import { createTileLoader } from '../pipeline/loader.js';
import { TileFileReader } from '../pipeline/tilefile.js';
import {
  latestCheckpoint,
  pruneCheckpoints,
  readCheckpoint,
  writeCheckpoint,
  type Checkpoint,
  type CheckpointKind,
  type NetworkWeights,
} from './checkpoint.js';
import type { GeneratorConfig } from './generator-spec.js';
import { readRunData, type RunData, runDataPath } from './rundata.js';
import { evaluateAt, openEvaluation, type Evaluation } from './train-eval.js';
import type { DataConfig, EvalConfig, RunLoopConfig } from './trainconfig.js';
import type { Translator } from './translator.js';

type Awaitable<T> = T | Promise<T>;

/** What `Learner.snapshot` returns. */
export interface LearnerSnapshot {
  readonly networks: NetworkWeights;
  readonly state: unknown;
}

/**
 * What the loop drives: one model with its optimisers and schedules. A
 * learner whose work runs in other threads (models/parallel-cyclegan.ts)
 * returns promises; the loop awaits every call.
 */
export interface Learner {
  readonly lossNames: readonly string[];
  /** One update on `batch`; `step` is the number of steps done before it. */
  step(batch: TileBatch, step: number): Awaitable<Record<string, number>>;
  /** Learning rates in force at `step`, by name, for the log. */
  rates(step: number): Record<string, number>;
  /**
   * The state to continue from (plain data and typed arrays) and, for
   * export, each network's weights; arrays shared by both are stored once.
   */
  snapshot(): Awaitable<LearnerSnapshot>;
  restore(state: unknown): Awaitable<void>;
  dispose(): Awaitable<void>;
  /** The generators as translators, for evaluation during training (none: no evaluation). */
  readonly translators?: { readonly gab: Translator; readonly gba: Translator };
}

/** A learner that works in the calling thread: every call returns its result. */
export interface SyncLearner extends Learner {
  step(batch: TileBatch, step: number): Record<string, number>;
  snapshot(): LearnerSnapshot;
  restore(state: unknown): void;
  dispose(): void;
}

/** The part of a run config the loop reads. */
export interface LoopConfig extends RunLoopConfig {
  readonly seed: number;
  readonly data: DataConfig;
  readonly model: { readonly generator: GeneratorConfig };
  readonly eval?: EvalConfig;
}

export interface TrainingJob {
  readonly kind: CheckpointKind;
  readonly config: LoopConfig;
  /** Tile file (pipeline/tilefile.ts); the train split is used. */
  readonly data: string;
  readonly runDir: string;
  /** Continue from the newest checkpoint in runDir. */
  readonly resume: boolean;
  /** Builds the learner; called once, before a checkpoint is restored into it. */
  readonly createLearner: () => Awaitable<Learner>;
  /** Stops the loop between steps; a checkpoint is saved. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: TrainingEvent) => void;
}

export type TrainingEvent =
  | { kind: 'start'; step: number; totalSteps: number; resumedFrom: string | null }
  | {
      kind: 'step';
      step: number;
      totalSteps: number;
      losses: Record<string, number>;
      elapsedS: number;
    }
  | {
      kind: 'log';
      step: number;
      totalSteps: number;
      /** Mean of each loss over the steps since the last log event. */
      losses: Record<string, number>;
      rates: Record<string, number>;
      stepsPerS: number;
      elapsedS: number;
    }
  | { kind: 'checkpoint'; step: number; path: string }
  | {
      kind: 'eval';
      step: number;
      totalSteps: number;
      /** models/train-eval.ts EVAL_COLUMNS. */
      scores: Record<string, number>;
      tiles: number;
      /** Time the evaluation took [s]. */
      evalS: number;
    };

export interface TrainingSummary {
  /** Steps completed in the run, resumes included. */
  readonly step: number;
  readonly interrupted: boolean;
  /** The newest checkpoint folder. */
  readonly checkpoint: string;
  /** Training time of the whole run [s]. */
  readonly elapsedS: number;
}

/** eval-history.arrow in a run folder: the scores of evaluation during training. */
export function evalHistoryPath(runDir: string): string {
  return path.join(runDir, 'eval-history.arrow');
}

/** config.json in a run folder. */
export function runConfigPath(runDir: string): string {
  return path.join(runDir, 'config.json');
}

/** The resolved config stored in a run folder. */
export function readRunConfig(runDir: string): unknown {
  const file = runConfigPath(runDir);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new FileFormatError(file, `cannot read the run config: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** Runs (or resumes) a training job to `config.steps` steps or until aborted. */
export async function runTraining(job: TrainingJob): Promise<TrainingSummary> {
  const { config } = job;
  const tiles = await readTileFacts(job.data);
  const tileCrop = checkTileSize(job.data, tiles.tile, config);
  const resumed = job.resume ? readResumePoint(job) : null;
  const existed = fs.existsSync(job.runDir);
  await prepareRunFolder(job, tiles.record);
  // A new run that fails before its first step leaves no run folder behind.
  const discard = (): void => {
    if (job.resume) return;
    if (!existed) fs.rmSync(job.runDir, { recursive: true, force: true });
    else
      for (const file of [runConfigPath, runDataPath]) fs.rmSync(file(job.runDir), { force: true });
  };

  let learner: Learner;
  try {
    learner = await job.createLearner();
  } catch (error) {
    discard();
    throw error;
  }
  let loader: BatchSource | undefined;
  let failed = false;
  let started = false;
  try {
    if (resumed) await learner.restore(resumed.state);
    loader = await createTileLoader({
      path: job.data,
      split: 'train',
      batchSize: config.data.batchSize,
      seed: config.seed,
      startBatch: resumed?.loaderPosition ?? 0,
      workers: config.data.workers,
      prefetch: config.data.prefetch,
    });
    const history = HistoryWriter.resume(
      path.join(job.runDir, 'history.arrow'),
      learner.lossNames,
      resumed?.step ?? 0,
    );
    const evaluation = await openEvaluation(
      job.config.eval,
      learner.translators,
      evalHistoryPath(job.runDir),
      resumed?.step ?? 0,
    );
    started = true;
    return await loop(job, learner, loader, { history, evaluation }, resumed, tileCrop);
  } catch (error) {
    failed = true;
    if (!started) discard();
    throw explainFailure(error);
  } finally {
    await loader?.close();
    // After a wasm abort, disposing fails too; the first error is the one to report.
    try {
      await learner.dispose();
    } catch (error) {
      if (!failed) throw error;
    }
  }
}

/**
 * A wasm abort inside a step is the backend's 4 GB memory running out;
 * say so and what to change.
 */
function explainFailure(error: unknown): unknown {
  if (!(error instanceof WebAssembly.RuntimeError && /Aborted/.test(error.message))) return error;
  return new UnsupportedError(
    `the ${tf.getBackend()} backend aborted during a training step, most likely out of its ` +
      '4 GB memory: use a smaller preset or tile (--preset small --crop), batch size 1, ' +
      'or a native backend',
    { cause: error },
  );
}

/** The steps, from the resume point to the end or an abort. */
async function loop(
  job: TrainingJob,
  learner: Learner,
  loader: BatchSource,
  histories: { history: HistoryWriter; evaluation: Evaluation | null },
  resumed: Checkpoint | null,
  crop: readonly [number, number] | null,
): Promise<TrainingSummary> {
  const { config, onProgress } = job;
  const { history, evaluation } = histories;
  const totalSteps = config.steps;
  const emit = onProgress ?? (() => {});
  const priorS = resumed?.elapsedS ?? 0;
  const started = performance.now();
  const elapsed = () => priorS + (performance.now() - started) / 1000;
  let step = resumed?.step ?? 0;
  let saved = resumed ? latestCheckpoint(job.runDir)! : '';
  let savedStep = resumed ? step : -1;
  const interval = new IntervalMeans(learner.lossNames);

  emit({ kind: 'start', step, totalSteps, resumedFrom: resumed ? saved : null });
  const save = async (): Promise<void> => {
    saved = await saveCheckpoint(job, learner, step, loader.position, elapsed());
    await history.flush();
    savedStep = step;
    emit({ kind: 'checkpoint', step, path: saved });
  };

  while (step < totalSteps && !job.signal?.aborted) {
    const batchNumber = loader.position;
    let batch = await loader.next();
    if (crop) {
      const minNonzero = config.data.cropMinNonzero;
      batch = cropBatch(batch, crop, config.seed, batchNumber, { minNonzero });
    }
    const losses = await learner.step(batch, step);
    checkFinite(losses, step);
    step++;
    history.append(step, elapsed(), losses);
    interval.add(losses);
    emit({ kind: 'step', step, totalSteps, losses, elapsedS: elapsed() });

    if (step % config.logEvery === 0 || step === totalSteps) {
      const rates = learner.rates(step - 1);
      emit({ kind: 'log', step, totalSteps, rates, elapsedS: elapsed(), ...interval.take() });
      await history.flush();
    }
    if (evaluation && step % evaluation.every === 0) {
      const scored = await evaluateAt(evaluation, step, elapsed());
      emit({ kind: 'eval', step, totalSteps, ...scored });
    }
    if (step % config.checkpointEvery === 0) await save();
  }
  if (savedStep !== step) await save();
  return { step, interrupted: step < totalSteps, checkpoint: saved, elapsedS: elapsed() };
}

/** A non-finite loss ends the run, leaving the last checkpoint as it was. */
function checkFinite(losses: Record<string, number>, step: number): void {
  for (const [name, value] of Object.entries(losses)) {
    if (!Number.isFinite(value)) {
      throw new ConfigError(
        `training diverged: loss ${name} is ${value} at step ${step + 1}; ` +
          'resume from the last checkpoint with lower rates (e.g. --set model.genLr=...)',
      );
    }
  }
}

async function saveCheckpoint(
  job: TrainingJob,
  learner: Learner,
  step: number,
  loaderPosition: number,
  elapsedS: number,
): Promise<string> {
  const folder = await writeCheckpoint(job.runDir, {
    kind: job.kind,
    step,
    loaderPosition,
    elapsedS,
    seed: job.config.seed,
    config: job.config,
    generator: job.config.model.generator,
    ...(await learner.snapshot()),
  });
  pruneCheckpoints(job.runDir, job.config.keepCheckpoints);
  return folder;
}

/**
 * The crop to cut from the file's tiles, or null when they already have
 * the generator's size; a ConfigError when they cannot be used.
 */
/** The tile file's record for data.json and its tile size, read once. */
async function readTileFacts(
  data: string,
): Promise<{ record: RunData; tile: readonly [number, number] }> {
  const reader = await TileFileReader.open(data);
  try {
    const record = { tiles: path.resolve(data), plane: reader.plane() ?? null };
    return { record, tile: [reader.tileHeight, reader.tileWidth] };
  } finally {
    reader.close();
  }
}

/** The crop size when the file's tiles are larger than the generator's, else null. */
function checkTileSize(
  data: string,
  file: readonly [number, number],
  config: LoopConfig,
): readonly [number, number] | null {
  const [h, w] = config.model.generator.tile;
  if (file[0] === h && file[1] === w) return null;
  const sizes = `tile file ${data} has ${file[0]} x ${file[1]} tiles, the generator takes ${h} x ${w}`;
  if (!config.data.crop) {
    throw new ConfigError(`${sizes}; set data.crop (--crop) to train on random crops`);
  }
  if (file[0] < h || file[1] < w) throw new ConfigError(`${sizes}: too small to crop`);
  return [h, w];
}

function readResumePoint(job: TrainingJob): Checkpoint {
  const folder = latestCheckpoint(job.runDir);
  if (!folder) {
    throw new ConfigError(`--resume: run folder ${job.runDir} has no checkpoint to resume from`);
  }
  const checkpoint = readCheckpoint(folder);
  if (checkpoint.kind !== job.kind) {
    throw new ConfigError(
      `--resume: ${folder} is a ${checkpoint.kind} checkpoint, expected ${job.kind}`,
    );
  }
  return checkpoint;
}

/** Creates the run folder (or checks a resumed one) and writes config.json. */
async function prepareRunFolder(job: TrainingJob, data: RunData): Promise<void> {
  if (!job.resume && latestCheckpoint(job.runDir)) {
    throw new ConfigError(
      `run folder ${job.runDir} already has checkpoints: pass --resume to continue it ` +
        'or choose another --out',
    );
  }
  const stored = job.resume ? readRunData(job.runDir) : null;
  if (stored && stored.plane !== data.plane) {
    throw new ConfigError(
      `${job.data} holds plane ${data.plane ?? '(none)'} tiles, but run ${job.runDir} was ` +
        `trained on plane ${stored.plane ?? '(none)'} tiles (${stored.tiles})`,
    );
  }
  fs.mkdirSync(job.runDir, { recursive: true });
  const text = `${JSON.stringify(job.config, null, 2)}\n`;
  await writeFileAtomic(runConfigPath(job.runDir), Buffer.from(text), { force: true });
  const record = `${JSON.stringify(data, null, 2)}\n`;
  await writeFileAtomic(runDataPath(job.runDir), Buffer.from(record), { force: true });
}

/** Running sums of each loss between log events. */
class IntervalMeans {
  private sums: Record<string, number> = {};
  private count = 0;
  private since = performance.now();

  constructor(private readonly names: readonly string[]) {
    this.reset();
  }

  add(losses: Record<string, number>): void {
    for (const name of this.names) this.sums[name] += losses[name];
    this.count++;
  }

  /** Means and step rate since the last call. */
  take(): { losses: Record<string, number>; stepsPerS: number } {
    const losses: Record<string, number> = {};
    for (const name of this.names) losses[name] = this.sums[name] / this.count;
    const stepsPerS = this.count / ((performance.now() - this.since) / 1000);
    this.reset();
    return { losses, stepsPerS };
  }

  private reset(): void {
    for (const name of this.names) this.sums[name] = 0;
    this.count = 0;
    this.since = performance.now();
  }
}

/**
 * What `wiregan train` and `wiregan pretrain` share: their common flags,
 * turning flags into config overrides, the backend choice, Ctrl-C
 * handling, and the progress display (a bar with step, rate, ETA and the
 * current losses on a terminal, and one log line per `logEvery` steps
 * with the mean losses, rates and units).
 */
import { MultiBar, type SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';

import { BACKEND_ORDER, initBackend, type BackendName } from '../models/backend.js';
import { readRunConfig, type TrainingEvent, type TrainingSummary } from '../models/trainer.js';
import { combineOverrides, overrideFromAssignment } from '../sim/config.js';
import { FileFormatError } from '../sim/errors.js';
import { formatFields, type Fields, type Logger } from './log.js';
import { collect, integer } from './flags.js';

export interface RunFlags {
  data: string;
  out: string;
  preset: string;
  steps?: string;
  checkpointEvery?: string;
  logEvery?: string;
  seed?: string;
  crop?: boolean;
  workers?: string;
  config?: string;
  set: string[];
  resume?: boolean;
  backend?: string;
}

/** The part of a stored run config read before resuming. */
interface StoredConfig {
  preset?: string;
  model?: { generator?: Record<string, unknown>; discriminator?: Record<string, unknown> };
}

/** Adds the flags both commands take. */
export function addRunOptions(command: Command): Command {
  return command
    .requiredOption('--data <tiles.h5>', 'tile file (train split)')
    .requiredOption('-o, --out <run folder>', 'run folder: config, checkpoints, history')
    .option('--preset <name>', 'paper, small, tiny or cpu-short', 'small')
    .option('--steps <count>', 'training steps in the whole run')
    .option('--checkpoint-every <steps>', 'save a checkpoint every this many steps')
    .option('--log-every <steps>', 'log mean losses every this many steps')
    .option('-s, --seed <integer>', 'random seed (weights, tile order, crops)')
    .option('--crop', 'train on random crops when the tiles are larger than the model')
    .option('-w, --workers <count>', 'tile loader worker threads (0: in the training thread)')
    .option('--config <file.json>', 'config overrides (JSON)')
    .option('--set <key=value>', 'one config override, repeatable', collect, [])
    .option('--resume', 'continue the run in --out from its newest checkpoint')
    .option('--backend <name>', `force a backend: ${BACKEND_ORDER.join(', ')}`);
}

/**
 * The preset name and the overrides, in order: the stored run config when
 * resuming, then --config, --set and the direct flags.
 */
export function overridesFromFlags(flags: RunFlags): { preset: string; overrides: unknown[] } {
  const overrides: unknown[] = [];
  let preset = flags.preset;
  if (flags.resume) {
    const stored = readRunConfig(flags.out) as StoredConfig;
    preset = stored.preset ?? preset;
    overrides.push(stored);
    // Runs stored before generator.residual, zeroAnchored or the init fields
    // existed were neither residual, anchored nor initialised other than N(0, 0.02).
    const { generator, discriminator } = stored.model ?? {};
    if (generator && !('residual' in generator)) {
      overrides.push({ model: { generator: { residual: false } } });
    }
    if (generator && !('init' in generator)) {
      overrides.push({ model: { generator: { init: 'normal' } } });
    }
    if (generator && !('zeroAnchored' in generator)) {
      overrides.push({ model: { generator: { zeroAnchored: false } } });
    }
    if (discriminator && !('init' in discriminator)) {
      overrides.push({ model: { discriminator: { init: 'normal' } } });
    }
  }
  if (flags.config) overrides.push(readOverrides(flags.config));
  let set: Record<string, unknown> = {};
  for (const assignment of flags.set) {
    set = combineOverrides(set, overrideFromAssignment(assignment));
  }
  overrides.push(set);

  const direct: Record<string, unknown> = {};
  if (flags.steps) direct.steps = integer('steps', flags.steps, 1);
  if (flags.checkpointEvery) {
    direct.checkpointEvery = integer('checkpoint-every', flags.checkpointEvery, 1);
  }
  if (flags.logEvery) direct.logEvery = integer('log-every', flags.logEvery, 1);
  if (flags.seed) direct.seed = integer('seed', flags.seed, 0);
  const data: Record<string, unknown> = {};
  if (flags.crop) data.crop = true;
  if (flags.workers) data.workers = integer('workers', flags.workers, 0);
  if (Object.keys(data).length > 0) direct.data = data;
  overrides.push(direct);
  return { preset, overrides };
}

/**
 * When resuming, warns of every config value that the flags change from
 * the stored run (e.g. --steps, which also moves the learning-rate decay),
 * so that a resumed run never differs from its record silently.
 */
export function warnResumeChanges(flags: RunFlags, config: object, log: Logger): void {
  if (!flags.resume) return;
  const stored = readRunConfig(flags.out) as object;
  const changed = changedPaths(stored, config);
  if (changed.length > 0) {
    log.warn('resuming with settings changed from the stored run', { changed: changed.join(',') });
  }
}

/** Key paths whose values differ between two JSON-like values (keys of `after` only). */
function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(after) || !isObject(before)) {
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix];
  }
  const a = before as Record<string, unknown>;
  return Object.entries(after as Record<string, unknown>).flatMap(([key, value]) =>
    key in a ? changedPaths(a[key], value, prefix ? `${prefix}.${key}` : key) : [],
  );
}

/** Loads the forced backend or the best available, and says which runs. */
export async function startBackend(flags: RunFlags, log: Logger): Promise<BackendName> {
  const backend = await initBackend(flags.backend as BackendName | undefined);
  log.info('backend', { backend, forced: flags.backend !== undefined });
  return backend;
}

/**
 * Runs `train` with an AbortSignal that the first Ctrl-C fires (the run
 * stops after the current step and saves a checkpoint); a second Ctrl-C
 * kills the process.
 */
export async function withInterrupt(
  log: Logger,
  train: (signal: AbortSignal) => Promise<TrainingSummary>,
): Promise<TrainingSummary> {
  const controller = new AbortController();
  const onInterrupt = () => {
    log.warn('interrupted: saving a checkpoint after this step (Ctrl-C again to kill)');
    controller.abort();
    process.off('SIGINT', onInterrupt);
  };
  process.on('SIGINT', onInterrupt);
  try {
    return await train(controller.signal);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** Losses shown on the bar, in this order, when the run has them. */
const BAR_LOSSES = ['loss', 'gen_ab', 'gen_ba', 'disc_a', 'disc_b'];

/** The progress display: returns the event callback and a stop function. */
export function progressReporter(
  job: string,
  log: Logger,
): { onProgress: (event: TrainingEvent) => void; stop: () => void } {
  const tty = Boolean(process.stderr.isTTY);
  const bars = new MultiBar({
    format: `${job} [{bar}] {value}/{total} steps | {rate} steps/s | ETA {eta_formatted} | {losses}`,
    hideCursor: true,
    stream: process.stderr,
  });
  let bar: SingleBar | undefined;
  let first = { step: 0, time: 0 };
  const note = (message: string, fields: Fields) => {
    if (bar && tty) {
      bars.log(`${message} ${formatFields(fields)}\n`);
      bars.update();
    } else {
      log.info(message, fields);
    }
  };

  const onProgress = (event: TrainingEvent): void => {
    switch (event.kind) {
      case 'start':
        first = { step: event.step, time: performance.now() };
        note(`${job} start`, {
          step: event.step,
          steps: event.totalSteps,
          resumedFrom: event.resumedFrom ?? undefined,
        });
        if (tty) bar = bars.create(event.totalSteps, event.step, { rate: '-', losses: '' });
        break;
      case 'step': {
        const seconds = (performance.now() - first.time) / 1000;
        const rate = (event.step - first.step) / seconds;
        const losses = BAR_LOSSES.filter((name) => name in event.losses)
          .map((name) => `${name} ${event.losses[name].toPrecision(3)}`)
          .join(' ');
        bar?.update(event.step, { rate: rate.toPrecision(3), losses });
        break;
      }
      case 'log': {
        const fields: Fields = { step: `${event.step}/${event.totalSteps}` };
        for (const [name, value] of Object.entries(event.losses)) fields[name] = value;
        for (const [name, value] of Object.entries(event.rates)) fields[`lr_${name}`] = value;
        fields.stepsPerS = event.stepsPerS;
        fields.elapsedS = event.elapsedS;
        note(job, fields);
        break;
      }
      case 'checkpoint':
        note('checkpoint', { step: event.step, path: event.path });
        break;
      case 'eval':
        note('eval', {
          step: `${event.step}/${event.totalSteps}`,
          ...event.scores,
          tiles: event.tiles,
          evalS: event.evalS,
        });
        break;
    }
  };
  const stop = () => bars.stop();
  return { onProgress, stop };
}

/** Logs the end of a run; an interrupted run exits with status 130. */
export function reportSummary(job: string, summary: TrainingSummary, log: Logger): void {
  const fields = {
    step: summary.step,
    checkpoint: summary.checkpoint,
    elapsedS: summary.elapsedS,
  };
  if (summary.interrupted) {
    log.warn(`${job} interrupted; continue with --resume`, fields);
    process.exitCode = 130;
  } else {
    log.info(`${job} done`, fields);
  }
}

function readOverrides(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new FileFormatError(path, `cannot read config overrides: ${(cause as Error).message}`, {
      cause,
    });
  }
}

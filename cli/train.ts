/**
 * `wiregan train`: CycleGAN training of gen_ab and gen_ba on a tile file
 * into a run folder (config.json, checkpoints/, history.arrow), optionally
 * starting from a pre-training run (--init) or continuing one (--resume).
 */
import type { Command } from 'commander';

import { runCycleGanTraining } from '../models/train-run.js';
import { resolveTrainConfig } from '../models/trainconfig.js';
import type { Logger } from './log.js';
import {
  addRunOptions,
  overridesFromFlags,
  progressReporter,
  reportSummary,
  startBackend,
  warnResumeChanges,
  withInterrupt,
  type RunFlags,
} from './trainrun.js';

interface TrainFlags extends RunFlags {
  init?: string;
  evalData?: string;
  evalEvery?: string;
  evalTiles?: string;
}

/** The --eval-* flags as a config override. */
function evalOverride(flags: TrainFlags): Record<string, unknown> {
  const evaluation: Record<string, unknown> = {};
  if (flags.evalData !== undefined) evaluation.data = flags.evalData;
  if (flags.evalEvery !== undefined) evaluation.every = Number(flags.evalEvery);
  if (flags.evalTiles !== undefined) evaluation.tiles = Number(flags.evalTiles);
  return Object.keys(evaluation).length > 0 ? { eval: evaluation } : {};
}

export function registerTrain(program: Command, logger: () => Logger): void {
  const command = program
    .command('train')
    .description('train the CycleGAN (gen_ab: A -> B, gen_ba: B -> A) on a tile file');
  addRunOptions(command)
    .option('--init <pretrain run>', 'initialise both generators from a pre-training run')
    .option('--eval-data <tiles.h5>', "score both generators on this file's test tiles")
    .option('--eval-every <steps>', 'score every this many steps (0: never)')
    .option('--eval-tiles <count>', 'score on the first this many test tiles')
    .action(async (flags: TrainFlags) => {
      const log = logger();
      const { preset, overrides } = overridesFromFlags(flags);
      const config = resolveTrainConfig(preset, [...overrides, evalOverride(flags)]);
      if (flags.init && flags.resume) log.warn('--init is ignored when resuming', {});
      warnResumeChanges(flags, config, log);
      await startBackend(flags, log);
      log.info('train', {
        preset: config.preset,
        data: flags.data,
        out: flags.out,
        init: flags.init,
      });

      const progress = progressReporter('train', log);
      try {
        const summary = await withInterrupt(log, (signal) =>
          runCycleGanTraining({
            config,
            data: flags.data,
            runDir: flags.out,
            resume: Boolean(flags.resume),
            init: flags.init,
            signal,
            onProgress: progress.onProgress,
          }),
        );
        progress.stop();
        reportSummary('train', summary, log);
      } finally {
        progress.stop();
      }
    });
}

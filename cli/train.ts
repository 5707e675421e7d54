/**
 * `wiregan train`: CycleGAN training of gen_ab and gen_ba on a tile file
 * into a run folder (config.json, checkpoints/, history.arrow), optionally
 * starting from a pre-training run (--init) or continuing one (--resume).
 */
import type { Command } from 'commander';

import { parallelMode, runCycleGanTraining } from '../models/train-run.js';
import { PARALLEL_MODES, resolveTrainConfig } from '../models/trainconfig.js';
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
  parallel?: string;
}

/** The --eval-* flags as a config override. */
function evalOverride(flags: TrainFlags): Record<string, unknown> {
  const evaluation: Record<string, unknown> = {};
  if (flags.evalData !== undefined) evaluation.data = flags.evalData;
  if (flags.evalEvery !== undefined) evaluation.every = Number(flags.evalEvery);
  if (flags.evalTiles !== undefined) evaluation.tiles = Number(flags.evalTiles);
  return Object.keys(evaluation).length > 0 ? { eval: evaluation } : {};
}

/** --parallel as a config override. */
const parallelOverride = (flags: TrainFlags) =>
  flags.parallel === undefined ? {} : { parallel: flags.parallel };

export function registerTrain(program: Command, logger: () => Logger): void {
  const command = program
    .command('train')
    .description('train the CycleGAN (gen_ab: A -> B, gen_ba: B -> A) on a tile file');
  addRunOptions(command)
    .option('--init <pretrain run>', 'initialise both generators from a pre-training run')
    .option('--eval-data <tiles.h5>', "score both generators on this file's test tiles")
    .option('--eval-every <steps>', 'score every this many steps (0: never)')
    .option('--eval-tiles <count>', 'score on the first this many test tiles')
    .option(
      '--parallel <mode>',
      `where the step runs: ${PARALLEL_MODES.join(', ')} (domains: two worker threads)`,
    )
    .action(async (flags: TrainFlags) => {
      const log = logger();
      const { preset, overrides } = overridesFromFlags(flags);
      const config = resolveTrainConfig(preset, [
        ...overrides,
        evalOverride(flags),
        parallelOverride(flags),
      ]);
      if (flags.init && flags.resume) log.warn('--init is ignored when resuming', {});
      warnResumeChanges(flags, config, log);
      const backend = await startBackend(flags, log);
      log.info('train', {
        preset: config.preset,
        data: flags.data,
        out: flags.out,
        init: flags.init,
        backend,
        parallel: parallelMode(config.parallel),
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

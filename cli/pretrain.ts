/**
 * `wiregan pretrain`: inpainting pre-training of one generator on the
 * tiles of both domains, into a run folder that `wiregan train --init`
 * reads.
 */
import type { Command } from 'commander';

import { runPretraining } from '../models/pretrain-run.js';
import { resolvePretrainConfig } from '../models/trainconfig.js';
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

export function registerPretrain(program: Command, logger: () => Logger): void {
  const command = program
    .command('pretrain')
    .description('pre-train a generator by inpainting masked patches of tiles of both domains');
  addRunOptions(command).action(async (flags: RunFlags) => {
    const log = logger();
    const { preset, overrides } = overridesFromFlags(flags);
    const config = resolvePretrainConfig(preset, overrides);
    warnResumeChanges(flags, config, log);
    await startBackend(flags, log);
    log.info('pretrain', { preset: config.preset, data: flags.data, out: flags.out });

    const progress = progressReporter('pretrain', log);
    try {
      const summary = await withInterrupt(log, (signal) =>
        runPretraining({
          config,
          data: flags.data,
          runDir: flags.out,
          resume: Boolean(flags.resume),
          signal,
          onProgress: progress.onProgress,
        }),
      );
      progress.stop();
      reportSummary('pretrain', summary, log);
    } finally {
      progress.stop();
    }
  });
}

/**
 * `wiregan import`: reads a public benchmark's layout into a tile file
 * and catalog (only `slats` for now).
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';

import { UnsupportedError } from '../sim/errors.js';
import { importSlats } from '../pipeline/slats.js';
import type { Logger } from './log.js';
import { number } from './tiles.js';

interface ImportFlags {
  out: string;
  testFraction: string;
  splitSeed: string;
  plane: string;
  force?: boolean;
}

export function registerImport(program: Command, logger: () => Logger): void {
  program
    .command('import')
    .description('import a benchmark dataset (slats: <split>/fake = a, <split>/real = b)')
    .argument('<format>', 'dataset layout: slats')
    .argument('<folder>', 'dataset folder')
    .requiredOption('-o, --out <tiles.h5>', 'output tile file (catalog goes to <file>.arrow)')
    .option(
      '--test-fraction <f>',
      'fraction of train events moved to test (0 keeps the splits)',
      '0',
    )
    .option('--split-seed <integer>', 'seed of that event split', '1')
    .option('--plane <name>', 'wire plane recorded for the tiles', 'u')
    .option('-f, --force', 'overwrite existing outputs')
    .action(async (format: string, folder: string, flags: ImportFlags) => {
      const log = logger();
      if (format !== 'slats') {
        throw new UnsupportedError(`import: unknown format "${format}" (supported: slats)`);
      }
      const bar = new SingleBar({
        format: 'import [{bar}] {value}/{total} pairs | ETA {eta_formatted}',
        hideCursor: true,
        stream: process.stderr,
      });
      const started = performance.now();
      try {
        const summary = await importSlats(
          {
            input: folder,
            out: flags.out,
            force: Boolean(flags.force),
            testFraction: number('test-fraction', flags.testFraction),
            splitSeed: number('split-seed', flags.splitSeed),
            plane: flags.plane,
          },
          (done, total) => (done === 1 ? bar.start(total, done) : bar.update(done)),
        );
        bar.stop();
        log.info('import done', {
          out: summary.out,
          catalog: summary.catalog,
          train: summary.tiles.train,
          test: summary.tiles.test,
          tile: `${summary.tileHeight}x${summary.tileWidth}`,
          elapsedS: (performance.now() - started) / 1000,
        });
      } finally {
        bar.stop();
      }
    });
}

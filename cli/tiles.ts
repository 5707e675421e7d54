/**
 * `wiregan tiles`: cuts paired train/test tiles out of an event file into
 * a tile file with an Arrow catalog beside it.
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';

import { ConfigError } from '../sim/errors.js';
import { resolveTileConfig } from '../pipeline/tileconfig.js';
import { cutTiles } from '../pipeline/tiling.js';
import type { Logger } from './log.js';

interface TilesFlags {
  out: string;
  preset?: string;
  plane?: string;
  size?: string;
  stride?: string;
  crop?: string;
  testFraction?: string;
  splitSeed?: string;
  minSignal?: string;
  force?: boolean;
}

export function registerTiles(program: Command, logger: () => Logger): void {
  program
    .command('tiles')
    .description('cut paired tiles (a = nearest, b = multiwire) from an event file')
    .argument('<events.h5>', 'event file written by wiregan simulate')
    .requiredOption('-o, --out <tiles.h5>', 'output tile file (catalog goes to <file>.arrow)')
    .option('--preset <name>', 'tiler preset from data/presets/tiles (e.g. slats)')
    .option('--plane <name>', 'wire plane: u, v or w (default u)')
    .option('--size <h[xw]>', 'tile size [channels]x[ticks] (default 256)')
    .option('--stride <h[xw]>', 'step between tiles; smaller than --size overlaps (default size)')
    .option('--crop <h[xw]>', 'centre crop of the plane before tiling (default none)')
    .option('--test-fraction <f>', 'fraction of events for the test split, in [0, 1) (default 0.2)')
    .option('--split-seed <integer>', 'seed of the train/test event split (default 1)')
    .option('--min-signal <adc>', 'skip tiles whose |ADC| sum is below this in a or b (default 0)')
    .option('-f, --force', 'overwrite existing outputs')
    .action(async (input: string, flags: TilesFlags) => {
      const log = logger();
      const config = resolveTileConfig(flags.preset, overridesFromFlags(flags));
      const bar = new SingleBar({
        format: 'tiles [{bar}] {value}/{total} events | ETA {eta_formatted}',
        hideCursor: true,
        stream: process.stderr,
      });
      const started = performance.now();
      try {
        const summary = await cutTiles(
          { input, out: flags.out, force: Boolean(flags.force), config },
          (done, total) => (done === 1 ? bar.start(total, done) : bar.update(done)),
        );
        bar.stop();
        log.info('tiles done', {
          out: summary.out,
          catalog: summary.catalog,
          events: summary.events,
          testEvents: summary.testEvents.length,
          testEventNumbers: summary.testEvents.join(',') || 'none',
          train: summary.tiles.train,
          test: summary.tiles.test,
          skipped: summary.skipped,
          elapsedS: (performance.now() - started) / 1000,
        });
      } finally {
        bar.stop();
      }
    });
}

function overridesFromFlags(flags: TilesFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (flags.plane) out.plane = flags.plane;
  if (flags.size) [out.tileHeight, out.tileWidth] = pair('size', flags.size);
  if (flags.stride) [out.strideChannels, out.strideTicks] = pair('stride', flags.stride);
  if (flags.crop) [out.cropChannels, out.cropTicks] = pair('crop', flags.crop);
  if (flags.testFraction) out.testFraction = number('test-fraction', flags.testFraction);
  if (flags.splitSeed) out.splitSeed = number('split-seed', flags.splitSeed);
  if (flags.minSignal) out.minSignal = number('min-signal', flags.minSignal);
  return out;
}

/** `256` -> [256, 256]; `768x5888` -> [768, 5888]. */
export function pair(flag: string, text: string): [number, number] {
  const parts = text.split('x').map(Number);
  const ok = parts.length <= 2 && parts.every((n) => Number.isInteger(n) && n >= 0);
  if (!ok) throw new ConfigError(`--${flag} must be N or NxM (integers), got "${text}"`);
  return [parts[0], parts[1] ?? parts[0]];
}

export function number(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new ConfigError(`--${flag} must be a number, got "${text}"`);
  }
  return value;
}

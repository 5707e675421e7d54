/**
 * `wiregan translate`: runs an exported generator (ONNX) over every event
 * of an event file, tile by tile, and writes the translated frames to a new
 * event file; shows a progress bar over events and tiles.
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';

import { DEVICES, type Device } from '../pipeline/translate-model.js';
import { DEFAULT_TRANSLATE, type TranslateJob, translateEvents } from '../pipeline/translate.js';
import type { BaselineChoice } from '../pipeline/translate-input.js';
import { ConfigError } from '../sim/errors.js';
import type { Logger } from './log.js';
import { integer } from './flags.js';

interface TranslateFlags {
  model?: string;
  out?: string;
  tag: string;
  plane: string;
  domain: string;
  overlap: string;
  batch: string;
  baseline: string;
  device: string;
  parallel: string;
  threads: string;
  resume?: boolean;
  force?: boolean;
}

const PARALLEL = ['workers', 'threads'] as const;

export function registerTranslate(program: Command, logger: () => Logger): void {
  const d = DEFAULT_TRANSLATE;
  program
    .command('translate')
    .description('translate every event frame of a tag with an exported generator (ONNX)')
    .argument('<events.h5>', 'event file (wiregan or Wire-Cell frame layout)')
    .option('-m, --model <model.onnx>', 'exported generator, e.g. runs/<name>/g_ab.onnx')
    .option('-o, --out <translated.h5>', 'output event file')
    .option('--tag <tag>', 'frame tag to translate (orig or frame_orig, gauss, ...)', d.tag)
    .option(
      '--plane <name>',
      "plane from the file header (u, v, w), all, or auto: the model's recorded plane, else all",
      d.plane,
    )
    .option(
      '--domain <a|b>',
      'domain the model translates into: output tag <tag>_to_<domain>',
      d.domain,
    )
    .option(
      '--overlap <value>',
      'tile overlap: fraction of the tile below 1, else pixels',
      String(d.overlap),
    )
    .option('--batch <count>', 'tiles per model call', String(d.batch))
    .option(
      '--baseline <rule>',
      'auto (header, else per-channel median), median, or ADC',
      d.baseline,
    )
    .option(
      '--device <name>',
      `${DEVICES.join(' or ')} (cuda needs onnxruntime-node's CUDA 12 install)`,
      d.device,
    )
    .option(
      '--parallel <mode>',
      'workers: threads each with a 1-thread session; threads: one session',
      'workers',
    )
    .option(
      '--threads <count>',
      'worker threads, or intra-op threads with --parallel threads',
      String(d.workers),
    )
    .option('--resume', 'continue an interrupted run, skipping finished events')
    .option('-f, --force', 'replace an existing output (or, without --resume, a partial one)')
    .action(async (input: string, flags: TranslateFlags) => {
      const log = logger();
      const job = jobFromFlags(input, flags);
      const bar = new SingleBar({
        format:
          'translate [{bar}] {percentage}% | event {event} ({events}) | tiles {tiles} | {rate} tiles/s | ETA {eta_formatted}',
        hideCursor: true,
        stream: process.stderr,
        etaBuffer: 50,
      });
      const started = performance.now();
      let tilesDone = 0;
      let lastTiles = 0;
      let done = 0;
      let total = 0;
      try {
        const summary = await translateEvents(job, (p) => {
          if (p.kind === 'start') {
            total = p.events;
            done = p.skipped.length;
            if (p.skipped.length > 0) log.info('resuming', { finished: p.skipped.join(',') });
            if (p.withoutTag.length > 0) {
              log.warn(`events without frame_${job.tag} are not translated`, {
                events: p.withoutTag.join(','),
              });
            }
            bar.start(total, done, {
              event: '-',
              events: `${done}/${total}`,
              tiles: '-',
              rate: '-',
            });
          } else if (p.kind === 'tiles') {
            tilesDone += p.done - lastTiles;
            lastTiles = p.done === p.total ? 0 : p.done;
            const rate = tilesDone / ((performance.now() - started) / 1000);
            bar.update(done + p.done / p.total, {
              event: p.event,
              events: `${done}/${total}`,
              tiles: `${p.done}/${p.total}`,
              rate: rate.toFixed(1),
            });
          } else {
            done = p.done;
            bar.update(done, { events: `${done}/${total}` });
          }
        });
        bar.stop();
        const elapsedS = (performance.now() - started) / 1000;
        log.info('translate done', {
          out: summary.out,
          tag: summary.outTag,
          events: summary.translated.length,
          resumed: summary.skipped.length,
          tiles: summary.tiles,
          tile: summary.tile.join('x'),
          overlapPx: summary.overlap.join('x'),
          elapsedS,
          tilesPerS: summary.tiles / elapsedS,
        });
      } finally {
        bar.stop();
      }
    });
}

function jobFromFlags(input: string, flags: TranslateFlags): TranslateJob {
  if (!flags.model) throw new ConfigError('translate: --model <model.onnx> is required');
  if (!flags.out) throw new ConfigError('translate: --out <translated.h5> is required');
  if (flags.domain !== 'a' && flags.domain !== 'b') {
    throw new ConfigError(`--domain must be a or b, got "${flags.domain}"`);
  }
  if (!(DEVICES as readonly string[]).includes(flags.device)) {
    throw new ConfigError(`--device must be one of ${DEVICES.join(', ')}, got "${flags.device}"`);
  }
  if (!(PARALLEL as readonly string[]).includes(flags.parallel)) {
    throw new ConfigError(
      `--parallel must be one of ${PARALLEL.join(', ')}, got "${flags.parallel}"`,
    );
  }
  const threads = integer('threads', flags.threads, 1);
  const workers = flags.parallel === 'workers';
  return {
    input,
    model: flags.model,
    out: flags.out,
    tag: flags.tag,
    plane: flags.plane,
    domain: flags.domain,
    overlap: number('overlap', flags.overlap),
    batch: integer('batch', flags.batch, 1),
    baseline: baseline(flags.baseline),
    device: flags.device as Device,
    workers: workers ? threads : 0,
    threads: workers ? 1 : threads,
    resume: Boolean(flags.resume),
    force: Boolean(flags.force),
  };
}

function baseline(text: string): BaselineChoice {
  if (text === 'auto' || text === 'median') return text;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new ConfigError(`--baseline must be auto, median or a number of ADC, got "${text}"`);
  }
  return value;
}

function number(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`--${flag} must be a number >= 0, got "${text}"`);
  }
  return value;
}

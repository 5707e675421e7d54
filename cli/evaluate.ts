/**
 * `wiregan evaluate`: scores a run's generators on paired test tiles
 * and/or a translated event file against its truth; prints the summary
 * table on stdout and writes metrics, summary and report to a folder.
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';

import { DEFAULT_METRICS } from '../models/metrics.js';
import { type EvaluationJob, defaultOutDir, runEvaluation } from '../pipeline/evaluate.js';
import { DEFAULT_FRAME_TAGS } from '../pipeline/evaluate-frames.js';
import { summaryCells } from '../pipeline/report.js';
import { SPLITS, type Split } from '../pipeline/tilefile.js';
import { ConfigError } from '../sim/errors.js';
import type { Logger } from './log.js';
import { integer } from './flags.js';

interface EvaluateFlags {
  model?: string;
  data?: string;
  split: string;
  truth?: string;
  translated?: string;
  translatedTag: string;
  truthTag: string;
  inputTag: string;
  out?: string;
  force?: boolean;
  batch: string;
  maxTiles?: string;
  previewTiles: string;
  threshold: string;
  linearThreshold: string;
  threads: string;
  json?: boolean;
}

/** The full-frame preview is pooled to at most [wires, ticks]. */
const FRAME_PREVIEW_SIZE: readonly [number, number] = [480, 1200];

export function registerEvaluate(program: Command, logger: () => Logger): void {
  program
    .command('evaluate')
    .description('score translations against paired truth: test tiles and/or full frames')
    .option('-m, --model <run-dir>', 'run folder with g_ab.onnx and g_ba.onnx (and history.arrow)')
    .option('-d, --data <tiles.h5>', 'tile file to evaluate the generators on')
    .option('--split <name>', `tile split (${SPLITS.join(', ')})`, 'test')
    .option('--truth <events.h5>', 'event file with the input and truth frames')
    .option('--translated <translated.h5>', 'event file with the translated frames')
    .option('--translated-tag <tag>', 'translated frame tag', DEFAULT_FRAME_TAGS.translatedTag)
    .option('--truth-tag <tag>', 'truth frame tag', DEFAULT_FRAME_TAGS.truthTag)
    .option('--input-tag <tag>', 'input frame tag (the baseline)', DEFAULT_FRAME_TAGS.inputTag)
    .option('-o, --out <dir>', 'output folder (default <run>/eval-<split> or beside --translated)')
    .option('-f, --force', 'replace an existing output folder')
    .option('--batch <count>', 'tiles per inference call', '8')
    .option('--max-tiles <count>', 'evaluate only the first tiles of the split')
    .option('--preview-tiles <count>', 'tiles per direction shown in the report', '4')
    .option(
      '--threshold <adc>',
      '|x| above this is signal (on noisy frames, a few noise RMS)',
      String(DEFAULT_METRICS.threshold),
    )
    .option('--linear-threshold <adc>', 'linear range c of the symlog colour scale', '3')
    .option('--threads <count>', 'onnxruntime threads per operator (0: its default)', '0')
    .option('--json', 'print the summary as JSON instead of a table')
    .action(async (flags: EvaluateFlags) => {
      const log = logger();
      const job = jobFromFlags(flags);
      const bar = new SingleBar({
        format: 'evaluate {stage} [{bar}] {value}/{total}',
        hideCursor: true,
        stream: process.stderr,
      });
      const started = performance.now();
      let stage = '';
      try {
        const result = await runEvaluation(job, (p) => {
          if (p.stage !== stage) {
            bar.stop();
            stage = p.stage;
            bar.start(p.total, 0, { stage });
          }
          bar.update(p.done, { stage });
        });
        bar.stop();
        const text = flags.json
          ? JSON.stringify(result.summary, null, 2)
          : formatTable(summaryCells(result.summary));
        process.stdout.write(text + '\n');
        log.info('evaluate done', {
          out: result.outDir,
          report: result.reportFile,
          metrics: result.metricsFile,
          images: result.rows,
          elapsedS: (performance.now() - started) / 1000,
        });
      } finally {
        bar.stop();
      }
    });
}

function jobFromFlags(flags: EvaluateFlags): EvaluationJob {
  const tiles = tileJob(flags);
  const frames = frameJob(flags);
  if (!tiles && !frames) {
    throw new ConfigError(
      'evaluate: give --model and --data (tiles), or --truth and --translated (frames), or both',
    );
  }
  const partial = { tiles, frames };
  return {
    ...partial,
    runDir: flags.model,
    outDir: flags.out ?? defaultOutDir(partial),
    force: Boolean(flags.force),
    metrics: { threshold: positive('threshold', flags.threshold) },
    linearThreshold: positive('linear-threshold', flags.linearThreshold),
  };
}

function tileJob(flags: EvaluateFlags): EvaluationJob['tiles'] {
  if (!flags.data) return undefined;
  if (!flags.model) throw new ConfigError('evaluate: --data needs --model <run-dir>');
  if (!(SPLITS as readonly string[]).includes(flags.split)) {
    throw new ConfigError(`--split must be one of ${SPLITS.join(', ')}, got "${flags.split}"`);
  }
  return {
    modelDir: flags.model,
    tileFile: flags.data,
    split: flags.split as Split,
    batchSize: integer('batch', flags.batch, 1),
    maxTiles: flags.maxTiles === undefined ? undefined : integer('max-tiles', flags.maxTiles, 1),
    previewTiles: integer('preview-tiles', flags.previewTiles, 0),
    intraOpThreads: integer('threads', flags.threads, 0),
  };
}

function frameJob(flags: EvaluateFlags): EvaluationJob['frames'] {
  if (!flags.truth && !flags.translated) return undefined;
  if (!flags.truth || !flags.translated) {
    throw new ConfigError('evaluate: --truth and --translated go together');
  }
  return {
    truthFile: flags.truth,
    translatedFile: flags.translated,
    translatedTag: flags.translatedTag,
    truthTag: flags.truthTag,
    inputTag: flags.inputTag,
    previewSize: FRAME_PREVIEW_SIZE,
  };
}

/** Left-aligned text columns, two spaces apart. */
export function formatTable(cells: string[][]): string {
  const widths = cells[0].map((_, k) => Math.max(...cells.map((row) => row[k].length)));
  return cells
    .map((row) =>
      row
        .map((c, k) => c.padEnd(widths[k]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function positive(flag: string, text: string): number {
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0)) {
    throw new ConfigError(`--${flag} must be a number > 0, got "${text}"`);
  }
  return value;
}

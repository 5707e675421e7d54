/**
 * `evaluate`: scores a run's generators on paired test tiles and/or a
 * translated event file against its truth, and writes an evaluation
 * folder.
 *
 * Output folder (written whole under a temporary name, then renamed):
 * - `metrics.arrow`: one row per image (pipeline/metricstable.ts);
 * - `summary.json`: the summary rows (pipeline/evalsummary.ts), the last
 *   training step in the run's history (null without one) and the job;
 *   NaN values are written as null;
 * - `report/index.html` with its PNGs (pipeline/report.ts), with the
 *   run's loss curves when the run folder has `history.arrow`.
 * The summary is also returned, for the caller to print.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { MetricsConfig } from '../models/metrics.js';
import { ConfigError } from '../sim/errors.js';
import { beginAtomicDirectory } from './atomicdir.js';
import { summarise, type SummaryRow } from './evalsummary.js';
import { evaluateFrames, type FrameEvaluationJob } from './evaluate-frames.js';
import { evaluateTiles, GENERATOR_FILES, type TileEvaluationJob } from './evaluate-tiles.js';
import { openHdf5 } from './hdf5.js';
import { metricsTableBytes, type MetricsRow } from './metricstable.js';
import { type Preview, writeReport } from './report.js';
import { readLossHistory } from './runhistory.js';
import { fileSha256, TRANSLATION_ATTRIBUTE } from './translate-output.js';

export interface EvaluationJob {
  /** Paired tiles through the run's ONNX generators. */
  readonly tiles?: Omit<TileEvaluationJob, 'metrics'>;
  /** A translated event file against its truth. */
  readonly frames?: Omit<FrameEvaluationJob, 'metrics'>;
  /** Run folder whose history.arrow gives the loss curves (optional). */
  readonly runDir?: string;
  readonly outDir: string;
  /** Replace an existing output folder. */
  readonly force: boolean;
  readonly metrics: MetricsConfig;
  /** Linear threshold c of the report's colour scale [ADC], > 0. */
  readonly linearThreshold: number;
}

export interface EvaluationProgress {
  readonly stage: 'tiles' | 'frames';
  readonly done: number;
  readonly total: number;
}

export interface EvaluationResult {
  readonly outDir: string;
  readonly metricsFile: string;
  readonly summaryFile: string;
  readonly reportFile: string;
  readonly rows: number;
  readonly summary: SummaryRow[];
}

/** Names of the files in an evaluation folder. */
export const EVALUATION_FILES = {
  metrics: 'metrics.arrow',
  summary: 'summary.json',
  report: path.join('report', 'index.html'),
  history: 'history.arrow',
} as const;

/** Scores written during training (models/trainer.ts), shown in the report when present. */
const EVAL_HISTORY_FILE = 'eval-history.arrow';

/** Where the output goes without --out: beside the run, or beside the translated file. */
export function defaultOutDir(job: Pick<EvaluationJob, 'tiles' | 'frames'>): string {
  if (job.tiles) return path.join(job.tiles.modelDir, `eval-${job.tiles.split}`);
  if (job.frames) {
    const file = job.frames.translatedFile;
    return path.join(path.dirname(file), `eval-${path.basename(file, path.extname(file))}`);
  }
  throw new ConfigError(
    'evaluate: expected tiles (--model, --data) or frames (--truth, --translated)',
  );
}

/** Runs the evaluation and writes the output folder. */
export async function runEvaluation(
  job: EvaluationJob,
  onProgress: (progress: EvaluationProgress) => void = () => {},
): Promise<EvaluationResult> {
  if (!job.tiles && !job.frames) defaultOutDir(job);
  if (!(Number.isFinite(job.linearThreshold) && job.linearThreshold > 0)) {
    throw new ConfigError(`linear threshold must be > 0 ADC, got ${job.linearThreshold}`);
  }
  if (job.tiles && job.frames) await checkSameModel(job.tiles.modelDir, job.frames);
  const output = beginAtomicDirectory(job.outDir, { force: job.force });
  try {
    const result = await evaluateInto(job, output.tempPath, onProgress);
    output.commit();
    return result;
  } catch (error) {
    output.abort();
    throw error;
  }
}

/**
 * Refuses frames translated by another model than the run's generator of
 * that direction (by the sha256 the translation record keeps): the report
 * would credit the run with another model's scores. Files without a
 * record, or runs without that generator, pass.
 */
export async function checkSameModel(
  runDir: string,
  frames: Omit<FrameEvaluationJob, 'metrics'>,
): Promise<void> {
  const generator = path.join(
    runDir,
    frames.translatedTag.endsWith('_to_a') ? GENERATOR_FILES.gba : GENERATOR_FILES.gab,
  );
  if (!fs.existsSync(generator)) return;
  const file = await openHdf5(frames.translatedFile, 'r');
  let record: { model?: string; modelSha256?: string } | null = null;
  try {
    const text = file.attrs[TRANSLATION_ATTRIBUTE]?.value;
    if (typeof text === 'string') record = JSON.parse(text);
  } finally {
    file.close();
  }
  if (record?.modelSha256 && record.modelSha256 !== fileSha256(generator)) {
    throw new ConfigError(
      `${frames.translatedFile} was translated by ${record.model ?? 'another model'}, ` +
        `not by ${generator} (sha256 differs): evaluate it with that model's run, or ` +
        'translate again with this one',
    );
  }
}

async function evaluateInto(
  job: EvaluationJob,
  dir: string,
  onProgress: (progress: EvaluationProgress) => void,
): Promise<EvaluationResult> {
  const rows: MetricsRow[] = [];
  const tilePreviews: Preview[] = [];
  let framePreview: Preview | null = null;
  const facts: [string, string][] = [];

  if (job.tiles) {
    const tiles = await evaluateTiles({ ...job.tiles, metrics: job.metrics }, (done, total) =>
      onProgress({ stage: 'tiles', done, total }),
    );
    rows.push(...tiles.rows);
    tilePreviews.push(...tiles.previews);
    facts.push(
      ['run', job.tiles.modelDir],
      ['tiles', `${job.tiles.tileFile} (${job.tiles.split})`],
    );
    facts.push(['tiles evaluated', `${tiles.tiles} of ${tiles.tileHeight} x ${tiles.tileWidth}`]);
  }
  if (job.frames) {
    const frames = await evaluateFrames({ ...job.frames, metrics: job.metrics }, (done, total) =>
      onProgress({ stage: 'frames', done, total }),
    );
    rows.push(...frames.rows);
    framePreview = frames.preview;
    const { truthFile, translatedFile, truthTag, inputTag, translatedTag } = job.frames;
    facts.push(['truth', `${truthFile} (truth ${truthTag}, input ${inputTag})`]);
    facts.push(['translated', `${translatedFile} (${translatedTag})`]);
    facts.push(['events', frames.events.join(', ')]);
  }
  facts.push(['signal threshold', `|x| > ${job.metrics.threshold} ADC`]);

  const summary = summarise(rows);
  const runDir = job.runDir ?? job.tiles?.modelDir;
  const history = runDir ? readLossHistory(path.join(runDir, EVALUATION_FILES.history)) : null;
  const steps = history && history.step.length > 0 ? history.step[history.step.length - 1] : null;
  if (steps !== null) facts.push(['training steps (last in history)', String(steps)]);
  const evalHistory = runDir ? readLossHistory(path.join(runDir, EVAL_HISTORY_FILE)) : null;
  const files = outputFiles(job.outDir);
  fs.writeFileSync(path.join(dir, EVALUATION_FILES.metrics), metricsTableBytes(rows));
  const record = { summary, steps, job: { ...job, outDir: undefined, force: undefined } };
  fs.writeFileSync(
    path.join(dir, EVALUATION_FILES.summary),
    JSON.stringify(record, null, 2) + '\n',
  );
  fs.mkdirSync(path.join(dir, 'report'));
  writeReport(path.join(dir, 'report'), {
    title: 'wiregan evaluation',
    facts,
    summary,
    tilePreviews,
    framePreview,
    history,
    evalHistory,
    linearThreshold: job.linearThreshold,
  });
  return { ...files, outDir: job.outDir, rows: rows.length, summary };
}

function outputFiles(outDir: string) {
  return {
    metricsFile: path.join(outDir, EVALUATION_FILES.metrics),
    summaryFile: path.join(outDir, EVALUATION_FILES.summary),
    reportFile: path.join(outDir, EVALUATION_FILES.report),
  };
}

/**
 * Evaluation on paired tiles: both generators of a run over one split of a
 * tile file.
 *
 * Input: a run folder with `g_ab.onnx` and `g_ba.onnx` (models/
 * onnx-translator.ts) and a tile file (pipeline/tilefile.ts) whose tile
 * size is the models' one. For each tile pair (a, b), in batches:
 * fake_b = G_ab(a) is scored against b with a as the do-nothing baseline,
 * fake_a = G_ba(b) against a with b as baseline, and the cycles
 * G_ba(fake_b) against a and G_ab(fake_a) against b give the cycle errors.
 * Output: one `MetricsRow` per tile and direction, and the first few tiles
 * with the most signal (sum |a| + sum |b|) kept as previews in both
 * directions (input, translation, truth).
 */
import fs from 'node:fs';
import path from 'node:path';

import { compareImages, cycleError, type MetricsConfig } from '../models/metrics.js';
import { OnnxTranslator } from '../models/onnx-translator.js';
import type { Translator } from '../models/translator.js';
import { ConfigError, FileFormatError, ShapeError } from '../sim/errors.js';
import type { MetricsRow } from './metricstable.js';
import type { Preview } from './report.js';
import { SPLITS, type Split, TileFileReader } from './tilefile.js';

/** File names of the exported generators in a run folder. */
export const GENERATOR_FILES = { gab: 'g_ab.onnx', gba: 'g_ba.onnx' } as const;

export interface TileEvaluationJob {
  /** Run folder holding g_ab.onnx and g_ba.onnx. */
  readonly modelDir: string;
  readonly tileFile: string;
  readonly split: Split;
  /** Tiles per inference call, >= 1. */
  readonly batchSize: number;
  /** Evaluate only the first this many tiles (all when undefined). */
  readonly maxTiles?: number;
  /** Tiles shown in the report (each in both directions), >= 0. */
  readonly previewTiles: number;
  /** onnxruntime threads per operator; 0 = its default. */
  readonly intraOpThreads: number;
  readonly metrics: MetricsConfig;
}

export interface TileEvaluation {
  readonly rows: MetricsRow[];
  readonly previews: Preview[];
  readonly tileHeight: number;
  readonly tileWidth: number;
  readonly tiles: number;
}

/** Runs the job; `onProgress(done, total)` after each batch. */
export async function evaluateTiles(
  job: TileEvaluationJob,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<TileEvaluation> {
  checkJob(job);
  const [gab, gba] = await openGenerators(job);
  try {
    const reader = await TileFileReader.open(job.tileFile);
    try {
      checkTiles(job, reader, gab);
      return await runBatches(job, reader, gab, gba, onProgress);
    } finally {
      reader.close();
    }
  } finally {
    await Promise.all([gab.close(), gba.close()]);
  }
}

async function runBatches(
  job: TileEvaluationJob,
  reader: TileFileReader,
  gab: Translator,
  gba: Translator,
  onProgress: (done: number, total: number) => void,
): Promise<TileEvaluation> {
  const { tileHeight: h, tileWidth: w } = reader;
  const total = Math.min(reader.count(job.split), job.maxTiles ?? Infinity);
  const rows: MetricsRow[] = [];
  const candidates: PreviewCandidate[] = [];
  const size = h * w;

  for (let first = 0; first < total; first += job.batchSize) {
    const end = Math.min(total, first + job.batchSize);
    const n = end - first;
    // [n, h, w] each.
    const realA = reader.readRange(job.split, 'a', first, end);
    const realB = reader.readRange(job.split, 'b', first, end);
    const fakeB = await gab.translate(realA, n);
    const recA = await gba.translate(fakeB, n);
    const fakeA = await gba.translate(realB, n);
    const recB = await gab.translate(fakeA, n);

    for (let k = 0; k < n; k++) {
      const tile = (x: Float32Array) => x.subarray(k * size, (k + 1) * size);
      const index = first + k;
      for (const [direction, input, output, truth, cycled] of [
        ['a_to_b', realA, fakeB, realB, recA],
        ['b_to_a', realB, fakeA, realA, recB],
      ] as const) {
        const metrics = compareImages(
          tile(input),
          tile(output),
          tile(truth),
          { n: 1, h, w },
          job.metrics,
        );
        const cycleL1 = cycleError(tile(cycled), tile(input));
        rows.push({ source: 'tiles', direction, plane: '', index, event: -1, cycleL1, ...metrics });
      }
      const score = absSum(tile(realA)) + absSum(tile(realB));
      const copy = (x: Float32Array) => Float32Array.from(tile(x));
      keepPreview(candidates, job.previewTiles, index, score, () => {
        return [realA, realB, fakeB, fakeA].map(copy) as PreviewTiles;
      });
    }
    onProgress(end, total);
  }
  const previews = candidates.flatMap(({ index, tiles: [a, b, fakeB, fakeA] }) => {
    const label = `${job.split} tile ${index}`;
    const common = { label, h, w, pooled: [1, 1] as const };
    return [
      { ...common, direction: 'a_to_b', input: a, output: fakeB, truth: b },
      { ...common, direction: 'b_to_a', input: b, output: fakeA, truth: a },
    ];
  });
  return { rows, previews, tileHeight: h, tileWidth: w, tiles: total };
}

/** [real_a, real_b, fake_b, fake_a] of one tile, each [h, w]. */
type PreviewTiles = [Float32Array, Float32Array, Float32Array, Float32Array];

interface PreviewCandidate {
  readonly index: number;
  /** sum |a| + sum |b|: the tiles with the most signal are shown. */
  readonly score: number;
  readonly tiles: PreviewTiles;
}

/** Keeps the `limit` candidates of highest score, ties to the lower index, sorted. */
function keepPreview(
  kept: PreviewCandidate[],
  limit: number,
  index: number,
  score: number,
  tiles: () => PreviewTiles,
): void {
  const last = kept[kept.length - 1];
  if (limit === 0 || (kept.length === limit && score <= last.score)) return;
  kept.push({ index, score, tiles: tiles() });
  kept.sort((x, y) => y.score - x.score || x.index - y.index);
  if (kept.length > limit) kept.pop();
}

function absSum(x: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]);
  return sum;
}

async function openGenerators(job: TileEvaluationJob): Promise<[Translator, Translator]> {
  if (!fs.existsSync(job.modelDir)) {
    throw new FileFormatError(job.modelDir, 'no such run folder');
  }
  const paths = [GENERATOR_FILES.gab, GENERATOR_FILES.gba].map((f) => path.join(job.modelDir, f));
  for (const file of paths) {
    if (!fs.existsSync(file)) {
      throw new FileFormatError(
        file,
        'missing generator model; expected the ONNX file that `wiregan export` writes',
      );
    }
  }
  const options = { intraOpThreads: job.intraOpThreads };
  const gab = await OnnxTranslator.open(paths[0], options);
  try {
    const gba = await OnnxTranslator.open(paths[1], options);
    if (gba.tileHeight !== gab.tileHeight || gba.tileWidth !== gab.tileWidth) {
      await gba.close();
      throw new ShapeError(
        `${paths[1]}: tile ${gba.tileHeight} x ${gba.tileWidth} differs from ` +
          `${paths[0]}'s ${gab.tileHeight} x ${gab.tileWidth}`,
      );
    }
    return [gab, gba];
  } catch (error) {
    await gab.close();
    throw error;
  }
}

function checkTiles(job: TileEvaluationJob, reader: TileFileReader, model: Translator): void {
  if (reader.tileHeight !== model.tileHeight || reader.tileWidth !== model.tileWidth) {
    throw new ShapeError(
      `${job.tileFile}: tiles are ${reader.tileHeight} x ${reader.tileWidth} (wires x ticks), ` +
        `but the models in ${job.modelDir} take ${model.tileHeight} x ${model.tileWidth}`,
    );
  }
  if (reader.count(job.split) === 0) {
    throw new FileFormatError(job.tileFile, `split "${job.split}" has no tiles`, {
      dataset: `${job.split}/a`,
    });
  }
}

function checkJob(job: TileEvaluationJob): void {
  if (!SPLITS.includes(job.split)) {
    throw new ConfigError(`split must be one of ${SPLITS.join(', ')}, got "${job.split}"`);
  }
  const positive = (name: string, value: number, min: number) => {
    if (!(Number.isInteger(value) && value >= min)) {
      throw new ConfigError(`${name} must be an integer >= ${min}, got ${value}`);
    }
  };
  positive('batchSize', job.batchSize, 1);
  positive('previewTiles', job.previewTiles, 0);
  positive('intraOpThreads', job.intraOpThreads, 0);
  if (job.maxTiles !== undefined) positive('maxTiles', job.maxTiles, 1);
}

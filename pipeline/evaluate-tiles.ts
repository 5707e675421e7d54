/**
 * Evaluation on paired tiles: both generators of a run over one split of a
 * tile file.
 *
 * Input: a run folder with `g_ab.onnx` and `g_ba.onnx` (models/
 * onnx-translator.ts) and a tile file (pipeline/tilefile.ts). Tiles of
 * another size than the models' are translated as small frames
 * (pipeline/tiled-translator.ts: overlapping model tiles, blended), so a
 * model trained on crops is scored on whole tiles. For each tile pair
 * (a, b), in batches:
 * fake_b = G_ab(a) is scored against b with a as the do-nothing baseline,
 * fake_a = G_ba(b) against a with b as baseline, and the cycles
 * G_ba(fake_b) against a and G_ab(fake_a) against b give the cycle errors.
 * Output: one `MetricsRow` per tile and direction, and the few tiles with
 * the most signal (sum |a| + sum |b|) kept as previews in both directions
 * (input, translation, truth). Memory: one batch and the previews.
 * Left out: unpaired tiles (every metric needs the paired truth) and
 * shuffling (tiles are taken in file order, the first `maxTiles`).
 */
import fs from 'node:fs';
import path from 'node:path';

import { compareImages, cycleError, type MetricsConfig } from '../models/metrics.js';
import { OnnxTranslator } from '../models/onnx-translator.js';
import type { Translator } from '../models/translator.js';
import { ConfigError, FileFormatError, ShapeError } from '../sim/errors.js';
import type { MetricsRow } from './metricstable.js';
import { TiledTranslator } from './tiled-translator.js';
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
  /** Overlap of model tiles when the tiles are of another size (default 0.25 of a tile). */
  readonly overlap?: number;
  readonly metrics: MetricsConfig;
}

/** Model-tile overlap used when tiles and models differ in size. */
export const DEFAULT_TILE_OVERLAP = 0.25;

export interface TileEvaluation {
  readonly rows: MetricsRow[];
  readonly previews: Preview[];
  readonly tileHeight: number;
  readonly tileWidth: number;
  readonly tiles: number;
}

/** Runs the job with the run's ONNX generators; `onProgress(done, total)` after each batch. */
export async function evaluateTiles(
  job: TileEvaluationJob,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<TileEvaluation> {
  checkJob(job);
  const [gab, gba] = await openGenerators(job);
  try {
    return await evaluateTilesWith(job, { gab, gba }, onProgress);
  } finally {
    await Promise.all([gab.close(), gba.close()]);
  }
}

/**
 * Runs the job with given generators (e.g. ones still in training);
 * `job.modelDir` only names them in messages. The caller owns and closes
 * the translators.
 */
export async function evaluateTilesWith(
  job: TileEvaluationJob,
  generators: { readonly gab: Translator; readonly gba: Translator },
  onProgress: (done: number, total: number) => void = () => {},
): Promise<TileEvaluation> {
  checkJob(job);
  const reader = await TileFileReader.open(job.tileFile);
  try {
    checkTiles(job, reader);
    const gab = fitToTiles(job, reader, generators.gab);
    const gba = fitToTiles(job, reader, generators.gba);
    return await runBatches(job, reader, gab, gba, onProgress);
  } finally {
    reader.close();
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
    const batch: Batch = { first, n, h, w, realA, realB, fakeB, fakeA, recA, recB };
    rows.push(...scoreBatch(job, batch));
    for (let k = 0; k < n; k++) keepPreview(candidates, job.previewTiles, batch, k);
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

/** One batch of tiles [n, h, w] and their translations, from tile `first` on. */
interface Batch {
  readonly first: number;
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly realA: Float32Array;
  readonly realB: Float32Array;
  readonly fakeB: Float32Array;
  readonly fakeA: Float32Array;
  readonly recA: Float32Array;
  readonly recB: Float32Array;
}

/** Tile k of a batch array, [h, w]. */
function tileOf(batch: Batch, x: Float32Array, k: number): Float32Array {
  const size = batch.h * batch.w;
  return x.subarray(k * size, (k + 1) * size);
}

function scoreBatch(job: TileEvaluationJob, batch: Batch): MetricsRow[] {
  const { h, w, realA, realB, fakeB, fakeA, recA, recB } = batch;
  const rows: MetricsRow[] = [];
  for (let k = 0; k < batch.n; k++) {
    const tile = (x: Float32Array) => tileOf(batch, x, k);
    for (const [direction, input, output, truth, cycled] of [
      ['a_to_b', realA, fakeB, realB, recA],
      ['b_to_a', realB, fakeA, realA, recB],
    ] as const) {
      const shape = { n: 1, h, w };
      const metrics = compareImages(tile(input), tile(output), tile(truth), shape, job.metrics);
      const cycleL1 = cycleError(tile(cycled), tile(input));
      const index = batch.first + k;
      rows.push({ source: 'tiles', direction, plane: '', index, event: -1, cycleL1, ...metrics });
    }
  }
  return rows;
}

/** [real_a, real_b, fake_b, fake_a] of one tile, each [h, w]. */
type PreviewTiles = [Float32Array, Float32Array, Float32Array, Float32Array];

interface PreviewCandidate {
  readonly index: number;
  /** sum |a| + sum |b|: the tiles with the most signal are shown. */
  readonly score: number;
  readonly tiles: PreviewTiles;
}

/**
 * Offers tile k of a batch to the kept candidates: keeps the `limit` of
 * highest score, ties to the lower index, sorted; copies only what it keeps.
 */
function keepPreview(kept: PreviewCandidate[], limit: number, batch: Batch, k: number): void {
  const tile = (x: Float32Array) => tileOf(batch, x, k);
  const score = absSum(tile(batch.realA)) + absSum(tile(batch.realB));
  const last = kept[kept.length - 1];
  if (limit === 0 || (kept.length === limit && score <= last.score)) return;
  const arrays = [batch.realA, batch.realB, batch.fakeB, batch.fakeA];
  const tiles = arrays.map((x) => Float32Array.from(tile(x))) as PreviewTiles;
  kept.push({ index: batch.first + k, score, tiles });
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

function checkTiles(job: TileEvaluationJob, reader: TileFileReader): void {
  if (reader.count(job.split) === 0) {
    throw new FileFormatError(job.tileFile, `split "${job.split}" has no tiles`, {
      dataset: `${job.split}/a`,
    });
  }
}

/** The model itself when it takes the file's tiles, else a tiling wrapper (not closed here). */
function fitToTiles(job: TileEvaluationJob, reader: TileFileReader, model: Translator): Translator {
  if (reader.tileHeight === model.tileHeight && reader.tileWidth === model.tileWidth) return model;
  const image = [reader.tileHeight, reader.tileWidth] as const;
  const overlap = job.overlap ?? DEFAULT_TILE_OVERLAP;
  return new TiledTranslator(model, { image, overlap, batch: job.batchSize });
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

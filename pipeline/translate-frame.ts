/**
 * Translation of one frame of any size through a tile translator:
 * tiles cut by pipeline/frametiling.ts, sent in batches, blended back.
 *
 * Input: frame float32 [rows, cols] baseline-subtracted ADC (rows =
 * channels, cols = ticks). Output: a new float32 [rows, cols], the
 * translation, baseline-subtracted ADC. The input is not changed.
 *
 * Up to `inFlight` batches are with the translator at once, so the next
 * batch is cut while the previous ones run (in worker threads or in
 * onnxruntime's own threads). Memory: the output frame plus `inFlight`
 * batches of tiles in and out.
 */
import { ConfigError, ShapeError } from '../sim/errors.js';
import type { Translator } from '../models/translator.js';
import {
  type TilePlan,
  type TilingOptions,
  accumulateTiles,
  extractTiles,
  normaliseBlend,
  planTiles,
} from './frametiling.js';

export interface FrameTranslationOptions extends TilingOptions {
  /** Tiles per translator call, >= 1. */
  readonly batch: number;
  /** Batches sent before the first result is awaited, >= 1 (default 2). */
  readonly inFlight?: number;
}

/** Called after each batch: tiles done and tiles in the frame. */
export type TileProgress = (done: number, total: number) => void;

/** Translates `frame` [rows, cols]; resolves to a new [rows, cols] frame. */
export async function translateFrame(
  translator: Translator,
  frame: Float32Array,
  shape: readonly [number, number],
  options: FrameTranslationOptions,
  onTiles: TileProgress = () => {},
): Promise<Float32Array> {
  const { batch } = options;
  const inFlight = options.inFlight ?? 2;
  if (!(Number.isInteger(batch) && batch >= 1 && Number.isInteger(inFlight) && inFlight >= 1)) {
    throw new ConfigError(`batch and inFlight must be integers >= 1, got ${batch} and ${inFlight}`);
  }
  if (frame.length !== shape[0] * shape[1]) {
    throw new ShapeError(
      `translateFrame: expected a frame [${shape[0]}, ${shape[1]}] = ${shape[0] * shape[1]} values, ` +
        `got ${frame.length}`,
    );
  }
  const tile = [translator.tileHeight, translator.tileWidth] as const;
  const plan = planTiles(shape, tile, options);
  const sum = new Float32Array(shape[0] * shape[1]);

  const pending: Array<{ first: number; n: number; result: Promise<Float32Array> }> = [];
  let next = 0;
  let done = 0;
  const submit = () => {
    const n = Math.min(batch, plan.count - next);
    pending.push({ first: next, n, result: sendBatch(translator, frame, plan, next, n) });
    next += n;
  };
  try {
    while (done < plan.count) {
      while (next < plan.count && pending.length < inFlight) submit();
      const head = pending.shift()!;
      accumulateTiles(sum, plan, head.first, head.n, await head.result);
      done += head.n;
      onTiles(done, plan.count);
    }
  } finally {
    // A failed batch leaves the others running: let them settle unobserved.
    for (const p of pending) p.result.catch(() => {});
  }
  return normaliseBlend(sum, plan);
}

function sendBatch(
  translator: Translator,
  frame: Float32Array,
  plan: TilePlan,
  first: number,
  n: number,
): Promise<Float32Array> {
  const tiles = new Float32Array(n * plan.rows.tile * plan.cols.tile);
  extractTiles(frame, plan, first, n, tiles);
  return translator.translate(tiles, n);
}

/** Number of tiles and ratio of tile area to frame area for a frame. */
export function tilingWork(
  shape: readonly [number, number],
  tile: readonly [number, number],
  options: TilingOptions,
): { tiles: number; workRatio: number } {
  const plan = planTiles(shape, tile, options);
  return { tiles: plan.count, workRatio: (plan.count * tile[0] * tile[1]) / (shape[0] * shape[1]) };
}

/**
 * Frame tiling for translation: cuts a frame of any size into tiles of the
 * model's size, and blends the translated tiles back into a frame of the
 * input's shape. Pure functions over flat arrays; no I/O.
 *
 * Layout: a frame is float32 [rows, cols] row-major (rows = channels,
 * cols = ticks); tiles are float32 [n, tileRows, tileCols].
 *
 * Placement, per axis of extent N, tile T, overlap v (0 <= v < T / 2) and
 * stride S = T - v:
 * - N <= T: one tile, centred (start -floor((T - N) / 2)); a frame of
 *   exactly one tile is translated in a single pass.
 * - N > T: tiles start at -offset + j * S, j = 0 .. k - 1, k the fewest
 *   that reach N; `offset` in [0, S) is where the grid starts before the
 *   frame (default: the spare length split evenly between the two ends).
 * Parts of a tile outside the frame are filled by reflection about the
 * edge pixels (numpy's `reflect`, folded again for frames shorter than the
 * padding). Reflection, not zeros: the generator was trained on tiles full
 * of detector texture (noise, tracks), and a mirrored continuation keeps
 * tracks and noise going to the edge, where a band of zeros would be an
 * edge the model never saw.
 *
 * Blending: each consecutive pair of tiles shares v pixels. In the shared
 * band, the first `margin = floor(v / 4)` pixels belong to the earlier
 * tile alone, the last `margin` to the later tile alone, and in between
 * (r = v - 2 margin pixels) the weight passes from one to the other along
 * a raised cosine (cos^2 / sin^2, so the two weights sum to 1). Outer
 * sides of the first and last tile have weight 1. The 2-d weight is the
 * product of the row and column weights, and the blend is divided by the
 * summed weight, so the weights form a partition of unity by construction
 * and numerically. Pixels within `margin` of a tile edge inside the frame
 * get weight 0: a model whose output depends on at most `margin` pixels
 * around a pixel gives an interior result that does not depend on where
 * the grid starts (to float rounding); a model with a larger receptive
 * field gives a result that depends on it only through the smooth blend.
 *
 * Left out: overlaps of half a tile or more (a pixel would be in three
 * tiles along one axis), and weights other than the raised cosine.
 */
import { ConfigError, ShapeError } from '../sim/errors.js';

/** Tile placement and weights along one axis. */
export interface AxisPlan {
  /** Frame extent N [pixels]. */
  readonly extent: number;
  /** Tile size T [pixels]. */
  readonly tile: number;
  /** Overlap v between consecutive tiles [pixels]. */
  readonly overlap: number;
  /** First pixel of each tile; may be < 0 or end past `extent`. */
  readonly starts: readonly number[];
  /** Blend weight of each tile, [T] each. */
  readonly weights: readonly Float32Array[];
  /** Sum over tiles of the weight at each frame pixel, [N]. */
  readonly weightSum: Float32Array;
}

/** Tile placement over a frame: row axis and column axis. */
export interface TilePlan {
  readonly rows: AxisPlan;
  readonly cols: AxisPlan;
  /** Tiles in row-major grid order: tile t is (t / cols, t % cols). */
  readonly count: number;
}

export interface TilingOptions {
  /** Overlap [rows, cols] in pixels, each in [0, tile / 2). */
  readonly overlap: readonly [number, number];
  /** Grid start before the frame [rows, cols], each in [0, stride); default centred. */
  readonly offset?: readonly [number, number];
}

/**
 * Overlap in pixels from a user value: a fraction of the tile when below 1
 * (0.25 -> a quarter of the tile, rounded), else a whole number of pixels.
 */
export function overlapPixels(value: number, tile: number, name = 'overlap'): number {
  const pixels = value > 0 && value < 1 ? Math.round(value * tile) : value;
  if (!Number.isInteger(pixels) || pixels < 0 || 2 * pixels >= tile) {
    throw new ConfigError(
      `${name}: expected a fraction in (0, 0.5) or whole pixels in [0, ${Math.ceil(tile / 2) - 1}] ` +
        `for a tile of ${tile}, got ${value}`,
    );
  }
  return pixels;
}

/** Placement and weights along one axis (see the file contract). */
export function planAxis(extent: number, tile: number, overlap: number, offset?: number): AxisPlan {
  if (!Number.isInteger(extent) || extent < 1 || !Number.isInteger(tile) || tile < 1) {
    throw new ShapeError(`planAxis: expected extent and tile >= 1, got ${extent} and ${tile}`);
  }
  overlapPixels(overlap, tile);
  const stride = tile - overlap;
  if (offset !== undefined && !(Number.isInteger(offset) && offset >= 0 && offset < stride)) {
    throw new ConfigError(`grid offset: expected an integer in [0, ${stride}), got ${offset}`);
  }

  const starts =
    extent <= tile
      ? [0 - Math.floor((tile - extent) / 2) || 0]
      : gridStarts(extent, tile, stride, offset);
  const weights = starts.map((_, j) => tileWeights(tile, overlap, j > 0, j < starts.length - 1));
  const weightSum = new Float32Array(extent);
  starts.forEach((start, j) => {
    for (let i = Math.max(0, -start); i < tile && start + i < extent; i++) {
      weightSum[start + i] += weights[j][i];
    }
  });
  return { extent, tile, overlap, starts, weights, weightSum };
}

function gridStarts(extent: number, tile: number, stride: number, offset?: number): number[] {
  const count = (o: number) => Math.ceil((extent + o - tile) / stride) + 1;
  const spare = (count(0) - 1) * stride + tile - extent;
  const o = offset ?? Math.floor(spare / 2);
  return Array.from({ length: count(o) }, (_, j) => j * stride - o);
}

/** Weights [T]: ramps in on the left and out on the right where a neighbour shares pixels. */
function tileWeights(
  tile: number,
  overlap: number,
  rampIn: boolean,
  rampOut: boolean,
): Float32Array {
  const w = new Float32Array(tile).fill(1);
  const margin = Math.floor(overlap / 4);
  const ramp = overlap - 2 * margin;
  for (let k = 0; k < overlap; k++) {
    const x =
      k < margin
        ? 0
        : k >= margin + ramp
          ? 1
          : Math.sin(((k - margin + 0.5) / ramp) * (Math.PI / 2)) ** 2;
    if (rampIn) w[k] *= x;
    if (rampOut) w[tile - 1 - k] *= x;
  }
  return w;
}

/** The plan for a frame [rows, cols] and tiles [tileRows, tileCols]. */
export function planTiles(
  frame: readonly [number, number],
  tile: readonly [number, number],
  options: TilingOptions,
): TilePlan {
  const rows = planAxis(frame[0], tile[0], options.overlap[0], options.offset?.[0]);
  const cols = planAxis(frame[1], tile[1], options.overlap[1], options.offset?.[1]);
  return { rows, cols, count: rows.starts.length * cols.starts.length };
}

/** Index of `i` folded into [0, n) by reflection about the edge pixels. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const k = ((i % period) + period) % period;
  return k < n ? k : period - k;
}

/**
 * Copies tiles `first .. first + n - 1` of the plan out of `frame`
 * [rows, cols] into `out` [n, tileRows, tileCols], reflecting outside the frame.
 */
export function extractTiles(
  frame: Float32Array,
  plan: TilePlan,
  first: number,
  n: number,
  out: Float32Array,
): void {
  const { rows, cols } = plan;
  const [H, W, th, tw] = [rows.extent, cols.extent, rows.tile, cols.tile];
  const nc = cols.starts.length;
  for (let t = 0; t < n; t++) {
    const r0 = rows.starts[Math.floor((first + t) / nc)];
    const c0 = cols.starts[(first + t) % nc];
    const inside = c0 >= 0 && c0 + tw <= W;
    for (let i = 0; i < th; i++) {
      const src = reflectIndex(r0 + i, H) * W;
      const dst = (t * th + i) * tw;
      if (inside) {
        out.set(frame.subarray(src + c0, src + c0 + tw), dst);
      } else {
        for (let j = 0; j < tw; j++) out[dst + j] = frame[src + reflectIndex(c0 + j, W)];
      }
    }
  }
}

/**
 * Adds translated tiles `first .. first + n - 1` ([n, tileRows, tileCols])
 * into `sum` [rows, cols], each pixel times its tile's blend weight.
 */
export function accumulateTiles(
  sum: Float32Array,
  plan: TilePlan,
  first: number,
  n: number,
  tiles: Float32Array,
): void {
  const { rows, cols } = plan;
  const [H, W, th, tw] = [rows.extent, cols.extent, rows.tile, cols.tile];
  const nc = cols.starts.length;
  for (let t = 0; t < n; t++) {
    const ri = Math.floor((first + t) / nc);
    const ci = (first + t) % nc;
    const [r0, c0] = [rows.starts[ri], cols.starts[ci]];
    const [wr, wc] = [rows.weights[ri], cols.weights[ci]];
    const [j0, j1] = [Math.max(0, -c0), Math.min(tw, W - c0)];
    for (let i = Math.max(0, -r0); i < th && r0 + i < H; i++) {
      if (wr[i] === 0) continue;
      const dst = (r0 + i) * W + c0;
      const src = (t * th + i) * tw;
      for (let j = j0; j < j1; j++) sum[dst + j] += wr[i] * wc[j] * tiles[src + j];
    }
  }
}

/** Divides the weighted sum [rows, cols] by the summed weight, in place. */
export function normaliseBlend(sum: Float32Array, plan: TilePlan): Float32Array {
  const { rows, cols } = plan;
  const W = cols.extent;
  if (sum.length !== rows.extent * W) {
    throw new ShapeError(
      `normaliseBlend: expected [${rows.extent}, ${W}] = ${rows.extent * W} values, got ${sum.length}`,
    );
  }
  for (let r = 0; r < rows.extent; r++) {
    for (let c = 0; c < W; c++) sum[r * W + c] /= rows.weightSum[r] * cols.weightSum[c];
  }
  return sum;
}

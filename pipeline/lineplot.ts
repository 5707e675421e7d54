/**
 * A line plot drawn into a PNG: one or more series y(x) on linear axes
 * that span their finite values, in a grey frame, for loss curves in a
 * report. Series are drawn in order (the last on top).
 *
 * The plot area is the whole image inside a 1-pixel frame; x runs left to
 * right from min(x) to max(x), y bottom to top from min(y) to max(y).
 * Non-finite points break the line. Axis labels and ranges are returned
 * for the page to print next to the image.
 */
import { PNG } from 'pngjs';

import { ConfigError, ShapeError } from '../sim/errors.js';

export interface LinePlot {
  readonly png: Buffer;
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
}

const FRAME: readonly number[] = [160, 160, 160];
/** Matplotlib's first default line colour (tab:blue). */
export const LINE_COLOUR: readonly number[] = [31, 119, 180];
/** The same blue, lightened, for raw values under a smoothed line. */
export const LIGHT_LINE_COLOUR: readonly number[] = [174, 199, 232];

export interface Series {
  readonly y: ArrayLike<number>;
  /** RGB, 0-255; default `LINE_COLOUR`. */
  readonly colour?: readonly number[];
}

/** Draws each series against x into a `width` x `height` PNG. */
export function linePlotPng(
  x: ArrayLike<number>,
  series: ArrayLike<number> | readonly Series[],
  width: number,
  height: number,
): LinePlot {
  const all: readonly Series[] = isSeriesList(series) ? series : [{ y: series }];
  for (const { y } of all) {
    if (x.length !== y.length || x.length === 0) {
      throw new ShapeError(
        `linePlotPng: expected x and y of one non-zero length, got ${x.length} and ${y.length}`,
      );
    }
  }
  if (!(Number.isInteger(width) && width >= 8 && Number.isInteger(height) && height >= 8)) {
    throw new ConfigError(`linePlotPng: expected at least 8 x 8 pixels, got ${width} x ${height}`);
  }
  const xRange = finiteRange(x);
  const yRange = finiteRange(all.flatMap(({ y }) => Array.from(y)));
  const png = new PNG({ width, height });
  png.data.fill(255);

  const px = (v: number) => 1 + span(v, xRange) * (width - 3);
  const py = (v: number) => height - 2 - span(v, yRange) * (height - 3);
  for (const { y, colour = LINE_COLOUR } of all) {
    for (let i = 1; i < x.length; i++) {
      const points = [x[i - 1], y[i - 1], x[i], y[i]];
      if (!points.every(Number.isFinite)) continue;
      segment(png, [px(points[0]), py(points[1])], [px(points[2]), py(points[3])], colour);
    }
    if (x.length === 1 && Number.isFinite(y[0])) dot(png, px(x[0]), py(y[0]), colour);
  }
  frame(png);
  return { png: PNG.sync.write(png), xRange, yRange };
}

/** [min, max] of the finite values; [0, 1] when there are none. */
function finiteRange(values: ArrayLike<number>): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) continue;
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** Position of v in range as 0..1 (0.5 for an empty range). */
function span(v: number, [lo, hi]: readonly [number, number]): number {
  return hi > lo ? (v - lo) / (hi - lo) : 0.5;
}

/** Trailing moving average over `window` points (fewer at the start), NaN skipped. */
export function movingAverage(values: ArrayLike<number>, window: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    let [sum, count] = [0, 0];
    for (let j = Math.max(0, i - window + 1); j <= i; j++) {
      if (Number.isFinite(values[j])) [sum, count] = [sum + values[j], count + 1];
    }
    out[i] = count > 0 ? sum / count : NaN;
  }
  return out;
}

function isSeriesList(series: ArrayLike<number> | readonly Series[]): series is readonly Series[] {
  return series.length > 0 && typeof series[0] === 'object';
}

function segment(
  png: PNG,
  [x0, y0]: readonly [number, number],
  [x1, y1]: readonly [number, number],
  colour: readonly number[],
): void {
  const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  for (let s = 0; s <= steps; s++) {
    const f = s / steps;
    dot(png, x0 + f * (x1 - x0), y0 + f * (y1 - y0), colour);
  }
}

function dot(png: PNG, x: number, y: number, colour: readonly number[]): void {
  const [cx, cy] = [Math.round(x), Math.round(y)];
  if (cx < 0 || cy < 0 || cx >= png.width || cy >= png.height) return;
  const i = (cy * png.width + cx) * 4;
  for (let k = 0; k < 3; k++) png.data[i + k] = colour[k];
}

function frame(png: PNG): void {
  for (let x = 0; x < png.width; x++) {
    dot(png, x, 0, FRAME);
    dot(png, x, png.height - 1, FRAME);
  }
  for (let y = 0; y < png.height; y++) {
    dot(png, 0, y, FRAME);
    dot(png, png.width - 1, y, FRAME);
  }
}

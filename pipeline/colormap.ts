/**
 * Colour scale for wire-plane images: symmetric logarithmic, as wire
 * frames are usually plotted, so that both the ~1 ADC tails and the
 * ~100 ADC peaks are visible, with the sign kept.
 *
 * symlog(x) = sign(x) * log10(1 + |x| / c), c the linear threshold [ADC]
 * (about linear below c, logarithmic above). The scale maps x to
 * t = symlog(x) / symlog(vmax) clamped to [-1, 1], and t to a diverging
 * colormap: blue for negative, white for 0, red for positive.
 */
import { ConfigError } from '../sim/errors.js';

export type Rgb = readonly [number, number, number];

/**
 * ColorBrewer RdBu, 11 classes (colorbrewer2.org, Cynthia Brewer),
 * reversed: from t = -1 (dark blue) through white at 0 to t = +1 (dark red).
 */
const DIVERGING: readonly Rgb[] = [
  [5, 48, 97],
  [33, 102, 172],
  [67, 147, 195],
  [146, 197, 222],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [244, 165, 130],
  [214, 96, 77],
  [178, 24, 43],
  [103, 0, 31],
];

/** sign(x) * log10(1 + |x| / c). */
export function symlog(x: number, linearThreshold: number): number {
  return Math.sign(x) * Math.log10(1 + Math.abs(x) / linearThreshold);
}

export interface SymlogScale {
  /** Linear threshold c [ADC], > 0. */
  readonly linearThreshold: number;
  /** |x| mapped to the ends of the colormap [ADC], > 0. */
  readonly vmax: number;
}

/** Checks a scale's fields. */
export function checkScale(scale: SymlogScale): SymlogScale {
  const { linearThreshold, vmax } = scale;
  if (!(Number.isFinite(linearThreshold) && linearThreshold > 0)) {
    throw new ConfigError(`colour scale: linear threshold must be > 0 ADC, got ${linearThreshold}`);
  }
  if (!(Number.isFinite(vmax) && vmax > 0)) {
    throw new ConfigError(`colour scale: vmax must be > 0 ADC, got ${vmax}`);
  }
  return scale;
}

/** x [ADC] -> t in [-1, 1]. */
export function normalise(x: number, scale: SymlogScale): number {
  const t = symlog(x, scale.linearThreshold) / symlog(scale.vmax, scale.linearThreshold);
  return Math.max(-1, Math.min(1, t));
}

/** t in [-1, 1] -> colour, linear between the colormap's anchors. */
export function diverging(t: number): Rgb {
  const position = ((Math.max(-1, Math.min(1, t)) + 1) / 2) * (DIVERGING.length - 1);
  const lower = Math.min(Math.floor(position), DIVERGING.length - 2);
  const f = position - lower;
  const [a, b] = [DIVERGING[lower], DIVERGING[lower + 1]];
  return [0, 1, 2].map((k) => Math.round(a[k] + f * (b[k] - a[k]))) as unknown as Rgb;
}

/** The colour of x [ADC] on `scale`. */
export function colourOf(x: number, scale: SymlogScale): Rgb {
  return diverging(normalise(x, scale));
}

/**
 * Values [ADC] to label a colour bar with: 0, +-1, +-10, +-100 ... below
 * vmax, and +-vmax, ascending.
 */
export function colourbarTicks(scale: SymlogScale): number[] {
  const { vmax } = checkScale(scale);
  const positive: number[] = [];
  for (let v = 1; v < vmax; v *= 10) {
    if (normalise(v, scale) < 0.9) positive.push(v);
  }
  positive.push(vmax);
  return [...positive.map((v) => -v).reverse(), 0, ...positive];
}

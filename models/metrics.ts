/**
 * Paired image metrics: how close a translated wire-plane image is to its
 * true partner, and what it looks like (charge, occupancy, spread).
 *
 * Inputs are float32 images of baseline-subtracted ADC, row-major
 * [n, h, w] (a single image is n = 1), h = wires (channels), w = ticks.
 * Every function is pure and treats `output` and `truth` the same way, so a
 * descriptive metric (non-zero fraction, width) of the output can be set
 * against the same metric of the truth.
 *
 * Definitions (per pixel = averaged over all n * h * w values):
 * - L1 = mean |o - t| [ADC]; L2 = mean (o - t)^2 [ADC^2];
 * - ADC sum = sum of x; charge error = sum(o) - sum(t) [ADC], relative
 *   charge error = (sum(o) - sum(t)) / sum(|t|): the denominator is the
 *   absolute sum so that bipolar induction signals, whose plain sum is
 *   near zero, do not blow the ratio up; for unipolar collection signals
 *   it is the usual relative error. NaN when the truth is all zero;
 * - non-zero fraction = fraction of pixels with |x| > threshold;
 * - signal width across wires: pixels with |x| > threshold are signal,
 *   weighted by q = |x|. For each tick column of each image with total
 *   weight Q > 0, the weighted RMS spread of the wire index,
 *   sigma = sqrt(sum q (wire - mean)^2 / Q); the width is the
 *   Q-weighted mean of sigma over those columns [wires]. NaN without
 *   signal. A single-wire hit has width 0; two separate tracks in one
 *   tick column count as one wide signal (the metric does not cluster);
 * - cycle error = L1 between a cycled image G_ba(G_ab(a)) and a.
 */
import { ConfigError, ShapeError } from '../sim/errors.js';

/** Shape of a stack of images: [n, h, w], h = wires, w = ticks. */
export interface ImageShape {
  readonly n: number;
  readonly h: number;
  readonly w: number;
}

export interface MetricsConfig {
  /**
   * |x| above this is signal [ADC], > 0. Default 0.5: digitised frames
   * minus an integer baseline take integer values, so 0.5 separates zero
   * from non-zero pixels exactly there, and a network output below half
   * an ADC count would round to zero if it were digitised.
   */
  readonly threshold: number;
}

export const DEFAULT_METRICS: MetricsConfig = { threshold: 0.5 };

/** Mean absolute difference per pixel [ADC]. */
export function l1(output: Float32Array, truth: Float32Array): number {
  checkPair('l1', output, truth);
  let sum = 0;
  for (let i = 0; i < output.length; i++) sum += Math.abs(output[i] - truth[i]);
  return sum / output.length;
}

/** Mean squared difference per pixel [ADC^2]. */
export function l2(output: Float32Array, truth: Float32Array): number {
  checkPair('l2', output, truth);
  let sum = 0;
  for (let i = 0; i < output.length; i++) {
    const d = output[i] - truth[i];
    sum += d * d;
  }
  return sum / output.length;
}

/** Sum of all values [ADC]. */
export function adcSum(x: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i];
  return sum;
}

export interface ChargeError {
  /** sum(o) - sum(t) [ADC]. */
  readonly signedAdc: number;
  /** (sum(o) - sum(t)) / sum(|t|); NaN when the truth is all zero. */
  readonly relative: number;
}

/** ADC-sum (charge) error of `output` against `truth`. */
export function chargeError(output: Float32Array, truth: Float32Array): ChargeError {
  checkPair('chargeError', output, truth);
  let absTruth = 0;
  for (let i = 0; i < truth.length; i++) absTruth += Math.abs(truth[i]);
  const signedAdc = adcSum(output) - adcSum(truth);
  return { signedAdc, relative: absTruth > 0 ? signedAdc / absTruth : NaN };
}

/** Fraction of pixels with |x| > threshold. */
export function nonZeroFraction(x: Float32Array, config: MetricsConfig = DEFAULT_METRICS): number {
  const threshold = checkThreshold(config);
  if (x.length === 0) throw new ShapeError('nonZeroFraction: expected a non-empty image');
  let count = 0;
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]) > threshold) count++;
  return count / x.length;
}

/** Charge-weighted RMS spread of signal across wires [wires] (see the file header). */
export function signalWidth(
  x: Float32Array,
  shape: ImageShape,
  config: MetricsConfig = DEFAULT_METRICS,
): number {
  const threshold = checkThreshold(config);
  checkShape('signalWidth', x, shape);
  const { n, h, w } = shape;
  let weightedSigma = 0;
  let totalWeight = 0;
  for (let k = 0; k < n; k++) {
    const image = x.subarray(k * h * w, (k + 1) * h * w);
    for (let tick = 0; tick < w; tick++) {
      let q = 0;
      let qWire = 0;
      let qWire2 = 0;
      for (let wire = 0; wire < h; wire++) {
        const v = Math.abs(image[wire * w + tick]);
        if (v <= threshold) continue;
        q += v;
        qWire += v * wire;
        qWire2 += v * wire * wire;
      }
      if (q === 0) continue;
      const mean = qWire / q;
      const variance = Math.max(0, qWire2 / q - mean * mean);
      weightedSigma += q * Math.sqrt(variance);
      totalWeight += q;
    }
  }
  return totalWeight > 0 ? weightedSigma / totalWeight : NaN;
}

/** Cycle error: L1 between the cycled image and the original [ADC]. */
export function cycleError(cycled: Float32Array, original: Float32Array): number {
  return l1(cycled, original);
}

/** The paired metrics of one image (or one stack of images). */
export interface ImageMetrics {
  readonly pixels: number;
  readonly l1: number;
  readonly l2: number;
  /** The do-nothing baseline: the input used as-is against the truth. */
  readonly baselineL1: number;
  readonly baselineL2: number;
  readonly adcSumInput: number;
  readonly adcSumOutput: number;
  readonly adcSumTruth: number;
  readonly chargeErrorAdc: number;
  readonly chargeErrorRelative: number;
  readonly nonZeroInput: number;
  readonly nonZeroOutput: number;
  readonly nonZeroTruth: number;
  readonly widthInput: number;
  readonly widthOutput: number;
  readonly widthTruth: number;
}

/** All paired metrics of `output` (translated `input`) against `truth`, each [n, h, w]. */
export function compareImages(
  input: Float32Array,
  output: Float32Array,
  truth: Float32Array,
  shape: ImageShape,
  config: MetricsConfig = DEFAULT_METRICS,
): ImageMetrics {
  for (const x of [input, output, truth]) checkShape('compareImages', x, shape);
  const charge = chargeError(output, truth);
  return {
    pixels: output.length,
    l1: l1(output, truth),
    l2: l2(output, truth),
    baselineL1: l1(input, truth),
    baselineL2: l2(input, truth),
    adcSumInput: adcSum(input),
    adcSumOutput: adcSum(output),
    adcSumTruth: adcSum(truth),
    chargeErrorAdc: charge.signedAdc,
    chargeErrorRelative: charge.relative,
    nonZeroInput: nonZeroFraction(input, config),
    nonZeroOutput: nonZeroFraction(output, config),
    nonZeroTruth: nonZeroFraction(truth, config),
    widthInput: signalWidth(input, shape, config),
    widthOutput: signalWidth(output, shape, config),
    widthTruth: signalWidth(truth, shape, config),
  };
}

function checkPair(operation: string, output: Float32Array, truth: Float32Array): void {
  if (output.length !== truth.length || output.length === 0) {
    throw new ShapeError(
      `${operation}: expected output and truth of the same non-zero length, ` +
        `got ${output.length} and ${truth.length}`,
    );
  }
}

function checkShape(operation: string, x: Float32Array, shape: ImageShape): void {
  const { n, h, w } = shape;
  const ok = [n, h, w].every((d) => Number.isInteger(d) && d > 0);
  if (!ok || x.length !== n * h * w) {
    throw new ShapeError(
      `${operation}: expected [n, h, w] = [${n}, ${h}, ${w}] (${n * h * w} values), ` +
        `got ${x.length} values`,
    );
  }
}

function checkThreshold(config: MetricsConfig): number {
  const { threshold } = config;
  if (!(Number.isFinite(threshold) && threshold > 0)) {
    throw new ConfigError(`metrics: threshold must be a finite number > 0 ADC, got ${threshold}`);
  }
  return threshold;
}

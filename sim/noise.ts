/**
 * Electronics noise: one independent waveform per channel, drawn from a
 * mean amplitude spectrum the way Wire-Cell's EmpiricalNoiseModel and
 * AddNoise do. Every frequency bin k gets a Rayleigh-distributed amplitude
 * whose mean is the spectrum's <|X_k|> and a uniform random phase; the
 * inverse DFT of that (Hermitian) spectrum is the waveform. A Rayleigh
 * amplitude with a uniform phase is a complex Gaussian, so the noise is
 * stationary and Gaussian, with mean square (4 / pi) sum_k a_k^2 / N^2.
 *
 * Input: a `NoiseSpectrum` (below), a channel count and a seeded `Rng`.
 * Output: noise `[channel, tick]` row-major, float32, in sim voltage.
 * The caller adds the same array to the domain A and domain B signals
 * before digitising, so both domains share one noise realisation.
 *
 * Spectra come from either
 * - the built-in shape: white noise through a CR-(RC)^4-like shaper,
 *   |H(f)| = 1 / (1 + (f / f0)^2)^2 with f0 = 1 / (2 pi shaping / 4), times
 *   a 1/f part below a corner frequency, sqrt(1 + f_c / f); the DC bin is
 *   zero (the pedestal belongs to the digitiser). It is scaled so that the
 *   expected RMS is a given value;
 * - Wire-Cell noise-spectrum files (`*-noise-spectra-*.json.bz2`),
 *   rebuilt as ../shared/data/realdata/README.md "Noise spectra" says:
 *   amps interpolated linearly in frequency onto the N = ticks grid,
 *   scaled by sqrt(N / nsamples), `const` added in quadrature, and the
 *   plane's spectrum interpolated linearly in wire length.
 *
 * The synthesis uses a power-of-two FFT (fft.js): when `ticks` is not a
 * power of two, the spectrum is resampled in frequency onto the next
 * power-of-two grid, rescaled so that the expected RMS is unchanged, and
 * the first `ticks` samples of that longer stationary waveform are kept.
 * Two channels share one complex inverse FFT (one in the real part, one
 * in the imaginary part); each channel still gets its own random draws,
 * in channel order.
 *
 * Left out on purpose: coherent (channel-group) noise, per-channel spectra
 * within a plane, the gain and shaping rescaling of spectra measured with
 * other electronics settings (a file's `gain` and `shaping` are kept but
 * not applied), and stuck or dead channels.
 */
import FFT from 'fft.js';

import type { WirePlane } from './detector.js';
import { DEFAULT_DIGITIZER, type DigitizerConfig, voltsPerAdc } from './digitizer.js';
import { ConfigError, FileFormatError } from './errors.js';
import type { Rng } from './random.js';
import { kHz, us } from './units.js';

/** A mean amplitude spectrum on the DFT grid of one waveform. */
export interface NoiseSpectrum {
  /** Samples per waveform N; the spectrum is on its DFT grid. */
  readonly ticks: number;
  /** Sample period [ns]; bin k is the frequency k / (N tick). */
  readonly tick: number;
  /**
   * Mean unnormalised DFT amplitude <|X_k|> for k = 0 .. floor(N / 2)
   * [sim voltage]; bins above N / 2 mirror these.
   */
  readonly amplitude: Float64Array;
}

/** One entry of a Wire-Cell noise-spectrum file, in sim units. */
export interface WireCellNoiseSpectrum {
  /** File name and entry index, for messages. */
  readonly source: string;
  readonly entry: number;
  /** Wire-Cell plane id: 0 = U, 1 = V, 2 = W. */
  readonly plane: number;
  /** Wire length the spectrum stands for [mm]. */
  readonly wireLength: number;
  /** Sample period and DFT length the spectrum was measured with [ns]. */
  readonly period: number;
  readonly nsamples: number;
  /** Electronics gain [voltage / charge] and shaping time [ns]. */
  readonly gain: number;
  readonly shaping: number;
  /** White-noise amplitude added in quadrature [sim voltage]. */
  readonly constant: number;
  /** Frequencies [1/ns], increasing, and mean amplitudes [sim voltage]. */
  readonly freqs: Float64Array;
  readonly amps: Float64Array;
}

/** Parameters of the built-in spectrum shape. */
export interface BuiltinNoiseShape {
  /** Shaper peaking time [ns]. */
  readonly shapingTime: number;
  /** Corner below which the 1/f part dominates [1/ns]; 0 turns it off. */
  readonly flickerCorner: number;
}

/** Cold electronics at 2.2 us; a modest 1/f excess. */
export const DEFAULT_BUILTIN_NOISE_SHAPE: BuiltinNoiseShape = {
  shapingTime: 2.2 * us,
  flickerCorner: 5 * kHz,
};

/** The noise stage's configuration, as it appears in JSON. */
export interface NoiseConfig {
  readonly enabled: boolean;
  /**
   * `builtin`, or the path of a Wire-Cell noise-spectrum file, which the
   * pipeline reads and hands to `parseNoiseSpectra`.
   */
  readonly source: string;
  /** Factor on every spectrum's amplitude (and so on the RMS). */
  readonly scale: number;
  /** Built-in RMS per plane [ADC counts]; null takes the detector's. */
  readonly rmsAdc: readonly number[] | null;
  /** Built-in shape: shaper peaking time [us] and 1/f corner [kHz]. */
  readonly shapingTimeUs: number;
  readonly flickerCornerKHz: number;
}

/** Built-in noise at each plane's `noiseRmsAdc` (about 4 / 4 / 3.5 ADC). */
export const DEFAULT_NOISE: NoiseConfig = {
  enabled: true,
  source: 'builtin',
  scale: 1,
  rmsAdc: null,
  shapingTimeUs: DEFAULT_BUILTIN_NOISE_SHAPE.shapingTime / us,
  flickerCornerKHz: DEFAULT_BUILTIN_NOISE_SHAPE.flickerCorner / kHz,
};

const RAYLEIGH_SIGMA_PER_MEAN = Math.sqrt(2 / Math.PI);
const TWO_PI = 2 * Math.PI;
const UINT32_SCALE = 2 ** -32;

/** Throws a ConfigError naming the first invalid field of `cfg`. */
export function validateNoiseConfig(cfg: NoiseConfig): void {
  if (typeof cfg.enabled !== 'boolean') {
    throw new ConfigError(`noise.enabled: expected a boolean, got ${JSON.stringify(cfg.enabled)}`);
  }
  if (typeof cfg.source !== 'string' || cfg.source === '') {
    throw new ConfigError(
      `noise.source: expected "builtin" or a file path, got ${JSON.stringify(cfg.source)}`,
    );
  }
  requireNonNegative(cfg.scale, 'noise.scale');
  requirePositive(cfg.shapingTimeUs, 'noise.shapingTimeUs');
  requireNonNegative(cfg.flickerCornerKHz, 'noise.flickerCornerKHz');
  if (cfg.rmsAdc !== null) {
    if (!Array.isArray(cfg.rmsAdc)) {
      throw new ConfigError(
        `noise.rmsAdc: expected null or a list, got ${JSON.stringify(cfg.rmsAdc)}`,
      );
    }
    cfg.rmsAdc.forEach((value, i) => requireNonNegative(value, `noise.rmsAdc[${i}]`));
  }
}

/** The built-in shape that `cfg` describes. */
export function builtinNoiseShape(cfg: NoiseConfig): BuiltinNoiseShape {
  return { shapingTime: cfg.shapingTimeUs * us, flickerCorner: cfg.flickerCornerKHz * kHz };
}

/**
 * The built-in spectrum of one plane: the plane's RMS in ADC counts
 * (`cfg.rmsAdc` or the detector's), converted to volts with the
 * digitiser's scale, times `cfg.scale`.
 */
export function builtinPlaneNoiseSpectrum(
  plane: WirePlane,
  ticks: number,
  tick: number,
  cfg: NoiseConfig = DEFAULT_NOISE,
  digitizer: DigitizerConfig = DEFAULT_DIGITIZER,
): NoiseSpectrum {
  validateNoiseConfig(cfg);
  const rmsAdc = cfg.rmsAdc === null ? plane.noiseRmsAdc : cfg.rmsAdc[plane.index];
  if (rmsAdc === undefined) {
    throw new ConfigError(
      `noise.rmsAdc: expected a value for plane ${plane.name} (index ${plane.index}), ` +
        `got a list of ${cfg.rmsAdc?.length}`,
    );
  }
  const rmsVolts = rmsAdc * voltsPerAdc(digitizer) * cfg.scale;
  return builtinNoiseSpectrum(ticks, tick, rmsVolts, builtinNoiseShape(cfg));
}

/**
 * The built-in spectrum (see the file header) on the grid of `ticks`
 * samples of period `tick` [ns], scaled to an expected RMS of `rmsVolts`
 * [sim voltage].
 */
export function builtinNoiseSpectrum(
  ticks: number,
  tick: number,
  rmsVolts: number,
  shape: BuiltinNoiseShape = DEFAULT_BUILTIN_NOISE_SHAPE,
): NoiseSpectrum {
  requireGrid(ticks, tick, 'builtinNoiseSpectrum');
  requireNonNegative(rmsVolts, 'builtinNoiseSpectrum: rmsVolts');
  requirePositive(shape.shapingTime, 'builtinNoiseSpectrum: shape.shapingTime');
  requireNonNegative(shape.flickerCorner, 'builtinNoiseSpectrum: shape.flickerCorner');
  // CR-(RC)^4: peaking time = 4 RC.
  const cornerF0 = 1 / (TWO_PI * (shape.shapingTime / 4));
  const amplitude = new Float64Array(halfLength(ticks));
  for (let k = 1; k < amplitude.length; k++) {
    const f = k / (ticks * tick);
    const x = f / cornerF0;
    const shaper = 1 / ((1 + x * x) * (1 + x * x));
    amplitude[k] = shaper * Math.sqrt(1 + shape.flickerCorner / f);
  }
  const spectrum = { ticks, tick, amplitude };
  const unscaled = expectedNoiseRms(spectrum);
  for (let k = 0; k < amplitude.length; k++) amplitude[k] *= rmsVolts / unscaled;
  return spectrum;
}

/**
 * Expected RMS of noise drawn from `spectrum` [sim voltage]:
 * sqrt((4 / pi) sum_{k < N} a_k^2) / N, with a_{N-k} = a_k.
 */
export function expectedNoiseRms(spectrum: NoiseSpectrum): number {
  const n = spectrum.ticks;
  const a = spectrum.amplitude;
  let sum = a[0] * a[0];
  for (let k = 1; k < a.length; k++) {
    const mirrored = 2 * k === n ? 1 : 2;
    sum += mirrored * a[k] * a[k];
  }
  return Math.sqrt((4 / Math.PI) * sum) / n;
}

/** `spectrum` with every amplitude multiplied by `factor`. */
export function scaleNoiseSpectrum(spectrum: NoiseSpectrum, factor: number): NoiseSpectrum {
  const amplitude = spectrum.amplitude.map((a) => a * factor);
  return { ticks: spectrum.ticks, tick: spectrum.tick, amplitude };
}

/**
 * Reads the parsed JSON of a Wire-Cell noise-spectrum file (a list of
 * {plane, wirelen, gain, shaping, period, nsamples, freqs, amps, const},
 * all in Wire-Cell units, which are ours). `source` names the file in
 * errors; each error names the entry and the key.
 */
export function parseNoiseSpectra(json: unknown, source: string): WireCellNoiseSpectrum[] {
  if (!Array.isArray(json) || json.length === 0) {
    throw new FileFormatError(
      source,
      `expected a non-empty list of noise spectra, got ${describe(json)}`,
    );
  }
  const spectra = json.map((item, entry) => parseEntry(item, source, entry));
  checkWireLengthOrder(spectra);
  return spectra;
}

/**
 * The spectrum of plane `planeIndex` for wires of length `wireLength`
 * [mm] on the grid of `ticks` samples of period `tick` [ns]: each file
 * entry is rebuilt on the grid (README recipe), then the two entries
 * that bracket the wire length are interpolated linearly (amps and
 * `const` separately, combined in quadrature); outside the file's range
 * the nearest entry is used.
 */
export function wireCellNoiseSpectrum(
  spectra: readonly WireCellNoiseSpectrum[],
  planeIndex: number,
  wireLength: number,
  ticks: number,
  tick: number,
): NoiseSpectrum {
  requireGrid(ticks, tick, 'wireCellNoiseSpectrum');
  requireNonNegative(wireLength, 'wireCellNoiseSpectrum: wireLength');
  const entries = spectra.filter((s) => s.plane === planeIndex);
  if (entries.length === 0) {
    const source = spectra[0]?.source ?? 'noise spectra';
    const planes = [...new Set(spectra.map((s) => s.plane))].join(', ');
    throw new ConfigError(
      `${source}: no noise spectrum for plane ${planeIndex} (planes present: ${planes})`,
    );
  }
  const [lower, upper, weight] = bracket(entries, wireLength);
  const ampsLower = resampleEntry(lower, ticks, tick);
  const ampsUpper = resampleEntry(upper, ticks, tick);
  const constant = lerp(lower.constant, upper.constant, weight);
  const amplitude = new Float64Array(ampsLower.length);
  for (let k = 0; k < amplitude.length; k++) {
    const a = lerp(ampsLower[k], ampsUpper[k], weight);
    amplitude[k] = Math.sqrt(a * a + constant * constant);
  }
  return { ticks, tick, amplitude };
}

/**
 * Noise `[channel, tick]` (row-major, float32, sim voltage) for `channels`
 * channels, a fresh draw from `spectrum` per channel, from `rng`.
 */
export function generateNoise(spectrum: NoiseSpectrum, channels: number, rng: Rng): Float32Array {
  if (!Number.isInteger(channels) || channels < 0) {
    throw new ConfigError(
      `generateNoise: channels must be a non-negative integer, got ${channels}`,
    );
  }
  const ticks = spectrum.ticks;
  if (spectrum.amplitude.length !== halfLength(ticks)) {
    throw new ConfigError(
      `generateNoise: spectrum.amplitude must have floor(ticks / 2) + 1 = ` +
        `${halfLength(ticks)} bins, got ${spectrum.amplitude.length}`,
    );
  }
  const nfft = nextPowerOfTwo(Math.max(ticks, 4));
  const sigma = rayleighSigma(spectrum, nfft);
  const fft = new FFT(nfft);
  const packed = new Float64Array(2 * nfft);
  const waveforms = new Float64Array(2 * nfft);
  const first = { re: new Float64Array(sigma.length), im: new Float64Array(sigma.length) };
  const second = { re: new Float64Array(sigma.length), im: new Float64Array(sigma.length) };
  const out = new Float32Array(channels * ticks);

  for (let c = 0; c < channels; c += 2) {
    const paired = c + 1 < channels;
    drawBins(sigma, rng, first.re, first.im);
    if (paired) {
      drawBins(sigma, rng, second.re, second.im);
    } else {
      second.re.fill(0);
      second.im.fill(0);
    }
    packTwoRealSpectra(first, second, nfft, packed);
    fft.inverseTransform(waveforms, packed);
    // waveforms: [tick, re/im] interleaved; re is channel c, im is c + 1.
    const rowA = c * ticks;
    const rowB = rowA + ticks;
    for (let t = 0; t < ticks; t++) out[rowA + t] = waveforms[2 * t];
    if (paired) for (let t = 0; t < ticks; t++) out[rowB + t] = waveforms[2 * t + 1];
  }
  return out;
}

/**
 * Rayleigh scale per bin 0 .. nfft / 2 (mean amplitude times
 * sqrt(2 / pi)), on the power-of-two grid, with the expected RMS of
 * `spectrum` kept exactly.
 */
function rayleighSigma(spectrum: NoiseSpectrum, nfft: number): Float64Array {
  const { ticks, amplitude } = spectrum;
  const sigma = new Float64Array(nfft / 2 + 1);
  if (nfft === ticks) {
    for (let k = 0; k < sigma.length; k++) sigma[k] = amplitude[k] * RAYLEIGH_SIGMA_PER_MEAN;
    return sigma;
  }
  const last = amplitude.length - 1;
  for (let k = 0; k < sigma.length; k++) {
    // Same frequency, measured in bins of the ticks grid.
    const u = Math.min((k * ticks) / nfft, last);
    const i = Math.min(Math.floor(u), last - 1);
    sigma[k] = lerp(amplitude[i], amplitude[i + 1], u - i);
  }
  const resampled = { ticks: nfft, tick: spectrum.tick, amplitude: sigma };
  const target = expectedNoiseRms(spectrum);
  const got = expectedNoiseRms(resampled);
  const factor = got > 0 ? (target / got) * RAYLEIGH_SIGMA_PER_MEAN : 0;
  for (let k = 0; k < sigma.length; k++) sigma[k] *= factor;
  return sigma;
}

/**
 * One channel's bins: Rayleigh amplitude of scale sigma_k with a uniform
 * phase, drawn as the equivalent pair of independent Gaussians of width
 * sigma_k for the real and imaginary parts (Marsaglia's polar method: no
 * trigonometry, one logarithm per bin). DC and Nyquist must be real: they
 * take the real part times sqrt(2), which keeps the mean square 2 sigma^2.
 */
function drawBins(sigma: Float64Array, rng: Rng, re: Float64Array, im: Float64Array): void {
  for (let k = 0; k < sigma.length; k++) {
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * rng.nextUint32() * UINT32_SCALE - 1;
      v = 2 * rng.nextUint32() * UINT32_SCALE - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const scale = sigma[k] * Math.sqrt((-2 * Math.log(s)) / s);
    re[k] = u * scale;
    im[k] = v * scale;
  }
  const nyquist = sigma.length - 1;
  re[0] *= Math.SQRT2;
  re[nyquist] *= Math.SQRT2;
  im[0] = 0;
  im[nyquist] = 0;
}

interface HalfSpectrum {
  readonly re: Float64Array;
  readonly im: Float64Array;
}

/**
 * Z = X + iY over all nfft bins, [bin, re/im] interleaved, for the
 * half spectra X and Y of two real signals: bins above nfft / 2 get
 * conj(X) + i conj(Y), so the inverse DFT is x + iy.
 */
function packTwoRealSpectra(
  x: HalfSpectrum,
  y: HalfSpectrum,
  nfft: number,
  packed: Float64Array,
): void {
  const half = nfft / 2;
  for (let k = 0; k <= half; k++) {
    packed[2 * k] = x.re[k] - y.im[k];
    packed[2 * k + 1] = x.im[k] + y.re[k];
  }
  for (let k = 1; k < half; k++) {
    const mirror = 2 * (nfft - k);
    packed[mirror] = x.re[k] + y.im[k];
    packed[mirror + 1] = y.re[k] - x.im[k];
  }
}

/** Mean amplitudes of one file entry on the grid (README recipe, no `const`). */
function resampleEntry(entry: WireCellNoiseSpectrum, ticks: number, tick: number): Float64Array {
  const out = new Float64Array(halfLength(ticks));
  const scale = Math.sqrt(ticks / entry.nsamples);
  const { freqs, amps } = entry;
  let j = 0;
  for (let k = 0; k < out.length; k++) {
    const f = k / (ticks * tick);
    while (j < freqs.length - 2 && freqs[j + 1] <= f) j++;
    let a: number;
    if (f <= freqs[0]) a = amps[0];
    else if (f >= freqs[freqs.length - 1]) a = amps[amps.length - 1];
    else a = lerp(amps[j], amps[j + 1], (f - freqs[j]) / (freqs[j + 1] - freqs[j]));
    out[k] = a * scale;
  }
  return out;
}

/** The entries around `length` and the weight of the upper one. */
function bracket(
  entries: readonly WireCellNoiseSpectrum[],
  length: number,
): [WireCellNoiseSpectrum, WireCellNoiseSpectrum, number] {
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (length <= first.wireLength) return [first, first, 0];
  if (length >= last.wireLength) return [last, last, 0];
  let i = 0;
  while (entries[i + 1].wireLength <= length) i++;
  const lo = entries[i];
  const hi = entries[i + 1];
  return [lo, hi, (length - lo.wireLength) / (hi.wireLength - lo.wireLength)];
}

function parseEntry(item: unknown, source: string, entry: number): WireCellNoiseSpectrum {
  const fail = (detail: string): never => {
    throw new FileFormatError(source, `entry ${entry}: ${detail}`);
  };
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    fail(`expected an object, got ${describe(item)}`);
  }
  const obj = item as Record<string, unknown>;
  const num = (key: string): number => {
    const value = obj[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(`"${key}" must be a finite number, got ${describe(value)}`);
    }
    return value as number;
  };
  const plane = num('plane');
  if (!Number.isInteger(plane) || plane < 0) fail(`"plane" must be an integer >= 0, got ${plane}`);
  const period = num('period');
  if (period <= 0) fail(`"period" must be positive, got ${period}`);
  const nsamples = num('nsamples');
  if (!Number.isInteger(nsamples) || nsamples < 1) {
    fail(`"nsamples" must be a positive integer, got ${nsamples}`);
  }
  const constant = num('const');
  if (constant < 0) fail(`"const" must be >= 0, got ${constant}`);
  const freqs = numberList(obj.freqs, 'freqs', fail);
  const amps = numberList(obj.amps, 'amps', fail);
  if (freqs.length < 2 || amps.length !== freqs.length) {
    fail(
      `"freqs" and "amps" must have the same length >= 2, got ${freqs.length} and ${amps.length}`,
    );
  }
  for (let i = 1; i < freqs.length; i++) {
    if (!(freqs[i] > freqs[i - 1])) fail(`"freqs" must increase, but freqs[${i}] = ${freqs[i]}`);
  }
  if (amps.some((a) => a < 0)) fail(`"amps" must be >= 0`);
  return {
    source,
    entry,
    plane,
    wireLength: num('wirelen'),
    period,
    nsamples,
    gain: num('gain'),
    shaping: num('shaping'),
    constant,
    freqs,
    amps,
  };
}

function numberList(value: unknown, key: string, fail: (detail: string) => never): Float64Array {
  if (!Array.isArray(value))
    return fail(`"${key}" must be a list of numbers, got ${describe(value)}`);
  const bad = value.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0) fail(`"${key}"[${bad}] must be a finite number, got ${describe(value[bad])}`);
  return Float64Array.from(value as number[]);
}

/** Within a plane, wire lengths must not decrease (README). */
function checkWireLengthOrder(spectra: readonly WireCellNoiseSpectrum[]): void {
  const lastLength = new Map<number, number>();
  for (const s of spectra) {
    const previous = lastLength.get(s.plane);
    if (previous !== undefined && s.wireLength < previous) {
      throw new FileFormatError(
        s.source,
        `entry ${s.entry}: "wirelen" must not decrease within plane ${s.plane}, ` +
          `got ${s.wireLength} after ${previous}`,
      );
    }
    lastLength.set(s.plane, s.wireLength);
  }
}

function requireGrid(ticks: number, tick: number, where: string): void {
  if (!Number.isInteger(ticks) || ticks < 2) {
    throw new ConfigError(`${where}: ticks must be an integer >= 2, got ${ticks}`);
  }
  requirePositive(tick, `${where}: tick`);
}

function requirePositive(value: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`${name}: expected a positive number, got ${describe(value)}`);
  }
}

function requireNonNegative(value: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${name}: expected a number >= 0, got ${describe(value)}`);
  }
}

function halfLength(ticks: number): number {
  return Math.floor(ticks / 2) + 1;
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

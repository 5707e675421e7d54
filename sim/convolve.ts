/**
 * Field-response convolution: electrons on impact positions -> signal
 * voltage on wires, for one plane.
 *
 * Inputs: `ImpactCharge` (electrons, sparse rows [tick] keyed
 * wire * impactsPerWire + impact) and `PlaneImpactResponse` (volts per
 * electron at the tick period); see sim/impact.ts for both contracts.
 * Output: a frame [wire, tick], row-major, in volts (units.ts voltage).
 *
 * - Domain B (`convolveMultiwire`): wire w' gets, for every wire w within
 *   +-wireReach and every impact i, charge(w, i, .) convolved in time with
 *   waveform(w' - w, i, .).
 * - Domain A (`convolveNearest`): each wire's charge, summed over its
 *   impacts, convolved with `nearest`.
 * The convolution is linear in time; signal past the last tick and on
 * wires outside the plane is dropped (no wrap-around either way).
 *
 * Method (the fastest exact one measured, bench/convolve.bench.ts): time
 * is cut into blocks of B ticks; each (row, block) holding charge gets one
 * short real FFT of size N = B + length - 1 (rounded up), and its spectrum
 * is multiplied by the 2 wireReach + 1 response spectra of its impact and
 * accumulated into the spectra of the output (wire, block); each touched
 * output (wire, block) then gets one inverse FFT, overlap-added into the
 * frame. The work follows the charge, not the frame: empty rows and empty
 * stretches of time cost nothing. A dense 2D FFT over (wire, tick), the
 * textbook method, is kept as `denseFftConvolution`: it defines the bare
 * FFT cost the event benchmark compares against.
 *
 * Precision: the transforms are float32 (kissfft-js, see sim/fft.ts), so
 * results match a direct sum to float32 rounding relative to the frame's
 * largest sample (~1e-6), not sample by sample.
 */

import { ConfigError, ShapeError } from './errors.js';
import { ComplexFft, fftSize, RealFft } from './fft.js';
import type { ImpactCharge, PlaneImpactResponse } from './impact.js';

/** Frame [wire, tick], row-major, volts. */
export type SignalFrame = Float32Array;

export interface ConvolveConfig {
  /**
   * FFT length of a time block, in samples; a block covers
   * blockFftSize - response length + 1 ticks. Must be an even
   * 2^a 3^b 5^c number greater than the response length. 512 was fastest
   * for 200-sample responses (bench/convolve.bench.ts).
   */
  readonly blockFftSize: number;
}

export const DEFAULT_CONVOLVE: ConvolveConfig = { blockFftSize: 512 };

/** The parts of a response the block engine reads. */
interface Kernel {
  readonly wireReach: number;
  readonly impactsPerWire: number;
  readonly length: number;
  /** [offset + wireReach, impact, sample] */
  readonly waveforms: Float32Array;
}

/** Domain B: multi-wire induction. Returns [wire, tick] volts. */
export function convolveMultiwire(
  charge: ImpactCharge,
  response: PlaneImpactResponse,
  config: ConvolveConfig = DEFAULT_CONVOLVE,
): SignalFrame {
  checkCharge(charge, response.impactsPerWire, 'convolveMultiwire');
  checkResponse(response, 'convolveMultiwire');
  return convolveBlocks(charge, response, config);
}

/** Domain A: nearest wire, own response. Returns [wire, tick] volts. */
export function convolveNearest(
  charge: ImpactCharge,
  response: PlaneImpactResponse,
  config: ConvolveConfig = DEFAULT_CONVOLVE,
): SignalFrame {
  checkCharge(charge, charge.impactsPerWire, 'convolveNearest');
  if (response.nearest.length !== response.length) {
    throw new ShapeError(
      `convolveNearest: response.nearest must have length ${response.length}, ` +
        `got ${response.nearest.length}`,
    );
  }
  const kernel = {
    wireReach: 0,
    impactsPerWire: 1,
    length: response.length,
    waveforms: response.nearest,
  };
  return convolveBlocks(sumImpacts(charge), kernel, config);
}

/** Charge summed over each wire's impacts: impactsPerWire becomes 1. */
function sumImpacts(charge: ImpactCharge): ImpactCharge {
  const rows = new Map<number, Float32Array>();
  for (const [key, row] of charge.rows) {
    const wire = Math.floor(key / charge.impactsPerWire);
    let sum = rows.get(wire);
    if (sum === undefined) rows.set(wire, (sum = new Float32Array(charge.ticks)));
    for (let t = 0; t < row.length; t++) sum[t] += row[t];
  }
  return { wires: charge.wires, impactsPerWire: 1, ticks: charge.ticks, rows };
}

function checkCharge(charge: ImpactCharge, impactsPerWire: number, op: string): void {
  if (charge.impactsPerWire !== impactsPerWire) {
    throw new ShapeError(
      `${op}: charge.impactsPerWire must equal the response's ${impactsPerWire}, ` +
        `got ${charge.impactsPerWire}`,
    );
  }
  const keys = charge.wires * charge.impactsPerWire;
  for (const [key, row] of charge.rows) {
    if (!Number.isInteger(key) || key < 0 || key >= keys) {
      throw new ShapeError(`${op}: charge row key must be in [0, ${keys}), got ${key}`);
    }
    if (row.length !== charge.ticks) {
      throw new ShapeError(
        `${op}: charge row ${key} must have ${charge.ticks} ticks, got ${row.length}`,
      );
    }
  }
}

function checkResponse(response: PlaneImpactResponse, op: string): void {
  const { wireReach, impactsPerWire, length } = response;
  const expected = (2 * wireReach + 1) * impactsPerWire * length;
  if (response.waveforms.length !== expected) {
    throw new ShapeError(
      `${op}: response.waveforms must be [${2 * wireReach + 1}, ${impactsPerWire}, ` +
        `${length}] = ${expected} values, got ${response.waveforms.length}`,
    );
  }
}

function checkConfig(config: ConvolveConfig, length: number): void {
  const n = config.blockFftSize;
  if (!Number.isInteger(n) || n <= length || fftSize(n) !== n) {
    throw new ConfigError(
      `convolve: blockFftSize must be an even 2^a 3^b 5^c integer > response ` +
        `length ${length}, got ${n}`,
    );
  }
}

/**
 * Spectra of every waveform at the block FFT size, scaled by 1/size so
 * the inverse needs no scaling: [offset, impact, bin, re/im].
 */
function kernelSpectra(kernel: Kernel, fft: RealFft): Float64Array {
  const rows = (2 * kernel.wireReach + 1) * kernel.impactsPerWire;
  const bins2 = fft.size + 2;
  const spectra = new Float64Array(rows * bins2);
  const input = new Float32Array(fft.size);
  for (let r = 0; r < rows; r++) {
    input.set(kernel.waveforms.subarray(r * kernel.length, (r + 1) * kernel.length));
    const spectrum = fft.forward(input);
    for (let k = 0; k < bins2; k++) spectra[r * bins2 + k] = spectrum[k] / fft.size;
  }
  return spectra;
}

/** Row keys that hold charge in each time block: [block] -> keys. */
function rowsByBlock(charge: ImpactCharge, blockTicks: number): number[][] {
  const blocks = Math.ceil(charge.ticks / blockTicks);
  const lists: number[][] = Array.from({ length: blocks }, () => []);
  for (const [key, row] of charge.rows) {
    for (let b = 0; b < blocks; b++) {
      const end = Math.min((b + 1) * blockTicks, charge.ticks);
      for (let t = b * blockTicks; t < end; t++) {
        if (row[t] !== 0) {
          lists[b].push(key);
          break;
        }
      }
    }
  }
  return lists;
}

/** Scratch state of the block engine, owned by one convolveBlocks call. */
interface Engine {
  readonly fft: RealFft;
  readonly spectra: Float64Array;
  /** Output spectra [wire, bin, re/im] of the current block. */
  readonly acc: Float64Array;
  readonly touched: Uint8Array;
  readonly touchedList: number[];
  readonly input: Float32Array;
}

function convolveBlocks(charge: ImpactCharge, kernel: Kernel, config: ConvolveConfig): SignalFrame {
  checkConfig(config, kernel.length);
  const out = new Float32Array(charge.wires * charge.ticks);
  const fft = new RealFft(config.blockFftSize);
  try {
    const engine: Engine = {
      fft,
      spectra: kernelSpectra(kernel, fft),
      acc: new Float64Array(charge.wires * (fft.size + 2)),
      touched: new Uint8Array(charge.wires),
      touchedList: [],
      input: new Float32Array(fft.size),
    };
    const blockTicks = fft.size - kernel.length + 1;
    const lists = rowsByBlock(charge, blockTicks);
    for (let b = 0; b < lists.length; b++) {
      if (lists[b].length === 0) continue;
      for (const key of lists[b])
        accumulateRow(engine, charge, kernel, key, b * blockTicks, blockTicks);
      emitBlock(engine, out, charge, b * blockTicks);
    }
  } finally {
    fft.dispose();
  }
  return out;
}

/** Adds one (row, block)'s spectrum x responses to the output spectra. */
function accumulateRow(
  engine: Engine,
  charge: ImpactCharge,
  kernel: Kernel,
  key: number,
  start: number,
  blockTicks: number,
): void {
  const { fft, spectra, acc, touched, touchedList, input } = engine;
  const wire = Math.floor(key / charge.impactsPerWire);
  const impact = key - wire * charge.impactsPerWire;
  const end = Math.min(start + blockTicks, charge.ticks);
  input.set(charge.rows.get(key)!.subarray(start, end));
  input.fill(0, end - start);
  const x = fft.forward(input);

  const bins2 = fft.size + 2;
  const reach = kernel.wireReach;
  const first = Math.max(-reach, -wire);
  const last = Math.min(reach, charge.wires - 1 - wire);
  for (let offset = first; offset <= last; offset++) {
    const target = wire + offset;
    const a = target * bins2;
    const h = ((offset + reach) * kernel.impactsPerWire + impact) * bins2;
    for (let k = 0; k < bins2; k += 2) {
      const xr = x[k];
      const xi = x[k + 1];
      const hr = spectra[h + k];
      const hi = spectra[h + k + 1];
      acc[a + k] += xr * hr - xi * hi;
      acc[a + k + 1] += xr * hi + xi * hr;
    }
    if (touched[target] === 0) {
      touched[target] = 1;
      touchedList.push(target);
    }
  }
}

/** Inverse-transforms the touched output spectra, overlap-adds, clears. */
function emitBlock(engine: Engine, out: Float32Array, charge: ImpactCharge, start: number): void {
  const { fft, acc, touched, touchedList } = engine;
  const bins2 = fft.size + 2;
  const count = Math.min(fft.size, charge.ticks - start);
  for (const wire of touchedList) {
    const spectrum = acc.subarray(wire * bins2, (wire + 1) * bins2);
    const y = fft.inverse(spectrum);
    const base = wire * charge.ticks + start;
    for (let t = 0; t < count; t++) out[base + t] += y[t];
    spectrum.fill(0);
    touched[wire] = 0;
  }
  touchedList.length = 0;
}

/**
 * Dense 2D FFT convolution of a whole frame with one kernel: the bare FFT
 * cost of a plane. frame [wire, tick] (any units), kernel
 * [offset + reach, sample] with offsets -reach..reach; output wire w + o
 * gets frame(w) * kernel(o) in time, linear and truncated like the block
 * engine. Transforms: one real FFT per wire row of the padded frame, one
 * complex FFT per frequency over the padded wires (skipped when reach is
 * 0), the same backwards. The event benchmark times it for each plane
 * with reach = wireReach (domain B) and reach 0 (domain A).
 */
export function denseFftConvolution(
  frame: Float32Array,
  wires: number,
  ticks: number,
  kernel: Float32Array,
  reach: number,
): SignalFrame {
  const length = kernel.length / (2 * reach + 1);
  if (frame.length !== wires * ticks || !Number.isInteger(length)) {
    throw new ShapeError(
      `denseFftConvolution: frame must be [${wires}, ${ticks}] and kernel ` +
        `[${2 * reach + 1}, length], got ${frame.length} and ${kernel.length} values`,
    );
  }
  const rfft = new RealFft(fftSize(ticks + length - 1));
  const cfft = reach > 0 ? new ComplexFft(fftSize(wires + reach)) : undefined;
  try {
    const columns = cfft?.size ?? wires;
    const spectrum = rowSpectra(rfft, frame, wires, ticks, columns, 0);
    // Without the wire-axis transform the single kernel row applies to
    // every wire: its spectrum is kept as one column and broadcast.
    const kernelColumns = cfft === undefined ? 1 : columns;
    const kernelSpectrum = rowSpectra(rfft, kernel, 2 * reach + 1, length, kernelColumns, reach);
    if (cfft !== undefined) {
      transformColumns(cfft, spectrum, 'forward');
      transformColumns(cfft, kernelSpectrum, 'forward');
    }
    multiplyInPlace(spectrum, kernelSpectrum, columns / kernelColumns);
    if (cfft !== undefined) transformColumns(cfft, spectrum, 'inverse');
    const scale = 1 / (rfft.size * (cfft?.size ?? 1));
    return inverseRows(rfft, spectrum, wires, ticks, columns, scale);
  } finally {
    rfft.dispose();
    cfft?.dispose();
  }
}

/**
 * Real FFT of each row of rows [row, ticks], zero-padded, written
 * transposed as [bin, column, re/im]; row r goes to column (r - shift)
 * modulo columns (a kernel's offset -reach lands on column columns - reach).
 */
function rowSpectra(
  fft: RealFft,
  rows: Float32Array,
  count: number,
  ticks: number,
  columns: number,
  shift: number,
): Float32Array {
  const bins = fft.size / 2 + 1;
  const out = new Float32Array(bins * columns * 2);
  const input = new Float32Array(fft.size);
  for (let r = 0; r < count; r++) {
    input.set(rows.subarray(r * ticks, (r + 1) * ticks));
    const x = fft.forward(input);
    const column = (r - shift + columns) % columns;
    for (let k = 0; k < bins; k++) {
      out[(k * columns + column) * 2] = x[2 * k];
      out[(k * columns + column) * 2 + 1] = x[2 * k + 1];
    }
  }
  return out;
}

/** Complex FFT along the column axis of [bin, column, re/im], in place. */
function transformColumns(fft: ComplexFft, data: Float32Array, way: 'forward' | 'inverse'): void {
  const stride = fft.size * 2;
  for (let start = 0; start < data.length; start += stride) {
    const column = data.subarray(start, start + stride);
    if (way === 'forward') fft.forward(column);
    else fft.inverse(column);
  }
}

/**
 * a *= b for complex [bin, column, re/im] arrays; b holds columns/repeat
 * columns, each applied to `repeat` consecutive columns of a (repeat 1:
 * elementwise; repeat = columns: one column broadcast over all).
 */
function multiplyInPlace(a: Float32Array, b: Float32Array, repeat: number): void {
  for (let k = 0; k < a.length; k += 2) {
    const j = 2 * Math.floor(k / (2 * repeat));
    const ar = a[k];
    const ai = a[k + 1];
    a[k] = ar * b[j] - ai * b[j + 1];
    a[k + 1] = ar * b[j + 1] + ai * b[j];
  }
}

/** [bin, column, re/im] -> frame [wire, tick], scaled, truncated. */
function inverseRows(
  fft: RealFft,
  spectrum: Float32Array,
  wires: number,
  ticks: number,
  columns: number,
  scale: number,
): SignalFrame {
  const bins = fft.size / 2 + 1;
  const row = new Float32Array(bins * 2);
  const out = new Float32Array(wires * ticks);
  for (let w = 0; w < wires; w++) {
    for (let k = 0; k < bins; k++) {
      row[2 * k] = spectrum[(k * columns + w) * 2];
      row[2 * k + 1] = spectrum[(k * columns + w) * 2 + 1];
    }
    const y = fft.inverse(row);
    for (let t = 0; t < ticks; t++) out[w * ticks + t] = y[t] * scale;
  }
  return out;
}

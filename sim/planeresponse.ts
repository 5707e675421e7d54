/**
 * Plane impact response: field response times electronics, tabulated on
 * the impact bins of sim/impact.ts at the tick period.
 *
 * Input: a FieldResponse plane (currents per drifting electron at the
 * fine period), the electronics config, the tick period. Output: a
 * PlaneImpactResponse in volts per electron, with Wire-Cell's signs for a
 * POSITIVE electron count (the files' currents are for charge -1, so the
 * shaped current is negated): collection positive, induction bipolar with
 * the positive lobe first.
 *
 * Steps, per path: convolve current x period (charge per fine sample)
 * with the electronics response at the fine period, apply the RC filter
 * if configured, then average each tick's fine samples (a tick-long box).
 * Sample j covers [j, j + 1) ticks after arrival at the response plane.
 * Then, for wire offset d and impact i, interpolate linearly in pitch
 * position between paths at p = impactOffset(i) - d pitches, taking
 * response(-p) = response(+p) where a file lacks a side.
 *
 * Left out on purpose: the finer time structure within a tick (arrival
 * times are binned by the rasteriser), and paths beyond the file's reach
 * (asking for more wires than it covers is a ConfigError).
 */
import type { Detector } from './detector.js';
import {
  COLD_ELECTRONICS_WINDOW,
  applyRcFilter,
  electronicsResponse,
  rcTimeConstant,
} from './electronics.js';
import type { ElectronicsConfig } from './electronics.js';
import { ConfigError, UnsupportedError } from './errors.js';
import {
  DEFAULT_BUILTIN_FIELD,
  builtinFieldResponse,
  checkPlaneCount,
  planeById,
} from './fieldresponse.js';
import type { FieldResponse, PlaneResponse } from './fieldresponse.js';
import { impactOffset } from './impact.js';
import type { PlaneImpactResponse } from './impact.js';
import { mm } from './units.js';

export interface ImpactResponseOptions {
  /** Output sample period [ns]; a whole multiple of the field period. */
  readonly tick: number;
  /** Impact bins per wire pitch (sim/impact.ts). */
  readonly impactsPerWire: number;
  /** Neighbour wires on each side. */
  readonly wireReach: number;
  /**
   * Samples per waveform at the tick period. Default: the field window
   * plus the 10 us electronics window, plus 5 RC time constants when the
   * RC filter is on.
   */
  readonly length?: number;
}

/** RC time constants of undershoot kept by the default length. */
const RC_TAIL_CONSTANTS = 5;

/** Two pitch positions closer than this [pitch] are the same path. */
const SAME_POSITION = 1e-6;

/** Tabulates one plane's response; see the file header. */
export function planeImpactResponse(
  fr: FieldResponse,
  planeIndex: number,
  electronics: ElectronicsConfig,
  options: ImpactResponseOptions,
): PlaneImpactResponse {
  const ratio = tickRatio(fr, options.tick);
  const length = options.length ?? defaultLength(fr, electronics, options.tick);
  checkOptions(options, length);
  const plane = planeById(fr, planeIndex, 'field response');

  const elecSamples = Math.ceil(COLD_ELECTRONICS_WINDOW / fr.period);
  const elec = electronicsResponse(electronics, fr.period, elecSamples);
  const shape = (current: Float64Array) =>
    shapedWaveform(current, elec, fr.period, electronics, ratio, length);
  const table = pathTable(plane, shape);

  const { wireReach, impactsPerWire } = options;
  const rows = (2 * wireReach + 1) * impactsPerWire;
  const waveforms = new Float32Array(rows * length);
  for (let d = -wireReach; d <= wireReach; d++) {
    for (let i = 0; i < impactsPerWire; i++) {
      const row = (d + wireReach) * impactsPerWire + i;
      const pitchPos = impactOffset(i, impactsPerWire) - d;
      const out = waveforms.subarray(row * length, (row + 1) * length);
      interpolate(table, pitchPos, out);
    }
  }

  const nearest = nearestResponse(waveforms, wireReach, impactsPerWire, length);
  return { wireReach, impactsPerWire, length, waveforms, nearest };
}

/** Fine samples per tick, or an UnsupportedError if not whole. */
function tickRatio(fr: FieldResponse, tick: number): number {
  const ratio = Math.round(tick / fr.period);
  if (ratio < 1 || Math.abs(ratio * fr.period - tick) > 1e-6 * tick) {
    throw new UnsupportedError(
      `plane response: tick ${tick} ns must be a whole multiple of the ` +
        `field-response period ${fr.period} ns (resampling is not implemented)`,
    );
  }
  if (fr.tstart !== 0) {
    throw new UnsupportedError(`plane response: field tstart must be 0, got ${fr.tstart} ns`);
  }
  return ratio;
}

function defaultLength(fr: FieldResponse, electronics: ElectronicsConfig, tick: number) {
  let window = fr.samples * fr.period + COLD_ELECTRONICS_WINDOW;
  if (electronics.rcFilter) {
    window += RC_TAIL_CONSTANTS * rcTimeConstant(electronics);
  }
  return Math.ceil(window / tick);
}

function checkOptions(options: ImpactResponseOptions, length: number): void {
  const counts = {
    impactsPerWire: options.impactsPerWire,
    wireReach: options.wireReach,
    length,
  };
  for (const [key, value] of Object.entries(counts)) {
    const min = key === 'wireReach' ? 0 : 1;
    if (!Number.isInteger(value) || value < min) {
      throw new ConfigError(`plane response: ${key} must be an integer >= ${min}, got ${value}`);
    }
  }
}

/**
 * Voltage per electron [tick] for one path: -(current x period) * elec,
 * RC-filtered if configured, box-averaged over each tick.
 */
function shapedWaveform(
  current: Float64Array,
  elec: Float64Array,
  period: number,
  electronics: ElectronicsConfig,
  ratio: number,
  length: number,
): Float64Array {
  const fine = new Float64Array(length * ratio);
  for (let m = 0; m < current.length && m < fine.length; m++) {
    const charge = -current[m] * period;
    if (charge === 0) continue;
    const end = Math.min(elec.length, fine.length - m);
    for (let k = 0; k < end; k++) fine[m + k] += charge * elec[k];
  }
  if (electronics.rcFilter) {
    applyRcFilter(fine, period, rcTimeConstant(electronics));
  }

  const coarse = new Float64Array(length);
  for (let j = 0; j < length; j++) {
    let sum = 0;
    for (let k = 0; k < ratio; k++) sum += fine[j * ratio + k];
    coarse[j] = sum / ratio;
  }
  return coarse;
}

/** Shaped waveforms sorted by pitch position [pitch], mirrored. */
interface PathTable {
  readonly positions: Float64Array;
  readonly waves: readonly Float64Array[];
}

function pathTable(
  plane: PlaneResponse,
  shape: (current: Float64Array) => Float64Array,
): PathTable {
  const entries: { position: number; wave: Float64Array }[] = [];
  for (const path of plane.paths) {
    entries.push({ position: path.pitchPos / plane.pitch, wave: shape(path.current) });
  }
  const mirrored = entries
    .filter((e) => !entries.some((o) => Math.abs(o.position + e.position) < SAME_POSITION))
    .map((e) => ({ position: -e.position, wave: e.wave }));
  const all = [...entries, ...mirrored].sort((a, b) => a.position - b.position);
  return {
    positions: Float64Array.from(all, (e) => e.position),
    waves: all.map((e) => e.wave),
  };
}

/** Writes the response at pitch position `p` [pitch] into `out`. */
function interpolate(table: PathTable, p: number, out: Float32Array): void {
  const { positions, waves } = table;
  const last = positions.length - 1;
  if (p < positions[0] - SAME_POSITION || p > positions[last] + SAME_POSITION) {
    const range = `[${positions[0]}, ${positions[last]}]`;
    throw new ConfigError(
      `plane response: wireReach needs a path at ${p.toFixed(2)} pitches; ` +
        `the field response covers ${range}`,
    );
  }
  let hi = 1;
  while (hi < last && positions[hi] < p) hi++;
  const lo = hi - 1;
  const span = positions[hi] - positions[lo];
  const w = span > 0 ? Math.min(Math.max((p - positions[lo]) / span, 0), 1) : 0;
  const a = waves[lo];
  const b = waves[hi];
  for (let k = 0; k < out.length; k++) out[k] = (1 - w) * a[k] + w * b[k];
}

function nearestResponse(
  waveforms: Float32Array,
  wireReach: number,
  impactsPerWire: number,
  length: number,
): Float32Array {
  const nearest = new Float32Array(length);
  const first = wireReach * impactsPerWire * length;
  for (let i = 0; i < impactsPerWire; i++) {
    const row = waveforms.subarray(first + i * length, first + (i + 1) * length);
    for (let k = 0; k < length; k++) nearest[k] += row[k] / impactsPerWire;
  }
  return nearest;
}

// ---------------------------------------------------------------------------
// Both domains for one detector plane

/** A loaded field response and the file it came from (for errors). */
export interface SourcedFieldResponse {
  readonly response: FieldResponse;
  readonly source: string;
}

export interface DomainFieldSources {
  /** Domain B's field response; the built-in model when absent. */
  readonly multiwire?: SourcedFieldResponse;
  /**
   * Domain A's field response (e.g. a `-wires0` file); A uses only its
   * `nearest`. Defaults to the multiwire one.
   */
  readonly nearest?: SourcedFieldResponse;
}

/** Domain A (`nearest` used) and domain B (`waveforms` used). */
export interface DomainResponses {
  readonly a: PlaneImpactResponse;
  readonly b: PlaneImpactResponse;
}

/** The built-in field model with the detector's pitches. */
export function builtinFieldFor(detector: Detector): FieldResponse {
  const pitchMm = detector.planes.map((plane) => plane.pitch / mm);
  return builtinFieldResponse({ ...DEFAULT_BUILTIN_FIELD, pitchMm });
}

/**
 * Both domains' responses for plane `planeIndex` of `detector`, at its
 * tick period. When A and B share a field response, `a === b`.
 */
export function domainResponses(
  detector: Detector,
  planeIndex: number,
  sources: DomainFieldSources,
  electronics: ElectronicsConfig,
  options: Omit<ImpactResponseOptions, 'tick'>,
): DomainResponses {
  const multiwire = sources.multiwire ?? {
    response: builtinFieldFor(detector),
    source: 'builtin field response',
  };
  const nearest = sources.nearest ?? multiwire;
  for (const { response, source } of [multiwire, nearest]) {
    checkPlaneCount(response, detector, source);
  }

  const full = { ...options, tick: detector.tick };
  const b = planeImpactResponse(multiwire.response, planeIndex, electronics, full);
  if (nearest === multiwire) return { a: b, b };
  const a = planeImpactResponse(nearest.response, planeIndex, electronics, full);
  return { a, b };
}

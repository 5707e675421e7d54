/**
 * Electronics response: the cold-electronics preamplifier and shaper, an
 * optional RC (AC-coupling) filter, and the post-amplifier gain.
 *
 * Input: a current sampled at a fine period. Output: the voltage [units.ts
 * volt] that the electronics produce from it. The shaper is the Wire-Cell
 * toolkit's "coldelec" function (the inverse Laplace transform of the
 * BNL cold-ASIC transfer function, WireCellUtil/Response.cxx), scaled so
 * that a delta of unit charge peaks at `gain` [volt per positron charge];
 * it is defined for 0 < t < 10 us and zero elsewhere. The RC filter is
 * Wire-Cell's discrete "SimpleRC": a delta minus (period / tau) e^{-t/tau}.
 *
 * Left out on purpose: per-channel gain and shaping variations, the
 * digitiser (sim/digitizer.ts) and noise.
 */
import { ConfigError } from './errors.js';
import { fC, ms, mV, us } from './units.js';

/** Electronics settings; JSON-facing, so units are in the names. */
export interface ElectronicsConfig {
  /** Preamplifier gain [mV/fC]: the shaped peak for a unit-charge delta. */
  readonly gainMvPerFc: number;
  /** Shaping (peaking) time [us]. */
  readonly shapingUs: number;
  /** Dimensionless gain after the shaper. */
  readonly postgain: number;
  /** Whether the RC (AC-coupling) filter is applied. */
  readonly rcFilter: boolean;
  /** RC filter time constant [ms]. */
  readonly rcTimeConstantMs: number;
}

/** ProtoDUNE-SP settings (DESIGN.md; Wire-Cell pgrapher params). */
export const DEFAULT_ELECTRONICS: ElectronicsConfig = {
  gainMvPerFc: 14,
  shapingUs: 2.2,
  postgain: 1.1365,
  rcFilter: false,
  rcTimeConstantMs: 1.1,
};

/** The cold-electronics function is defined for 0 < t < this. */
export const COLD_ELECTRONICS_WINDOW = 10 * us;

/** Throws a ConfigError naming `where` when a field is out of range. */
export function checkElectronics(config: ElectronicsConfig, where: string): void {
  const positiveKeys = ['gainMvPerFc', 'shapingUs', 'postgain', 'rcTimeConstantMs'] as const;
  for (const key of positiveKeys) {
    const value = config[key];
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      throw new ConfigError(`${where}: electronics.${key} must be a positive number, got ${value}`);
    }
  }
  if (typeof config.rcFilter !== 'boolean') {
    throw new ConfigError(`${where}: electronics.rcFilter must be true or false`);
  }
}

/** Gain [volt per positron charge] including the post-amplifier. */
export function totalGain(config: ElectronicsConfig): number {
  return ((config.gainMvPerFc * mV) / fC) * config.postgain;
}

// Coefficients of the inverse Laplace transform of the cold-ASIC
// transfer function, with x = t / shaping (Wire-Cell Response.cxx).
const COLD_SCALE = 10 * 1.012;

/**
 * Voltage [volt] at `time` [ns] after a unit-charge delta enters a shaper
 * of `gain` [volt per positron charge] and `shaping` [ns].
 */
export function coldElectronics(time: number, gain: number, shaping: number): number {
  if (time <= 0 || time >= COLD_ELECTRONICS_WINDOW) return 0;
  const x = time / shaping;
  const e1 = Math.exp(-2.94809 * x);
  const e2 = Math.exp(-2.82833 * x);
  const e3 = Math.exp(-2.40318 * x);
  const c1 = Math.cos(1.19361 * x);
  const s1 = Math.sin(1.19361 * x);
  const c2 = Math.cos(2.38722 * x);
  const s2 = Math.sin(2.38722 * x);
  const c3 = Math.cos(2.5928 * x);
  const s3 = Math.sin(2.5928 * x);
  const c4 = Math.cos(5.18561 * x);
  const s4 = Math.sin(5.18561 * x);

  const pairA = -2.6202 * (c1 + c1 * c2 + s1 * s2) + 0.762456 * (s1 - c2 * s1 + c1 * s2);
  const pairB = 0.464924 * (c3 + c3 * c4 + s3 * s4) - 0.327684 * (s3 - c4 * s3 + c3 * s4);
  return COLD_SCALE * gain * (4.31054 * e1 + e2 * pairA + e3 * pairB);
}

/**
 * The shaper and post-gain response to a unit-charge delta, sampled at
 * t = k period for k = 0 .. samples - 1 [volt per positron charge]
 * (sample 0 is zero). The RC filter is not included: see applyRcFilter.
 */
export function electronicsResponse(
  config: ElectronicsConfig,
  period: number,
  samples: number,
): Float64Array {
  const gain = totalGain(config);
  const shaping = config.shapingUs * us;
  const out = new Float64Array(samples);
  for (let k = 0; k < samples; k++) out[k] = coldElectronics(k * period, gain, shaping);
  return out;
}

/**
 * Applies the discrete RC filter (delta minus (period / tau) e^{-t/tau},
 * t = k period, k >= 0) to `wave` [sample] in place, by recursion.
 */
export function applyRcFilter(wave: Float64Array, period: number, timeConstant: number): void {
  const decay = Math.exp(-period / timeConstant);
  const weight = period / timeConstant;
  let tail = 0;
  for (let k = 0; k < wave.length; k++) {
    tail = tail * decay + wave[k];
    wave[k] -= weight * tail;
  }
}

/** RC time constant [ns] of a config. */
export function rcTimeConstant(config: ElectronicsConfig): number {
  return config.rcTimeConstantMs * ms;
}

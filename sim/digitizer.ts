/**
 * Digitiser: turns one plane's voltage waveforms into ADC counts.
 *
 * Input: signal `[channel, tick]` row-major, in sim units of voltage
 * (1 V = 1 * volt), already containing the noise. Output: ADC counts
 * `[channel, tick]` as float32, baseline + V * counts-per-volt, rounded
 * to the nearest count and clamped to [0, 2^bits - 1]. Clamping after the
 * noise is added is what makes a saturated pulse flat-topped, as in data.
 *
 * The ADC spans fullScaleHighV - fullScaleLowV with 2^bits counts; the
 * baseline (pedestal) is given directly in counts per plane, so where the
 * low edge of the range sits only matters through the span.
 *
 * Left out on purpose: differential non-linearity, stuck bits, and
 * per-channel gain or pedestal spread.
 */
import { ConfigError } from './errors.js';
import { volt } from './units.js';

export interface DigitizerConfig {
  /** ADC resolution [bits]: an integer in [1, 24] (float32 holds counts exactly). */
  readonly bits: number;
  /** Input voltage of count 0 [V]. */
  readonly fullScaleLowV: number;
  /** Input voltage of count 2^bits [V]; above fullScaleLowV. */
  readonly fullScaleHighV: number;
}

/** The cold-electronics ADC of ProtoDUNE-SP and MicroBooNE (DESIGN.md). */
export const DEFAULT_DIGITIZER: DigitizerConfig = {
  bits: 12,
  fullScaleLowV: 0.2,
  fullScaleHighV: 1.6,
};

const MAX_BITS = 24;

/** Throws a ConfigError naming the first invalid field of `cfg`. */
export function validateDigitizerConfig(cfg: DigitizerConfig): void {
  const { bits, fullScaleLowV: low, fullScaleHighV: high } = cfg;
  if (!Number.isInteger(bits) || bits < 1 || bits > MAX_BITS) {
    throw new ConfigError(`digitizer.bits: expected an integer in [1, ${MAX_BITS}], got ${bits}`);
  }
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(high > low)) {
    throw new ConfigError(
      `digitizer.fullScaleHighV: expected a finite value above fullScaleLowV ` +
        `(${low} V), got ${high} V`,
    );
  }
}

/** ADC counts per sim unit of voltage: 2^bits / (high - low). */
export function adcPerVolt(cfg: DigitizerConfig = DEFAULT_DIGITIZER): number {
  return 2 ** cfg.bits / ((cfg.fullScaleHighV - cfg.fullScaleLowV) * volt);
}

/** Sim units of voltage per ADC count: the inverse of `adcPerVolt`. */
export function voltsPerAdc(cfg: DigitizerConfig = DEFAULT_DIGITIZER): number {
  return 1 / adcPerVolt(cfg);
}

/**
 * ADC counts of `signal` [channel, tick] (sim voltage) for a plane whose
 * pedestal is `baselineAdc` counts; same layout, float32.
 */
export function digitise(
  signal: Float32Array,
  baselineAdc: number,
  cfg: DigitizerConfig = DEFAULT_DIGITIZER,
): Float32Array {
  validateDigitizerConfig(cfg);
  if (!Number.isFinite(baselineAdc)) {
    throw new ConfigError(`digitise: baselineAdc must be a finite number, got ${baselineAdc}`);
  }
  const gain = adcPerVolt(cfg);
  const maxCount = 2 ** cfg.bits - 1;
  const out = new Float32Array(signal.length);
  for (let i = 0; i < signal.length; i++) {
    const count = Math.round(baselineAdc + signal[i] * gain);
    out[i] = count <= 0 ? 0 : count > maxCount ? maxCount : count;
  }
  return out;
}

/**
 * Ionisation: turns energy deposits (`Steps`) into ionisation electron
 * clouds (`Depos`), one depo per step at the step's mid-point and time.
 *
 * Electrons = (E / W) R(dE/dx), W = 23.6 eV per ion pair, with the
 * modified Box recombination model (ArgoNeuT, R. Acciarri et al., JINST 8
 * (2013) P08005): R = ln(A + B' dE/dx) / (B' dE/dx), B' = B / (rho E).
 * dE/dx is the step's energy over its length, floored at 1 MeV/cm (below
 * it the fit is undefined and goes negative; LArSoft floors it the same
 * way); a zero-length step is given the floor.
 *
 * With `fluctuations`, the ion pairs are Gaussian with variance F N
 * (Fano factor F) and each survives recombination with probability R
 * (binomial); without, the count is the mean, not rounded.
 *
 * Left out on purpose: Birks' model, the field map (one uniform field),
 * scintillation light, and correlated (anti-correlated light/charge)
 * fluctuations beyond the binomial survival.
 */
import type { Depos, Steps } from './deposits.js';
import { ConfigError } from './errors.js';
import type { Rng } from './random.js';
import { cm, eV, gram, g_per_cm3, kV, MeV } from './units.js';

export interface IonisationConfig {
  /** Energy per ion pair [eV]. */
  readonly workFunctionEv: number;
  /** Modified Box A (dimensionless). */
  readonly boxA: number;
  /** Modified Box B [(kV/cm)(g/cm2)/MeV]. */
  readonly boxB: number;
  readonly electricFieldKvPerCm: number;
  readonly argonDensityGPerCm3: number;
  /** dE/dx below this is raised to it before recombination [MeV/cm]. */
  readonly minDedxMeVPerCm: number;
  /** Fano factor of the ion-pair count. */
  readonly fanoFactor: number;
  /** Draw ion-pair and recombination fluctuations. */
  readonly fluctuations: boolean;
}

export const DEFAULT_IONISATION: IonisationConfig = {
  workFunctionEv: 23.6, // LAr, Miyajima et al. PRA 9 (1974) 1438
  boxA: 0.93, // ArgoNeuT, JINST 8 (2013) P08005
  boxB: 0.212, // same
  electricFieldKvPerCm: 0.5, // ProtoDUNE-SP nominal
  argonDensityGPerCm3: 1.396, // PDG
  minDedxMeVPerCm: 1, // LArSoft ISCalculationSeparate floor
  fanoFactor: 0.107, // Doke et al. NIM 134 (1976) 353
  fluctuations: true,
};

/** Recombination survival fraction R for dE/dx [MeV/mm, internal]. */
export function boxRecombination(dedx: number, cfg: IonisationConfig): number {
  const floored = Math.max(dedx, cfg.minDedxMeVPerCm * (MeV / cm));
  const xi = boxBPrime(cfg) * floored;
  return Math.log(cfg.boxA + xi) / xi;
}

/** B' = B / (rho E) [mm/MeV]. */
export function boxBPrime(cfg: IonisationConfig): number {
  const b = (cfg.boxB * (kV / cm) * (gram / (cm * cm))) / MeV;
  const rho = cfg.argonDensityGPerCm3 * g_per_cm3;
  const field = cfg.electricFieldKvPerCm * (kV / cm);
  return b / (rho * field);
}

/** Checks a config once; throws ConfigError naming the field. */
export function validateIonisationConfig(cfg: IonisationConfig): void {
  const positive = [
    'workFunctionEv',
    'boxB',
    'electricFieldKvPerCm',
    'argonDensityGPerCm3',
    'minDedxMeVPerCm',
  ] as const;
  for (const key of positive) {
    if (!(cfg[key] > 0)) {
      throw new ConfigError(`ionisation: ${key} must be > 0, got ${cfg[key]}`);
    }
  }
  // ln(A + B' dE/dx) must be positive at the dE/dx floor.
  const floor = boxBPrime(cfg) * cfg.minDedxMeVPerCm * (MeV / cm);
  if (!(cfg.boxA + floor > 1)) {
    throw new ConfigError(
      `ionisation: boxA + B' minDedx must exceed 1 (R > 0), got ${cfg.boxA + floor}`,
    );
  }
  if (!(cfg.fanoFactor >= 0)) {
    throw new ConfigError(`ionisation: fanoFactor must be >= 0, got ${cfg.fanoFactor}`);
  }
}

/**
 * Ionisation electrons of every step [Depos], entry i from step i. `rng`
 * is required when `cfg.fluctuations` is on.
 */
export function ionise(steps: Steps, cfg: IonisationConfig, rng?: Rng): Depos {
  validateIonisationConfig(cfg);
  if (cfg.fluctuations && !rng) {
    throw new ConfigError('ionise: fluctuations are on but no random generator was given');
  }
  const w = cfg.workFunctionEv * eV;
  const electrons = new Float64Array(steps.count);
  for (let i = 0; i < steps.count; i++) {
    const length = steps.length[i];
    const dedx = length > 0 ? steps.energy[i] / length : 0;
    const r = boxRecombination(dedx, cfg);
    const pairs = steps.energy[i] / w;
    electrons[i] = rng && cfg.fluctuations ? drawElectrons(pairs, r, cfg, rng) : pairs * r;
  }
  return {
    count: steps.count,
    x: steps.x.slice(),
    y: steps.y.slice(),
    z: steps.z.slice(),
    t: steps.t.slice(),
    electrons,
    primary: steps.primary.slice(),
  };
}

function drawElectrons(pairs: number, r: number, cfg: IonisationConfig, rng: Rng): number {
  const sigma = Math.sqrt(cfg.fanoFactor * pairs);
  const n = Math.max(0, Math.round(rng.normal(pairs, sigma)));
  return rng.binomial(n, r);
}

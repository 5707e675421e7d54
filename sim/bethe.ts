/**
 * Mean energy loss of charged particles in liquid argon: the Bethe formula
 * with the Sternheimer density correction (PDG Review, "Passage of
 * particles through matter", eqs. 34.5 and 34.7) for muons and protons,
 * the Rohrlich-Carlson (Moller) collision formula for electrons (ICRU 37),
 * and the CSDA range by integrating 1 / (dE/dx).
 *
 * Input: a particle species and a kinetic energy [MeV]. Output: mean
 * dE/dx [MeV/mm], range [mm], and the energy left after a path length.
 *
 * Fluctuations (`sampleStepLoss`): a step's loss is split by the energy T
 * given to each struck electron. Above the delta-ray threshold, electrons
 * are drawn one by one from dN/dT = (xi/x) (1 - beta^2 T/Tmax) / T^2 and
 * returned, to be tracked; between 10 keV and the threshold they are drawn
 * the same way and deposited in the step (the Landau-like upper tail);
 * below 10 keV the many soft collisions are Gaussian with the Bohr
 * variance xi T1 (1 - beta^2/2). The soft mean is what is left of the
 * table's mean loss, so the mean over steps is the table's mean exactly.
 *
 * Left out on purpose: shell, Barkas and Bloch corrections (the formula is
 * used down to beta gamma = 0.05 for heavy particles and 10 keV for
 * electrons; below, the stopping power follows the Bragg-Kleeman power
 * law S ~ T^-0.75, which only sets the last ~0.1 % of a range); radiative
 * losses (electron bremsstrahlung is the cascade's business, showers.ts);
 * nuclear stopping.
 */
import type { Rng } from './random.js';
import { cm, eV, gram, g_per_cm3, keV, MeV } from './units.js';

/** A charged particle: mass [MeV] and charge [units of e]. */
export interface Species {
  readonly name: string;
  readonly mass: number;
  readonly charge: number;
}

// Masses: PDG 2024.
export const ELECTRON_MASS = 0.51099895 * MeV;
export const MUON: Species = { name: 'muon', mass: 105.6583755 * MeV, charge: -1 };
export const PROTON: Species = { name: 'proton', mass: 938.27208816 * MeV, charge: 1 };
export const ELECTRON: Species = { name: 'electron', mass: ELECTRON_MASS, charge: -1 };

/** Liquid argon, PDG Atomic and Nuclear Properties (2020). */
export const LAR = {
  density: 1.396 * g_per_cm3,
  /** Z / A [mol/g]: Z = 18, A = 39.948 g/mol. */
  zOverA: 18 / 39.948,
  meanExcitation: 188 * eV,
  /** Sternheimer density-effect parameters (PDG table). */
  sternheimer: { a: 0.1956, k: 3.0, x0: 0.2, x1: 3.0, cBar: 5.2146 },
  /** Radiation length (PDG: 19.55 g/cm2 / 1.396 g/cm3). */
  radiationLength: 14.0 * cm,
} as const;

/** 4 pi N_A r_e^2 m_e c^2 [MeV cm2/mol] (PDG). */
const K_BETHE = (0.307075 * MeV * cm * cm) / gram;

/**
 * The Bethe scale xi / x = (K/2) (Z/A) rho z^2 / beta^2 [MeV/mm]: the
 * prefactor of the knock-on spectrum dN/dT dx = xi/x / T^2.
 */
export function betheScale(charge: number, beta2: number): number {
  return (0.5 * K_BETHE * LAR.zOverA * LAR.density * charge * charge) / beta2;
}

/** beta^2 and gamma of a particle of kinetic energy T. */
export function kinematics(species: Species, T: number): { beta2: number; gamma: number } {
  const gamma = 1 + T / species.mass;
  return { beta2: 1 - 1 / (gamma * gamma), gamma };
}

/** Maximum energy transfer to a free electron in one collision [MeV]. */
export function maxTransfer(species: Species, T: number): number {
  if (species.mass === ELECTRON_MASS) return 0.5 * T;
  const { beta2, gamma } = kinematics(species, T);
  const ratio = ELECTRON_MASS / species.mass;
  const bg2 = beta2 * gamma * gamma;
  return (2 * ELECTRON_MASS * bg2) / (1 + 2 * gamma * ratio + ratio * ratio);
}

/** Sternheimer density correction delta(beta gamma) (delta0 = 0). */
export function densityCorrection(betaGamma: number): number {
  const { a, k, x0, x1, cBar } = LAR.sternheimer;
  const x = Math.log10(betaGamma);
  if (x < x0) return 0;
  const delta = 2 * Math.LN10 * x - cBar;
  return x < x1 ? delta + a * (x1 - x) ** k : delta;
}

/**
 * Mean collision stopping power -dE/dx [MeV/mm] by the formulas above,
 * valid down to beta gamma ~ 0.05 (heavy) or ~10 keV (electrons).
 */
export function betheDedx(species: Species, T: number): number {
  const { beta2, gamma } = kinematics(species, T);
  const delta = densityCorrection(Math.sqrt(beta2) * gamma);
  const scale = betheScale(species.charge, beta2);
  const iOverM = LAR.meanExcitation / ELECTRON_MASS;
  if (species.mass === ELECTRON_MASS) {
    const tau = T / ELECTRON_MASS;
    const f = 1 - beta2 + ((tau * tau) / 8 - (2 * tau + 1) * Math.LN2) / ((tau + 1) * (tau + 1));
    return scale * (Math.log((tau * tau * (tau + 2)) / (2 * iOverM * iOverM)) + f - delta);
  }
  const bg2 = beta2 * gamma * gamma;
  const tmax = maxTransfer(species, T);
  const arg = (2 * ELECTRON_MASS * bg2 * tmax) / LAR.meanExcitation ** 2;
  return 2 * scale * (0.5 * Math.log(arg) - beta2 - 0.5 * delta);
}

// The table grid: log-spaced kinetic energies up to 100 GeV.
const TABLE_MAX_ENERGY = 1e5 * MeV;
const POINTS_PER_DECADE = 100;
// Below the table, S = S_low (T / T_low)^-0.75 (Bragg-Kleeman, R ~ T^1.75).
const BRAGG_KLEEMAN_POWER = 1.75;
const HEAVY_LOW_BETA_GAMMA = 0.05;
const ELECTRON_LOW_ENERGY = 10 * keV;

/**
 * dE/dx [MeV/mm] and CSDA range [mm] against kinetic energy [MeV] for one
 * species, tabulated once and interpolated log-log. Layout: `energy`,
 * `dedx`, `range` are parallel arrays over the grid [point].
 */
export class StoppingTable {
  readonly energy: Float64Array;
  readonly dedx: Float64Array;
  readonly range: Float64Array;
  private readonly logStep: number;

  constructor(readonly species: Species) {
    const lowT = lowestTabulatedEnergy(species);
    const points = Math.ceil(Math.log10(TABLE_MAX_ENERGY / lowT) * POINTS_PER_DECADE) + 1;
    this.logStep = Math.log(TABLE_MAX_ENERGY / lowT) / (points - 1);
    this.energy = new Float64Array(points);
    this.dedx = new Float64Array(points);
    this.range = new Float64Array(points);
    for (let i = 0; i < points; i++) {
      this.energy[i] = lowT * Math.exp(i * this.logStep);
      this.dedx[i] = betheDedx(species, this.energy[i]);
    }
    this.integrateRange();
  }

  /** Mean dE/dx [MeV/mm] at kinetic energy T. */
  stoppingPower(T: number): number {
    const low = this.energy[0];
    if (T <= low) return this.dedx[0] * (T / low) ** (1 - BRAGG_KLEEMAN_POWER);
    return this.interpolate(this.dedx, T);
  }

  /** CSDA range [mm] of a particle of kinetic energy T. */
  csdaRange(T: number): number {
    const low = this.energy[0];
    if (T <= low) return this.range[0] * (T / low) ** BRAGG_KLEEMAN_POWER;
    return this.interpolate(this.range, T);
  }

  /** Kinetic energy whose CSDA range is R (the inverse of csdaRange). */
  energyAtRange(R: number): number {
    if (R <= 0) return 0;
    const r = this.range;
    if (R <= r[0]) return this.energy[0] * (R / r[0]) ** (1 / BRAGG_KLEEMAN_POWER);
    let lo = 0;
    let hi = r.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (r[mid] <= R) lo = mid;
      else hi = mid;
    }
    const f = Math.log(R / r[lo]) / Math.log(r[hi] / r[lo]);
    return this.energy[lo] * Math.exp(f * this.logStep);
  }

  /**
   * Mean kinetic energy left after a path `length` [mm]: the midpoint rule
   * on dE/dx for short steps, the range table near the end of the range.
   */
  energyAfter(T: number, length: number): number {
    const R = this.csdaRange(T);
    if (length >= R) return 0;
    if (length > 0.05 * R) return this.energyAtRange(R - length);
    const half = T - 0.5 * length * this.stoppingPower(T);
    return T - length * this.stoppingPower(half);
  }

  private interpolate(values: Float64Array, T: number): number {
    const u = Math.log(T / this.energy[0]) / this.logStep;
    const i = Math.min(Math.floor(u), values.length - 2);
    const f = u - i;
    return values[i] * (values[i + 1] / values[i]) ** f;
  }

  /** Trapezoid rule in ln T on T / S(T), from the analytic low-end range. */
  private integrateRange(): void {
    const { energy, dedx, range } = this;
    range[0] = energy[0] / (BRAGG_KLEEMAN_POWER * dedx[0]);
    for (let i = 1; i < energy.length; i++) {
      const a = energy[i - 1] / dedx[i - 1];
      const b = energy[i] / dedx[i];
      range[i] = range[i - 1] + 0.5 * (a + b) * this.logStep;
    }
  }
}

function lowestTabulatedEnergy(species: Species): number {
  if (species.mass === ELECTRON_MASS) return ELECTRON_LOW_ENERGY;
  const gamma = Math.hypot(1, HEAVY_LOW_BETA_GAMMA);
  return (gamma - 1) * species.mass;
}

// Struck electrons below this are summed as Gaussian soft collisions.
const SOFT_COLLISION_CUT = 10 * keV;

/** A step's sampled loss: deposited locally, and delta-ray energies. */
export interface StepLoss {
  /** Energy deposited in the step [MeV]. */
  readonly local: number;
  /** Kinetic energies of delta-ray electrons to track [MeV]. */
  readonly deltas: number[];
}

/**
 * Draws the energy loss of one step of `length` [mm] at kinetic energy T,
 * whose mean total loss is `meanLoss` [MeV] (see the header). Electrons
 * make no delta rays here (their knock-ons stay local); heavy particles
 * make them above `deltaThreshold` [MeV]. Without `fluctuate` the local
 * loss is its mean, but delta rays are still drawn.
 */
export function sampleStepLoss(
  species: Species,
  T: number,
  length: number,
  meanLoss: number,
  deltaThreshold: number,
  fluctuate: boolean,
  rng: Rng,
): StepLoss {
  const { beta2 } = kinematics(species, T);
  const tmax = maxTransfer(species, T);
  const xi = betheScale(species.charge, beta2) * length;
  const heavy = species.mass !== ELECTRON_MASS;
  const cut = heavy ? Math.min(deltaThreshold, tmax) : tmax;

  const deltas = cut < tmax ? drawKnockOns(xi, beta2, cut, tmax, tmax, rng) : [];
  const restrictedMean = Math.max(0, meanLoss - bandMeanEnergy(xi, beta2, cut, tmax, tmax));
  if (!fluctuate) return { local: restrictedMean, deltas };

  const soft = Math.min(SOFT_COLLISION_CUT, cut);
  const knockOns = drawKnockOns(xi, beta2, soft, cut, tmax, rng);
  const hardMean = bandMeanEnergy(xi, beta2, soft, cut, tmax);
  const softMean = Math.max(0, restrictedMean - hardMean);
  const softSigma = Math.sqrt(xi * soft * (1 - 0.5 * beta2));
  let local = Math.max(0, rng.normal(softMean, softSigma));
  for (const e of knockOns) local += e;
  return { local, deltas };
}

/** Mean energy given to electrons with lo < T < hi over a step [MeV]. */
function bandMeanEnergy(xi: number, beta2: number, lo: number, hi: number, tmax: number): number {
  if (hi <= lo) return 0;
  return xi * (Math.log(hi / lo) - (beta2 * (hi - lo)) / tmax);
}

/** Electrons drawn from (xi / T^2)(1 - beta^2 T / tmax) on (lo, hi). */
function drawKnockOns(
  xi: number,
  beta2: number,
  lo: number,
  hi: number,
  tmax: number,
  rng: Rng,
): number[] {
  if (hi <= lo) return [];
  const count = rng.poisson(xi * (1 / lo - 1 / hi));
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    // Inverse transform of 1/T^2, then thinning by the spin factor.
    const T = 1 / (1 / lo - rng.uniform() * (1 / lo - 1 / hi));
    if (rng.uniform() < 1 - (beta2 * T) / tmax) out.push(T);
  }
  return out;
}

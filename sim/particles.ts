/**
 * The particle event generator: primaries in the detector's active volume,
 * transported step by step into energy deposits (`Steps`).
 *
 * Output: `Steps` [MeV, mm, ns], clipped to the active volume (a particle
 * is followed until it stops or leaves it), and one `Primary` per
 * generated particle with its deposited energy; `generateParticleEvent`
 * then ionises the steps and fills each Primary's electrons.
 *
 * Sources, a ProtoDUNE-like cosmic and beam mix:
 * - muons: a `beamFraction` enter through the upstream (z min) face along
 *   the ProtoDUNE-SP beam direction; the rest are cosmic rays with a
 *   cos^2(zenith) distribution about -y, through a uniform point of the
 *   volume, starting where they enter it; mu+/mu- = 1.27 for cosmics;
 * - protons: a uniform point, isotropic, followed to the end of range
 *   (the Bragg peak comes from the stopping table);
 * - electrons and photons: a uniform point, isotropic, as a toy
 *   electromagnetic cascade (showers.ts);
 * energies log-uniform in each kind's range, start times uniform in
 * `timeRangeUs`.
 *
 * Transport: steps of at most `stepMm`, shortened to a fifth of the
 * residual range near the end; mean loss from the Bethe table, sampled
 * per step with `sampleStepLoss` (bethe.ts: Gaussian soft collisions,
 * discrete knock-ons, delta rays above `deltaRayThresholdMeV` tracked as
 * electrons); a Highland scattering after each step.
 *
 * Left out on purpose: hadronic interactions, decays, muon radiative
 * losses, magnetic fields, particles entering from outside other than the
 * through-going cosmic muons.
 */
import type { Detector } from './detector.js';
import { type EventDeposits, type Primary, type Steps } from './deposits.js';
import { ConfigError } from './errors.js';
import { ELECTRON, ELECTRON_MASS, MUON, PROTON, sampleStepLoss, type Species } from './bethe.js';
import { StoppingTable, kinematics, maxTransfer } from './bethe.js';
import { ionise, type IonisationConfig } from './ionisation.js';
import type { Rng } from './random.js';
import { deflect, highlandTheta0, isotropicDirection, normalise } from './scattering.js';
import { scatterDirection, type Vec3 } from './scattering.js';
import {
  DEFAULT_SHOWER,
  developShower,
  type ShowerParticle,
  type TransportEnd,
} from './showers.js';
import { MeV, mm, ns, us } from './units.js';

export interface ParticleConfig {
  readonly muons: number;
  readonly protons: number;
  readonly electrons: number;
  readonly photons: number;
  /** Kinetic energy ranges [MeV], [min, max]. */
  readonly muonEnergyMeV: readonly [number, number];
  readonly protonEnergyMeV: readonly [number, number];
  readonly electronEnergyMeV: readonly [number, number];
  readonly photonEnergyMeV: readonly [number, number];
  /** Fraction of the muons that are beam-like, in [0, 1]. */
  readonly beamFraction: number;
  /** Knock-on electrons above this are tracked as delta rays [MeV]. */
  readonly deltaRayThresholdMeV: number;
  /** Longest transport step [mm]. */
  readonly stepMm: number;
  /** Per-step energy-loss fluctuations (off: the mean restricted loss). */
  readonly fluctuations: boolean;
  /** Primaries' start times are uniform in this range [us]. */
  readonly timeRangeUs: readonly [number, number];
}

export const DEFAULT_PARTICLES: ParticleConfig = {
  muons: 10,
  protons: 2,
  electrons: 1,
  photons: 1,
  muonEnergyMeV: [2000, 8000],
  protonEnergyMeV: [50, 400],
  electronEnergyMeV: [100, 1000],
  photonEnergyMeV: [100, 1000],
  beamFraction: 0.2,
  deltaRayThresholdMeV: 1,
  stepMm: 1,
  fluctuations: true,
  timeRangeUs: [0, 0],
};

/** What the generator returns: deposits before ionisation, and truth. */
export interface GeneratedParticles {
  readonly steps: Steps;
  readonly primaries: Primary[];
}

// ProtoDUNE-SP beam: down ~11 degrees and towards the anode (-x).
const BEAM_DIRECTION = normalise([-0.18, -0.2, 0.96]);
const BEAM_SPREAD = 0.03; // rad, projected
// Cosmic mu+/mu- charge ratio at sea level (PDG cosmic-ray review).
const COSMIC_MU_PLUS_FRACTION = 1.27 / 2.27;
// Transport step control.
const RANGE_FRACTION = 0.2;
const MIN_STEP = 0.05 * mm;
// Starting points are this far inside a face.
const FACE_INSET = 1e-6 * mm;
const LIGHT_SPEED = 299.792458 * (mm / ns);

/** Checks a config once; throws ConfigError naming the field. */
export function validateParticleConfig(cfg: ParticleConfig): void {
  for (const key of ['muons', 'protons', 'electrons', 'photons'] as const) {
    if (!Number.isInteger(cfg[key]) || cfg[key] < 0) {
      throw new ConfigError(`particles: ${key} must be an integer >= 0, got ${cfg[key]}`);
    }
  }
  const ranges = ['muonEnergyMeV', 'protonEnergyMeV', 'electronEnergyMeV', 'photonEnergyMeV'];
  for (const key of ranges as (keyof ParticleConfig)[]) {
    const [lo, hi] = cfg[key] as readonly [number, number];
    if (!(lo > 0 && hi >= lo && hi <= 1e5)) {
      throw new ConfigError(
        `particles: ${key} must be [min, max] with 0 < min <= max <= 1e5 MeV, got [${lo}, ${hi}]`,
      );
    }
  }
  const [t0, t1] = cfg.timeRangeUs;
  if (!(Number.isFinite(t0) && t1 >= t0)) {
    throw new ConfigError(
      `particles: timeRangeUs must be [min, max] with min <= max, got [${t0}, ${t1}]`,
    );
  }
  if (!(cfg.beamFraction >= 0 && cfg.beamFraction <= 1)) {
    throw new ConfigError(`particles: beamFraction must be in [0, 1], got ${cfg.beamFraction}`);
  }
  for (const key of ['deltaRayThresholdMeV', 'stepMm'] as const) {
    if (!(cfg[key] > 0)) throw new ConfigError(`particles: ${key} must be > 0, got ${cfg[key]}`);
  }
}

/** Appends steps one at a time and hands out a compact `Steps`. */
export class StepsBuilder {
  private size = 0;
  private cols: Float64Array[];
  private primaries: Int32Array;

  constructor(capacity = 1024) {
    this.cols = Array.from({ length: 6 }, () => new Float64Array(capacity));
    this.primaries = new Int32Array(capacity);
  }

  get count(): number {
    return this.size;
  }

  /** A step: mid-point [mm], time [ns], energy [MeV], length [mm]. */
  push(
    x: number,
    y: number,
    z: number,
    t: number,
    energy: number,
    length: number,
    primary: number,
  ): void {
    if (this.size === this.primaries.length) this.grow();
    const i = this.size++;
    const values = [x, y, z, t, energy, length];
    for (let k = 0; k < 6; k++) this.cols[k][i] = values[k];
    this.primaries[i] = primary;
  }

  build(): Steps {
    const n = this.size;
    const [x, y, z, t, energy, length] = this.cols.map((c) => c.slice(0, n));
    return { count: n, x, y, z, t, energy, length, primary: this.primaries.slice(0, n) };
  }

  private grow(): void {
    const capacity = 2 * this.primaries.length;
    this.cols = this.cols.map((c) => {
      const next = new Float64Array(capacity);
      next.set(c);
      return next;
    });
    const primaries = new Int32Array(capacity);
    primaries.set(this.primaries);
    this.primaries = primaries;
  }
}

type Volume = Detector['activeVolume'];

/** A charged particle to transport. */
interface Charged {
  readonly species: Species;
  readonly position: Vec3;
  readonly direction: Vec3;
  readonly energy: number;
  readonly time: number;
  readonly primary: number;
}

/** Distance along `dir` from `p` to the volume's surface (0 if outside). */
export function distanceToExit(p: Vec3, dir: Vec3, volume: Volume): number {
  const bounds = [volume.x, volume.y, volume.z];
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const [lo, hi] = bounds[k];
    if (p[k] < lo || p[k] > hi) return 0;
    if (dir[k] > 0) best = Math.min(best, (hi - p[k]) / dir[k]);
    else if (dir[k] < 0) best = Math.min(best, (lo - p[k]) / dir[k]);
  }
  return best;
}

function insideVolume(p: Vec3, volume: Volume): boolean {
  const bounds = [volume.x, volume.y, volume.z];
  return bounds.every(([lo, hi], k) => p[k] >= lo && p[k] <= hi);
}

/** Steps charged particles through the volume, writing their deposits. */
class Transporter {
  private readonly tables = new Map<Species, StoppingTable>();

  constructor(
    private readonly volume: Volume,
    private readonly cfg: ParticleConfig,
    private readonly rng: Rng,
    readonly steps: StepsBuilder,
  ) {
    for (const s of [MUON, PROTON, ELECTRON]) this.tables.set(s, new StoppingTable(s));
  }

  /** Tracks a heavy particle and then the showers of its delta rays. */
  trackWithDeltas(p: Charged): TransportEnd {
    const deltas: ShowerParticle[] = [];
    const end = this.track(p, Infinity, deltas);
    for (const delta of deltas) this.shower(delta, p.primary);
    return end;
  }

  /** Develops an electromagnetic cascade; returns energy not followed. */
  shower(seed: ShowerParticle, primary: number): number {
    const transport = (e: ShowerParticle, maxLength: number): TransportEnd =>
      this.track({ ...e, species: ELECTRON, primary }, maxLength, []);
    const inside = (q: Vec3): boolean => insideVolume(q, this.volume);
    return developShower(seed, transport, inside, DEFAULT_SHOWER, this.rng);
  }

  /** Steps one particle for at most `maxLength` [mm]; collects deltas. */
  private track(p: Charged, maxLength: number, deltas: ShowerParticle[]): TransportEnd {
    const table = this.tables.get(p.species) as StoppingTable;
    let { position, direction, energy, time } = p;
    let travelled = 0;
    for (;;) {
      const exit = distanceToExit(position, direction, this.volume);
      if (exit <= 0) return { position, direction, energy, time, exited: true };
      if (travelled >= maxLength) return { position, direction, energy, time, exited: false };
      const range = table.csdaRange(energy);
      const limit = Math.min(this.cfg.stepMm * mm, exit, maxLength - travelled);
      let step = Math.min(limit, Math.max(MIN_STEP, RANGE_FRACTION * range));
      const stops = step >= range;
      if (stops) step = range;

      const meanLoss = stops ? energy : energy - table.energyAfter(energy, step);
      const loss = this.sampleLoss(p.species, energy, step, meanLoss, stops);
      const speed = LIGHT_SPEED * Math.sqrt(kinematics(p.species, energy - 0.5 * loss.total).beta2);
      const mid = along(position, direction, 0.5 * step);
      if (loss.local > 0) {
        this.steps.push(
          mid[0],
          mid[1],
          mid[2],
          time + (0.5 * step) / speed,
          loss.local,
          step,
          p.primary,
        );
      }
      for (const t of loss.deltas) {
        const u = this.rng.uniform() * step;
        const origin = along(position, direction, u);
        deltas.push(this.deltaRay(p.species, energy, t, direction, origin, time + u / speed));
      }

      position = along(position, direction, step);
      time += step / speed;
      travelled += step;
      energy -= loss.total;
      if (stops || energy <= 0) return { position, direction, energy: 0, time, exited: false };
      direction = this.scatter(p.species, energy, direction, step);
    }
  }

  private sampleLoss(species: Species, energy: number, step: number, mean: number, stops: boolean) {
    if (stops) return { local: energy, deltas: [] as number[], total: energy };
    const { cfg, rng } = this;
    const threshold = cfg.deltaRayThresholdMeV * MeV;
    const s = sampleStepLoss(species, energy, step, mean, threshold, cfg.fluctuations, rng);
    let deltaSum = s.deltas.reduce((a, b) => a + b, 0);
    let deltas = s.deltas;
    if (s.local + deltaSum > energy) {
      // A rare overdraw at low energy: keep the loss local, capped.
      deltas = [];
      deltaSum = 0;
    }
    const local = Math.min(s.local, energy - deltaSum);
    return { local, deltas, total: local + deltaSum };
  }

  /** A delta ray of energy t at the kinematic angle of a free collision. */
  private deltaRay(
    species: Species,
    parentEnergy: number,
    t: number,
    dir: Vec3,
    at: Vec3,
    time: number,
  ): ShowerParticle {
    const tmax = maxTransfer(species, parentEnergy);
    const momentum = (k: number): number => Math.sqrt(k * (k + 2 * ELECTRON_MASS));
    const cosTheta = Math.min(1, (t / momentum(t)) * (momentum(tmax) / tmax));
    const phi = this.rng.range(0, 2 * Math.PI);
    const direction = deflect(dir, Math.acos(cosTheta), phi);
    return { kind: 'e-', position: at, direction, energy: t, time };
  }

  private scatter(species: Species, energy: number, dir: Vec3, step: number): Vec3 {
    const momentum = Math.sqrt(energy * (energy + 2 * species.mass));
    const beta = Math.sqrt(kinematics(species, energy).beta2);
    const theta0 = highlandTheta0(momentum, beta, species.charge, step);
    return scatterDirection(dir, theta0, this.rng);
  }
}

function along(p: Vec3, dir: Vec3, d: number): Vec3 {
  return [p[0] + d * dir[0], p[1] + d * dir[1], p[2] + d * dir[2]];
}

/** The truth of a primary while its steps are being written. */
interface PendingPrimary {
  readonly kind: string;
  readonly start: Vec3;
  readonly direction: Vec3;
  readonly time: number;
  readonly energy: number;
  end: Vec3;
  /** Showers: the end is the farthest deposit along the direction. */
  readonly shower: boolean;
}

/**
 * Generates one event's primaries and transports them: steps clipped to
 * the active volume [Steps], and each primary's truth (electrons 0).
 */
export function generateParticles(
  detector: Detector,
  cfg: ParticleConfig,
  rng: Rng,
): GeneratedParticles {
  validateParticleConfig(cfg);
  const volume = detector.activeVolume;
  const transporter = new Transporter(volume, cfg, rng, new StepsBuilder(16384));
  const pending: PendingPrimary[] = [];
  const sources: [number, () => void][] = [
    [cfg.muons, () => pending.push(emitMuon(transporter, pending.length, volume, cfg, rng))],
    [cfg.protons, () => pending.push(emitProton(transporter, pending.length, volume, cfg, rng))],
    [
      cfg.electrons,
      () => pending.push(emitShower('e-', transporter, pending.length, volume, cfg, rng)),
    ],
    [
      cfg.photons,
      () => pending.push(emitShower('gamma', transporter, pending.length, volume, cfg, rng)),
    ],
  ];
  for (const [count, emit] of sources) for (let i = 0; i < count; i++) emit();

  const steps = transporter.steps.build();
  return { steps, primaries: summarise(pending, steps) };
}

/**
 * The whole particle source: generation, then ionisation (ionisation.ts),
 * with each Primary's deposited energy and electrons filled in.
 */
export function generateParticleEvent(
  detector: Detector,
  cfg: ParticleConfig,
  ionisationCfg: IonisationConfig,
  rng: Rng,
): EventDeposits {
  const { steps, primaries } = generateParticles(detector, cfg, rng);
  const depos = ionise(steps, ionisationCfg, rng);
  const electrons = new Float64Array(primaries.length);
  for (let i = 0; i < depos.count; i++) electrons[depos.primary[i]] += depos.electrons[i];
  return { depos, primaries: primaries.map((p, i) => ({ ...p, electrons: electrons[i] })) };
}

function emitMuon(
  tr: Transporter,
  index: number,
  volume: Volume,
  cfg: ParticleConfig,
  rng: Rng,
): PendingPrimary {
  const energy = logUniform(cfg.muonEnergyMeV, rng);
  const time = startTime(cfg, rng);
  const beam = rng.uniform() < cfg.beamFraction;
  const { start, direction } = beam ? beamEntry(volume, rng) : cosmicEntry(volume, rng);
  const kind = beam || rng.uniform() < COSMIC_MU_PLUS_FRACTION ? 'mu+' : 'mu-';
  const end = tr.trackWithDeltas({
    species: MUON,
    position: start,
    direction,
    energy,
    time,
    primary: index,
  });
  return { kind, start, direction, time, energy, end: end.position, shower: false };
}

function emitProton(
  tr: Transporter,
  index: number,
  volume: Volume,
  cfg: ParticleConfig,
  rng: Rng,
): PendingPrimary {
  const energy = logUniform(cfg.protonEnergyMeV, rng);
  const time = startTime(cfg, rng);
  const start = uniformPoint(volume, rng);
  const direction = isotropicDirection(rng);
  const end = tr.trackWithDeltas({
    species: PROTON,
    position: start,
    direction,
    energy,
    time,
    primary: index,
  });
  return { kind: 'proton', start, direction, time, energy, end: end.position, shower: false };
}

function emitShower(
  kind: 'e-' | 'gamma',
  tr: Transporter,
  index: number,
  volume: Volume,
  cfg: ParticleConfig,
  rng: Rng,
): PendingPrimary {
  const energy = logUniform(kind === 'e-' ? cfg.electronEnergyMeV : cfg.photonEnergyMeV, rng);
  const time = startTime(cfg, rng);
  const start = uniformPoint(volume, rng);
  const direction = isotropicDirection(rng);
  tr.shower({ kind, position: start, direction, energy, time }, index);
  return { kind, start, direction, time, energy, end: start, shower: true };
}

/** A cosmic muon: cos^2 zenith about -y, entering the volume. */
function cosmicEntry(volume: Volume, rng: Rng): { start: Vec3; direction: Vec3 } {
  const cosZenith = Math.cbrt(rng.uniformPositive());
  const sinZenith = Math.sqrt(1 - cosZenith * cosZenith);
  const phi = rng.range(0, 2 * Math.PI);
  const direction: Vec3 = [sinZenith * Math.cos(phi), -cosZenith, sinZenith * Math.sin(phi)];
  const through = uniformPoint(volume, rng);
  const back: Vec3 = [-direction[0], -direction[1], -direction[2]];
  const start = along(through, back, distanceToExit(through, back, volume) - FACE_INSET);
  return { start, direction };
}

/** A beam muon: through the upstream face, central half in x and y. */
function beamEntry(volume: Volume, rng: Rng): { start: Vec3; direction: Vec3 } {
  const central = ([lo, hi]: readonly [number, number]): number =>
    rng.range(lo + 0.25 * (hi - lo), hi - 0.25 * (hi - lo));
  const start: Vec3 = [central(volume.x), central(volume.y), volume.z[0] + FACE_INSET];
  return { start, direction: scatterDirection(BEAM_DIRECTION, BEAM_SPREAD, rng) };
}

function uniformPoint(volume: Volume, rng: Rng): Vec3 {
  return [rng.range(...volume.x), rng.range(...volume.y), rng.range(...volume.z)];
}

function logUniform([lo, hi]: readonly [number, number], rng: Rng): number {
  return lo * (hi / lo) ** rng.uniform() * MeV;
}

function startTime(cfg: ParticleConfig, rng: Rng): number {
  const [lo, hi] = cfg.timeRangeUs;
  return rng.range(lo, hi) * us;
}

/** Primaries with deposited energy, and the extent of showers. */
function summarise(pending: PendingPrimary[], steps: Steps): Primary[] {
  const deposited = new Float64Array(pending.length);
  const reach = new Float64Array(pending.length);
  for (let i = 0; i < steps.count; i++) {
    const k = steps.primary[i];
    deposited[k] += steps.energy[i];
    const { start, direction: d } = pending[k];
    const s =
      (steps.x[i] - start[0]) * d[0] +
      (steps.y[i] - start[1]) * d[1] +
      (steps.z[i] - start[2]) * d[2];
    reach[k] = Math.max(reach[k], s);
  }
  return pending.map((p, k) => ({
    kind: p.kind,
    start: p.start,
    end: p.shower ? along(p.start, p.direction, reach[k]) : p.end,
    time: p.time,
    energy: p.energy,
    depositedEnergy: deposited[k],
    electrons: 0,
  }));
}

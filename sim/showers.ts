/**
 * A toy electromagnetic cascade in liquid argon, after Heitler's model.
 *
 * Input: one electron, positron or photon (position [mm], direction,
 * kinetic energy [MeV], time [ns]) and a `transport` that tracks a charged
 * particle for a given distance, writing its ionisation steps. Output: the
 * energy not followed [MeV]: photons that left the volume or fell below
 * the photon cut, and the rest energy of converted pairs.
 *
 * The branching:
 * - an electron above the critical energy Ec (32 MeV) travels an
 *   exponential distance of mean y_mean X0 (ionising), then radiates a
 *   photon carrying a fraction y ~ U(0, 1) of its energy: the mean
 *   radiative loss is then E / X0, as bremsstrahlung's is;
 * - a photon travels an exponential distance of mean 9/7 X0 without
 *   ionising; above 2 m_e it converts to an e- e+ pair sharing E - 2 m_e
 *   uniformly, below it gives all its energy to one electron
 *   (photoelectric-like); below the photon cut it is dropped;
 * - an electron at or below Ec ranges out as a track (collision loss only).
 * Daughters leave at the characteristic angle m_e / E about the parent.
 *
 * Left out on purpose: energy dependence of the conversion length,
 * Compton scattering, the bremsstrahlung spectrum's shape, positron
 * annihilation, the Landau-Pomeranchuk-Migdal effect.
 */
import { ELECTRON_MASS, LAR } from './bethe.js';
import type { Rng } from './random.js';
import { deflect, type Vec3 } from './scattering.js';
import { MeV, mm, ns } from './units.js';

export interface ShowerConfig {
  /** Radiation length [mm]. */
  readonly radiationLength: number;
  /** Critical energy [MeV]: below it electrons only ionise. */
  readonly criticalEnergy: number;
  /** Photon conversion length in radiation lengths (9/7). */
  readonly conversionLengthX0: number;
  /** Photons below this energy are dropped [MeV]. */
  readonly photonCut: number;
}

export const DEFAULT_SHOWER: ShowerConfig = {
  radiationLength: LAR.radiationLength, // PDG, 14.0 cm
  criticalEnergy: 32 * MeV, // PDG (Rossi), liquid argon ~32-33 MeV
  conversionLengthX0: 9 / 7, // high-energy pair-production length
  photonCut: 0.1 * MeV,
};

/** A cascade particle: `e-`, `e+` or `gamma`. */
export interface ShowerParticle {
  readonly kind: 'e-' | 'e+' | 'gamma';
  readonly position: Vec3;
  readonly direction: Vec3;
  readonly energy: number;
  readonly time: number;
}

/** Where a tracked charged particle ended up. */
export interface TransportEnd {
  readonly position: Vec3;
  readonly direction: Vec3;
  /** Kinetic energy left [MeV]: 0 if it stopped. */
  readonly energy: number;
  readonly time: number;
  /** True if it left the active volume. */
  readonly exited: boolean;
}

/** Tracks an electron for at most `maxLength` [mm], writing its steps. */
export type ChargedTransport = (particle: ShowerParticle, maxLength: number) => TransportEnd;

// Speed of light [mm/ns].
const LIGHT_SPEED = 299.792458 * (mm / ns);
// Mean radiated fraction of the uniform y distribution.
const MEAN_RADIATED_FRACTION = 0.5;

/** Develops the cascade of `seed`; returns the energy not followed [MeV]. */
export function developShower(
  seed: ShowerParticle,
  transport: ChargedTransport,
  inside: (p: Vec3) => boolean,
  cfg: ShowerConfig,
  rng: Rng,
): number {
  const stack: ShowerParticle[] = [seed];
  let lost = 0;
  for (let p = stack.pop(); p; p = stack.pop()) {
    if (p.kind === 'gamma') lost += interactPhoton(p, inside, cfg, rng, stack);
    else if (p.energy <= cfg.criticalEnergy) transport(p, Infinity);
    else radiate(p, transport, cfg, rng, stack);
  }
  return lost;
}

/** Moves a photon to its conversion point; returns energy lost [MeV]. */
function interactPhoton(
  p: ShowerParticle,
  inside: (p: Vec3) => boolean,
  cfg: ShowerConfig,
  rng: Rng,
  stack: ShowerParticle[],
): number {
  if (p.energy < cfg.photonCut) return p.energy;
  const d = rng.exponential(cfg.conversionLengthX0 * cfg.radiationLength);
  const position = along(p.position, p.direction, d);
  if (!inside(position)) return p.energy;
  const time = p.time + d / LIGHT_SPEED;
  const pairEnergy = p.energy - 2 * ELECTRON_MASS;
  if (pairEnergy <= 0) {
    stack.push({ kind: 'e-', position, direction: p.direction, energy: p.energy, time });
    return 0;
  }
  const share = rng.uniform() * pairEnergy;
  const angle = ELECTRON_MASS / p.energy;
  const phi = rng.range(0, 2 * Math.PI);
  const minus = deflect(p.direction, angle, phi);
  const plus = deflect(p.direction, angle, phi + Math.PI);
  stack.push({ kind: 'e-', position, direction: minus, energy: share, time });
  stack.push({ kind: 'e+', position, direction: plus, energy: pairEnergy - share, time });
  // The pair's rest energy returns as annihilation photons, not followed.
  return 2 * ELECTRON_MASS;
}

/** Tracks a high-energy electron to its next radiation point. */
function radiate(
  p: ShowerParticle,
  transport: ChargedTransport,
  cfg: ShowerConfig,
  rng: Rng,
  stack: ShowerParticle[],
): void {
  const d = rng.exponential(MEAN_RADIATED_FRACTION * cfg.radiationLength);
  const end = transport(p, d);
  if (end.exited || end.energy <= 0) return;
  const photonEnergy = rng.uniform() * end.energy;
  const angle = ELECTRON_MASS / end.energy;
  const photonDirection = deflect(end.direction, angle, rng.range(0, 2 * Math.PI));
  const base = { position: end.position, time: end.time };
  stack.push({ ...base, kind: 'gamma', direction: photonDirection, energy: photonEnergy });
  stack.push({
    ...base,
    kind: p.kind,
    direction: end.direction,
    energy: end.energy - photonEnergy,
  });
}

function along(p: Vec3, dir: Vec3, d: number): Vec3 {
  return [p[0] + d * dir[0], p[1] + d * dir[1], p[2] + d * dir[2]];
}

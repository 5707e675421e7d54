/**
 * Multiple Coulomb scattering in liquid argon by the Highland formula
 * (PDG Review, "Passage of particles through matter", eq. 34.16), and the
 * direction arithmetic the transport needs.
 *
 * Input: momentum [MeV], velocity beta, charge, step length [mm]. Output:
 * the width theta0 [rad] of the projected scattering angle, and a new
 * direction drawn from two independent Gaussian projected angles.
 *
 * Left out on purpose: the lateral displacement within a step (the step
 * is a straight chord; steps are short next to X0), and the non-Gaussian
 * single-scattering tail. Highland's logarithm is evaluated per step, so
 * the summed width of many short steps is a few percent below Highland
 * for the whole path.
 */
import { LAR } from './bethe.js';
import type { Rng } from './random.js';
import { MeV } from './units.js';

/** A 3-vector [mm] or a unit direction, as [x, y, z]. */
export type Vec3 = [number, number, number];

// Highland's constant, 13.6 MeV (PDG).
const HIGHLAND_SCALE = 13.6 * MeV;
const HIGHLAND_LOG = 0.038;

/**
 * theta0 = 13.6 MeV / (beta c p) |z| sqrt(x/X0) [1 + 0.038 ln(x z^2 /
 * (X0 beta^2))] [rad], for momentum p [MeV], step x [mm].
 */
export function highlandTheta0(
  momentum: number,
  beta: number,
  charge: number,
  length: number,
  radiationLength: number = LAR.radiationLength,
): number {
  const t = length / radiationLength;
  const z2 = charge * charge;
  const log = 1 + HIGHLAND_LOG * Math.log((t * z2) / (beta * beta));
  return (HIGHLAND_SCALE / (beta * momentum)) * Math.abs(charge) * Math.sqrt(t) * log;
}

/**
 * Turns unit vector `dir` by polar angle `theta` [rad] at azimuth `phi`
 * [rad] about itself; returns a new unit vector.
 */
export function deflect(dir: Vec3, theta: number, phi: number): Vec3 {
  const [u, v] = perpendicularBasis(dir);
  const s = Math.sin(theta);
  const c = Math.cos(theta);
  const a = s * Math.cos(phi);
  const b = s * Math.sin(phi);
  const out: Vec3 = [
    c * dir[0] + a * u[0] + b * v[0],
    c * dir[1] + a * u[1] + b * v[1],
    c * dir[2] + a * u[2] + b * v[2],
  ];
  return normalise(out);
}

/**
 * A scattered direction: projected angles on two perpendicular planes are
 * independent N(0, theta0) (the PDG's Gaussian approximation).
 */
export function scatterDirection(dir: Vec3, theta0: number, rng: Rng): Vec3 {
  const tx = rng.normal(0, theta0);
  const ty = rng.normal(0, theta0);
  const theta = Math.min(Math.hypot(tx, ty), Math.PI);
  return deflect(dir, theta, Math.atan2(ty, tx));
}

/** An isotropic unit direction. */
export function isotropicDirection(rng: Rng): Vec3 {
  const cosTheta = rng.range(-1, 1);
  const sinTheta = Math.sqrt(1 - cosTheta * cosTheta);
  const phi = rng.range(0, 2 * Math.PI);
  return [sinTheta * Math.cos(phi), sinTheta * Math.sin(phi), cosTheta];
}

export function normalise(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** Two unit vectors perpendicular to unit `dir` and to each other. */
function perpendicularBasis(dir: Vec3): [Vec3, Vec3] {
  // Cross with the axis least aligned with dir.
  const ax = Math.abs(dir[0]);
  const ay = Math.abs(dir[1]);
  const az = Math.abs(dir[2]);
  const axis: Vec3 = ax <= ay && ax <= az ? [1, 0, 0] : ay <= az ? [0, 1, 0] : [0, 0, 1];
  const u = normalise(cross(dir, axis));
  return [u, cross(dir, u)];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

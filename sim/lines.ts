/**
 * The line source of the public LArTPC translation benchmark (SLATS,
 * LS4GAN toyzero): ideal straight line segments between two uniform points
 * of the active volume, carrying a fixed number of ionisation electrons
 * per unit length (5000 per mm).
 *
 * Output: `EventDeposits`: each line is cut into equal pieces of at most
 * `stepMm`, one depo at each piece's mid-point with electronsPerMm times
 * the piece length; all at time `timeUs`. One Primary of kind `line` per
 * line (energy and deposited energy 0: the lines carry charge, not energy).
 *
 * Left out on purpose, as in the benchmark: energy loss, recombination,
 * fluctuations, scattering, delta rays.
 */
import { DeposBuilder, type EventDeposits, type Primary } from './deposits.js';
import type { Detector } from './detector.js';
import { ConfigError } from './errors.js';
import type { Rng } from './random.js';
import type { Vec3 } from './scattering.js';
import { mm, us } from './units.js';

export interface LineConfig {
  /** Lines per event. */
  readonly lines: number;
  /** Ionisation electrons per mm of line. */
  readonly electronsPerMm: number;
  /** Longest piece a line is cut into [mm]. */
  readonly stepMm: number;
  /** Shortest accepted line [mm]: shorter draws are redrawn. */
  readonly minLengthMm: number;
  /** Time of every depo [us]. */
  readonly timeUs: number;
}

export const DEFAULT_LINES: LineConfig = {
  lines: 10,
  electronsPerMm: 5000, // the SLATS benchmark's charge density
  stepMm: 1,
  minLengthMm: 100,
  timeUs: 0,
};

// Redraws allowed per line before minLengthMm is judged impossible.
const MAX_DRAWS = 1000;

/** Checks a config once; throws ConfigError naming the field. */
export function validateLineConfig(cfg: LineConfig): void {
  if (!Number.isInteger(cfg.lines) || cfg.lines < 0) {
    throw new ConfigError(`lines: lines must be an integer >= 0, got ${cfg.lines}`);
  }
  for (const key of ['electronsPerMm', 'stepMm'] as const) {
    if (!(cfg[key] > 0)) throw new ConfigError(`lines: ${key} must be > 0, got ${cfg[key]}`);
  }
  if (!(cfg.minLengthMm >= 0)) {
    throw new ConfigError(`lines: minLengthMm must be >= 0, got ${cfg.minLengthMm}`);
  }
  if (!Number.isFinite(cfg.timeUs)) {
    throw new ConfigError(`lines: timeUs must be a finite number, got ${cfg.timeUs}`);
  }
}

/** One event of `cfg.lines` ideal lines in the detector's active volume. */
export function generateLineEvent(detector: Detector, cfg: LineConfig, rng: Rng): EventDeposits {
  validateLineConfig(cfg);
  const builder = new DeposBuilder();
  const primaries: Primary[] = [];
  const time = cfg.timeUs * us;
  for (let k = 0; k < cfg.lines; k++) {
    const [start, end] = drawLine(detector, cfg.minLengthMm * mm, rng);
    const electrons = depositLine(builder, start, end, time, cfg, k);
    primaries.push({ kind: 'line', start, end, time, energy: 0, depositedEnergy: 0, electrons });
  }
  return { depos: builder.build(), primaries };
}

/** Two uniform points at least `minLength` apart. */
function drawLine(detector: Detector, minLength: number, rng: Rng): [Vec3, Vec3] {
  const { x, y, z } = detector.activeVolume;
  const point = (): Vec3 => [rng.range(...x), rng.range(...y), rng.range(...z)];
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const a = point();
    const b = point();
    if (Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]) >= minLength) return [a, b];
  }
  const diagonal = Math.hypot(x[1] - x[0], y[1] - y[0], z[1] - z[0]) / mm;
  throw new ConfigError(
    `lines: no line of minLengthMm = ${minLength / mm} found in ${MAX_DRAWS} draws ` +
      `(volume diagonal ${diagonal.toFixed(0)} mm)`,
  );
}

/** Equal pieces of at most stepMm; returns the line's electrons. */
function depositLine(
  builder: DeposBuilder,
  a: Vec3,
  b: Vec3,
  time: number,
  cfg: LineConfig,
  primary: number,
): number {
  const length = Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]);
  const pieces = Math.max(1, Math.ceil(length / (cfg.stepMm * mm)));
  const electrons = (cfg.electronsPerMm / mm) * (length / pieces);
  for (let i = 0; i < pieces; i++) {
    const f = (i + 0.5) / pieces;
    const x = a[0] + f * (b[0] - a[0]);
    const y = a[1] + f * (b[1] - a[1]);
    const z = a[2] + f * (b[2] - a[2]);
    builder.push(x, y, z, time, electrons, primary);
  }
  return electrons * pieces;
}

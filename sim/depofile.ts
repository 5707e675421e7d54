/**
 * The Wire-Cell depo source: energy depositions in the JSON format of the
 * toolkit's `JsonDepoSource`, `{"depos": [{n, q, s, t, x, y, z}, ...]}`,
 * already parsed (reading and decompressing files is pipeline/'s job).
 *
 * Input: per entry, `n` ionisation electrons after recombination (used as
 * is: the file's "electrons" model), time `t` [ns], position `x, y, z`
 * [mm]; optional deposited energy `q` [MeV] and step length `s` [mm].
 * Other keys are ignored. The numbers are in Wire-Cell units, which are
 * ours. Output: one depo per entry and one Primary of kind `depo-file`.
 *
 * Placement: `as-is` keeps the file's coordinates (the example file is in
 * MicroBooNE coordinates); `centre` translates every depo so that the
 * bounding box of the depos is centred in the detector's active volume,
 * so the same file can be seen in any detector preset. Depos are not
 * clipped to the volume.
 *
 * Left out on purpose: re-applying recombination from (q, s), the depos'
 * own extents (`extent_long`, `extent_tran`), per-particle truth.
 */
import { DeposBuilder, type Depos, type EventDeposits } from './deposits.js';
import type { Detector } from './detector.js';
import { ConfigError, FileFormatError } from './errors.js';
import type { Vec3 } from './scattering.js';

/** Where the depos go: as in the file, or centred in a volume. */
export type DepoPlacement =
  | { readonly mode: 'as-is' }
  | { readonly mode: 'centre'; readonly volume: Detector['activeVolume'] };

/** The placement named `mode` (`as-is` or `centre`) for a detector. */
export function depoPlacement(mode: string, detector: Detector): DepoPlacement {
  if (mode === 'as-is') return { mode };
  if (mode === 'centre') return { mode, volume: detector.activeVolume };
  throw new ConfigError(`source.placement must be "as-is" or "centre", got "${mode}"`);
}

const REQUIRED = ['n', 't', 'x', 'y', 'z'] as const;
const OPTIONAL = ['q', 's'] as const;

/**
 * EventDeposits of a parsed Wire-Cell depo JSON document; `source` names
 * the file in errors, which also give the entry index.
 */
export function parseDepoFile(
  json: unknown,
  source: string,
  placement: DepoPlacement,
): EventDeposits {
  const entries = depoEntries(json, source);
  const builder = new DeposBuilder(Math.max(1, entries.length));
  let energy = 0;
  entries.forEach((entry, index) => {
    const d = validEntry(entry, source, index);
    builder.push(d.x, d.y, d.z, d.t, d.n, 0);
    energy += d.q ?? 0;
  });
  const depos = place(builder.build(), placement);
  return { depos, primaries: [summary(depos, energy)] };
}

function depoEntries(json: unknown, source: string): unknown[] {
  const depos = (json as { depos?: unknown } | null)?.depos;
  if (typeof json !== 'object' || json === null || !Array.isArray(depos)) {
    throw new FileFormatError(source, 'expected an object with a "depos" list');
  }
  if (depos.length === 0) throw new FileFormatError(source, '"depos" is empty');
  return depos;
}

type Entry = Record<(typeof REQUIRED)[number], number> & { q?: number; s?: number };

function validEntry(entry: unknown, source: string, index: number): Entry {
  const where = `depos[${index}]`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new FileFormatError(source, `${where}: expected an object, got ${JSON.stringify(entry)}`);
  }
  const e = entry as Record<string, unknown>;
  for (const key of REQUIRED) {
    if (!(key in e)) throw new FileFormatError(source, `${where}: missing key "${key}"`);
  }
  for (const key of [...REQUIRED, ...OPTIONAL]) {
    if (key in e && !(typeof e[key] === 'number' && Number.isFinite(e[key]))) {
      const got = JSON.stringify(e[key]);
      throw new FileFormatError(source, `${where}: "${key}" must be a finite number, got ${got}`);
    }
  }
  if ((e.n as number) < 0) {
    throw new FileFormatError(source, `${where}: "n" (electrons) must be >= 0, got ${e.n}`);
  }
  return e as Entry;
}

/** Applies the placement: a translation of every depo. */
function place(depos: Depos, placement: DepoPlacement): Depos {
  if (placement.mode === 'as-is') return depos;
  const { volume } = placement;
  const axes = [
    [depos.x, volume.x],
    [depos.y, volume.y],
    [depos.z, volume.z],
  ] as const;
  for (const [values, [lo, hi]] of axes) {
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const shift = 0.5 * (lo + hi) - 0.5 * (min + max);
    for (let i = 0; i < values.length; i++) values[i] += shift;
  }
  return depos;
}

/** The one Primary: first and last depo, earliest time, totals. */
function summary(depos: Depos, energy: number) {
  const at = (i: number): Vec3 => [depos.x[i], depos.y[i], depos.z[i]];
  let electrons = 0;
  let time = Infinity;
  for (let i = 0; i < depos.count; i++) {
    electrons += depos.electrons[i];
    time = Math.min(time, depos.t[i]);
  }
  return {
    kind: 'depo-file',
    start: at(0),
    end: at(depos.count - 1),
    time,
    energy: 0,
    depositedEnergy: energy,
    electrons,
  };
}

/**
 * The tile catalog: one row per tile of a tile file, as an Arrow IPC file
 * (Feather v2) beside it (`tiles.h5` -> `tiles.arrow`).
 *
 * Columns (`CATALOG_COLUMNS`), in file order:
 * - tile (int32): index of the tile within its split (row of /<split>/a);
 * - split (utf8): `train` or `test`;
 * - event (int32): the event the tile was cut from (-1 when unknown);
 * - plane (utf8): wire plane name (`u`, `v`, `w`);
 * - first_channel (int32): channel number of the tile's first row
 *   (-1 when unknown);
 * - first_tick (int32): frame column of the tile's first column (-1 when
 *   unknown);
 * - nonzero_a, nonzero_b (float64): fraction of pixels != 0 in a and b;
 * - sum_a, sum_b, abs_sum_a, abs_sum_b (float64): sum of the values and of
 *   their absolute values over the tile [ADC, baseline subtracted].
 *
 * Left out: appending to an existing catalog (a tile file's catalog is
 * written once, atomically, after the tiles).
 */
import fs from 'node:fs';

import { Table, Utf8, makeVector, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';

import { FileFormatError } from '../sim/errors.js';
import { type AtomicOptions, writeFileAtomic } from './atomic.js';
import type { Split } from './tilefile.js';

/** Per-tile figures of one domain. */
export interface TileFigures {
  /** Fraction of pixels != 0. */
  readonly nonzero: number;
  /** Sum of the values [ADC]. */
  readonly sum: number;
  /** Sum of the absolute values [ADC]. */
  readonly absSum: number;
}

/** One tile of a tile file. */
export interface CatalogRow {
  readonly tile: number;
  readonly split: Split;
  readonly event: number;
  readonly plane: string;
  readonly firstChannel: number;
  readonly firstTick: number;
  readonly a: TileFigures;
  readonly b: TileFigures;
}

type ColumnKind = 'int32' | 'utf8' | 'float64';

/** Column names and types, in file order. */
export const CATALOG_COLUMNS: ReadonlyArray<readonly [string, ColumnKind]> = [
  ['tile', 'int32'],
  ['split', 'utf8'],
  ['event', 'int32'],
  ['plane', 'utf8'],
  ['first_channel', 'int32'],
  ['first_tick', 'int32'],
  ['nonzero_a', 'float64'],
  ['nonzero_b', 'float64'],
  ['sum_a', 'float64'],
  ['sum_b', 'float64'],
  ['abs_sum_a', 'float64'],
  ['abs_sum_b', 'float64'],
];

/** `tiles.h5` -> `tiles.arrow`. */
export function catalogPath(tileFile: string): string {
  return tileFile.replace(/(\.h5|\.hdf5)?$/, '.arrow');
}

/** Figures of one tile [n values]. */
export function tileFigures(tile: Float32Array): TileFigures {
  let nonzero = 0;
  let sum = 0;
  let absSum = 0;
  for (let i = 0; i < tile.length; i++) {
    const v = tile[i];
    if (v !== 0) nonzero++;
    sum += v;
    absSum += Math.abs(v);
  }
  return { nonzero: tile.length > 0 ? nonzero / tile.length : 0, sum, absSum };
}

/** Writes `rows` to `path` atomically; an existing file needs `force`. */
export async function writeCatalog(
  path: string,
  rows: readonly CatalogRow[],
  options: AtomicOptions = {},
): Promise<void> {
  const int = (value: (row: CatalogRow) => number) => makeVector(Int32Array.from(rows, value));
  const float = (value: (row: CatalogRow) => number) => makeVector(Float64Array.from(rows, value));
  const text = (value: (row: CatalogRow) => string) => vectorFromArray(rows.map(value), new Utf8());
  const table = new Table({
    tile: int((r) => r.tile),
    split: text((r) => r.split),
    event: int((r) => r.event),
    plane: text((r) => r.plane),
    first_channel: int((r) => r.firstChannel),
    first_tick: int((r) => r.firstTick),
    nonzero_a: float((r) => r.a.nonzero),
    nonzero_b: float((r) => r.b.nonzero),
    sum_a: float((r) => r.a.sum),
    sum_b: float((r) => r.b.sum),
    abs_sum_a: float((r) => r.a.absSum),
    abs_sum_b: float((r) => r.b.absSum),
  });
  await writeFileAtomic(path, tableToIPC(table, 'file'), options);
}

/** Reads a catalog; a missing column is a FileFormatError. */
export async function readCatalog(path: string): Promise<CatalogRow[]> {
  let table: Table;
  try {
    table = tableFromIPC(await fs.promises.readFile(path));
  } catch (error) {
    throw new FileFormatError(path, 'cannot read as an Arrow IPC file', { cause: error });
  }
  const column = (name: string): unknown[] => {
    const child = table.getChild(name);
    if (!child) {
      const present = table.schema.fields.map((f) => f.name).join(', ');
      throw new FileFormatError(path, `no column ${name} (columns: ${present})`);
    }
    return Array.from(child.toArray() as ArrayLike<unknown>);
  };
  const columns = Object.fromEntries(CATALOG_COLUMNS.map(([name]) => [name, column(name)]));
  const num = (name: string, i: number): number => Number(columns[name][i]);
  const figures = (domain: 'a' | 'b', i: number): TileFigures => ({
    nonzero: num(`nonzero_${domain}`, i),
    sum: num(`sum_${domain}`, i),
    absSum: num(`abs_sum_${domain}`, i),
  });
  return columns.tile.map((_, i) => ({
    tile: num('tile', i),
    split: String(columns.split[i]) as Split,
    event: num('event', i),
    plane: String(columns.plane[i]),
    firstChannel: num('first_channel', i),
    firstTick: num('first_tick', i),
    a: figures('a', i),
    b: figures('b', i),
  }));
}

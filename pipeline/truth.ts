/**
 * The truth table of a simulation run: one row per primary particle, as
 * an Arrow IPC file (Feather v2), next to the event file.
 *
 * Columns (`TRUTH_COLUMNS`): event, index (int32); kind (utf8);
 * start_x/y/z_mm, end_x/y/z_mm, time_ns, energy_mev, deposited_mev,
 * electrons (float64). Values are stored divided by the unit in their
 * name; rows read back are in internal units (`sim/units.ts`).
 *
 * Left out: per-deposit truth (only per-primary sums), and appending to
 * an existing table (a run writes its table once, atomically).
 */
import fs from 'node:fs';

import {
  DataType,
  Table,
  Utf8,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';

import type { Primary } from '../sim/deposits.js';
import { FileFormatError } from '../sim/errors.js';
import { MeV, mm, ns } from '../sim/units.js';
import { type AtomicOptions, writeFileAtomic } from './atomic.js';

/** One primary particle of one event. */
export interface TruthRow extends Primary {
  readonly event: number;
  /** Index of the primary within its event. */
  readonly index: number;
}

type ColumnKind = 'int32' | 'utf8' | 'float64';

/** Column names and types, in file order. */
export const TRUTH_COLUMNS: ReadonlyArray<readonly [string, ColumnKind]> = [
  ['event', 'int32'],
  ['index', 'int32'],
  ['kind', 'utf8'],
  ['start_x_mm', 'float64'],
  ['start_y_mm', 'float64'],
  ['start_z_mm', 'float64'],
  ['end_x_mm', 'float64'],
  ['end_y_mm', 'float64'],
  ['end_z_mm', 'float64'],
  ['time_ns', 'float64'],
  ['energy_mev', 'float64'],
  ['deposited_mev', 'float64'],
  ['electrons', 'float64'],
];

/** Writes `rows` to `path` atomically; an existing file needs `force`. */
export async function writeTruth(
  path: string,
  rows: readonly TruthRow[],
  options: AtomicOptions = {},
): Promise<void> {
  const float = (value: (row: TruthRow) => number) => makeVector(Float64Array.from(rows, value));
  const table = new Table({
    event: makeVector(Int32Array.from(rows, (r) => r.event)),
    index: makeVector(Int32Array.from(rows, (r) => r.index)),
    kind: vectorFromArray(
      rows.map((r) => r.kind),
      new Utf8(),
    ),
    start_x_mm: float((r) => r.start[0] / mm),
    start_y_mm: float((r) => r.start[1] / mm),
    start_z_mm: float((r) => r.start[2] / mm),
    end_x_mm: float((r) => r.end[0] / mm),
    end_y_mm: float((r) => r.end[1] / mm),
    end_z_mm: float((r) => r.end[2] / mm),
    time_ns: float((r) => r.time / ns),
    energy_mev: float((r) => r.energy / MeV),
    deposited_mev: float((r) => r.depositedEnergy / MeV),
    electrons: float((r) => r.electrons),
  });
  await writeFileAtomic(path, tableToIPC(table, 'file'), options);
}

/** Reads a truth table; a missing or mistyped column is a FileFormatError. */
export async function readTruth(path: string): Promise<TruthRow[]> {
  const table = parseTable(path, await readBytes(path));
  for (const [name, kind] of TRUTH_COLUMNS) checkColumn(path, table, name, kind);

  const column = (name: string): unknown[] => table.getChild(name)!.toArray() as unknown[];
  const numbers = (name: string, unit = 1): number[] =>
    Array.from(column(name), (v) => Number(v) * unit);
  const [event, index] = [numbers('event'), numbers('index')];
  const kind = Array.from(column('kind'), String);
  const start = ['x', 'y', 'z'].map((a) => numbers(`start_${a}_mm`, mm));
  const end = ['x', 'y', 'z'].map((a) => numbers(`end_${a}_mm`, mm));
  const time = numbers('time_ns', ns);
  const energy = numbers('energy_mev', MeV);
  const deposited = numbers('deposited_mev', MeV);
  const electrons = numbers('electrons');

  return event.map((_, i) => ({
    event: event[i],
    index: index[i],
    kind: kind[i],
    start: [start[0][i], start[1][i], start[2][i]] as const,
    end: [end[0][i], end[1][i], end[2][i]] as const,
    time: time[i],
    energy: energy[i],
    depositedEnergy: deposited[i],
    electrons: electrons[i],
  }));
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await fs.promises.readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new FileFormatError(path, `cannot read (${code})`, { cause: error });
  }
}

/** Arrow IPC files start and end with this (after the footer). */
const ARROW_MAGIC = 'ARROW1';

function parseTable(path: string, bytes: Uint8Array): Table {
  const text = (from: number): string =>
    Buffer.from(bytes.subarray(from, from + ARROW_MAGIC.length)).toString('latin1');
  const tail = bytes.length - ARROW_MAGIC.length;
  if (tail < ARROW_MAGIC.length || text(0) !== ARROW_MAGIC || text(tail) !== ARROW_MAGIC) {
    throw new FileFormatError(path, 'not an Arrow IPC file (Feather v2), or truncated');
  }
  try {
    return tableFromIPC(bytes);
  } catch (error) {
    throw new FileFormatError(path, 'not an Arrow IPC file', { cause: error });
  }
}

function checkColumn(path: string, table: Table, name: string, kind: ColumnKind): void {
  const field = table.schema.fields.find((f) => f.name === name);
  if (!field) {
    const present = table.schema.fields.map((f) => f.name).join(', ');
    throw new FileFormatError(path, `no column ${name} (columns: ${present})`);
  }
  const type = field.type;
  const ok =
    kind === 'int32'
      ? DataType.isInt(type) && type.bitWidth === 32 && type.isSigned
      : kind === 'float64'
        ? DataType.isFloat(type) && type.ArrayType === Float64Array
        : DataType.isUtf8(type) ||
          (DataType.isDictionary(type) && DataType.isUtf8(type.dictionary));
  if (!ok) {
    throw new FileFormatError(path, `column ${name}: expected ${kind}, got ${type}`);
  }
}

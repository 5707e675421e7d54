/**
 * Per-image evaluation rows as an Arrow IPC file (Feather v2),
 * `metrics.arrow` in an evaluation folder.
 *
 * One row per translated image: a test tile in one direction, or one
 * plane of one event of a full frame. Columns (`METRICS_COLUMNS`):
 * source (`tiles` or `frames`), direction (`a_to_b`, `b_to_a`, or the
 * translated frame tag), plane (name; empty for tiles) (utf8); index (tile
 * index; -1 for frames), event (-1 for tiles), pixels (int32); then the
 * float64 metrics of models/metrics.ts in ADC, ADC^2 and wires, and
 * cycle_l1 (NaN where no cycle was run). Left out: appending (written
 * once, atomically).
 */
import { Table, Utf8, makeVector, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import fs from 'node:fs';

import type { ImageMetrics } from '../models/metrics.js';
import { FileFormatError } from '../sim/errors.js';
import { type AtomicOptions, writeFileAtomic } from './atomic.js';

/** One evaluated image. */
export interface MetricsRow extends ImageMetrics {
  readonly source: 'tiles' | 'frames';
  readonly direction: string;
  readonly plane: string;
  readonly index: number;
  readonly event: number;
  /** L1 of the cycled image against the input [ADC]; NaN without a cycle. */
  readonly cycleL1: number;
}

type NumberKey = Exclude<keyof MetricsRow, 'source' | 'direction' | 'plane'>;

/** Float64 columns: file name and row field. */
const FLOAT_COLUMNS: ReadonlyArray<readonly [string, NumberKey]> = [
  ['l1_adc', 'l1'],
  ['l2_adc2', 'l2'],
  ['baseline_l1_adc', 'baselineL1'],
  ['baseline_l2_adc2', 'baselineL2'],
  ['adc_sum_input', 'adcSumInput'],
  ['adc_sum_output', 'adcSumOutput'],
  ['adc_sum_truth', 'adcSumTruth'],
  ['charge_error_adc', 'chargeErrorAdc'],
  ['charge_error_rel', 'chargeErrorRelative'],
  ['nonzero_input', 'nonZeroInput'],
  ['nonzero_output', 'nonZeroOutput'],
  ['nonzero_truth', 'nonZeroTruth'],
  ['width_input_wires', 'widthInput'],
  ['width_output_wires', 'widthOutput'],
  ['width_truth_wires', 'widthTruth'],
  ['cycle_l1_adc', 'cycleL1'],
];
const INT_COLUMNS: ReadonlyArray<readonly [string, NumberKey]> = [
  ['index', 'index'],
  ['event', 'event'],
  ['pixels', 'pixels'],
];
const TEXT_COLUMNS = ['source', 'direction', 'plane'] as const;

/** Column names in file order. */
export const METRICS_COLUMNS: readonly string[] = [
  ...TEXT_COLUMNS,
  ...INT_COLUMNS.map(([name]) => name),
  ...FLOAT_COLUMNS.map(([name]) => name),
];

/** The rows as Arrow IPC file bytes. */
export function metricsTableBytes(rows: readonly MetricsRow[]): Uint8Array {
  const columns: Record<string, ReturnType<typeof makeVector>> = {};
  for (const name of TEXT_COLUMNS) {
    columns[name] = vectorFromArray(
      rows.map((r) => r[name]),
      new Utf8(),
    );
  }
  for (const [name, key] of INT_COLUMNS) {
    columns[name] = makeVector(Int32Array.from(rows, (r) => r[key]));
  }
  for (const [name, key] of FLOAT_COLUMNS) {
    columns[name] = makeVector(Float64Array.from(rows, (r) => r[key]));
  }
  return tableToIPC(new Table(columns), 'file');
}

/** Writes the rows to `path` atomically; an existing file needs `force`. */
export async function writeMetricsTable(
  path: string,
  rows: readonly MetricsRow[],
  options: AtomicOptions = {},
): Promise<void> {
  await writeFileAtomic(path, metricsTableBytes(rows), options);
}

/** Reads rows written by `writeMetricsTable`. */
export function readMetricsTable(path: string): MetricsRow[] {
  let table: Table;
  try {
    table = tableFromIPC(fs.readFileSync(path));
  } catch (cause) {
    throw new FileFormatError(path, 'not a readable Arrow IPC file', { cause });
  }
  const column = (name: string): unknown[] => {
    const child = table.getChild(name);
    if (!child) throw new FileFormatError(path, `no column ${name}`);
    return child.toArray() as unknown[];
  };
  const rows: Record<string, unknown>[] = Array.from({ length: table.numRows }, () => ({}));
  for (const name of TEXT_COLUMNS) column(name).forEach((v, i) => (rows[i][name] = String(v)));
  for (const [name, key] of [...INT_COLUMNS, ...FLOAT_COLUMNS]) {
    column(name).forEach((v, i) => (rows[i][key] = Number(v)));
  }
  return rows as unknown as MetricsRow[];
}

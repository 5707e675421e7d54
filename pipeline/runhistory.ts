/**
 * The loss history of a training run, `history.arrow` in the run folder,
 * read for plotting: an Arrow IPC table with an int32 `step` column, an
 * `elapsed_s` column, and one float column per loss (for CycleGAN training
 * gen_ab, gen_ba, cycle_a, cycle_b, idt_a, idt_b, disc_a, disc_b, gp_a,
 * gp_b; for pre-training `loss`). Every numeric column other than step and
 * elapsed_s is taken as a loss, in file order.
 */
import { DataType, tableFromIPC, type Table } from 'apache-arrow';
import fs from 'node:fs';

import { FileFormatError } from '../sim/errors.js';

export interface LossHistory {
  readonly step: Float64Array;
  readonly elapsedS: Float64Array | null;
  /** Loss name -> values, one per step. */
  readonly losses: ReadonlyMap<string, Float64Array>;
}

/** Reads a history file; null when `path` does not exist. */
export function readLossHistory(path: string): LossHistory | null {
  if (!fs.existsSync(path)) return null;
  let table: Table;
  try {
    table = tableFromIPC(fs.readFileSync(path));
  } catch (cause) {
    throw new FileFormatError(path, 'not a readable Arrow IPC loss history', { cause });
  }
  const numeric = (name: string): Float64Array | null => {
    const field = table.schema.fields.find((f) => f.name === name);
    if (!field || !(DataType.isInt(field.type) || DataType.isFloat(field.type))) return null;
    return Float64Array.from(table.getChild(name)!.toArray() as ArrayLike<number>, Number);
  };
  const step = numeric('step');
  if (!step) throw new FileFormatError(path, 'expected a numeric "step" column');

  const losses = new Map<string, Float64Array>();
  for (const field of table.schema.fields) {
    if (field.name === 'step' || field.name === 'elapsed_s') continue;
    const values = numeric(field.name);
    if (values) losses.set(field.name, values);
  }
  return { step, elapsedS: numeric('elapsed_s'), losses };
}

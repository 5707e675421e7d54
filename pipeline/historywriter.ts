/**
 * Writes a training run's loss history, `history.arrow` in the run
 * folder, in the layout pipeline/runhistory.ts reads: an Arrow IPC file
 * with an int32 `step` column (training steps completed when the losses
 * were measured, from 1), a float64 `elapsed_s` column (training time
 * since the run started [s], across resumes) and one float64 column per
 * loss, in the order given.
 *
 * Rows are kept in memory and the whole file is rewritten, through a
 * temporary file, at each `flush`, so the file on disk is always complete.
 * A resumed run starts from the rows up to its checkpoint's step and drops
 * the later ones, which the checkpoint does not know about.
 */
import { Float64, Int32, Table, makeVector, tableToIPC, type Vector } from 'apache-arrow';

import { FileFormatError } from '../sim/errors.js';
import { writeFileAtomic } from './atomic.js';
import { readLossHistory } from './runhistory.js';

export class HistoryWriter {
  private readonly steps: number[] = [];
  private readonly elapsedS: number[] = [];
  private readonly values: Map<string, number[]>;

  /** A new, empty history for `lossNames`; nothing is written before `flush`. */
  constructor(
    readonly path: string,
    readonly lossNames: readonly string[],
  ) {
    this.values = new Map(lossNames.map((name) => [name, []]));
  }

  /**
   * The history at `path` up to and including step `lastStep`; empty when
   * the file does not exist. The file's loss columns must be `lossNames`.
   */
  static resume(path: string, lossNames: readonly string[], lastStep: number): HistoryWriter {
    const writer = new HistoryWriter(path, lossNames);
    const history = readLossHistory(path);
    if (!history) return writer;
    const found = [...history.losses.keys()];
    if (found.join(',') !== lossNames.join(',')) {
      throw new FileFormatError(
        path,
        `expected loss columns ${lossNames.join(', ')}, got ${found.join(', ')}`,
      );
    }
    for (let row = 0; row < history.step.length && history.step[row] <= lastStep; row++) {
      const losses: Record<string, number> = {};
      for (const name of lossNames) losses[name] = history.losses.get(name)![row];
      writer.append(history.step[row], history.elapsedS?.[row] ?? Number.NaN, losses);
    }
    return writer;
  }

  /** Rows held. */
  get length(): number {
    return this.steps.length;
  }

  /** One row; a loss missing from `losses` is stored as NaN. */
  append(step: number, elapsedS: number, losses: Readonly<Record<string, number>>): void {
    this.steps.push(step);
    this.elapsedS.push(elapsedS);
    for (const [name, column] of this.values) column.push(losses[name] ?? Number.NaN);
  }

  /** Rewrites the file with every row held. */
  async flush(): Promise<void> {
    const columns: Record<string, Vector<Int32 | Float64>> = {
      step: makeVector(Int32Array.from(this.steps)),
      elapsed_s: makeVector(Float64Array.from(this.elapsedS)),
    };
    for (const [name, column] of this.values) columns[name] = makeVector(Float64Array.from(column));
    const table = new Table(columns);
    await writeFileAtomic(this.path, tableToIPC(table, 'file'), { force: true });
  }
}

/**
 * The check that frame data read from an event file holds no NaN or Inf,
 * done once where the rows are read, before anything is computed or
 * written from them.
 *
 * Input: rows of one frame `/<event>/frame_<tag>`, float32 [row, tick]
 * row-major, starting at frame row `firstRow`, and the channel number of
 * each frame row. A refusal is a FileFormatError naming the file, the
 * dataset, how many values are not finite, and the first one with its
 * (channel, tick) and frame row.
 */
import { FileFormatError } from '../sim/errors.js';

/** Where the rows come from. */
export interface FrameRows {
  readonly path: string;
  readonly event: number;
  readonly tag: string;
  /** Frame row of the first row of the data. */
  readonly firstRow: number;
  readonly ticks: number;
  /** Channel number of a frame row. */
  readonly channelOf: (row: number) => number;
}

/**
 * Throws when `data` [rows, ticks] holds NaN or Inf; `purpose` ends the
 * message (`translate`, `tile`).
 */
export function refuseNonFinite(data: Float32Array, rows: FrameRows, purpose: string): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad === 0) return;

  const row = rows.firstRow + Math.floor(first / rows.ticks);
  const tick = first % rows.ticks;
  throw new FileFormatError(
    rows.path,
    `event ${rows.event} tag "${rows.tag}": expected finite ADC values, got ${bad} ` +
      `non-finite value(s); the first, ${data[first]}, at (channel ${rows.channelOf(row)}, ` +
      `tick ${tick}) (row ${row}); refusing to ${purpose} it`,
    { dataset: `/${rows.event}/frame_${rows.tag}` },
  );
}

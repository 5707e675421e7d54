/**
 * The input side of translation: which rows of a frame form each plane,
 * what baseline each plane has, and the plane data read from an event,
 * checked for NaN and Inf and baseline-subtracted.
 *
 * Planes:
 * - a wiregan event file (header present): the header's plane channel
 *   ranges; each plane's channels must be consecutive ascending rows of the
 *   frame; `plane` selects one by name or `all`;
 * - any other file (Wire-Cell frame files): the whole frame is one plane,
 *   named `all`.
 * Baselines (`baseline`):
 * - `auto`: the header's plane baseline when there is a header, else the
 *   per-channel median of the frame row (Wire-Cell raw frames carry a
 *   per-channel pedestal; deconvolved ones such as `gauss` have median ~0);
 * - `median`: the per-channel median, always;
 * - a number [ADC]: that value for every channel.
 * The baseline is subtracted before translation and added back after, so
 * the translated frame is on the scale of the input.
 *
 * Output rows: the selected planes' rows, in frame order, with their
 * channel numbers. Left out: channels outside every plane of the header
 * (refused with `all` so that no row is dropped silently).
 */
import { ConfigError, FileFormatError, UnsupportedError } from '../sim/errors.js';
import type { EventFileReader, StoredHeader, TickInfo } from './eventfile.js';
import { refuseNonFinite } from './nonfinite.js';

export type BaselineChoice = 'auto' | 'median' | number;

/** A plane of the frame: rows [first, end) and its baseline rule. */
export interface PlaneRows {
  readonly name: string;
  readonly first: number;
  readonly end: number;
  /** [ADC] for the whole plane, or null for the per-channel median. */
  readonly baselineAdc: number | null;
}

/** One plane of one event, ready for the translator. */
export interface PlaneInput {
  readonly plane: PlaneRows;
  /** [end - first, ticks] baseline-subtracted ADC. */
  readonly data: Float32Array;
  /** The baseline of each row [ADC], [end - first]. */
  readonly baselines: Float32Array;
}

/** One event's frame, plane by plane. */
export interface EventInput {
  readonly event: number;
  readonly ticks: number;
  readonly channels: Int32Array;
  readonly tickinfo: TickInfo;
  readonly planes: readonly PlaneInput[];
}

const TAG_PATTERN = /^[A-Za-z0-9_]+$/;

/** `orig` or `frame_orig` -> `orig`; refuses other characters. */
export function normaliseTag(tag: string): string {
  const bare = tag.startsWith('frame_') ? tag.slice('frame_'.length) : tag;
  if (!TAG_PATTERN.test(bare)) {
    throw new ConfigError(
      `--tag: expected letters, digits and _ (e.g. orig or frame_orig), got "${tag}"`,
    );
  }
  return bare;
}

/** The planes to translate in frames of `channels`. */
export function selectPlanes(
  path: string,
  event: number,
  tag: string,
  channels: Int32Array,
  header: StoredHeader | null,
  plane: string,
  baseline: BaselineChoice,
): PlaneRows[] {
  const median = baseline === 'median' || (baseline === 'auto' && !header);
  const fixed = typeof baseline === 'number' ? baseline : null;
  if (!header) {
    if (plane !== 'all') {
      throw new ConfigError(
        `--plane ${plane}: ${path} has no wiregan header with plane channel ranges; use --plane all`,
      );
    }
    return [{ name: 'all', first: 0, end: channels.length, baselineAdc: median ? null : fixed }];
  }
  const names = header.planes.map((p) => p.name);
  if (plane !== 'all' && !names.includes(plane)) {
    throw new ConfigError(
      `--plane: expected one of ${[...names, 'all'].join(', ')}, got "${plane}"`,
    );
  }
  const rows = header.planes
    .filter((p) => plane === 'all' || p.name === plane)
    .map((p) => {
      const [first, end] = planeRows(
        path,
        event,
        tag,
        channels,
        p.firstChannel,
        p.firstChannel + p.channels,
        p.name,
      );
      return { name: p.name, first, end, baselineAdc: median ? null : (fixed ?? p.baselineAdc) };
    })
    .filter((p) => p.end > p.first);
  const covered = rows.reduce((n, p) => n + p.end - p.first, 0);
  if (plane === 'all' && covered !== channels.length) {
    const total = header.planes.reduce((n, p) => n + p.channels, 0);
    throw new UnsupportedError(
      `${path} (dataset /${event}/channels_${tag}): expected the ${total} channels of planes ` +
        `${names.join(', ')}, got ${channels.length}; ${channels.length - covered} are in no ` +
        `plane of the file header; only frames made of the header's planes are translated`,
    );
  }
  if (rows.length === 0) {
    throw new FileFormatError(path, `event ${event}: no channel of plane ${plane} in the frame`, {
      dataset: `/${event}/channels_${tag}`,
    });
  }
  return rows;
}

function planeRows(
  path: string,
  event: number,
  tag: string,
  channels: Int32Array,
  lo: number,
  hi: number,
  name: string,
): [number, number] {
  const rows: number[] = [];
  channels.forEach((c, row) => {
    if (c >= lo && c < hi) rows.push(row);
  });
  if (rows.length === 0) return [0, 0];
  const first = rows[0];
  if (!rows.every((row, i) => row === first + i && channels[row] === channels[first] + i)) {
    throw new UnsupportedError(
      `${path} (dataset /${event}/channels_${tag}): plane ${name}'s channels [${lo}, ${hi}) ` +
        `are not consecutive ascending rows; only such frames are translated`,
    );
  }
  return [first, first + rows.length];
}

/**
 * Reads the planes of one event, refuses NaN and Inf (naming the event,
 * tag, channel and tick), and subtracts the baselines.
 */
export function readEventInput(
  reader: EventFileReader,
  event: number,
  tag: string,
  planes: readonly PlaneRows[],
): EventInput {
  const [, ticks] = reader.frameShape(event, tag);
  const channels = reader.readChannels(event, tag);
  const inputs = planes.map((plane) => {
    const data = reader.readFrame(event, tag, [plane.first, plane.end]);
    const channelOf = (row: number) => channels[row];
    const rows = { path: reader.path, event, tag, firstRow: plane.first, ticks, channelOf };
    refuseNonFinite(data, rows, 'translate');
    const baselines = subtractBaselines(data, plane, ticks);
    return { plane, data, baselines };
  });
  const selected = new Int32Array(planes.reduce((n, p) => n + p.end - p.first, 0));
  let at = 0;
  for (const p of planes) {
    selected.set(channels.subarray(p.first, p.end), at);
    at += p.end - p.first;
  }
  return {
    event,
    ticks,
    channels: selected,
    tickinfo: reader.readTickinfo(event, tag),
    planes: inputs,
  };
}

/** Subtracts each row's baseline in place; returns the baselines [rows]. */
function subtractBaselines(data: Float32Array, plane: PlaneRows, ticks: number): Float32Array {
  const rows = plane.end - plane.first;
  const baselines = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * ticks, (r + 1) * ticks);
    const b = plane.baselineAdc ?? median(row);
    baselines[r] = b;
    for (let t = 0; t < ticks; t++) row[t] -= b;
  }
  return baselines;
}

/** Median of a row (mean of the two middle values for an even count). */
export function median(values: Float32Array): number {
  const sorted = Float32Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

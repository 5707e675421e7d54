/**
 * Evaluation on full frames: a translated event file against the truth
 * event file it was made from, per event and plane.
 *
 * Input: the truth file (a wiregan event file whose header gives the plane
 * channel ranges and baselines) with the input frame (`nearest`, domain A)
 * and the truth (`multiwire`, domain B), and the translated file with the
 * translation (`nearest_to_b`, baseline kept as in the input). When both
 * files carry a wiregan header (translation keeps the input's), their
 * detector, seed and config must agree, so that event numbers name the
 * same events. Every event
 * of the translated file must be in the truth file, with the same frame
 * shape and channel list in all three tags. Per plane, the baseline from
 * the truth file's header is subtracted from all three frames before the
 * metrics (models/metrics.ts). No cycle is run (cycleL1 = NaN).
 * Output: one `MetricsRow` per event and plane, and a preview of one full
 * frame (the first event's last plane, which is the collection plane in
 * wiregan files), max-abs pooled for display.
 *
 * NaN or Inf in any of the three frames is refused with its position.
 * Memory: one plane of three frames at a time. Left out: planes whose
 * channels are not consecutive rows of the frame (refused).
 */
import { compareImages, type MetricsConfig } from '../models/metrics.js';
import { FileFormatError, ShapeError, UnsupportedError } from '../sim/errors.js';
import { EventFileReader, type StoredPlane } from './eventfile.js';
import { maxAbsPool } from './imagepng.js';
import { refuseNonFinite } from './nonfinite.js';
import type { Preview } from './report.js';
import type { MetricsRow } from './metricstable.js';

export interface FrameEvaluationJob {
  readonly truthFile: string;
  readonly translatedFile: string;
  /** Translated frame, in the translated file (default `nearest_to_b`). */
  readonly translatedTag: string;
  /** Truth frame, in the truth file (default `multiwire`). */
  readonly truthTag: string;
  /** Input frame, the do-nothing baseline, in the truth file (default `nearest`). */
  readonly inputTag: string;
  /** The full-frame preview is pooled to at most this many [wires, ticks]. */
  readonly previewSize: readonly [number, number];
  readonly metrics: MetricsConfig;
}

export const DEFAULT_FRAME_TAGS = {
  translatedTag: 'nearest_to_b',
  truthTag: 'multiwire',
  inputTag: 'nearest',
} as const;

export interface FrameEvaluation {
  readonly rows: MetricsRow[];
  readonly preview: Preview | null;
  readonly events: number[];
}

/** Runs the job; `onProgress(done, total)` after each event. */
export async function evaluateFrames(
  job: FrameEvaluationJob,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<FrameEvaluation> {
  const truth = await EventFileReader.open(job.truthFile);
  try {
    const translated = await EventFileReader.open(job.translatedFile);
    try {
      const planes = truthPlanes(truth);
      checkSameSource(truth, translated);
      const events = matchEvents(truth, translated);
      const rows: MetricsRow[] = [];
      let preview: Preview | null = null;
      for (const [k, event] of events.entries()) {
        const files = { truth, translated };
        const result = evaluateEvent(job, files, event, planes, k === 0);
        rows.push(...result.rows);
        preview ??= result.preview;
        onProgress(k + 1, events.length);
      }
      return { rows, preview, events };
    } finally {
      translated.close();
    }
  } finally {
    truth.close();
  }
}

interface Files {
  readonly truth: EventFileReader;
  readonly translated: EventFileReader;
}

function evaluateEvent(
  job: FrameEvaluationJob,
  files: Files,
  event: number,
  planes: readonly StoredPlane[],
  withPreview: boolean,
): { rows: MetricsRow[]; preview: Preview | null } {
  const sources = [
    [files.truth, job.inputTag],
    [files.translated, job.translatedTag],
    [files.truth, job.truthTag],
  ] as const;
  const [rows, ticks] = checkShapes(job, files, event);
  const channels = files.truth.readChannels(event, job.truthTag);
  const translatedChannels = files.translated.readChannels(event, job.translatedTag);
  const out: MetricsRow[] = [];
  let preview: Preview | null = null;

  // The planes both frames hold, with their rows in each.
  const present = planes.flatMap((plane) => {
    const range = planeRows(job.truthFile, event, job.truthTag, channels, plane);
    const translatedRange = planeRows(
      job.translatedFile,
      event,
      job.translatedTag,
      translatedChannels,
      plane,
    );
    return range && translatedRange ? [{ plane, range, translatedRange }] : [];
  });
  for (const [p, { plane, range, translatedRange }] of present.entries()) {
    checkPlaneChannels(job, event, plane, channels, range, translatedChannels, translatedRange);
    const h = range[1] - range[0];
    // Each [h, ticks], baseline subtracted.
    const [input, output, truth] = sources.map(([file, tag]) => {
      const rowsOf =
        file === files.translated && tag === job.translatedTag ? translatedRange : range;
      const frame = file.readFrame(event, tag, rowsOf);
      const where = { path: file.path, event, tag, firstRow: rowsOf[0], ticks };
      const ofRow = rowsOf === range ? channels : translatedChannels;
      refuseNonFinite(frame, { ...where, channelOf: (row) => ofRow[row] }, 'evaluate');
      for (let i = 0; i < frame.length; i++) frame[i] -= plane.baselineAdc;
      return frame;
    });
    const metrics = compareImages(input, output, truth, { n: 1, h, w: ticks }, job.metrics);
    out.push({
      source: 'frames',
      direction: job.translatedTag,
      plane: plane.name,
      index: -1,
      event,
      cycleL1: NaN,
      ...metrics,
    });
    if (withPreview && p === present.length - 1) {
      preview = framePreview(job, event, plane.name, { input, output, truth }, h, ticks);
    }
  }
  if (out.length === 0) {
    throw new FileFormatError(
      job.truthFile,
      `event ${event}: no rows of any plane among ${rows} channels`,
    );
  }
  return { rows: out, preview };
}

function framePreview(
  job: FrameEvaluationJob,
  event: number,
  plane: string,
  frames: { input: Float32Array; output: Float32Array; truth: Float32Array },
  h: number,
  w: number,
): Preview {
  const fh = Math.ceil(h / job.previewSize[0]);
  const fw = Math.ceil(w / job.previewSize[1]);
  const pool = (data: Float32Array) => maxAbsPool({ data, h, w }, fh, fw);
  const [input, output, truth] = [frames.input, frames.output, frames.truth].map(pool);
  return {
    direction: job.translatedTag,
    label: `event ${event}, plane ${plane}, ${h} wires x ${w} ticks`,
    h: input.h,
    w: input.w,
    input: input.data,
    output: output.data,
    truth: truth.data,
    pooled: [fh, fw],
  };
}

function truthPlanes(truth: EventFileReader): readonly StoredPlane[] {
  const header = truth.header();
  if (!header) {
    throw new FileFormatError(
      truth.path,
      'expected a wiregan event file header (plane channel ranges and baselines); none found',
    );
  }
  return header.planes;
}

/** The translated file's events, each checked to be in the truth file. */
/**
 * A translated wiregan file keeps the header of the file it was made from:
 * the truth file must have the same detector, seed and configuration, or
 * the events of the same number are other events.
 */
function checkSameSource(truth: EventFileReader, translated: EventFileReader): void {
  const [expected, got] = [truth.header(), translated.header()];
  if (expected === null || got === null) return;
  const differs =
    expected.detector !== got.detector ||
    expected.seed !== got.seed ||
    JSON.stringify(expected.config) !== JSON.stringify(got.config);
  if (differs) {
    throw new FileFormatError(
      translated.path,
      `was translated from another simulation than the truth file ${truth.path}: ` +
        `expected detector ${expected.detector}, seed ${expected.seed} and its config, ` +
        `got detector ${got.detector}, seed ${got.seed}` +
        (expected.seed === got.seed ? ' and another config' : ''),
    );
  }
}

function matchEvents(truth: EventFileReader, translated: EventFileReader): number[] {
  const events = translated.events();
  if (events.length === 0) throw new FileFormatError(translated.path, 'no events');
  const known = new Set(truth.events());
  const missing = events.filter((e) => !known.has(e));
  if (missing.length > 0) {
    throw new FileFormatError(
      translated.path,
      `events ${missing.join(', ')} are not in the truth file ${truth.path} ` +
        `(its events: ${[...known].join(', ') || 'none'})`,
    );
  }
  return events;
}

/** [channels, ticks] shared by the three frames, and the same channel list. */
/**
 * The input frame must have the truth frame's shape and channels; the
 * translated one its ticks, and rows of whole planes (a translation of
 * some planes only is scored on those planes).
 */
function checkShapes(job: FrameEvaluationJob, files: Files, event: number): [number, number] {
  const shape = files.truth.frameShape(event, job.truthTag);
  const reference = files.truth.readChannels(event, job.truthTag);
  const input = files.truth.frameShape(event, job.inputTag);
  const translated = files.translated.frameShape(event, job.translatedTag);
  for (const [file, tag, other, rows] of [
    [files.truth, job.inputTag, input, shape[0]],
    [files.translated, job.translatedTag, translated, translated[0]],
  ] as const) {
    if (other[0] !== rows || other[1] !== shape[1]) {
      throw new ShapeError(
        `${file.path} (dataset /${event}/frame_${tag}): expected the truth frame's ` +
          `[channel, tick] = [${shape}] of ${job.truthFile} (or its ticks, for a ` +
          `translation of some planes), got [${other}]`,
      );
    }
  }
  const channels = files.truth.readChannels(event, job.inputTag);
  if (!channels.every((c, i) => c === reference[i])) {
    throw new ShapeError(
      `${files.truth.path} (dataset /${event}/channels_${job.inputTag}): channel list differs ` +
        `from /${event}/channels_${job.truthTag}`,
    );
  }
  return shape;
}

/** A plane's channels in the translated frame must be the truth frame's. */
function checkPlaneChannels(
  job: FrameEvaluationJob,
  event: number,
  plane: StoredPlane,
  channels: Int32Array,
  range: [number, number],
  translatedChannels: Int32Array,
  translatedRange: [number, number],
): void {
  const want = channels.subarray(...range);
  const got = translatedChannels.subarray(...translatedRange);
  if (want.length !== got.length || !want.every((c, i) => c === got[i])) {
    throw new ShapeError(
      `${job.translatedFile} (dataset /${event}/channels_${job.translatedTag}): plane ` +
        `${plane.name}'s channel list differs from ${job.truthFile} /${event}/channels_${job.truthTag}`,
    );
  }
}

/** Rows [first, end) of the frame holding a plane's channels; null if none. */
function planeRows(
  file: string,
  event: number,
  tag: string,
  channels: Int32Array,
  plane: StoredPlane,
): [number, number] | null {
  const [lo, hi] = [plane.firstChannel, plane.firstChannel + plane.channels];
  const rows: number[] = [];
  channels.forEach((c, row) => {
    if (c >= lo && c < hi) rows.push(row);
  });
  if (rows.length === 0) return null;
  const [first, last] = [rows[0], rows[rows.length - 1]];
  const consecutive = last - first + 1 === rows.length;
  const ascending = rows.every((row, i) => channels[row] === channels[first] + i);
  if (!consecutive || !ascending) {
    throw new UnsupportedError(
      `${file} (dataset /${event}/channels_${tag}): plane ${plane.name}'s channels ` +
        `[${lo}, ${hi}) are not consecutive ascending rows; only such frames are evaluated`,
    );
  }
  return [first, last + 1];
}

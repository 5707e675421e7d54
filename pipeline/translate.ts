/**
 * Translation of event files: every event's frame of one tag goes through
 * an exported generator (ONNX), plane by plane, tile by tile, and the
 * result is written as frame `<tag>_to_<domain>` of a new event file.
 *
 * Input: an event file in the Wire-Cell frame layout (wiregan, h5py or
 * Wire-Cell written; pipeline/eventfile.ts), frames `frame_<tag>` float32
 * [channel, tick] ADC with baseline; an ONNX model [n, 1, h, w] ->
 * [n, 1, h, w], baseline-subtracted ADC (models/translator.ts).
 * Output: groups `/<event>` with `frame_<tag>_to_<domain>` (the selected
 * planes' rows, baseline added back so it compares with the input),
 * `channels_...` and `tickinfo_...` as in the input; the input's file
 * attributes and `translation_json` (pipeline/translate-output.ts).
 * Planes and baselines: pipeline/translate-input.ts. Tiling and blending:
 * pipeline/frametiling.ts.
 *
 * Streaming: the next event is read while the current one is being
 * translated (the translator runs in worker threads or onnxruntime's
 * threads while this thread reads), and each finished event is written at
 * once. Memory: about four frames (the current and next input, the output
 * and its blend sum) plus the batches in flight. The input file is opened
 * read-only and never written. An interrupted run resumes (`resume`)
 * without redoing finished events; a run that fails before finishing any
 * event removes the partial folder it made, so a rerun starts afresh.
 *
 * Refused: NaN or Inf in the input (with its position), and a model whose
 * recorded direction or plane does not fit --domain or a named --plane
 * (pipeline/translate-model.ts); `--plane auto` (the default) translates
 * the plane the model records, or all planes when it records none. Left out: models without that
 * metadata are taken as they are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { readOnnxMetadata } from '../models/onnx-metadata.js';
import type { Translator } from '../models/translator.js';
import { ConfigError, FileFormatError, ShapeError } from '../sim/errors.js';
import { EventFileReader, type StoredHeader } from './eventfile.js';
import { overlapPixels } from './frametiling.js';
import {
  type BaselineChoice,
  type EventInput,
  type PlaneRows,
  normaliseTag,
  readEventInput,
  selectPlanes,
} from './translate-input.js';
import { type Device, openTranslator } from './translate-model.js';
import { tilingWork, translateFrame } from './translate-frame.js';
import {
  PartialOutput,
  type StoredAttribute,
  fileSha256,
  readAttributes,
} from './translate-output.js';

export interface TranslateJob {
  readonly input: string;
  readonly model: string;
  readonly out: string;
  /** Frame tag to translate (`nearest`, `orig` or `frame_orig`, ...). */
  readonly tag: string;
  /** Plane name from the file header, `all`, or `auto` (the model's recorded plane, else all). */
  readonly plane: string;
  /** Domain the model translates into: the output tag is `<tag>_to_<domain>`. */
  readonly domain: 'a' | 'b';
  /** Overlap of neighbouring tiles: a fraction of the tile below 1, else pixels. */
  readonly overlap: number;
  /** Grid start before the frame [rows, cols] (default centred), see frametiling.ts. */
  readonly gridOffset?: readonly [number, number];
  /** Tiles per translator call. */
  readonly batch: number;
  readonly baseline: BaselineChoice;
  readonly device: Device;
  /** Worker threads with a 1-thread session each; 0 = one session with `threads`. */
  readonly workers: number;
  readonly threads: number;
  readonly resume: boolean;
  readonly force: boolean;
}

export const DEFAULT_TRANSLATE = {
  tag: 'nearest',
  plane: 'auto',
  domain: 'b',
  overlap: 0.25,
  batch: 4,
  baseline: 'auto',
  device: 'cpu',
  workers: 2,
  threads: 2,
} as const;

export type TranslateProgress =
  | {
      readonly kind: 'start';
      readonly events: number;
      /** Events found finished in the partial output. */
      readonly skipped: readonly number[];
      /** Events of the file without the tag (not translated). */
      readonly withoutTag: readonly number[];
    }
  | {
      readonly kind: 'tiles';
      readonly event: number;
      readonly done: number;
      readonly total: number;
    }
  | {
      readonly kind: 'event';
      readonly event: number;
      readonly done: number;
      readonly total: number;
    };

export interface TranslateSummary {
  readonly out: string;
  readonly outTag: string;
  /** Events translated by this run. */
  readonly translated: readonly number[];
  /** Events found finished in the partial output. */
  readonly skipped: readonly number[];
  readonly tiles: number;
  readonly tile: readonly [number, number];
  readonly overlap: readonly [number, number];
}

/**
 * The plane to translate for `--plane auto`: on a wiregan event file, the
 * plane the model records it was trained on (a model of one plane's
 * response says nothing about the others), else all planes. Any other
 * value is taken as asked.
 */
function modelPlane(
  asked: string,
  metadata: ReadonlyMap<string, string> | undefined,
  header: StoredHeader | null,
): string {
  if (asked !== 'auto') return asked;
  const plane = metadata?.get('plane');
  return plane && header?.planes.some((p) => p.name === plane) ? plane : 'all';
}

/** Runs the job; `onProgress` receives start, per-batch and per-event events. */
export async function translateEvents(
  asked: TranslateJob,
  onProgress: (p: TranslateProgress) => void = () => {},
): Promise<TranslateSummary> {
  let job = asked;
  const tag = normaliseTag(job.tag);
  const outTag = `${tag}_to_${checkJob(job)}`;
  const { attrs, skipped: skippedAttributes } = await readAttributes(job.input);
  const reader = await EventFileReader.open(job.input);
  let translator: Translator | undefined;
  try {
    const { events, without } = eventsWithTag(reader, tag);
    const metadata = fs.existsSync(job.model) ? readOnnxMetadata(job.model) : undefined;
    translator = await openTranslator(job.model, { ...job, metadata });
    job = { ...job, plane: modelPlane(job.plane, metadata, reader.header()) };
    const tile = [translator.tileHeight, translator.tileWidth] as const;
    const overlap = [
      overlapPixels(job.overlap, tile[0], '--overlap'),
      overlapPixels(job.overlap, tile[1], '--overlap'),
    ] as const;
    const planes = selectPlanes(
      job.input,
      events[0],
      tag,
      reader.readChannels(events[0], tag),
      reader.header(),
      job.plane,
      job.baseline,
    );
    const record = {
      ...translationRecord(job, tag, outTag, planes, tile, overlap),
      skippedAttributes,
    };
    const partial = PartialOutput.open(job.out, outTag, record, job);
    try {
      const finished = new Set(partial.done());
      const todo = events.filter((e) => !finished.has(e));
      onProgress({
        kind: 'start',
        events: events.length,
        skipped: [...finished],
        withoutTag: without,
      });

      const context = { job, reader, translator, tag, outTag, overlap, partial, onProgress };
      const tiles = await translateAll(context, todo, events.length - todo.length, events.length);
      await partial.assemble(attrs, job.force);
      const skipped = [...finished];
      return { out: job.out, outTag, translated: todo, skipped, tiles, tile, overlap };
    } catch (error) {
      partial.discardIfUnused();
      throw error;
    }
  } finally {
    await translator?.close();
    reader.close();
  }
}

/** Validates what can be checked before opening anything; returns the domain. */
function checkJob(job: TranslateJob): string {
  if (job.domain !== 'a' && job.domain !== 'b') {
    throw new ConfigError(`--domain must be a or b, got "${job.domain}"`);
  }
  if (!(Number.isInteger(job.batch) && job.batch >= 1)) {
    throw new ConfigError(`--batch must be an integer >= 1, got ${job.batch}`);
  }
  if (!(Number.isFinite(job.overlap) && job.overlap >= 0)) {
    throw new ConfigError(
      `--overlap must be a fraction below 1 or whole pixels, got ${job.overlap}`,
    );
  }
  if (typeof job.baseline === 'number' && !Number.isFinite(job.baseline)) {
    throw new ConfigError(
      `--baseline must be auto, median or a number of ADC, got ${job.baseline}`,
    );
  }
  if (!fs.existsSync(job.input)) throw new FileFormatError(job.input, 'no such input event file');
  if (path.resolve(job.out) === path.resolve(job.input)) {
    throw new ConfigError(`--out ${job.out} is the input file; the input is never modified`);
  }
  return job.domain;
}

/**
 * Events holding `frame_<tag>` (each checked to be 2-d), and those without
 * it; none holding it is an error naming the tags that are there.
 */
function eventsWithTag(
  reader: EventFileReader,
  tag: string,
): { events: number[]; without: number[] } {
  const all = reader.events();
  if (all.length === 0) throw new FileFormatError(reader.path, 'no events (groups /<number>)');
  const events = all.filter((event) => reader.tags(event).includes(tag));
  if (events.length === 0) {
    const present = [...new Set(all.flatMap((e) => reader.tags(e)))].join(', ') || 'none';
    throw new FileFormatError(
      reader.path,
      `expected frame_${tag} in the events; their tags: ${present}`,
      {
        dataset: `/${all[0]}/frame_${tag}`,
      },
    );
  }
  for (const event of events) reader.frameShape(event, tag);
  return { events, without: all.filter((e) => !events.includes(e)) };
}

function translationRecord(
  job: TranslateJob,
  tag: string,
  outTag: string,
  planes: readonly PlaneRows[],
  tile: readonly [number, number],
  overlap: readonly [number, number],
): Record<string, unknown> {
  const stat = fs.statSync(job.input);
  return {
    input: path.resolve(job.input),
    inputBytes: stat.size,
    inputModifiedMs: Math.round(stat.mtimeMs),
    model: path.resolve(job.model),
    modelSha256: fileSha256(job.model),
    tag,
    outputTag: outTag,
    domain: job.domain,
    plane: job.plane,
    planes: planes.map((p) => p.name),
    baseline:
      job.baseline === 'auto'
        ? planes[0].baselineAdc === null
          ? 'median'
          : 'header'
        : job.baseline,
    tile,
    overlap,
    gridOffset: job.gridOffset ?? 'centred',
    padding: 'reflect',
    blend: 'raised cosine over the overlap minus overlap/4 at each side, normalised',
    version: packageVersion(),
  };
}

interface Context {
  readonly job: TranslateJob;
  readonly reader: EventFileReader;
  readonly translator: Translator;
  readonly tag: string;
  readonly outTag: string;
  readonly overlap: readonly [number, number];
  readonly partial: PartialOutput;
  readonly onProgress: (p: TranslateProgress) => void;
}

/** Translates `events` in order, reading each next event during the current one. */
async function translateAll(
  ctx: Context,
  events: readonly number[],
  before: number,
  total: number,
): Promise<number> {
  const planesOf = (event: number) =>
    selectPlanes(
      ctx.job.input,
      event,
      ctx.tag,
      ctx.reader.readChannels(event, ctx.tag),
      ctx.reader.header(),
      ctx.job.plane,
      ctx.job.baseline,
    );
  const read = (event: number) => readEventInput(ctx.reader, event, ctx.tag, planesOf(event));
  let tiles = 0;
  let next: EventInput | null = events.length > 0 ? read(events[0]) : null;
  for (const [k, event] of events.entries()) {
    const current = next!;
    const translating = translateEvent(ctx, current, (n) => (tiles += n));
    translating.catch(() => {}); // observed below, after the read
    // Yield once so the first batches are sent, then read while they run.
    await new Promise((resolve) => setImmediate(resolve));
    let reading: unknown;
    try {
      next = k + 1 < events.length ? read(events[k + 1]) : null;
    } catch (error) {
      reading = error;
    }
    const frame = await translating;
    if (reading !== undefined) throw reading;
    await ctx.partial.writeEvent(event, { tag: ctx.outTag, ...frame });
    ctx.onProgress({ kind: 'event', event, done: before + k + 1, total });
  }
  return tiles;
}

/** The translated frame of one event, baseline added back. */
async function translateEvent(
  ctx: Context,
  input: EventInput,
  countTiles: (n: number) => void,
): Promise<{
  channels: Int32Array;
  ticks: number;
  data: Float32Array;
  tickinfo: EventInput['tickinfo'];
}> {
  const { ticks, event } = input;
  const data = new Float32Array(input.channels.length * ticks);
  const options = { overlap: ctx.overlap, offset: ctx.job.gridOffset, batch: ctx.job.batch };
  const tile = [ctx.translator.tileHeight, ctx.translator.tileWidth] as const;
  const sizes = input.planes.map((p) => [p.plane.end - p.plane.first, ticks] as const);
  const total = sizes.reduce((n, shape) => n + tilingWork(shape, tile, options).tiles, 0);
  let row = 0;
  let before = 0;
  for (const [k, plane] of input.planes.entries()) {
    const rows = sizes[k][0];
    const onTiles = (done: number) =>
      ctx.onProgress({ kind: 'tiles', event, done: before + done, total });
    const out = await translateFrame(ctx.translator, plane.data, sizes[k], options, onTiles);
    before += tilingWork(sizes[k], tile, options).tiles;
    for (let r = 0; r < rows; r++) {
      const b = plane.baselines[r];
      for (let t = 0; t < ticks; t++) {
        const v = out[r * ticks + t];
        if (!Number.isFinite(v)) {
          throw new ShapeError(
            `${ctx.job.model}: the model returned ${v} for event ${event} plane ${plane.plane.name} ` +
              `at (channel ${input.channels[row + r]}, tick ${t})`,
          );
        }
        data[(row + r) * ticks + t] = v + b;
      }
    }
    row += rows;
  }
  countTiles(total);
  return { channels: input.channels, ticks, data, tickinfo: input.tickinfo };
}

function packageVersion(): string {
  const file = fileURLToPath(new URL('../package.json', import.meta.url));
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

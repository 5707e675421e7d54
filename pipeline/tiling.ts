/**
 * Tiling: cuts paired tiles out of an event file into a tile file and its
 * catalog.
 *
 * Input: a wiregan event file (its header gives the plane channel ranges
 * and baselines), frames `frame_<tagA>` (domain a) and `frame_<tagB>`
 * (domain b), float32 [channel, tick] ADC with baseline.
 * Output: `/train/{a,b}`, `/test/{a,b}` float32 [n, tileHeight, tileWidth]
 * (rows = channels, columns = ticks), baseline subtracted (the plane's
 * baseline from the file header), and `<out>.arrow` (pipeline/catalog.ts).
 *
 * - Both domains are cut at the same window, so tile i of a and of b in a
 *   split come from the same place of the same event.
 * - The plane extent is optionally centre-cropped (start =
 *   floor((extent - crop) / 2) on each axis), then tile origins step by
 *   the stride from the crop start; tiles that would pass the crop's end
 *   are dropped, never padded.
 * - Events, not tiles, are split: a seeded permutation of the sorted event
 *   numbers puts round(n * testFraction) of them (at least one and at
 *   most n - 1 when testFraction > 0 and n >= 2) in test, so no event has
 *   tiles in both splits.
 * - A tile whose absolute ADC sum is below `minSignal` in either domain is
 *   skipped; a run that keeps no tile is refused.
 * - Refused, leaving no output: NaN or Inf in the plane rows of a frame
 *   (pipeline/nonfinite.ts) and a tile larger than the (cropped) plane.
 *
 * Left out: files without a wiregan header (the baseline is unknown
 * there), padding of edge tiles, and more than one plane per tile file.
 */
import fs from 'node:fs';

import { ConfigError, FileFormatError } from '../sim/errors.js';
import { Rng } from '../sim/random.js';
import { catalogPath, tileFigures, writeCatalog, type CatalogRow } from './catalog.js';
import { EventFileReader, type StoredPlane } from './eventfile.js';
import { refuseNonFinite } from './nonfinite.js';
import type { TileConfig } from './tileconfig.js';
import { TileFileWriter, type Split } from './tilefile.js';

export interface TilesJob {
  /** Event file to cut. */
  readonly input: string;
  /** Tile file to write; the catalog goes to `catalogPath(out)`. */
  readonly out: string;
  readonly force: boolean;
  readonly config: TileConfig;
}

export interface TilesSummary {
  readonly out: string;
  readonly catalog: string;
  readonly events: number;
  readonly testEvents: readonly number[];
  readonly tiles: Readonly<Record<Split, number>>;
  /** Tiles below `minSignal` in a or b. */
  readonly skipped: number;
}

/** Where the plane sits in the frames and where its tiles start. */
export interface TileLayout {
  readonly plane: StoredPlane;
  /** Frame row of the plane's first channel. */
  readonly firstRow: number;
  readonly ticks: number;
  /** Tile origins within the plane [channel offsets], [ticks]. */
  readonly channelOrigins: readonly number[];
  readonly tickOrigins: readonly number[];
}

/**
 * Origins of tiles of `size` along an axis of `extent` pixels, centre
 * cropped to `crop` (0 = no crop), stepping by `stride` (0 = size).
 */
export function tileOrigins(extent: number, size: number, stride: number, crop: number): number[] {
  const span = crop > 0 ? crop : extent;
  if (span > extent) {
    throw new ConfigError(`tiles: crop of ${span} exceeds the extent of ${extent}`);
  }
  const start = Math.floor((extent - span) / 2);
  const step = stride > 0 ? stride : size;
  const origins: number[] = [];
  for (let at = start; at + size <= start + span; at += step) origins.push(at);
  return origins;
}

/** Events of `events` that go to the test split. */
export function testEvents(events: readonly number[], fraction: number, seed: number): number[] {
  const n = events.length;
  let count = Math.round(n * fraction);
  if (fraction > 0 && n >= 2) count = Math.min(n - 1, Math.max(1, count));
  const order = [...events].sort((x, y) => x - y);
  const rng = new Rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, count).sort((x, y) => x - y);
}

/** Cuts the tiles of `job`; `onProgress(done, total)` after each event. */
export async function cutTiles(
  job: TilesJob,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<TilesSummary> {
  const catalog = catalogPath(job.out);
  if (!job.force && fs.existsSync(catalog)) {
    throw new FileFormatError(catalog, 'output exists; refusing to overwrite it without force');
  }
  const reader = await EventFileReader.open(job.input);
  try {
    return await cutFromReader(reader, job, catalog, onProgress);
  } finally {
    reader.close();
  }
}

async function cutFromReader(
  reader: EventFileReader,
  job: TilesJob,
  catalog: string,
  onProgress: (done: number, total: number) => void,
): Promise<TilesSummary> {
  const { config } = job;
  const events = reader.events();
  if (events.length === 0) throw new FileFormatError(job.input, 'no events in the file');
  const layout = tileLayout(reader, events[0], config);
  const test = new Set(testEvents(events, config.testFraction, config.splitSeed));

  const writer = await TileFileWriter.create(
    job.out,
    {
      tileHeight: config.tileHeight,
      tileWidth: config.tileWidth,
      source: job.input,
      plane: layout.plane.name,
      baselineAdc: layout.plane.baselineAdc,
      config: { tiles: config, detector: reader.header()?.detector },
    },
    { force: job.force },
  );
  const rows: CatalogRow[] = [];
  let skipped = 0;
  try {
    for (const [done, event] of events.entries()) {
      const split: Split = test.has(event) ? 'test' : 'train';
      skipped += cutEvent(reader, event, layout, config, (a, b, firstChannel, firstTick) => {
        const row = { tile: writer.count(split), split, event, plane: layout.plane.name };
        rows.push({ ...row, firstChannel, firstTick, a: tileFigures(a), b: tileFigures(b) });
        writer.add(split, a, b);
      });
      onProgress(done + 1, events.length);
    }
    if (writer.count('train') + writer.count('test') === 0) {
      throw new ConfigError(
        `${job.input}: no tile passed --min-signal ${config.minSignal} ADC; ` +
          `${skipped} tiles skipped (|ADC| sum below it in a or b)`,
      );
    }
  } catch (error) {
    writer.abort();
    throw error;
  }
  const tiles = { train: writer.count('train'), test: writer.count('test') };
  writer.close();
  await writeCatalogOrRemove(job, catalog, rows);
  return { out: job.out, catalog, events: events.length, testEvents: [...test], tiles, skipped };
}

async function writeCatalogOrRemove(
  job: TilesJob,
  catalog: string,
  rows: readonly CatalogRow[],
): Promise<void> {
  try {
    await writeCatalog(catalog, rows, { force: job.force });
  } catch (error) {
    fs.rmSync(job.out, { force: true });
    throw error;
  }
}

/** Finds the plane rows of `event`'s frames and the tile origins. */
export function tileLayout(reader: EventFileReader, event: number, config: TileConfig): TileLayout {
  const header = reader.header();
  if (!header) {
    const detail = 'no wiregan header (plane ranges and baselines); cannot subtract the baseline';
    throw new FileFormatError(reader.path, detail);
  }
  const plane = header.planes.find((p) => p.name === config.plane);
  if (!plane) {
    const known = header.planes.map((p) => p.name).join(', ');
    throw new ConfigError(`tiles: no plane "${config.plane}" in ${reader.path} (planes: ${known})`);
  }
  const [, ticks] = reader.frameShape(event, config.tagA);
  const firstRow = planeRow(reader, event, config.tagA, plane);
  const rowB = planeRow(reader, event, config.tagB, plane);
  const [, ticksB] = reader.frameShape(event, config.tagB);
  if (rowB !== firstRow || ticksB !== ticks) {
    const detail = `frames ${config.tagA} and ${config.tagB} of event ${event} differ in layout`;
    throw new FileFormatError(reader.path, detail, { dataset: `/${event}/frame_${config.tagB}` });
  }
  const { tileHeight, tileWidth, strideChannels, strideTicks, cropChannels, cropTicks } = config;
  const channelOrigins = tileOrigins(plane.channels, tileHeight, strideChannels, cropChannels);
  const tickOrigins = tileOrigins(ticks, tileWidth, strideTicks, cropTicks);
  if (channelOrigins.length === 0 || tickOrigins.length === 0) {
    refuseTileSize(reader.path, plane, ticks, config);
  }
  return { plane, firstRow, ticks, channelOrigins, tickOrigins };
}

/** Refuses a tile that does not fit the (cropped) plane [channels, ticks]. */
function refuseTileSize(
  path: string,
  plane: StoredPlane,
  ticks: number,
  config: TileConfig,
): never {
  const extent = [config.cropChannels || plane.channels, config.cropTicks || ticks];
  const cropped = config.cropChannels > 0 || config.cropTicks > 0;
  throw new ConfigError(
    `--size: tile [${config.tileHeight}, ${config.tileWidth}] [channels, ticks] does not fit ` +
      `plane ${plane.name} of ${path}, extent [${extent.join(', ')}]` +
      (cropped ? ` after --crop ${extent.join('x')}` : '') +
      `; expected a tile within the extent`,
  );
}

/** Row of the plane's first channel; its channels must be consecutive rows. */
function planeRow(reader: EventFileReader, event: number, tag: string, plane: StoredPlane): number {
  const channels = reader.readChannels(event, tag);
  const row = channels.indexOf(plane.firstChannel);
  const ok = row >= 0 && row + plane.channels <= channels.length;
  for (let k = 0; ok && k < plane.channels; k++) {
    if (channels[row + k] !== plane.firstChannel + k) return fail();
  }
  return ok ? row : fail();

  function fail(): never {
    const last = plane.firstChannel + plane.channels - 1;
    const detail = `plane ${plane.name} channels ${plane.firstChannel}-${last} are not consecutive rows`;
    throw new FileFormatError(reader.path, detail, { dataset: `/${event}/channels_${tag}` });
  }
}

type TileSink = (a: Float32Array, b: Float32Array, firstChannel: number, firstTick: number) => void;

/** Cuts one event; returns how many tiles were below `minSignal`. */
function cutEvent(
  reader: EventFileReader,
  event: number,
  layout: TileLayout,
  config: TileConfig,
  sink: TileSink,
): number {
  const rows = [layout.firstRow, layout.firstRow + layout.plane.channels] as const;
  const frameA = reader.readFrame(event, config.tagA, rows);
  const frameB = reader.readFrame(event, config.tagB, rows);
  const { firstRow, ticks, plane } = layout;
  const channelOf = (row: number) => plane.firstChannel + row - firstRow;
  const where = { path: reader.path, event, firstRow, ticks, channelOf };
  refuseNonFinite(frameA, { ...where, tag: config.tagA }, 'tile');
  refuseNonFinite(frameB, { ...where, tag: config.tagB }, 'tile');
  const baseline = layout.plane.baselineAdc;
  let skipped = 0;
  for (const c0 of layout.channelOrigins) {
    for (const t0 of layout.tickOrigins) {
      const a = cutTile(frameA, layout.ticks, c0, t0, config, baseline);
      const b = cutTile(frameB, layout.ticks, c0, t0, config, baseline);
      if (absSum(a) < config.minSignal || absSum(b) < config.minSignal) {
        skipped++;
        continue;
      }
      sink(a, b, layout.plane.firstChannel + c0, t0);
    }
  }
  return skipped;
}

/** Window [c0, c0 + h) x [t0, t0 + w) of a [channel, tick] plane, minus the baseline. */
function cutTile(
  frame: Float32Array,
  ticks: number,
  c0: number,
  t0: number,
  config: TileConfig,
  baseline: number,
): Float32Array {
  const { tileHeight: h, tileWidth: w } = config;
  const tile = new Float32Array(h * w);
  for (let r = 0; r < h; r++) {
    const from = (c0 + r) * ticks + t0;
    for (let c = 0; c < w; c++) tile[r * w + c] = frame[from + c] - baseline;
  }
  return tile;
}

function absSum(tile: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < tile.length; i++) sum += Math.abs(tile[i]);
  return sum;
}

/**
 * Event files: HDF5 in the layout of the Wire-Cell toolkit's frame files,
 * so that files from either side can be read by the other.
 *
 * Layout: one group per event, `/<event number>`; in it, per frame tag,
 * - `frame_<tag>`    float32 [channel, tick], ADC counts (with baseline);
 * - `channels_<tag>` int32 [channel], the channel number of each row;
 * - `tickinfo_<tag>` float64 [3] = [start time ns, tick period ns,
 *   first tick], as Wire-Cell stores them (2000 for a 2 us tick).
 * File attributes (wiregan files only, see `FILE_ATTRIBUTES`): detector,
 * plane names and channel ranges, baselines, units, the resolved config as
 * JSON, the seed and the wiregan version.
 *
 * Frames are chunked (about `[64, 2048]`, bounded by the frame shape,
 * <= 512 KiB, under the 1 MiB chunk cache) with deflate, since ADC frames are
 * integer-valued; channels and tickinfo are small, contiguous, unfiltered.
 * The writer works on a temporary file renamed into place by `close()`.
 *
 * The reader takes any file of this layout (h5py- or Wire-Cell-written:
 * any numeric type, either byte order, filter chains of built-in filters)
 * and returns float32 frames. Left out: appending to a finished file and
 * resuming an interrupted one (the translate step owns that).
 */
import { ConfigError, FileFormatError, ShapeError } from '../sim/errors.js';
import type { Detector } from '../sim/detector.js';
import { ns } from '../sim/units.js';
import { type AtomicOutput, beginAtomicOutput } from './atomic.js';
import {
  type Group,
  type H5File,
  type RowRange,
  chunkShape,
  getDataset,
  openHdf5,
  readFloat32,
  readFloat64,
  readInt32,
} from './hdf5.js';

/** [start time, tick period, first tick]: ns, ns, ticks (internal units). */
export type TickInfo = readonly [startTime: number, tickPeriod: number, firstTick: number];

/** One tagged frame of one event. */
export interface EventFrame {
  /** `nearest`, `multiwire`, `<tag>_to_<domain>`: letters, digits, `_`. */
  readonly tag: string;
  /** Channel number of each row. */
  readonly channels: Int32Array;
  readonly ticks: number;
  /** Samples [channel, tick], row-major [ADC]. */
  readonly data: Float32Array;
  readonly tickinfo: TickInfo;
}

/** What a wiregan event file records about how it was made. */
export interface EventFileHeader {
  readonly detector: Detector;
  /** The resolved configuration, stored as a JSON string. */
  readonly config: unknown;
  /** The run seed: a safe integer. */
  readonly seed: number;
  /** The wiregan version that wrote the file. */
  readonly version: string;
}

export interface EventFileConfig {
  /** Deflate level for frames, 0 (no filter) to 9. */
  readonly deflateLevel: number;
  /** Preferred frame chunk [channels, ticks], bounded by the frame. */
  readonly frameChunk: readonly [number, number];
}

/**
 * Deflate level 2, as Wire-Cell writes. Measured on one ProtoDUNE-SP
 * event (2 tags x 2560 x 6000 float32, integer ADC with ~4 ADC noise,
 * 123 MB raw), this machine: level 0 0.6 s; 1 1.6 s, 33.0 MB; 2 1.7 s,
 * 31.0 MB; 4 2.5 s, 28.5 MB; 6 12 s, 25.3 MB. Chunk shapes from
 * [32, 4096] to [256, 1024] changed neither size nor time.
 */
export const DEFAULT_EVENT_FILE: EventFileConfig = {
  deflateLevel: 2,
  frameChunk: [64, 2048],
};

/** Attribute names of a wiregan event file. */
export const FILE_ATTRIBUTES = {
  detector: 'detector',
  planeNames: 'plane_names',
  /** int32 [plane, 2]: first channel and one past the last. */
  planeChannels: 'plane_channels',
  baselines: 'baselines_adc',
  frameUnits: 'frame_units',
  tickinfoUnits: 'tickinfo_units',
  config: 'config_json',
  seed: 'seed',
  version: 'wiregan_version',
} as const;

const TAG_PATTERN = /^[A-Za-z0-9_]+$/;
const FLOAT32 = '<f';
const INT32 = '<i';
const FLOAT64 = '<d';

/** Writes events to a temporary file that `close()` moves into place. */
export class EventFileWriter {
  private finished = false;

  private constructor(
    private readonly file: H5File,
    private readonly output: AtomicOutput,
    private readonly config: EventFileConfig,
  ) {}

  /** Starts an event file at `path`; an existing file needs `force`. */
  static async create(
    path: string,
    header: EventFileHeader,
    options: Partial<EventFileConfig> & { force?: boolean } = {},
  ): Promise<EventFileWriter> {
    const { force, ...overrides } = options;
    const config = checkConfig({ ...DEFAULT_EVENT_FILE, ...overrides });
    checkHeader(path, header);

    const output = beginAtomicOutput(path, { force });
    try {
      const file = await openHdf5(output.tempPath, 'w');
      writeHeader(file, header);
      return new EventFileWriter(file, output, config);
    } catch (error) {
      output.abort();
      throw error;
    }
  }

  get path(): string {
    return this.output.path;
  }

  /** Writes group `/<event>` with every frame; frames are checked first. */
  writeEvent(event: number, frames: readonly EventFrame[]): void {
    this.checkOpen('writeEvent');
    checkEvent(this.path, event, frames);
    if (this.file.keys().includes(String(event))) {
      throw new FileFormatError(this.path, `event ${event} is already written`);
    }

    try {
      const group = this.file.create_group(String(event));
      for (const frame of frames) this.writeFrame(group, frame);
    } catch (error) {
      throw new FileFormatError(this.path, `writing event ${event} failed`, { cause: error });
    }
  }

  /** Closes the file and moves it to its final path. */
  close(): void {
    this.checkOpen('close');
    this.finished = true;
    try {
      this.file.close();
    } catch (error) {
      this.output.abort();
      throw new FileFormatError(this.path, 'closing the HDF5 file failed', { cause: error });
    }
    this.output.commit();
  }

  /** Closes and removes the temporary file; nothing appears at the path. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    try {
      this.file.close();
    } finally {
      this.output.abort();
    }
  }

  private writeFrame(group: Group, frame: EventFrame): void {
    const shape = [frame.channels.length, frame.ticks];
    const level = this.config.deflateLevel;
    group.create_dataset({
      name: `frame_${frame.tag}`,
      data: frame.data,
      shape,
      dtype: FLOAT32,
      chunks: chunkShape(shape, this.config.frameChunk, 4),
      ...(level > 0 ? { compression: 'gzip' as const, compression_opts: level } : {}),
    });
    group.create_dataset({
      name: `channels_${frame.tag}`,
      data: frame.channels,
      shape: [frame.channels.length],
      dtype: INT32,
    });
    const [start, period, first] = frame.tickinfo;
    group.create_dataset({
      name: `tickinfo_${frame.tag}`,
      data: new Float64Array([start / ns, period / ns, first]),
      shape: [3],
      dtype: FLOAT64,
    });
  }

  private checkOpen(operation: string): void {
    if (this.finished) {
      throw new FileFormatError(this.path, `${operation}: the writer is already closed`);
    }
  }
}

/**
 * Runs `body` with a new writer; closes it (into place) when `body`
 * returns, aborts it (no file left) when `body` throws.
 */
export async function withEventFile<T>(
  path: string,
  header: EventFileHeader,
  options: Partial<EventFileConfig> & { force?: boolean },
  body: (writer: EventFileWriter) => Promise<T> | T,
): Promise<T> {
  const writer = await EventFileWriter.create(path, header, options);
  let result: T;
  try {
    result = await body(writer);
  } catch (error) {
    writer.abort();
    throw error;
  }
  writer.close();
  return result;
}

function checkConfig(config: EventFileConfig): EventFileConfig {
  const { deflateLevel, frameChunk } = config;
  if (!Number.isInteger(deflateLevel) || deflateLevel < 0 || deflateLevel > 9) {
    throw new ConfigError(`event file: deflateLevel must be an integer 0-9, got ${deflateLevel}`);
  }
  if (frameChunk.length !== 2 || !frameChunk.every((n) => Number.isInteger(n) && n > 0)) {
    const got = JSON.stringify(frameChunk);
    throw new ConfigError(`event file: frameChunk must be 2 positive integers, got ${got}`);
  }
  return config;
}

function checkHeader(path: string, header: EventFileHeader): void {
  if (!Number.isSafeInteger(header.seed)) {
    throw new ConfigError(`${path}: seed must be a safe integer, got ${header.seed}`);
  }
  if (header.detector.planes.length === 0) {
    throw new ConfigError(`${path}: detector ${header.detector.name} has no planes`);
  }
}

function checkEvent(path: string, event: number, frames: readonly EventFrame[]): void {
  if (!Number.isSafeInteger(event) || event < 0) {
    throw new ConfigError(`${path}: event must be a non-negative integer, got ${event}`);
  }
  const tags = new Set<string>();
  for (const frame of frames) {
    checkFrame(path, event, frame);
    if (tags.has(frame.tag)) {
      throw new ConfigError(`${path}: event ${event} has tag "${frame.tag}" twice`);
    }
    tags.add(frame.tag);
  }
}

function checkFrame(path: string, event: number, frame: EventFrame): void {
  const where = `${path}: event ${event} tag "${frame.tag}"`;
  if (!TAG_PATTERN.test(frame.tag)) {
    throw new ConfigError(`${where}: a tag has letters, digits and _ only`);
  }
  const rows = frame.channels.length;
  if (rows === 0 || !Number.isInteger(frame.ticks) || frame.ticks <= 0) {
    const got = `[${rows}, ${frame.ticks}]`;
    throw new ShapeError(`${where}: expected a non-empty [channel, tick] frame, got ${got}`);
  }
  if (frame.data.length !== rows * frame.ticks) {
    const expected = `${rows} x ${frame.ticks} = ${rows * frame.ticks}`;
    throw new ShapeError(`${where}: expected ${expected} samples, got ${frame.data.length}`);
  }
  if (frame.tickinfo.length !== 3 || !frame.tickinfo.every(Number.isFinite)) {
    const got = JSON.stringify(frame.tickinfo);
    throw new ShapeError(`${where}: expected tickinfo of 3 finite numbers, got ${got}`);
  }
}

function writeHeader(file: H5File, header: EventFileHeader): void {
  const { planes } = header.detector;
  const ranges = new Int32Array(planes.length * 2);
  planes.forEach((plane, k) => {
    ranges[2 * k] = plane.firstChannel;
    ranges[2 * k + 1] = plane.firstChannel + plane.channels;
  });
  const names = FILE_ATTRIBUTES;

  file.create_attribute(names.detector, header.detector.name);
  file.create_attribute(
    names.planeNames,
    planes.map((p) => p.name),
  );
  file.create_attribute(names.planeChannels, ranges, [planes.length, 2], INT32);
  file.create_attribute(
    names.baselines,
    Float64Array.from(planes, (p) => p.baselineAdc),
    [planes.length],
    FLOAT64,
  );
  file.create_attribute(names.frameUnits, 'ADC');
  file.create_attribute(names.tickinfoUnits, ['ns', 'ns', 'tick']);
  file.create_attribute(names.config, JSON.stringify(header.config));
  file.create_attribute(names.seed, new BigInt64Array([BigInt(header.seed)]), [], '<q');
  file.create_attribute(names.version, header.version);
}

/** A plane as recorded in a wiregan event file. */
export interface StoredPlane {
  readonly name: string;
  readonly firstChannel: number;
  readonly channels: number;
  readonly baselineAdc: number;
}

/** The file attributes of a wiregan event file. */
export interface StoredHeader {
  readonly detector: string;
  readonly planes: readonly StoredPlane[];
  readonly frameUnits: string;
  readonly config: unknown;
  readonly seed: number;
  readonly version: string;
}

/** Reads event files written by wiregan, h5py or Wire-Cell. */
export class EventFileReader {
  private constructor(private readonly file: H5File) {}

  /** Opens `path`; a non-HDF5 or truncated file is a FileFormatError. */
  static async open(path: string): Promise<EventFileReader> {
    return new EventFileReader(await openHdf5(path, 'r'));
  }

  get path(): string {
    return this.file.filename;
  }

  /** Event numbers (groups with numeric names), ascending. */
  events(): number[] {
    return this.file
      .keys()
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** Frame tags of an event, sorted. */
  tags(event: number): string[] {
    const group = this.group(event);
    return group
      .keys()
      .filter((name) => name.startsWith('frame_'))
      .map((name) => name.slice('frame_'.length))
      .sort();
  }

  /** [channels, ticks] of a frame. */
  frameShape(event: number, tag: string): [number, number] {
    const dataset = getDataset(this.file, this.datasetPath(event, 'frame', tag));
    const shape = dataset.shape ?? [];
    if (shape.length !== 2) {
      const detail = `expected a 2-d [channel, tick] frame, got shape [${shape}]`;
      throw new FileFormatError(this.path, detail, { dataset: dataset.path });
    }
    return [shape[0], shape[1]];
  }

  /** Samples [channel, tick] as float32, all rows or rows [first, end). */
  readFrame(event: number, tag: string, rows?: RowRange): Float32Array {
    const [channels] = this.frameShape(event, tag);
    const dataset = getDataset(this.file, this.datasetPath(event, 'frame', tag));
    if (rows && !(rows[0] >= 0 && rows[0] <= rows[1] && rows[1] <= channels)) {
      const detail = `row range [${rows}] is outside [0, ${channels}]`;
      throw new ShapeError(`${this.path} (dataset ${dataset.path}): ${detail}`);
    }
    return readFloat32(this.path, dataset, rows);
  }

  readChannels(event: number, tag: string): Int32Array {
    const dataset = getDataset(this.file, this.datasetPath(event, 'channels', tag));
    return readInt32(this.path, dataset);
  }

  /** [start time, tick period, first tick] in ns, ns, ticks. */
  readTickinfo(event: number, tag: string): TickInfo {
    const dataset = getDataset(this.file, this.datasetPath(event, 'tickinfo', tag));
    const values = readFloat64(this.path, dataset);
    if (values.length !== 3) {
      const detail = `expected 3 tickinfo values, got ${values.length}`;
      throw new FileFormatError(this.path, detail, { dataset: dataset.path });
    }
    return [values[0] * ns, values[1] * ns, values[2]];
  }

  /** A whole tagged frame, checked for consistent shapes. */
  readEventFrame(event: number, tag: string): EventFrame {
    const [rows, ticks] = this.frameShape(event, tag);
    const channels = this.readChannels(event, tag);
    if (channels.length !== rows) {
      const detail = `${channels.length} channels for a frame of ${rows} rows`;
      const dataset = this.datasetPath(event, 'channels', tag);
      throw new FileFormatError(this.path, detail, { dataset });
    }
    const data = this.readFrame(event, tag);
    return { tag, channels, ticks, data, tickinfo: this.readTickinfo(event, tag) };
  }

  /** The wiregan file attributes, or null for a file without them. */
  header(): StoredHeader | null {
    const attrs = this.file.attrs;
    const names = FILE_ATTRIBUTES;
    if (!(names.detector in attrs)) return null;
    const value = (name: string): unknown => attrs[name]?.value;

    const planeNames = value(names.planeNames) as string[];
    const ranges = value(names.planeChannels) as Int32Array;
    const baselines = value(names.baselines) as Float64Array;
    const planes = planeNames.map((name, k) => ({
      name,
      firstChannel: ranges[2 * k],
      channels: ranges[2 * k + 1] - ranges[2 * k],
      baselineAdc: baselines[k],
    }));
    return {
      detector: String(value(names.detector)),
      planes,
      frameUnits: String(value(names.frameUnits)),
      config: JSON.parse(String(value(names.config))),
      seed: Number(value(names.seed)),
      version: String(value(names.version)),
    };
  }

  close(): void {
    this.file.close();
  }

  private group(event: number): Group {
    const entity = this.file.get(String(event));
    if (!entity || !('keys' in entity)) {
      const events = this.events().join(', ') || 'none';
      throw new FileFormatError(this.path, `no event ${event} (events: ${events})`);
    }
    return entity as Group;
  }

  private datasetPath(event: number, kind: string, tag: string): string {
    const tags = this.tags(event);
    if (!tags.includes(tag)) {
      const present = tags.join(', ') || 'none';
      throw new FileFormatError(this.path, `event ${event} has no tag "${tag}" (tags: ${present})`);
    }
    return `/${event}/${kind}_${tag}`;
  }
}

/**
 * Tile dataset files: paired crops for training and evaluation.
 *
 * Layout (HDF5):
 *   /train/a, /train/b, /test/a, /test/b   float32 [n, height, width]
 *     (row-major; height = channels (wires), width = ticks), one tile per
 *     chunk, uncompressed, so one tile is one contiguous read;
 *   file attributes: `tile_height`, `tile_width`, `source` (what the tiles
 *     were cut from), `config_json` (resolved settings), `wiregan_version`,
 *     and when known `plane` (wire plane name) and `baseline_adc` (the
 *     baseline subtracted from the source frames, float64).
 * Tile i of `a` and tile i of `b` in a split come from the same place of
 * the same event. Values are baseline-subtracted ADC.
 *
 * The writer streams: datasets are resizable and tiles are appended in
 * batches, so memory stays bounded whatever the tile count. The file is
 * written at a temporary name and appears only when complete.
 *
 * The reader opens its own HDF5 handle (open one reader per worker
 * thread; handles are never shared) and reads tiles by index without
 * loading the file.
 */
import type { Dataset, H5File } from './hdf5.js';
import { checkFilters, getDataset, openHdf5 } from './hdf5.js';
import { beginAtomicOutput, type AtomicOutput } from './atomic.js';
import { HeapStaging } from './h5staging.js';
import { FileFormatError, ShapeError } from '../sim/errors.js';

export const SPLITS = ['train', 'test'] as const;
export type Split = (typeof SPLITS)[number];
export const DOMAINS = ['a', 'b'] as const;
export type Domain = (typeof DOMAINS)[number];

/** Tiles the writer buffers before growing the datasets and appending. */
const WRITE_BATCH = 64;
/**
 * Bytes handed to HDF5 per write call. A run this small is still in the
 * CPU cache when HDF5 copies it from the heap into its chunk cache: 8
 * tiles of 256 x 256 per call took about 15 % less CPU than 64.
 */
const WRITE_CALL_BYTES = 2 * 1024 * 1024;
const VERSION = '0.1.0';
const FLOAT32_BYTES = 4;

export interface TileFileHeader {
  readonly tileHeight: number;
  readonly tileWidth: number;
  /** What the tiles were cut from, e.g. an event file path or `slats`. */
  readonly source: string;
  /** Resolved settings of the step that made the tiles. */
  readonly config: unknown;
  /** Wire plane the tiles show (`u`, `v`, `w`), when known. */
  readonly plane?: string;
  /** Baseline subtracted from the source frames [ADC], when known. */
  readonly baselineAdc?: number;
}

/** Streams paired tiles into a tile file. */
export class TileFileWriter {
  private readonly pending = new Map<Split, { a: Float32Array[]; b: Float32Array[] }>();
  private readonly counts = new Map<Split, number>();
  private readonly staging: HeapStaging;
  private finished = false;

  private constructor(
    private readonly file: H5File,
    private readonly output: AtomicOutput,
    readonly header: TileFileHeader,
  ) {
    this.staging = new HeapStaging(output.path);
    for (const split of SPLITS) {
      this.pending.set(split, { a: [], b: [] });
      this.counts.set(split, 0);
    }
  }

  /** Starts a tile file at `path`; an existing file needs `force`. */
  static async create(
    path: string,
    header: TileFileHeader,
    options: { force?: boolean } = {},
  ): Promise<TileFileWriter> {
    const { tileHeight, tileWidth } = header;
    if (!(Number.isInteger(tileHeight) && tileHeight > 0)) {
      throw new ShapeError(`tile file ${path}: tile height must be > 0, got ${tileHeight}`);
    }
    if (!(Number.isInteger(tileWidth) && tileWidth > 0)) {
      throw new ShapeError(`tile file ${path}: tile width must be > 0, got ${tileWidth}`);
    }

    const output = beginAtomicOutput(path, options);
    try {
      const file = await openHdf5(output.tempPath, 'w');
      writeHeader(file, header);
      for (const split of SPLITS) {
        file.create_group(split);
        for (const domain of DOMAINS) createTileDataset(file, split, domain, header);
      }
      return new TileFileWriter(file, output, header);
    } catch (error) {
      output.abort();
      throw error;
    }
  }

  get path(): string {
    return this.output.path;
  }

  /** Number of pairs added to a split so far. */
  count(split: Split): number {
    return this.counts.get(split)! + this.pending.get(split)!.a.length;
  }

  /**
   * Appends one pair; a and b are [height, width] float32. They are kept,
   * not copied, until the next batch is written: do not change them.
   */
  add(split: Split, a: Float32Array, b: Float32Array): void {
    this.checkOpen('add');
    const size = this.header.tileHeight * this.header.tileWidth;
    if (a.length !== size || b.length !== size) {
      throw new ShapeError(
        `tile file ${this.path}: add(${split}): expected tiles of ` +
          `${this.header.tileHeight} x ${this.header.tileWidth} = ${size} values, ` +
          `got a ${a.length} and b ${b.length}`,
      );
    }
    const queue = this.pending.get(split)!;
    queue.a.push(a);
    queue.b.push(b);
    if (queue.a.length >= WRITE_BATCH) this.flush(split);
  }

  /** Writes what is buffered, closes and moves the file into place. */
  close(): void {
    this.checkOpen('close');
    try {
      for (const split of SPLITS) this.flush(split);
      this.finished = true;
      this.staging.release();
      this.file.close();
    } catch (error) {
      this.finished = true;
      this.output.abort();
      throw new FileFormatError(this.path, 'writing the tile file failed', { cause: error });
    }
    this.output.commit();
  }

  /** Closes and removes the temporary file; nothing appears at the path. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.staging.release();
    try {
      this.file.close();
    } finally {
      this.output.abort();
    }
  }

  private flush(split: Split): void {
    const queue = this.pending.get(split)!;
    const n = queue.a.length;
    if (n === 0) return;
    const first = this.counts.get(split)!;
    const { tileHeight: h, tileWidth: w } = this.header;
    const perCall = Math.max(1, Math.floor(WRITE_CALL_BYTES / (h * w * FLOAT32_BYTES)));
    for (const domain of DOMAINS) {
      const dataset = getDataset(this.file, `${split}/${domain}`);
      dataset.resize([first + n, h, w]);
      for (let i = 0; i < n; i += perCall) {
        const run = queue[domain].slice(i, i + perCall);
        this.staging.write(dataset, first + i, run, h * w);
      }
    }
    this.counts.set(split, first + n);
    queue.a = [];
    queue.b = [];
  }

  private checkOpen(operation: string): void {
    if (this.finished) {
      throw new FileFormatError(this.path, `${operation}: the tile writer is already closed`);
    }
  }
}

function writeHeader(file: H5File, header: TileFileHeader): void {
  file.create_attribute('tile_height', header.tileHeight, [], '<i');
  file.create_attribute('tile_width', header.tileWidth, [], '<i');
  file.create_attribute('source', header.source);
  file.create_attribute('config_json', JSON.stringify(header.config ?? null));
  file.create_attribute('wiregan_version', VERSION);
  if (header.plane !== undefined) file.create_attribute('plane', header.plane);
  if (header.baselineAdc !== undefined) {
    file.create_attribute('baseline_adc', header.baselineAdc, [], '<d');
  }
}

function createTileDataset(
  file: H5File,
  split: Split,
  domain: Domain,
  header: TileFileHeader,
): void {
  const { tileHeight: h, tileWidth: w } = header;
  file.create_dataset({
    name: `${split}/${domain}`,
    data: new Float32Array(0),
    shape: [0, h, w],
    maxshape: [null, h, w],
    chunks: [1, h, w],
    dtype: '<f',
  });
}

/** Random access to the tiles of a tile file. */
export class TileFileReader {
  private readonly datasets = new Map<string, Dataset>();
  private readonly staging: HeapStaging;

  private constructor(
    private readonly file: H5File,
    readonly path: string,
    readonly tileHeight: number,
    readonly tileWidth: number,
  ) {
    this.staging = new HeapStaging(path);
  }

  /** Opens `path`, checking the four datasets and their shapes. */
  static async open(path: string): Promise<TileFileReader> {
    const file = await openHdf5(path, 'r');
    try {
      let shape: number[] | undefined;
      const datasets = new Map<string, Dataset>();
      for (const split of SPLITS) {
        for (const domain of DOMAINS) {
          const name = `${split}/${domain}`;
          const dataset = getDataset(file, name);
          checkTileDataset(path, dataset, name);
          checkFilters(path, dataset);
          const s = dataset.shape as number[];
          if (shape && (s[1] !== shape[1] || s[2] !== shape[2])) {
            throw new FileFormatError(
              path,
              `tile size ${s[1]} x ${s[2]} differs from the other datasets' ` +
                `${shape[1]} x ${shape[2]}`,
              { dataset: name },
            );
          }
          shape = s;
          datasets.set(name, dataset);
        }
        const na = datasets.get(`${split}/a`)!.shape![0];
        const nb = datasets.get(`${split}/b`)!.shape![0];
        if (na !== nb) {
          throw new FileFormatError(path, `${split}/a has ${na} tiles but ${split}/b has ${nb}`, {
            dataset: `${split}/b`,
          });
        }
      }
      const reader = new TileFileReader(file, path, shape![1], shape![2]);
      for (const [name, dataset] of datasets) reader.datasets.set(name, dataset);
      return reader;
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /** Values per tile (height x width). */
  get tileSize(): number {
    return this.tileHeight * this.tileWidth;
  }

  /** Number of tiles in a split (the same in a and b). */
  count(split: Split): number {
    return this.dataset(split, 'a').shape![0];
  }

  /** Tile `index` of a split and domain: float32 [height, width]. */
  read(split: Split, domain: Domain, index: number): Float32Array {
    return this.readRange(split, domain, index, index + 1);
  }

  /** Tiles [first, end) as one float32 [end - first, height, width]. */
  readRange(split: Split, domain: Domain, first: number, end: number): Float32Array {
    this.checkRange(split, domain, first, end);
    return this.staging.read(this.dataset(split, domain), first, end, this.tileSize);
  }

  /** Tiles at `indices`, in that order, as float32 [indices.length, height, width]. */
  readBatch(split: Split, domain: Domain, indices: readonly number[]): Float32Array {
    const out = new Float32Array(indices.length * this.tileSize);
    // Runs of consecutive indices are read in one call, straight into `out`.
    for (let i = 0; i < indices.length;) {
      let end = i + 1;
      while (end < indices.length && indices[end] === indices[end - 1] + 1) end++;
      const [first, last] = [indices[i], indices[end - 1] + 1];
      this.checkRange(split, domain, first, last);
      const dataset = this.dataset(split, domain);
      this.staging.readInto(dataset, first, last, this.tileSize, out, i * this.tileSize);
      i = end;
    }
    return out;
  }

  /** The `config_json` attribute, parsed. */
  config(): unknown {
    const attr = this.file.attrs['config_json'];
    return attr ? JSON.parse(String(attr.value)) : null;
  }

  /** The `source` attribute. */
  source(): string {
    const attr = this.file.attrs['source'];
    return attr ? String(attr.value) : '';
  }

  /** The `plane` attribute, or undefined when the file has none. */
  plane(): string | undefined {
    const attr = this.file.attrs['plane'];
    return attr ? String(attr.value) : undefined;
  }

  /** The `baseline_adc` attribute [ADC], or undefined when the file has none. */
  baselineAdc(): number | undefined {
    const attr = this.file.attrs['baseline_adc'];
    return attr ? Number(attr.value) : undefined;
  }

  /**
   * `size` tiles of a split drawn uniformly with replacement by `rng`
   * (anything with `integer(n)` in [0, n)): their indices and the paired
   * tiles, each float32 [size, height, width].
   */
  randomBatch(
    split: Split,
    size: number,
    rng: { integer(n: number): number },
  ): { indices: number[]; a: Float32Array; b: Float32Array } {
    const n = this.count(split);
    if (n === 0) throw new ShapeError(`tile file ${this.path}: ${split} has no tiles`);
    if (!(Number.isInteger(size) && size > 0)) {
      throw new ShapeError(`tile file ${this.path}: batch size must be > 0, got ${size}`);
    }
    const indices = Array.from({ length: size }, () => rng.integer(n));
    return {
      indices,
      a: this.readBatch(split, 'a', indices),
      b: this.readBatch(split, 'b', indices),
    };
  }

  close(): void {
    this.staging.release();
    this.file.close();
  }

  private checkRange(split: Split, domain: Domain, first: number, end: number): void {
    const n = this.count(split);
    if (!(Number.isInteger(first) && Number.isInteger(end) && 0 <= first && first < end)) {
      throw new ShapeError(`tile file ${this.path}: bad tile range [${first}, ${end})`);
    }
    if (end > n) {
      throw new ShapeError(
        `tile file ${this.path}: ${split}/${domain} has ${n} tiles, asked for [${first}, ${end})`,
      );
    }
  }

  private dataset(split: Split, domain: Domain): Dataset {
    return this.datasets.get(`${split}/${domain}`)!;
  }
}

function checkTileDataset(path: string, dataset: Dataset, name: string): void {
  const shape = dataset.shape;
  const { type, size } = dataset.metadata;
  if (!shape || shape.length !== 3) {
    throw new FileFormatError(path, `expected [n, height, width], got shape [${shape}]`, {
      dataset: name,
    });
  }
  if (type !== 1 || size !== 4 || dataset.metadata.littleEndian === false) {
    throw new FileFormatError(path, 'expected little-endian float32 tiles', { dataset: name });
  }
}

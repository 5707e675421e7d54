/**
 * The tile loader: batches of tiles from a tile file, in the seeded order
 * of pipeline/tileorder.ts, read by a piscina pool (one TileFileReader per
 * worker thread) or, with `workers: 0`, in this thread.
 *
 * The pool keeps up to `prefetch` batches requested ahead of the consumer;
 * workers move the batch buffers to this thread without copying. The
 * order depends on (seed, batch number) only: worker count, prefetch depth
 * and the timing of the workers do not change it, and `startBatch: k`
 * gives the batches k, k + 1, ... of the same sequence.
 *
 * Options are checked once, here; errors name the option or the file.
 * Left out: reading several tile files as one dataset, and augmentation.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ConfigError, FileFormatError } from '../sim/errors.js';
import type { BatchSource, TileBatch, TileLoaderOptions } from './batches.js';
import { readTileBatch, type LoaderTask } from './loaderworker.js';
import { TileFileReader, SPLITS } from './tilefile.js';
import { TileOrder } from './tileorder.js';

type ResolvedOptions = Required<TileLoaderOptions>;

const DEFAULTS = { startBatch: 0, workers: 1, prefetch: 4, paired: false } as const;
const OPTION_NAMES = ['path', 'split', 'batchSize', 'seed', ...Object.keys(DEFAULTS)];
const MAX_SEED = 2 ** 32 - 1;

/** Opens the tile file, checks the options and starts the loader. */
export async function createTileLoader(options: TileLoaderOptions): Promise<BatchSource> {
  const resolved = resolveOptions(options);
  const reader = await TileFileReader.open(resolved.path);
  let tileCount: number;
  try {
    tileCount = reader.count(resolved.split);
    if (tileCount === 0) {
      throw new FileFormatError(
        resolved.path,
        `split "${resolved.split}" (option split) has no tiles`,
        { dataset: `${resolved.split}/a` },
      );
    }
  } catch (error) {
    reader.close();
    throw error;
  }

  const order = new TileOrder(tileCount, resolved.batchSize, resolved.seed, resolved.paired);
  if (resolved.workers === 0) return new InlineSource(resolved, order, reader);
  reader.close();
  return new PooledSource(resolved, order);
}

/** The options with defaults filled in; a ConfigError names a bad one. */
export function resolveOptions(options: TileLoaderOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError(`tile loader: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new ConfigError(
        `tile loader: unknown option "${key}" (known: ${OPTION_NAMES.join(', ')})`,
      );
    }
  }
  const o = { ...DEFAULTS, ...options };
  if (typeof o.path !== 'string' || o.path === '') {
    fail('path', 'a non-empty string (a tile file)', o.path);
  }
  if (!(SPLITS as readonly unknown[]).includes(o.split)) {
    fail('split', `one of ${SPLITS.map((s) => `"${s}"`).join(', ')}`, o.split);
  }
  checkInteger('batchSize', o.batchSize, 1, Number.MAX_SAFE_INTEGER);
  checkInteger('seed', o.seed, 0, MAX_SEED);
  checkInteger('startBatch', o.startBatch, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('workers', o.workers, 0, 256);
  checkInteger('prefetch', o.prefetch, 1, 1024);
  if (typeof o.paired !== 'boolean') fail('paired', 'a boolean', o.paired);
  return o;
}

function checkInteger(name: string, value: unknown, min: number, max: number): void {
  const ok = typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
  if (!ok) fail(name, `an integer in [${min}, ${max}]`, value);
}

function fail(name: string, expected: string, value: unknown): never {
  throw new ConfigError(`tile loader: option ${name} must be ${expected}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function taskFor(options: ResolvedOptions, order: TileOrder, batch: number): LoaderTask {
  const { a, b } = order.batch(batch);
  return { path: options.path, split: options.split, a, b };
}

function closedError(options: ResolvedOptions): FileFormatError {
  return new FileFormatError(options.path, 'next(): the tile loader is closed');
}

/** Reads each batch in this thread when it is asked for. */
class InlineSource implements BatchSource {
  private batch: number;
  private closed = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly order: TileOrder,
    private readonly reader: TileFileReader,
  ) {
    this.batch = options.startBatch;
  }

  get position(): number {
    return this.batch;
  }

  async next(): Promise<TileBatch> {
    if (this.closed) throw closedError(this.options);
    return readTileBatch(this.reader, taskFor(this.options, this.order, this.batch++));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reader.close();
  }
}

/**
 * Keeps `prefetch` batch requests in flight in a piscina pool and hands
 * them out in batch order, whatever order the workers finish in.
 */
class PooledSource implements BatchSource {
  private readonly pool: Piscina;
  private readonly queue: Promise<TileBatch>[] = [];
  private batch: number;
  private requested: number;
  private closed = false;
  private failure: unknown;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly order: TileOrder,
  ) {
    this.pool = new Piscina({
      filename: fileURLToPath(new URL('./tsxworker.mjs', import.meta.url)),
      workerData: { module: new URL('./loaderworker.ts', import.meta.url).href },
      minThreads: options.workers,
      maxThreads: options.workers,
    });
    // A worker that fails outside a task makes the next batch fail.
    this.pool.on('error', (error: unknown) => {
      this.failure ??= error;
    });
    this.batch = options.startBatch;
    this.requested = options.startBatch;
    this.refill();
  }

  get position(): number {
    return this.batch;
  }

  async next(): Promise<TileBatch> {
    if (this.closed) throw closedError(this.options);
    if (this.failure !== undefined) {
      throw new FileFormatError(this.options.path, 'a loader worker failed', {
        cause: this.failure,
      });
    }
    const pending = this.queue.shift()!;
    this.batch++;
    this.refill();
    return pending;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    // Queued requests are dropped; running ones finish before the threads
    // end (destroying mid-task lets a late reply reach a closed pool).
    await this.pool.close({ force: true });
  }

  private refill(): void {
    while (this.queue.length < this.options.prefetch) {
      const batch = this.requested++;
      const request = this.pool.run(taskFor(this.options, this.order, batch)).catch((error) => {
        throw new FileFormatError(this.options.path, `reading batch ${batch} failed`, {
          cause: error,
          dataset: this.options.split,
        });
      }) as Promise<TileBatch>;
      // A request dropped by close() must not surface as an unhandled rejection.
      request.catch(() => {});
      this.queue.push(request);
    }
  }
}

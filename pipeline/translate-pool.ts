/**
 * A `Translator` over a pool of worker threads, each holding its own
 * 1-thread onnxruntime session of the same model (measured faster on two
 * cores than one session with two intra-op threads: see
 * bench/translate.bench.ts). A call's tiles are split into one
 * contiguous share per worker and the shares run at the same time; the
 * results come back in order.
 *
 * Tiles are float32 [n, h, w], baseline-subtracted ADC in and out. Each
 * share is copied once into its own buffer and transferred to its worker;
 * the results are transferred back. Errors from a worker are rebuilt as
 * the wiregan error class they had (ShapeError, ConfigError, ...).
 */
import { fileURLToPath } from 'node:url';

import { Piscina } from 'piscina';

import { OnnxTranslator } from '../models/onnx-translator.js';
import type { Translator } from '../models/translator.js';
import { ConfigError, FileFormatError, rebuildWorkerError, ShapeError } from '../sim/errors.js';
import type { TranslateReply, TranslateTask } from './translate-worker.js';

export class PoolTranslator implements Translator {
  private closed = false;

  private constructor(
    private readonly pool: Piscina,
    readonly path: string,
    readonly workers: number,
    readonly tileHeight: number,
    readonly tileWidth: number,
  ) {}

  /** Checks the model in this thread, then starts `workers` threads (>= 1). */
  static async open(path: string, workers: number): Promise<PoolTranslator> {
    if (!(Number.isInteger(workers) && workers >= 1)) {
      throw new ConfigError(`translator pool: workers must be an integer >= 1, got ${workers}`);
    }
    const probe = await OnnxTranslator.open(path, { intraOpThreads: 1 });
    const [h, w] = [probe.tileHeight, probe.tileWidth];
    await probe.close();
    const pool = new Piscina({
      filename: fileURLToPath(new URL('./tsxworker.mjs', import.meta.url)),
      workerData: { module: new URL('./translate-worker.ts', import.meta.url).href },
      minThreads: workers,
      maxThreads: workers,
      // One task per worker at a time: a queued share would wait anyway.
      concurrentTasksPerWorker: 1,
    });
    return new PoolTranslator(pool, path, workers, h, w);
  }

  async translate(tiles: Float32Array, n: number): Promise<Float32Array> {
    if (this.closed) throw new ConfigError(`${this.path}: translate after close`);
    const size = this.tileHeight * this.tileWidth;
    if (!(Number.isInteger(n) && n > 0) || tiles.length !== n * size) {
      throw new ShapeError(
        `${this.path}: translate expected [n, h, w] = [${n}, ${this.tileHeight}, ` +
          `${this.tileWidth}] (${n * size} values), got ${tiles.length} values`,
      );
    }
    const shares = Math.min(this.workers, n);
    const runs: Promise<Float32Array>[] = [];
    for (let k = 0; k < shares; k++) {
      const [first, end] = [Math.floor((k * n) / shares), Math.floor(((k + 1) * n) / shares)];
      const part = tiles.slice(first * size, end * size);
      runs.push(this.run(part, end - first));
    }
    const parts = await Promise.all(runs);
    if (parts.length === 1) return parts[0];
    const out = new Float32Array(n * size);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close({ force: true });
  }

  private async run(tiles: Float32Array, n: number): Promise<Float32Array> {
    const task: TranslateTask = { model: this.path, tiles, n };
    const reply = (await this.pool.run(task, {
      transferList: [tiles.buffer as ArrayBuffer],
    })) as TranslateReply;
    if (reply.ok) return reply.tiles;
    throw rebuildError(this.path, reply.name, reply.message);
  }
}

function rebuildError(path: string, name: string, message: string): Error {
  const rebuilt = rebuildWorkerError(name, message);
  if (rebuilt) return rebuilt;
  switch (name) {
    case 'FileFormatError':
      return new FileFormatError(
        path,
        message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message,
      );
    default:
      return new FileFormatError(path, `translation worker failed: ${name}: ${message}`);
  }
}

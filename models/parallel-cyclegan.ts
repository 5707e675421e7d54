/**
 * CycleGAN training on two cores: the step of models/cyclegan.ts split by
 * domain across two worker threads (models/parallel-worker.ts), each
 * holding a full CycleGan replica built from the same seed.
 *
 * Worker a computes the generator gradients of the a -> b -> a chain and
 * idt_a (for gen_ab and gen_ba; the chain is judged by disc_b), worker b
 * those of the b -> a -> b chain and idt_b. This thread adds the two
 * gradient sets and hands the sum to both, and each applies the same Adam
 * update, so the generator copies stay identical. Worker a's chain made
 * fake_b, so worker a owns disc_b, pool_b and gp_b; worker b owns disc_a,
 * pool_a and gp_a. A discriminator's loss depends on its own parameters
 * only, so its update needs no exchange; each worker runs it while this
 * thread adds the gradients. Both replicas draw both of the penalty's
 * mixing weights per sample from identical generators and use their own.
 *
 * The result is the serial step's to the last bit, at any batch size:
 * both process the samples one at a time, sum each domain's generator
 * gradients separately and add the two sums last, and float addition
 * commutes. The work per step is ~10-30 % more than the serial step's
 * (messages, gradient copies, the sum), so on two free cores the step is
 * ~1.5x (tiny) to ~1.8x (small) faster; on cores busy with other work it
 * can be slower (bench/train.bench.ts). state() gathers the CycleGanState of the serial
 * CycleGan (generators and their Adam slots from worker a, each
 * discriminator with its pool and Adam slots from its owner), so
 * checkpoints move freely between serial and parallel runs.
 *
 * Each worker holds all four networks (a second copy of the model's
 * memory; each wasm backend has its own 4 GB). Left out: splitting a
 * batch's samples between the workers (the other way to use two cores)
 * cannot work at batch 1, the default of every preset. After a failed
 * step the replicas may disagree: dispose.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import type { TileBatch } from '../pipeline/batches.js';
import { rebuildWorkerError, ShapeError } from '../sim/errors.js';
import type { BackendName } from './backend.js';
import type {
  CycleGanConfig,
  CycleGanLosses,
  CycleGanLossName,
  CycleGanState,
  Domain,
} from './cyclegan.js';
import type { WorkerReply, WorkerRequest } from './parallel-worker.js';
import { checkBatch } from './tilebatch.js';
import type { Translator } from './translator.js';

/** The buffers of the typed arrays in a value of nested Maps, arrays and objects, once each. */
export function transferables(value: unknown, out = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) out.add(value.buffer as ArrayBuffer);
  else if (value instanceof Map) for (const v of value.values()) transferables(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) transferables(v, out);
  }
  return [...out];
}

/** The error a worker reported, as the wiregan class it had where there is one. */
function workerError(domain: Domain, name: string, message: string): Error {
  const rebuilt = rebuildWorkerError(name, message);
  if (rebuilt) return rebuilt;
  switch (name) {
    case 'RuntimeError':
      // A wasm abort: the trainer explains it as the backend's memory running out.
      return new WebAssembly.RuntimeError(message);
    default:
      return new Error(`CycleGAN worker ${domain}: ${name}: ${message}`);
  }
}

/** One worker thread and its pending requests. */
class DomainWorker {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >();
  private stopped: Error | undefined;
  private readonly thread: Worker;

  constructor(readonly domain: Domain) {
    this.thread = new Worker(fileURLToPath(new URL('./parallel-thread.mjs', import.meta.url)), {
      workerData: { module: new URL('./parallel-worker.ts', import.meta.url).href },
    });
    this.thread.on('message', (reply: WorkerReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply.value);
      else waiting?.reject(workerError(domain, reply.name, reply.message));
    });
    this.thread.on('error', (error) => this.stop(error));
    this.thread.on('exit', (code) =>
      this.stop(new Error(`CycleGAN worker ${domain} exited (code ${code})`)),
    );
  }

  /** Sends one request; `transfer`: buffers handed over (unusable here afterwards). */
  call<T>(request: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.thread.postMessage({ id, request }, transfer);
    });
  }

  async terminate(): Promise<void> {
    this.stop(new Error(`CycleGAN worker ${this.domain} terminated`));
    await this.thread.terminate();
  }

  /** Rejects every pending request and refuses new ones. */
  private stop(error: Error): void {
    this.stopped ??= error;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}

/** A copy of a batch in buffers of its own, for transfer. */
const copyBatch = (batch: TileBatch): TileBatch => ({
  ...batch,
  a: batch.a.slice(),
  b: batch.b.slice(),
});

export class ParallelCycleGan {
  private iteration = 0;

  private constructor(
    readonly config: CycleGanConfig,
    /** Worker a (chain a -> b -> a, disc_b), worker b (chain b -> a -> b, disc_a). */
    private readonly workers: { a: DomainWorker; b: DomainWorker },
  ) {}

  /**
   * Starts both workers on `backend` (the one this thread runs) with
   * replicas of CycleGan.create(cfg, seed).
   */
  static async create(
    cfg: CycleGanConfig,
    seed: number,
    options: { backend: BackendName },
  ): Promise<ParallelCycleGan> {
    const workers = { a: new DomainWorker('a'), b: new DomainWorker('b') };
    const gan = new ParallelCycleGan(cfg, workers);
    try {
      await Promise.all(
        (['a', 'b'] as const).map((domain) =>
          workers[domain].call({
            method: 'init',
            backend: options.backend,
            config: cfg,
            seed,
            domain,
          }),
        ),
      );
    } catch (error) {
      await gan.dispose();
      throw error;
    }
    return gan;
  }

  /** Steps completed. */
  get iterations(): number {
    return this.iteration;
  }

  /** One training step, as CycleGan.step, on both workers. */
  async step(batch: TileBatch, lr: { gen: number; disc: number }): Promise<CycleGanLosses> {
    checkBatch(batch, this.config.generator.tile, 'ParallelCycleGan.step');
    type Part = { gradients: Map<string, Float32Array>; losses: CycleGanLosses };
    const [a, b] = await Promise.all(
      (['a', 'b'] as const).map((domain) => {
        const copy = copyBatch(batch);
        const request = { method: 'gradients', batch: copy, discLr: lr.disc } as const;
        return this.workers[domain].call<Part>(request, [
          copy.a.buffer,
          copy.b.buffer,
        ] as ArrayBuffer[]);
      }),
    );
    addInPlace(a.gradients, b.gradients);
    // Worker a replies with the losses of disc_b's update, worker b of disc_a's.
    const parts = { a, b };
    const [updateB, updateA] = await Promise.all(
      (['a', 'b'] as const).map((domain) => {
        const { gradients } = parts[domain];
        const request = { method: 'apply', gradients, genLr: lr.gen } as const;
        return this.workers[domain].call<CycleGanLosses>(request, transferables(gradients));
      }),
    );
    const losses = { ...a.losses };
    for (const key of Object.keys(losses) as CycleGanLossName[]) {
      losses[key] = (a.losses[key] + b.losses[key] + updateB[key] + updateA[key]) / batch.n;
    }
    this.iteration += 1;
    return losses;
  }

  /** The serial CycleGan's state: each part from the worker that owns it. */
  async state(): Promise<CycleGanState> {
    const [a, b] = await Promise.all([
      this.workers.a.call<CycleGanState>({ method: 'state' }),
      this.workers.b.call<CycleGanState>({ method: 'state' }),
    ]);
    const slots = (key: 'm' | 'v') =>
      new Map([
        ...[...b.discOptimizer[key]].filter(([name]) => name.startsWith('disc_a/')),
        ...[...a.discOptimizer[key]].filter(([name]) => name.startsWith('disc_b/')),
      ]);
    return {
      iteration: this.iteration,
      weights: {
        gen_ab: a.weights.gen_ab,
        gen_ba: a.weights.gen_ba,
        disc_a: b.weights.disc_a,
        disc_b: a.weights.disc_b,
      },
      genOptimizer: a.genOptimizer,
      // The discriminators' Adam takes one step per iteration.
      discOptimizer: { step: this.iteration, m: slots('m'), v: slots('v') },
      poolA: b.poolA,
      poolB: a.poolB,
      rng: a.rng,
    };
  }

  /** Continues from a CycleGan or ParallelCycleGan `state()` (both replicas take all of it). */
  async restore(state: CycleGanState): Promise<void> {
    await Promise.all(
      (['a', 'b'] as const).map((d) => this.workers[d].call({ method: 'restore', state })),
    );
    this.iteration = state.iteration;
  }

  /** Sets both generators to `weights` (keyed by weight name), e.g. a pre-trained generator. */
  async setGenerators(weights: ReadonlyMap<string, Float32Array>): Promise<void> {
    const copy = new Map(weights);
    await Promise.all(
      (['a', 'b'] as const).map((d) =>
        this.workers[d].call({ method: 'setGenerators', weights: copy }),
      ),
    );
  }

  /** A generator as a Translator, run by worker a between steps; `close` does not stop the workers. */
  translator(which: 'gab' | 'gba'): Translator {
    const [tileHeight, tileWidth] = this.config.generator.tile;
    const worker = this.workers.a;
    return {
      tileHeight,
      tileWidth,
      translate: (tiles, n) => {
        const copy = tiles.slice();
        return worker.call<Float32Array>({ method: 'translate', which, tiles: copy, n }, [
          copy.buffer as ArrayBuffer,
        ]);
      },
      close: async () => {},
    };
  }

  /** Stops both workers; pending requests are rejected. */
  async dispose(): Promise<void> {
    await Promise.all([this.workers.a.terminate(), this.workers.b.terminate()]);
  }
}

/**
 * x <- x + y and y <- x + y for every array, so each worker receives the
 * sum in a buffer of its own (float addition commutes: both hold the same values).
 */
function addInPlace(x: Map<string, Float32Array>, y: Map<string, Float32Array>): void {
  for (const [key, xs] of x) {
    const ys = y.get(key);
    if (ys === undefined || ys.length !== xs.length) {
      throw new ShapeError(
        `ParallelCycleGan.step: the workers' gradients of ${key} differ in size`,
      );
    }
    for (let j = 0; j < xs.length; j++) {
      const s = xs[j] + ys[j];
      xs[j] = s;
      ys[j] = s;
    }
  }
}

/**
 * Tile loader throughput against training consumption.
 *
 * Writes a temporary tile file of 256 x 256 tiles, then reads batches as
 * fast as they come (after a warm-up, median of three timed segments): a plain loop over TileFileReader in this thread (the
 * reference, same tiles in the same order), the loader with `workers: 0`,
 * and the loader with 1 and 2 worker threads. Rates count tile pairs (one
 * a and one b tile, 2 x 256 KiB) per second and MB (1e6 bytes) per second
 * of both domains. The ratio to training is against a consumption rate
 * given as a step time for a batch size (default: one batch-1 step per
 * 2 s); the target is >= 10x.
 *
 * The main-thread cost of a batch is the time in next() when the batch is
 * already prefetched, compared with copying the same bytes here and with a
 * structured clone (what posting a batch without a transfer list costs).
 *
 * Run: node --import tsx bench/loader.bench.ts [--tiles 256] [--batch 8]
 *   [--batches 64] [--step-seconds 2] [--step-batch 1] [--size 256]
 * Prints a table and a final JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { parseArgs } from 'node:util';

import type { BatchSource } from '../pipeline/batches.js';
import { createTileLoader } from '../pipeline/loader.js';
import { TileFileReader, TileFileWriter } from '../pipeline/tilefile.js';
import { TileOrder } from '../pipeline/tileorder.js';

const SEED = 11;
/** Wait before a ready-batch timing, long enough to fill the prefetch queue. */
const READY_WAIT_MS = 500;
const READY_SAMPLES = 12;
/** Timed segments per reader, after one of warm-up (JIT); the median counts. */
const SEGMENTS = 3;
/** Batch sizes of the main-thread cost table. */
const MAIN_THREAD_BATCHES = [1, 8, 32];

interface Params {
  tiles: number;
  size: number;
  batch: number;
  batches: number;
  stepSeconds: number;
  stepBatch: number;
}

interface Row {
  reader: string;
  startupMs: number;
  pairsPerSecond: number;
  megabytesPerSecond: number;
  ratioToReference: number;
  ratioToTraining: number;
}

function params(): Params {
  const { values } = parseArgs({
    options: {
      tiles: { type: 'string', default: '256' },
      size: { type: 'string', default: '256' },
      batch: { type: 'string', default: '8' },
      batches: { type: 'string', default: '64' },
      'step-seconds': { type: 'string', default: '2' },
      'step-batch': { type: 'string', default: '1' },
    },
  });
  return {
    tiles: Number(values.tiles),
    size: Number(values.size),
    batch: Number(values.batch),
    batches: Number(values.batches),
    stepSeconds: Number(values['step-seconds']),
    stepBatch: Number(values['step-batch']),
  };
}

/** A tile file of `tiles` pairs of size x size tiles with varied values. */
async function writeTiles(path: string, p: Params): Promise<void> {
  const writer = await TileFileWriter.create(path, {
    tileHeight: p.size,
    tileWidth: p.size,
    source: 'loader bench',
    config: null,
  });
  const n = p.size * p.size;
  for (let k = 0; k < p.tiles; k++) {
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = Math.sin(0.001 * i + k);
      b[i] = Math.cos(0.002 * i - k);
    }
    writer.add('train', a, b);
  }
  writer.close();
}

interface Run {
  startupMs: number;
  /** Median seconds for `p.batches` batches, over SEGMENTS timed segments. */
  s: number;
}

/** Warms up with `p.batches` batches, then times SEGMENTS runs of as many. */
async function timeSegments(p: Params, take: () => unknown): Promise<number> {
  for (let k = 0; k < p.batches; k++) await take();
  const seconds: number[] = [];
  for (let segment = 0; segment < SEGMENTS; segment++) {
    const t0 = performance.now();
    for (let k = 0; k < p.batches; k++) await take();
    seconds.push((performance.now() - t0) / 1000);
  }
  return median(seconds);
}

/** The reference: a plain TileFileReader loop over the loader's tiles. */
async function referenceLoop(path: string, p: Params): Promise<Run> {
  const t0 = performance.now();
  const reader = await TileFileReader.open(path);
  const order = new TileOrder(reader.count('train'), p.batch, SEED, false);
  const startupMs = performance.now() - t0;
  try {
    let batch = 0;
    const s = await timeSegments(p, () => {
      const { a, b } = order.batch(batch++);
      return [reader.readBatch('train', 'a', [...a]), reader.readBatch('train', 'b', [...b])];
    });
    return { startupMs, s };
  } finally {
    reader.close();
  }
}

/** The loader; startup lasts until its first batch is in. */
async function loaderRun(path: string, p: Params, workers: number): Promise<Run> {
  const t0 = performance.now();
  const loader = await createTileLoader({
    path,
    split: 'train',
    batchSize: p.batch,
    seed: SEED,
    workers,
  });
  try {
    await loader.next();
    const startupMs = performance.now() - t0;
    return { startupMs, s: await timeSegments(p, () => loader.next()) };
  } finally {
    await loader.close();
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Ms in next() for a batch that should be prefetched: the minimum (the
 * ready case) and the median (on a loaded machine a worker may still lag).
 */
async function readyNextMs(loader: BatchSource): Promise<{ minMs: number; medianMs: number }> {
  const samples: number[] = [];
  await loader.next();
  for (let i = 0; i < READY_SAMPLES; i++) {
    await sleep(READY_WAIT_MS);
    const t0 = performance.now();
    await loader.next();
    samples.push(performance.now() - t0);
  }
  return { minMs: Math.min(...samples), medianMs: median(samples) };
}

/** Median ms to copy, and to structured-clone, a batch's two arrays. */
async function copyCostsMs(values: number): Promise<{ copyMs: number; cloneMs: number }> {
  const a = new Float32Array(values).fill(1);
  const b = new Float32Array(values).fill(2);
  const copies: number[] = [];
  const clones: number[] = [];
  const { port1, port2 } = new MessageChannel();
  for (let i = 0; i < READY_SAMPLES; i++) {
    let t0 = performance.now();
    const copied = [new Float32Array(a), new Float32Array(b)];
    copies.push(performance.now() - t0);
    if (copied[1][0] !== 2) throw new Error('copy failed');
    t0 = performance.now();
    const received = new Promise((done) => port2.once('message', done));
    port1.postMessage({ a, b });
    await received;
    clones.push(performance.now() - t0);
  }
  port1.close();
  return { copyMs: median(copies), cloneMs: median(clones) };
}

async function mainThreadCost(path: string, p: Params, batch: number) {
  const loader = await createTileLoader({
    path,
    split: 'train',
    batchSize: batch,
    seed: SEED,
    workers: 2,
  });
  try {
    const { minMs: nextMinMs, medianMs: nextMedianMs } = await readyNextMs(loader);
    const { copyMs, cloneMs } = await copyCostsMs(batch * p.size * p.size);
    const megabytes = (2 * batch * p.size * p.size * 4) / 1e6;
    return { batch, megabytes, nextMinMs, nextMedianMs, copyMs, cloneMs };
  } finally {
    await loader.close();
  }
}

async function main(): Promise<void> {
  const p = params();
  const dir = mkdtempSync(join(tmpdir(), 'wiregan-loader-bench-'));
  const path = join(dir, 'tiles.h5');
  try {
    await writeTiles(path, p);
    const pairBytes = 2 * p.size * p.size * 4;
    const trainingPairsPerSecond = p.stepBatch / p.stepSeconds;
    const pairs = p.batches * p.batch;
    const runs: [string, Run][] = [
      ['reference loop', await referenceLoop(path, p)],
      ['loader workers=0', await loaderRun(path, p, 0)],
      ['loader workers=1', await loaderRun(path, p, 1)],
      ['loader workers=2', await loaderRun(path, p, 2)],
    ];
    const referenceRate = pairs / runs[0][1].s;
    const rows: Row[] = runs.map(([reader, run]) => ({
      reader,
      startupMs: run.startupMs,
      pairsPerSecond: pairs / run.s,
      megabytesPerSecond: (pairs * pairBytes) / 1e6 / run.s,
      ratioToReference: pairs / run.s / referenceRate,
      ratioToTraining: pairs / run.s / trainingPairsPerSecond,
    }));
    const costs = [];
    for (const batch of MAIN_THREAD_BATCHES) costs.push(await mainThreadCost(path, p, batch));

    console.log(
      `${p.tiles} tile pairs of ${p.size} x ${p.size}, batch ${p.batch}, ${p.batches} batches; ` +
        `training: batch ${p.stepBatch} per ${p.stepSeconds} s = ` +
        `${trainingPairsPerSecond} pairs/s`,
    );
    console.log('reader              startup ms   pairs/s     MB/s   x reference   x training');
    for (const r of rows) {
      console.log(
        [
          r.reader.padEnd(18),
          r.startupMs.toFixed(0).padStart(11),
          r.pairsPerSecond.toFixed(0).padStart(9),
          r.megabytesPerSecond.toFixed(0).padStart(8),
          r.ratioToReference.toFixed(2).padStart(13),
          r.ratioToTraining.toFixed(0).padStart(12),
        ].join(' '),
      );
    }
    console.log('main thread, 2 workers, batch prefetched:');
    console.log('  batch     MB   next() min ms   next() median ms   copy ms   clone ms');
    for (const c of costs) {
      console.log(
        [
          String(c.batch).padStart(7),
          c.megabytes.toFixed(1).padStart(6),
          c.nextMinMs.toFixed(3).padStart(15),
          c.nextMedianMs.toFixed(3).padStart(18),
          c.copyMs.toFixed(3).padStart(9),
          c.cloneMs.toFixed(3).padStart(10),
        ].join(' '),
      );
    }
    const trainingTarget = 10;
    const best = Math.min(...rows.slice(1).map((r) => r.ratioToTraining));
    console.log(
      JSON.stringify({
        bench: 'loader',
        params: p,
        trainingPairsPerSecond,
        rows,
        mainThread: costs,
        worstLoaderRatioToTraining: best,
        meetsTarget: best >= trainingTarget,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

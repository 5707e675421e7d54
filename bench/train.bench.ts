/**
 * Training speed of the TF.js models on the wasm backend against PyTorch
 * (Debian python3-torch, oneDNN) on the same number of threads, in the
 * same run: one generator forward and one full CycleGAN step (both
 * generator updates, both discriminator updates with the gradient
 * penalty), batch 1, for the `tiny` and `small` presets. PyTorch runs the
 * same architecture (bench/reference/vitunet_torch.py and
 * cyclegan_torch_step.py). The step is timed twice: in one thread
 * (CycleGan, against PyTorch on 1 thread) and split by domain over two
 * worker threads (ParallelCycleGan, against PyTorch on 2 threads). Prints
 * a table (median milliseconds) with the tfjs / torch ratio, the speed-up
 * of the two workers, and a final JSON line.
 *
 * Run: node --import tsx bench/train.bench.ts [reps]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../models/backend.js';
import { CycleGan } from '../models/cyclegan.js';
import { DISCRIMINATOR_PRESETS } from '../models/discriminator.js';
import { GENERATOR_PRESETS } from '../models/generator-spec.js';
import { ParallelCycleGan } from '../models/parallel-cyclegan.js';
import { Rng } from '../sim/random.js';
import { PAPER_CYCLEGAN } from '../models/trainconfig.js';

const PYTHON = '/usr/bin/python3';
const THREADS = 1; // tfjs disables wasm threads in Node
/** The split step's worker threads, and PyTorch's threads to compare it with. */
const WORKERS = 2;
const REPS = Number(process.argv[2] ?? 3);
const PRESETS = ['tiny', 'small'] as const;

interface Row {
  preset: string;
  what: 'forward' | 'step' | 'step-2w';
  /** PyTorch's threads in the comparison. */
  threads: number;
  tfjsMs: number;
  torchMs: number;
  ratio: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timed(fn: () => void): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function timedAsync(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function tfjsTimes(
  preset: (typeof PRESETS)[number],
): Promise<{ forwardMs: number; stepMs: number; parallelStepMs: number }> {
  const generator = GENERATOR_PRESETS[preset];
  const config = { generator, discriminator: DISCRIMINATOR_PRESETS[preset], ...PAPER_CYCLEGAN };
  const [h, w] = generator.tile;
  const rng = new Rng(1);
  const tile = () => Float32Array.from({ length: h * w }, () => rng.normal(0, 30));
  const batch = { a: tile(), b: tile(), n: 1, height: h, width: w };
  const lr = { gen: 1e-5, disc: 5e-5 };
  const gan = CycleGan.create(config, 1);
  let forwardMs: number;
  let stepMs: number;
  try {
    const x = tf.tensor4d(batch.a, [1, h, w, 1]);
    forwardMs = timed(() => tf.tidy(() => gan.genAB.apply(x).dataSync()));
    x.dispose();
    stepMs = timed(() => gan.step(batch, lr));
  } finally {
    gan.dispose();
  }
  const parallel = await ParallelCycleGan.create(config, 1, { backend: 'wasm' });
  try {
    const parallelStepMs = await timedAsync(() => parallel.step(batch, lr));
    return { forwardMs, stepMs, parallelStepMs };
  } finally {
    await parallel.dispose();
  }
}

function torchTimes(
  preset: (typeof PRESETS)[number],
  threads: number,
): { forwardMs: number; stepMs: number } {
  const script = fileURLToPath(new URL('reference/cyclegan_torch_step.py', import.meta.url));
  const args = JSON.stringify({
    generator: GENERATOR_PRESETS[preset],
    features: DISCRIMINATOR_PRESETS[preset].features,
    threads,
    reps: REPS,
  });
  const run = spawnSync(PYTHON, [script, args], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (run.status !== 0) throw new Error(`PyTorch reference failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() as string);
}

const backend = await initBackend('wasm');
const rows: Row[] = [];
for (const preset of PRESETS) {
  const mine = await tfjsTimes(preset);
  const ref = torchTimes(preset, THREADS);
  const ref2 = torchTimes(preset, WORKERS);
  const row = (what: Row['what'], threads: number, tfjsMs: number, torchMs: number) =>
    rows.push({ preset, what, threads, tfjsMs, torchMs, ratio: tfjsMs / torchMs });
  row('forward', THREADS, mine.forwardMs, ref.forwardMs);
  row('step', THREADS, mine.stepMs, ref.stepMs);
  row('step-2w', WORKERS, mine.parallelStepMs, ref2.stepMs);
}
const speedUps = PRESETS.map((preset) => {
  const ms = (what: Row['what']) => rows.find((r) => r.preset === preset && r.what === what)!;
  return { preset, speedUp: ms('step').tfjsMs / ms('step-2w').tfjsMs };
});

console.log(`backend=${backend} reps=${REPS} (median ms, batch 1)`);
console.log('step-2w: the step split by domain over two worker threads, vs PyTorch on 2 threads');
console.log('preset  what      torch threads  tfjs ms   torch ms   tfjs/torch');
for (const r of rows) {
  console.log(
    `${r.preset.padEnd(7)} ${r.what.padEnd(8)} ${String(r.threads).padStart(14)} ` +
      `${r.tfjsMs.toFixed(1).padStart(8)} ${r.torchMs.toFixed(1).padStart(10)} ` +
      `${r.ratio.toFixed(2).padStart(12)}`,
  );
}
for (const { preset, speedUp } of speedUps) {
  console.log(`${preset}: two workers ${speedUp.toFixed(2)}x faster than one thread`);
}
console.log(JSON.stringify({ bench: 'train', backend, workers: WORKERS, rows, speedUps }));

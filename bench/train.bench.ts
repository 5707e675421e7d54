/**
 * Training speed of the TF.js models on the wasm backend against PyTorch
 * (Debian python3-torch, oneDNN) on the same number of threads, in the
 * same run: one generator forward and one full CycleGAN step (both
 * generator updates, both discriminator updates with the gradient
 * penalty), batch 1, for the `tiny` and `small` presets. PyTorch runs the
 * same architecture (bench/reference/vitunet_torch.py and
 * cyclegan_torch_step.py). Prints a table (median milliseconds) with the
 * tfjs / torch ratio, and a final JSON line.
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
import { Rng } from '../sim/random.js';
import { PAPER_CYCLEGAN } from '../models/trainconfig.js';

const PYTHON = '/usr/bin/python3';
const THREADS = 1; // tfjs disables wasm threads in Node
const REPS = Number(process.argv[2] ?? 3);
const PRESETS = ['tiny', 'small'] as const;

interface Row {
  preset: string;
  what: 'forward' | 'step';
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

function tfjsTimes(preset: (typeof PRESETS)[number]): { forwardMs: number; stepMs: number } {
  const generator = GENERATOR_PRESETS[preset];
  const gan = CycleGan.create(
    {
      generator,
      discriminator: DISCRIMINATOR_PRESETS[preset],
      ...PAPER_CYCLEGAN,
    },
    1,
  );
  try {
    const [h, w] = generator.tile;
    const rng = new Rng(1);
    const tile = () => Float32Array.from({ length: h * w }, () => rng.normal(0, 30));
    const batch = { a: tile(), b: tile(), n: 1, height: h, width: w };
    const x = tf.tensor4d(batch.a, [1, h, w, 1]);
    const forwardMs = timed(() => tf.tidy(() => gan.genAB.apply(x).dataSync()));
    x.dispose();
    const stepMs = timed(() => gan.step(batch, { gen: 1e-5, disc: 5e-5 }));
    return { forwardMs, stepMs };
  } finally {
    gan.dispose();
  }
}

function torchTimes(preset: (typeof PRESETS)[number]): { forwardMs: number; stepMs: number } {
  const script = fileURLToPath(new URL('reference/cyclegan_torch_step.py', import.meta.url));
  const args = JSON.stringify({
    generator: GENERATOR_PRESETS[preset],
    features: DISCRIMINATOR_PRESETS[preset].features,
    threads: THREADS,
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
  const mine = tfjsTimes(preset);
  const ref = torchTimes(preset);
  for (const what of ['forward', 'step'] as const) {
    const tfjsMs = what === 'forward' ? mine.forwardMs : mine.stepMs;
    const torchMs = what === 'forward' ? ref.forwardMs : ref.stepMs;
    rows.push({ preset, what, tfjsMs, torchMs, ratio: tfjsMs / torchMs });
  }
}

console.log(`backend=${backend} threads=${THREADS} reps=${REPS} (median ms, batch 1)`);
console.log('preset  what      tfjs ms   torch ms   tfjs/torch');
for (const r of rows) {
  console.log(
    `${r.preset.padEnd(7)} ${r.what.padEnd(8)} ${r.tfjsMs.toFixed(1).padStart(8)} ` +
      `${r.torchMs.toFixed(1).padStart(10)} ${r.ratio.toFixed(2).padStart(12)}`,
  );
}
console.log(JSON.stringify({ bench: 'train', backend, threads: THREADS, rows }));

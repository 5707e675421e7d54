/**
 * Frame translation throughput: one 6000 x 1000 frame [rows, cols]
 * through the generator presets `small` (128 x 128 tiles) and `tiny`
 * (32 x 32), with random weights (only speed is measured).
 *
 * For each preset the generator is exported twice: by wiregan
 * (models/onnx-export.ts) and by torch.onnx.export of the PyTorch reference
 * (bench/reference/vitunet_torch.py, Debian python3-torch); the ratio of
 * their tile times is printed (target <= 1.1). The two CPU layouts of
 * onnxruntime on 2 cores are compared on the same tiles: two worker
 * threads each with a 1-thread session (pipeline/translate-pool.ts)
 * against one session with 2 intra-op threads. The full frame runs with
 * the faster one and reports seconds per frame, tiles per second, the
 * ratio of tile area (overlap included) to frame area, and the model's
 * arithmetic rate as a fraction of the machine's float32 matrix-multiply
 * rate, measured here with onnxruntime (2 threads, a 1024^3 MatMul model
 * written by python3-onnx). FLOPs per tile are counted from the config
 * (2 per multiply-add of convs, dense layers and attention).
 *
 * Run: node --import tsx bench/translate.bench.ts [--frame 6000x1000]
 *   [--presets small,tiny] [--overlap 0.25] [--batch 8]
 * Prints a table and a final JSON line. The machine's load average is
 * printed beside the numbers (other work on the 2 cores slows them).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import * as ort from 'onnxruntime-node';

import { GENERATOR_PRESETS, type GeneratorConfig } from '../models/generator-spec.js';
import { OnnxTranslator } from '../models/onnx-translator.js';
import { exportGeneratorOnnx } from '../models/onnx-export.js';
import type { Translator } from '../models/translator.js';
import { overlapPixels } from '../pipeline/frametiling.js';
import { tilingWork, translateFrame } from '../pipeline/translate-frame.js';
import { PoolTranslator } from '../pipeline/translate-pool.js';
import { randomGeneratorWeights, randomTiles } from '../test/helpers/generator-weights.js';
import { torchExport, writeWeightFile } from '../test/helpers/torch-reference.js';

const SEED = 5;
const MATMUL_SIZE = 1024;
/** Tiles per layout timing, after one warm-up call. */
const LAYOUT_TILES = 16;

interface PresetResult {
  preset: string;
  tile: number[];
  gflopPerTile: number;
  msPerTileWorkers: number;
  msPerTileThreads: number;
  msPerTileTorchGraph: number;
  oursOverTorch: number;
  layout: string;
  tiles: number;
  workRatio: number;
  secondsPerFrame: number;
  tilesPerSecond: number;
  gflops: number;
  fractionOfMatmul: number;
}

function params() {
  const { values } = parseArgs({
    options: {
      frame: { type: 'string', default: '6000x1000' },
      presets: { type: 'string', default: 'small,tiny' },
      overlap: { type: 'string', default: '0.25' },
      batch: { type: 'string', default: '8' },
    },
  });
  const [rows, cols] = values.frame.split('x').map(Number);
  return {
    frame: [rows, cols] as [number, number],
    presets: values.presets.split(','),
    overlap: Number(values.overlap),
    batch: Number(values.batch),
  };
}

/** Multiply-adds x 2 of one tile through the generator of generator-spec.ts. */
export function flopsPerTile(c: GeneratorConfig): number {
  const [H, W] = c.tile;
  const f = c.features;
  const L = f.length;
  const px = (level: number) => (H / 2 ** level) * (W / 2 ** level);
  let macs = px(0) * 9 * f[0];
  for (let i = 0; i < L; i++) {
    const fin = i === 0 ? f[0] : f[i - 1];
    macs += px(i) * 9 * (fin * f[i] + f[i] * f[i]) + px(i + 1) * 4 * f[i] * f[i];
  }
  const T = px(L);
  const fL = f[L - 1];
  macs += T * (2 * c.fourierFeatures + (fL + c.fourierFeatures) * c.width + c.width * fL);
  macs += c.depth * T * (4 * c.width * c.width + 2 * T * c.width + 2 * c.width * c.ffn);
  for (let i = L - 1; i >= 0; i--) {
    const cin = i === L - 1 ? fL : f[i + 1];
    macs += px(i) * 9 * (cin * f[i] + 2 * f[i] * f[i] + f[i] * f[i]);
  }
  return 2 * (macs + px(0) * f[0]);
}

/** The machine's float32 MatMul rate [FLOP/s] through onnxruntime, 2 threads. */
async function matmulRate(dir: string): Promise<number> {
  const path = join(dir, 'matmul.onnx');
  const script = `
import sys, onnx
from onnx import helper, TensorProto
n = int(sys.argv[2])
a = helper.make_tensor_value_info('a', TensorProto.FLOAT, [n, n])
b = helper.make_tensor_value_info('b', TensorProto.FLOAT, [n, n])
c = helper.make_tensor_value_info('c', TensorProto.FLOAT, [n, n])
g = helper.make_graph([helper.make_node('MatMul', ['a', 'b'], ['c'])], 'mm', [a, b], [c])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)]); m.ir_version = 8
onnx.save(m, sys.argv[1])`;
  execFileSync('/usr/bin/python3', ['-c', script, path, String(MATMUL_SIZE)]);
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 2 });
  try {
    const n = MATMUL_SIZE;
    const a = new ort.Tensor('float32', randomTiles(1, n, n, 1), [n, n]);
    const b = new ort.Tensor('float32', randomTiles(1, n, n, 2), [n, n]);
    await session.run({ a, b });
    // Best of three segments: other work on the cores only slows a segment.
    const runs = 4;
    let seconds = Infinity;
    for (let segment = 0; segment < 3; segment++) {
      const t0 = performance.now();
      for (let k = 0; k < runs; k++) await session.run({ a, b });
      seconds = Math.min(seconds, (performance.now() - t0) / 1000);
    }
    return (runs * 2 * n ** 3) / seconds;
  } finally {
    await session.release();
  }
}

/** Milliseconds per tile over LAYOUT_TILES tiles sent in batches. */
async function msPerTile(translator: Translator, batch: number): Promise<number> {
  const [h, w] = [translator.tileHeight, translator.tileWidth];
  const tiles = randomTiles(LAYOUT_TILES, h, w, SEED);
  await translator.translate(tiles.slice(0, batch * h * w), batch);
  const t0 = performance.now();
  const pending: Promise<Float32Array>[] = [];
  for (let first = 0; first < LAYOUT_TILES; first += batch) {
    const n = Math.min(batch, LAYOUT_TILES - first);
    pending.push(translator.translate(tiles.slice(first * h * w, (first + n) * h * w), n));
    if (pending.length === 2) await pending.shift();
  }
  await Promise.all(pending);
  return (performance.now() - t0) / LAYOUT_TILES;
}

async function timed(open: () => Promise<Translator>, batch: number): Promise<number> {
  const translator = await open();
  try {
    return await msPerTile(translator, batch);
  } finally {
    await translator.close();
  }
}

async function benchPreset(
  dir: string,
  name: string,
  p: ReturnType<typeof params>,
  matmul: number,
) {
  const config = GENERATOR_PRESETS[name];
  const weights = randomGeneratorWeights(config, SEED);
  const ours = join(dir, `${name}-wiregan.onnx`);
  writeFileSync(ours, exportGeneratorOnnx(config, weights));
  const weightFile = join(dir, `${name}.safetensors`);
  writeWeightFile(weightFile, config, weights);
  const torchGraph = join(dir, `${name}-torch.onnx`);
  torchExport(weightFile, torchGraph);

  const workers = await timed(() => PoolTranslator.open(ours, 2), p.batch);
  const threads = await timed(() => OnnxTranslator.open(ours, { intraOpThreads: 2 }), p.batch);
  const useWorkers = workers <= threads;
  const openBest = (model: string) =>
    useWorkers ? PoolTranslator.open(model, 2) : OnnxTranslator.open(model, { intraOpThreads: 2 });
  const torchMs = await timed(() => openBest(torchGraph), p.batch);

  const tile = config.tile;
  const overlap = [overlapPixels(p.overlap, tile[0]), overlapPixels(p.overlap, tile[1])] as const;
  const work = tilingWork(p.frame, tile, { overlap });
  const frame = randomTiles(1, p.frame[0], p.frame[1], SEED + 1);
  const translator = await openBest(ours);
  let seconds: number;
  try {
    const t0 = performance.now();
    await translateFrame(translator, frame, p.frame, { overlap, batch: p.batch });
    seconds = (performance.now() - t0) / 1000;
  } finally {
    await translator.close();
  }
  const flops = flopsPerTile(config);
  const result: PresetResult = {
    preset: name,
    tile: [...tile],
    gflopPerTile: flops / 1e9,
    msPerTileWorkers: workers,
    msPerTileThreads: threads,
    msPerTileTorchGraph: torchMs,
    oursOverTorch: (useWorkers ? workers : threads) / torchMs,
    layout: useWorkers ? 'workers 2 x 1 thread' : '1 session x 2 threads',
    tiles: work.tiles,
    workRatio: work.workRatio,
    secondsPerFrame: seconds,
    tilesPerSecond: work.tiles / seconds,
    gflops: (work.tiles * flops) / seconds / 1e9,
    fractionOfMatmul: (work.tiles * flops) / seconds / matmul,
  };
  return result;
}

async function main(): Promise<void> {
  const p = params();
  const dir = mkdtempSync(join(os.tmpdir(), 'wiregan-translate-bench-'));
  try {
    const matmul = await matmulRate(dir);
    console.log(
      `matmul ${MATMUL_SIZE}^3, onnxruntime 2 threads: ${(matmul / 1e9).toFixed(1)} GFLOP/s`,
    );
    const results: PresetResult[] = [];
    for (const name of p.presets) {
      const r = await benchPreset(dir, name, p, matmul);
      results.push(r);
      console.log(
        `${name} [${r.tile}] ${r.gflopPerTile.toFixed(3)} GFLOP/tile: ms/tile workers ${r.msPerTileWorkers.toFixed(1)}` +
          ` threads ${r.msPerTileThreads.toFixed(1)} torch graph ${r.msPerTileTorchGraph.toFixed(1)}` +
          ` (ours/torch ${r.oursOverTorch.toFixed(2)}); frame ${p.frame.join('x')}: ${r.tiles} tiles,` +
          ` work/frame ${r.workRatio.toFixed(2)}, ${r.secondsPerFrame.toFixed(1)} s/frame,` +
          ` ${r.tilesPerSecond.toFixed(1)} tiles/s, ${r.gflops.toFixed(1)} GFLOP/s =` +
          ` ${(100 * r.fractionOfMatmul).toFixed(0)} % of matmul (${r.layout})`,
      );
    }
    const load = os.loadavg()[0];
    console.log(`load average (1 min) ${load.toFixed(2)} on ${os.cpus().length} cores`);
    const summary = {
      bench: 'translate',
      frame: p.frame,
      matmulGflops: matmul / 1e9,
      load,
      results,
    };
    console.log(JSON.stringify(summary));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

/**
 * Tile file throughput: wiregan's TileFileWriter / TileFileReader (h5wasm)
 * against h5py writing and reading the same arrays with the same layout
 * (float32 [n, 256, 256] per split and domain, resizable, one tile per
 * chunk, no filter, appended 64 tiles at a time), in the same run.
 *
 * Cases, each the median of `--rounds` rounds (after `--warmup` rounds
 * that are not counted, on both sides: h5wasm runs HDF5 as WebAssembly,
 * which V8 compiles to optimised code only once it is hot), in MB/s of
 * tile data (both domains):
 * - write: create the file, append every pair to train, close;
 * - read random: every tile of train/a and train/b once, one tile per
 *   call, in a shuffled order (the training loader's access);
 * - read range: the same tiles in blocks of 64 consecutive tiles;
 * - read batch: the shuffled order, 8 tiles per call into one batch array
 *   (the loader's `readBatch`); h5py reads each tile into a preallocated
 *   batch with `read_direct`.
 * The ratio printed is wiregan over h5py (target >= 0.7), by wall time and
 * by CPU time of each process (user + system, all threads: V8's compiler
 * and GC threads count). CPU time moves less than wall time when other
 * work shares the cores. Both read their
 * own freshly written file, so both read from the page cache; both files
 * are removed before each round (outside the timing), so each write makes
 * a new file. The load average is printed with the table: on a shared
 * machine the ratios move with it.
 *
 * Run: node --import tsx bench/tiles.bench.ts [--tiles N] [--rounds R] [--warmup W]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { TileFileReader, TileFileWriter } from '../pipeline/tilefile.js';
import { Rng } from '../sim/random.js';

const PYTHON = '/usr/bin/python3';
const SIZE = 256;
const BLOCK = 64;
const BATCH = 8;
const CASES = ['write', 'random', 'range', 'batch'] as const;
type Case = (typeof CASES)[number];

/** Wall and CPU seconds of one case. */
type Seconds = readonly [wall: number, cpu: number];

interface Row {
  case: Case;
  wireganMBps: number;
  h5pyMBps: number | null;
  ratio: number | null;
  cpuRatio: number | null;
}

/** Starts a clock; the function returned gives wall and CPU seconds since. */
function clock(): () => Seconds {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return [(performance.now() - wall) / 1000, (used.user + used.system) / 1e6];
  };
}

/** Sparse integer-valued ADC-like tiles [n, SIZE, SIZE], domain b wider than a. */
function makeTiles(n: number, domain: number): Float32Array {
  const out = new Float32Array(n * SIZE * SIZE);
  const rng = new Rng(11, domain);
  for (let i = 0; i < out.length; i++) {
    if (rng.uniform() < 0.04 * (1 + domain)) out[i] = Math.round(rng.normal(0, 30));
  }
  return out;
}

function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(5);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Wall and CPU seconds of each case of wiregan on `file`. */
async function wiregan(
  file: string,
  a: Float32Array,
  b: Float32Array,
  order: number[],
): Promise<Record<Case, Seconds>> {
  const n = order.length;
  const tile = SIZE * SIZE;
  const header = { tileHeight: SIZE, tileWidth: SIZE, source: 'bench', config: null };

  let stop = clock();
  const writer = await TileFileWriter.create(file, header, { force: true });
  for (let k = 0; k < n; k++) {
    writer.add('train', a.subarray(k * tile, (k + 1) * tile), b.subarray(k * tile, (k + 1) * tile));
  }
  writer.close();
  const write = stop();

  const reader = await TileFileReader.open(file);
  let checksum = 0;
  try {
    stop = clock();
    for (const domain of ['a', 'b'] as const) {
      for (const k of order) checksum += reader.read('train', domain, k)[k % tile];
    }
    const random = stop();
    stop = clock();
    for (const domain of ['a', 'b'] as const) {
      for (let k = 0; k < n; k += BLOCK) {
        checksum += reader.readRange('train', domain, k, Math.min(n, k + BLOCK))[0];
      }
    }
    const range = stop();
    stop = clock();
    for (const domain of ['a', 'b'] as const) {
      for (let k = 0; k < n; k += BATCH) {
        checksum += reader.readBatch('train', domain, order.slice(k, k + BATCH))[0];
      }
    }
    const batch = stop();
    if (!Number.isFinite(checksum)) throw new Error('tile values are not finite');
    return { write, random, range, batch };
  } finally {
    reader.close();
  }
}

/** The same cases in h5py, timed inside Python; prints JSON [wall, cpu] seconds. */
const H5PY = `
import sys, json, time, h5py, numpy as np
file, raw, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
order = json.loads(sys.argv[4])
S, B, K = ${SIZE}, ${BLOCK}, ${BATCH}
def clock():
    wall, cpu = time.perf_counter(), time.process_time()
    return lambda: [time.perf_counter() - wall, time.process_time() - cpu]
a = np.fromfile(raw + '.a', dtype='<f4').reshape(n, S, S)
b = np.fromfile(raw + '.b', dtype='<f4').reshape(n, S, S)
stop = clock()
with h5py.File(file, 'w') as f:
    ds = {}
    for split in ('train', 'test'):
        for d in 'ab':
            ds[split + d] = f.create_dataset(split + '/' + d, shape=(0, S, S),
                maxshape=(None, S, S), chunks=(1, S, S), dtype='<f4')
    for first in range(0, n, B):
        end = min(n, first + B)
        for d, x in (('a', a), ('b', b)):
            ds['train' + d].resize((end, S, S))
            ds['train' + d][first:end] = x[first:end]
write = stop()
with h5py.File(file, 'r') as f:
    stop = clock()
    for d in 'ab':
        x = f['train/' + d]
        for k in order:
            x[k]
    rand = stop()
    stop = clock()
    for d in 'ab':
        x = f['train/' + d]
        for first in range(0, n, B):
            x[first:min(n, first + B)]
    rng = stop()
    stop = clock()
    for d in 'ab':
        x = f['train/' + d]
        for first in range(0, n, K):
            ks = order[first:first + K]
            out = np.empty((len(ks), S, S), np.float32)
            for i, k in enumerate(ks):
                x.read_direct(out, np.s_[k], np.s_[i])
    batch = stop()
print(json.dumps({'write': write, 'random': rand, 'range': rng, 'batch': batch}))
`;

function hasH5py(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import h5py, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function median(values: number[]): number {
  return [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
}

/** The integer after `flag` on the command line, or `fallback`. */
function intFlag(flag: string, fallback: number): number {
  const at = process.argv.indexOf(flag);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!(Number.isInteger(value) && value >= 0)) {
    throw new Error(`${flag}: expected an integer >= 0, got ${process.argv[at + 1]}`);
  }
  return value;
}

async function main(): Promise<void> {
  const n = intFlag('--tiles', 256);
  const rounds = Math.max(1, intFlag('--rounds', 7));
  const warmup = intFlag('--warmup', 1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-tiles-bench-'));
  const withH5py = hasH5py();
  try {
    const a = makeTiles(n, 0);
    const b = makeTiles(n, 1);
    const order = shuffled(n);
    const raw = path.join(dir, 'tiles.raw');
    fs.writeFileSync(`${raw}.a`, a);
    fs.writeFileSync(`${raw}.b`, b);

    const ours = new Map<Case, Seconds[]>(CASES.map((key) => [key, []]));
    const theirs = new Map<Case, Seconds[]>(CASES.map((key) => [key, []]));
    const [ourFile, theirFile] = [path.join(dir, 'wiregan.h5'), path.join(dir, 'h5py.h5')];
    const loadBefore = os.loadavg()[0];
    for (let round = 0; round < warmup + rounds; round++) {
      const counted = round >= warmup;
      fs.rmSync(ourFile, { force: true });
      const w = await wiregan(ourFile, a, b, order);
      for (const key of CASES) if (counted) ours.get(key)!.push(w[key]);
      if (!withH5py) continue;
      fs.rmSync(theirFile, { force: true });
      const args = ['-c', H5PY, theirFile, raw, String(n), JSON.stringify(order)];
      const h = JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8' }));
      for (const key of CASES) if (counted) theirs.get(key)!.push(h[key]);
    }
    const load = [loadBefore, os.loadavg()[0]];

    const megabytes = (2 * a.byteLength) / 1e6;
    const rows: Row[] = CASES.map((key) => {
      const [wall, cpu] = [0, 1].map((i) => ours.get(key)!.map((t) => t[i]));
      const [h5pyWall, h5pyCpu] = [0, 1].map((i) => theirs.get(key)!.map((t) => t[i]));
      const wireganMBps = megabytes / median(wall);
      const h5pyMBps = withH5py ? megabytes / median(h5pyWall) : null;
      const ratio = h5pyMBps ? wireganMBps / h5pyMBps : null;
      const cpuRatio = withH5py ? median(h5pyCpu) / median(cpu) : null;
      return { case: key, wireganMBps, h5pyMBps, ratio, cpuRatio };
    });

    const size = `${n} pairs of ${SIZE} x ${SIZE} float32 (${megabytes.toFixed(0)} MB)`;
    console.log(`tile file throughput: ${size}, median of ${rounds} after ${warmup} warm-up`);
    console.log(`load average (1 min) before ${load[0].toFixed(2)}, after ${load[1].toFixed(2)}`);
    if (!withH5py)
      console.log('h5py not available for /usr/bin/python3: no reference (make pydeps)');
    const header = ['case', 'wiregan MB/s', 'h5py MB/s', 'ratio', 'cpu ratio'];
    console.log(header.map((h, i) => (i === 0 ? h.padEnd(8) : h.padStart(12))).join(' '));
    const fixed = (x: number | null, digits: number) => (x === null ? '-' : x.toFixed(digits));
    for (const r of rows) {
      const cells = [r.wireganMBps, r.h5pyMBps].map((x) => fixed(x, 0));
      cells.push(fixed(r.ratio, 2), fixed(r.cpuRatio, 2));
      console.log([r.case.padEnd(8), ...cells.map((c) => c.padStart(12))].join(' '));
    }
    const summary = { bench: 'tiles', unit: 'MB/s', tiles: n, rounds, warmup, load, target: 0.7 };
    console.log(JSON.stringify({ ...summary, rows }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();

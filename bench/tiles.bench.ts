/**
 * Tile file throughput: wiregan's TileFileWriter / TileFileReader (h5wasm)
 * against h5py writing and reading the same arrays with the same layout
 * (float32 [n, 256, 256] per split and domain, resizable, one tile per
 * chunk, no filter, appended 64 tiles at a time), in the same run.
 *
 * Cases, each the median of ROUNDS rounds, in MB/s of tile data (both
 * domains):
 * - write: create the file, append every pair to train, close;
 * - read random: every tile of train/a and train/b once, one tile per
 *   call, in a shuffled order (the training loader's access);
 * - read range: the same tiles in blocks of 64 consecutive tiles.
 * The ratio printed is wiregan over h5py (target >= 0.7). Both read their
 * own freshly written file, so both read from the page cache.
 *
 * Run: node --import tsx bench/tiles.bench.ts [--tiles N]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { TileFileReader, TileFileWriter } from '../pipeline/tilefile.js';
import { Rng } from '../sim/random.js';

const PYTHON = '/usr/bin/python3';
const SIZE = 256;
const ROUNDS = 5;
const BLOCK = 64;

interface Row {
  case: string;
  wireganMBps: number;
  h5pyMBps: number | null;
  ratio: number | null;
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

/** Seconds for each case of wiregan on `file`. */
async function wiregan(file: string, a: Float32Array, b: Float32Array, order: number[]) {
  const n = order.length;
  const tile = SIZE * SIZE;
  const header = { tileHeight: SIZE, tileWidth: SIZE, source: 'bench', config: null };

  let t0 = performance.now();
  const writer = await TileFileWriter.create(file, header, { force: true });
  for (let k = 0; k < n; k++) {
    writer.add('train', a.subarray(k * tile, (k + 1) * tile), b.subarray(k * tile, (k + 1) * tile));
  }
  writer.close();
  const write = (performance.now() - t0) / 1000;

  const reader = await TileFileReader.open(file);
  let checksum = 0;
  t0 = performance.now();
  for (const domain of ['a', 'b'] as const) {
    for (const k of order) checksum += reader.read('train', domain, k)[k % tile];
  }
  const random = (performance.now() - t0) / 1000;
  t0 = performance.now();
  for (const domain of ['a', 'b'] as const) {
    for (let k = 0; k < n; k += BLOCK) {
      checksum += reader.readRange('train', domain, k, Math.min(n, k + BLOCK))[0];
    }
  }
  const range = (performance.now() - t0) / 1000;
  reader.close();
  return { write, random, range, checksum };
}

/** The same three cases in h5py, timed inside Python; prints JSON seconds. */
const H5PY = `
import sys, json, time, h5py, numpy as np
file, raw, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
order = json.loads(sys.argv[4])
S, B = ${SIZE}, ${BLOCK}
a = np.fromfile(raw + '.a', dtype='<f4').reshape(n, S, S)
b = np.fromfile(raw + '.b', dtype='<f4').reshape(n, S, S)
t0 = time.perf_counter()
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
write = time.perf_counter() - t0
with h5py.File(file, 'r') as f:
    t0 = time.perf_counter()
    for d in 'ab':
        x = f['train/' + d]
        for k in order:
            x[k]
    rand = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d in 'ab':
        x = f['train/' + d]
        for first in range(0, n, B):
            x[first:min(n, first + B)]
    rng = time.perf_counter() - t0
print(json.dumps({'write': write, 'random': rand, 'range': rng}))
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

async function main(): Promise<void> {
  const at = process.argv.indexOf('--tiles');
  const n = at > 0 ? Number(process.argv[at + 1]) : 256;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-tiles-bench-'));
  const withH5py = hasH5py();
  try {
    const a = makeTiles(n, 0);
    const b = makeTiles(n, 1);
    const order = shuffled(n);
    const raw = path.join(dir, 'tiles.raw');
    fs.writeFileSync(`${raw}.a`, a);
    fs.writeFileSync(`${raw}.b`, b);

    const ours: Record<string, number[]> = { write: [], random: [], range: [] };
    const theirs: Record<string, number[]> = { write: [], random: [], range: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const w = await wiregan(path.join(dir, 'wiregan.h5'), a, b, order);
      for (const key of Object.keys(ours)) ours[key].push(w[key as keyof typeof w]);
      if (!withH5py) continue;
      const args = ['-c', H5PY, path.join(dir, 'h5py.h5'), raw, String(n), JSON.stringify(order)];
      const h = JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8' }));
      for (const key of Object.keys(theirs)) theirs[key].push(h[key]);
    }

    const megabytes = (2 * a.byteLength) / 1e6;
    const rows: Row[] = Object.keys(ours).map((key) => {
      const wireganMBps = megabytes / median(ours[key]);
      const h5pyMBps = withH5py ? megabytes / median(theirs[key]) : null;
      const ratio = h5pyMBps ? wireganMBps / h5pyMBps : null;
      return { case: key, wireganMBps, h5pyMBps, ratio };
    });

    console.log(
      `tile file throughput: ${n} pairs of ${SIZE} x ${SIZE} float32 (${megabytes.toFixed(0)} MB), median of ${ROUNDS}`,
    );
    if (!withH5py)
      console.log('h5py not available for /usr/bin/python3: no reference (make pydeps)');
    console.log(['case'.padEnd(8), 'wiregan MB/s', '   h5py MB/s', 'ratio'.padStart(7)].join(' '));
    for (const r of rows) {
      const h = r.h5pyMBps === null ? '-' : r.h5pyMBps.toFixed(0);
      const ratio = r.ratio === null ? '-' : r.ratio.toFixed(2);
      console.log(
        [
          r.case.padEnd(8),
          r.wireganMBps.toFixed(0).padStart(12),
          h.padStart(12),
          ratio.padStart(7),
        ].join(' '),
      );
    }
    console.log(JSON.stringify({ bench: 'tiles', unit: 'MB/s', tiles: n, target: 0.7, rows }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();

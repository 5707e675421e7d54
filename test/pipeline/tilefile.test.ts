import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { TileFileReader, TileFileWriter } from '../../pipeline/tilefile.js';
import { ShapeError } from '../../sim/errors.js';
import { hasH5py, PYTHON } from '../helpers/python.js';

/** Tile value at (k, r, c) of a domain: a formula the h5py check repeats. */
function value(domain: number, k: number, r: number, c: number): number {
  return domain * 1000 + k * 10 + r - 0.5 * c;
}

function tile(domain: number, k: number, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) out[r * w + c] = value(domain, k, r, c);
  return out;
}

describe('pipeline/tilefile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wiregan-tiles-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function writeSample(path: string, nTrain: number, nTest: number): Promise<void> {
    const writer = await TileFileWriter.create(path, {
      tileHeight: 4,
      tileWidth: 6,
      source: 'synthetic',
      config: { size: 4 },
    });
    for (let k = 0; k < nTrain; k++) writer.add('train', tile(0, k, 4, 6), tile(1, k, 4, 6));
    for (let k = 0; k < nTest; k++) writer.add('test', tile(0, k, 4, 6), tile(1, k, 4, 6));
    writer.close();
  }

  it('round-trips tiles across write batches, by index, range and batch', async () => {
    const path = join(dir, 'tiles.h5');
    await writeSample(path, 150, 3);
    const reader = await TileFileReader.open(path);
    try {
      assert.equal(reader.count('train'), 150);
      assert.equal(reader.count('test'), 3);
      assert.deepEqual([reader.tileHeight, reader.tileWidth], [4, 6]);
      assert.deepEqual(reader.read('train', 'b', 131), tile(1, 131, 4, 6));
      const range = reader.readRange('test', 'a', 1, 3);
      assert.deepEqual(range.subarray(24), tile(0, 2, 4, 6));
      const batch = reader.readBatch('train', 'a', [70, 2]);
      assert.deepEqual(batch.subarray(0, 24), tile(0, 70, 4, 6));
      assert.deepEqual(reader.config(), { size: 4 });
      assert.throws(() => reader.read('test', 'a', 3), /has 3 tiles/);
    } finally {
      reader.close();
    }
  });

  it('writes datasets h5py reads with the formula values and one tile per chunk', async function () {
    if (!hasH5py()) this.skip();
    const path = join(dir, 'tiles.h5');
    await writeSample(path, 70, 2);
    const script = `
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], 'r')
for split, n in (('train', 70), ('test', 2)):
    for d in (0, 1):
        ds = f[split + '/' + 'ab'[d]]
        assert ds.shape == (n, 4, 6) and ds.dtype == np.float32, (ds.shape, ds.dtype)
        assert ds.chunks == (1, 4, 6), ds.chunks
        assert ds.compression is None
        k, r, c = np.meshgrid(np.arange(n), np.arange(4), np.arange(6), indexing='ij')
        want = (d * 1000 + k * 10 + r - 0.5 * c).astype(np.float32)
        assert np.array_equal(ds[...], want)
assert f.attrs['tile_height'] == 4 and f.attrs['tile_width'] == 6
print('ok')
`;
    const out = execFileSync(PYTHON, ['-c', script, path], { encoding: 'utf8' });
    assert.equal(out.trim(), 'ok');
  });

  it('writes large tiles in several HDF5 calls per batch that h5py reads back', async function () {
    if (!hasH5py()) this.skip();
    // 256 x 256 tiles: a batch of 64 goes to HDF5 in runs of a few tiles.
    const [n, h, w] = [70, 256, 256];
    const path = join(dir, 'large.h5');
    const writer = await TileFileWriter.create(path, {
      tileHeight: h,
      tileWidth: w,
      source: 'synthetic',
      config: {},
    });
    for (let k = 0; k < n; k++) writer.add('train', tile(0, k, h, w), tile(1, k, h, w));
    writer.close();
    const script = `
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], 'r')
k, r, c = np.meshgrid(np.arange(${n}), np.arange(${h}), np.arange(${w}), indexing='ij')
for d in (0, 1):
    ds = f['train/' + 'ab'[d]]
    assert ds.shape == (${n}, ${h}, ${w}) and ds.chunks == (1, ${h}, ${w}), (ds.shape, ds.chunks)
    assert np.array_equal(ds[...], (d * 1000 + k * 10 + r - 0.5 * c).astype(np.float32))
print('ok')
`;
    const out = execFileSync(PYTHON, ['-c', script, path], { encoding: 'utf8' });
    assert.equal(out.trim(), 'ok');
  });

  it('rejects a wrong-size tile and leaves no file when aborted', async () => {
    const path = join(dir, 'tiles.h5');
    const writer = await TileFileWriter.create(path, {
      tileHeight: 4,
      tileWidth: 6,
      source: 'x',
      config: {},
    });
    assert.throws(() => writer.add('train', new Float32Array(5), new Float32Array(24)), ShapeError);
    writer.abort();
    assert.equal(existsSync(path), false);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('names the file and dataset when a split is missing', async function () {
    if (!hasH5py()) this.skip();
    const path = join(dir, 'partial.h5');
    const script = `
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], 'w')
f['train/a'] = np.zeros((2, 4, 4), np.float32)
f['train/b'] = np.zeros((2, 4, 4), np.float32)
`;
    execFileSync(PYTHON, ['-c', script, path]);
    await assert.rejects(TileFileReader.open(path), /partial\.h5 \(dataset test\/a\)/);
  });

  it('draws random batches of paired tiles and keeps plane and baseline', async () => {
    const path = join(dir, 'tiles.h5');
    const header = { tileHeight: 4, tileWidth: 6, source: 's', config: {}, plane: 'w' };
    const writer = await TileFileWriter.create(path, { ...header, baselineAdc: 900 });
    for (let k = 0; k < 10; k++) writer.add('train', tile(0, k, 4, 6), tile(1, k, 4, 6));
    writer.close();
    const reader = await TileFileReader.open(path);
    try {
      assert.deepEqual([reader.plane(), reader.baselineAdc()], ['w', 900]);
      const draws = [7, 2, 7];
      const rng = { integer: (n: number) => (assert.equal(n, 10), draws.shift()!) };
      const batch = reader.randomBatch('train', 3, rng);
      assert.deepEqual(batch.indices, [7, 2, 7]);
      assert.deepEqual(batch.a.subarray(24, 48), tile(0, 2, 4, 6));
      assert.deepEqual(batch.b.subarray(48), tile(1, 7, 4, 6));
      assert.throws(() => reader.randomBatch('test', 1, rng), /test has no tiles/);
      const run = reader.readBatch('train', 'b', [3, 4, 5, 1, 2]);
      [3, 4, 5, 1, 2].forEach((k, i) => {
        assert.deepEqual(run.subarray(i * 24, (i + 1) * 24), tile(1, k, 4, 6));
      });
    } finally {
      reader.close();
    }
  });

  it('serves tiles to several worker threads, each with its own reader', async () => {
    const path = join(dir, 'tiles.h5');
    await writeSample(path, 12, 0);
    const worker = (indices: number[]) =>
      new Promise<number[]>((resolve, reject) => {
        // The .ts worker is loaded through tsx's API from a tiny eval script.
        const script = new URL('../helpers/tilereadworker.ts', import.meta.url).href;
        const code =
          `import('tsx/esm/api').then((tsx) => ` +
          `tsx.tsImport(${JSON.stringify(script)}, ${JSON.stringify(script)}))`;
        const w = new Worker(code, { eval: true, workerData: { file: path, indices } });
        w.once('message', resolve);
        w.once('error', reject);
      });
    const [first, second] = await Promise.all([worker([0, 5, 11]), worker([11, 3])]);
    const expected = (ks: number[]) => ks.flatMap((k) => Array.from(tile(1, k, 4, 6)));
    assert.deepEqual(first, expected([0, 5, 11]));
    assert.deepEqual(second, expected([11, 3]));
  });
});

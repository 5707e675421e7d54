import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { HeapStaging } from '../../pipeline/h5staging.js';
import { getDataset, openHdf5 } from '../../pipeline/hdf5.js';
import { ShapeError } from '../../sim/errors.js';
import { hasH5py, PYTHON } from '../helpers/python.js';

const [N, H, W] = [40, 3, 5];
const ROW = H * W;

/** Value at (k, r, c): a formula the Python side repeats. */
function value(k: number, r: number, c: number): number {
  return k * 100 + r * 10 + c + 0.25;
}

/** Rows [first, end) by the formula: float32 [end - first, H, W]. */
function expected(first: number, end: number): Float32Array {
  const out = new Float32Array((end - first) * ROW);
  for (let k = first; k < end; k++) {
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) out[(k - first) * ROW + r * W + c] = value(k, r, c);
    }
  }
  return out;
}

describe('pipeline/h5staging', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-staging-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the rows h5py wrote, as Dataset.slice does, into fresh and given arrays', async function () {
    if (!hasH5py()) this.skip();
    const file = path.join(dir, 'rows.h5');
    const script = `
import h5py, numpy as np, sys
k, r, c = np.meshgrid(np.arange(${N}), np.arange(${H}), np.arange(${W}), indexing='ij')
with h5py.File(sys.argv[1], 'w') as f:
    f.create_dataset('g/x', data=(k * 100 + r * 10 + c + 0.25).astype('<f4'),
                     chunks=(1, ${H}, ${W}), maxshape=(None, ${H}, ${W}))
`;
    execFileSync(PYTHON, ['-c', script, file]);

    const h5 = await openHdf5(file, 'r');
    const staging = new HeapStaging(file);
    try {
      const dataset = getDataset(h5, 'g/x');
      // Growing runs make the staging buffer grow between reads.
      for (const [first, end] of [
        [7, 8],
        [0, N],
        [3, 11],
        [N - 1, N],
      ]) {
        const got = staging.read(dataset, first, end, ROW);
        assert.deepEqual(got, expected(first, end), `[${first}, ${end})`);
        assert.deepEqual(got, dataset.slice([[first, end]]), `slice [${first}, ${end})`);
      }

      const out = new Float32Array(5 * ROW).fill(-1);
      staging.readInto(dataset, 20, 22, ROW, out, 2 * ROW);
      assert.deepEqual(out.subarray(2 * ROW, 4 * ROW), expected(20, 22));
      assert.ok(
        out.subarray(0, 2 * ROW).every((v) => v === -1),
        'values before the run kept',
      );
      assert.ok(
        out.subarray(4 * ROW).every((v) => v === -1),
        'values after the run kept',
      );
    } finally {
      staging.release();
      h5.close();
    }
  });

  it('writes rows that h5py reads back with the formula values', async function () {
    if (!hasH5py()) this.skip();
    const file = path.join(dir, 'written.h5');
    const h5 = await openHdf5(file, 'w');
    const staging = new HeapStaging(file);
    try {
      h5.create_dataset({
        name: 'x',
        data: new Float32Array(0),
        shape: [0, H, W],
        maxshape: [null, H, W],
        chunks: [1, H, W],
        dtype: '<f',
      });
      const dataset = getDataset(h5, 'x');
      const rows = (first: number, end: number) =>
        Array.from({ length: end - first }, (_, i) => expected(first + i, first + i + 1));
      dataset.resize([3, H, W]);
      staging.write(dataset, 0, rows(0, 3), ROW);
      dataset.resize([N, H, W]);
      staging.write(dataset, 3, rows(3, N), ROW);
    } finally {
      staging.release();
      h5.close();
    }

    const script = `
import h5py, numpy as np, sys
k, r, c = np.meshgrid(np.arange(${N}), np.arange(${H}), np.arange(${W}), indexing='ij')
with h5py.File(sys.argv[1], 'r') as f:
    x = f['x']
    assert x.shape == (${N}, ${H}, ${W}) and x.dtype == np.float32, (x.shape, x.dtype)
    assert np.array_equal(x[...], (k * 100 + r * 10 + c + 0.25).astype(np.float32))
print('ok')
`;
    assert.equal(execFileSync(PYTHON, ['-c', script, file], { encoding: 'utf8' }).trim(), 'ok');
  });

  it('refuses runs outside the dataset and outputs too small, naming file and dataset', async () => {
    const file = path.join(dir, 'small.h5');
    const h5 = await openHdf5(file, 'w');
    const staging = new HeapStaging(file);
    try {
      h5.create_dataset({ name: 'x', data: expected(0, 4), shape: [4, H, W], dtype: '<f' });
      const dataset = getDataset(h5, 'x');
      const where = /small\.h5 \(dataset \/x\)/;
      assert.throws(() => staging.read(dataset, 3, 5, ROW), ShapeError);
      assert.throws(() => staging.read(dataset, 2, 2, ROW), where);
      assert.throws(() => staging.readInto(dataset, 0, 2, ROW, new Float32Array(ROW)), where);
      assert.throws(() => staging.write(dataset, 0, [new Float32Array(ROW - 1)], ROW), where);
      assert.throws(() => staging.write(dataset, 4, [new Float32Array(ROW)], ROW), ShapeError);
      // The refusals read nothing: a valid read afterwards still gives the values.
      assert.deepEqual(staging.read(dataset, 1, 4, ROW), expected(1, 4));
    } finally {
      staging.release();
      h5.close();
    }
  });
});

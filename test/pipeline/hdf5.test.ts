import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  chunkShape,
  checkSuperblock,
  getDataset,
  openHdf5,
  readFloat32,
  readFloat64,
} from '../../pipeline/hdf5.js';
import { FileFormatError } from '../../sim/errors.js';

const SAMPLES = '../shared/data/field-samples/h5wasm';
const PYTHON = '/usr/bin/python3';

describe('pipeline/hdf5', () => {
  it('reads every built-in filter of the h5wasm sample file as h5py does', async () => {
    // [0, 0:3] and [99, 97:100] of each 100 x 100 float64 dataset, by h5py 3.7.
    const exact = {
      first: [0.04373884870868472, 0.4580225878329375, 0.024318052800628487],
      last: [0.5583828171125897, 0.4714176657776481, 0.27014370755826167],
    };
    const scaleoffset = {
      first: [0.04371192487729429, 0.4580119248772943, 0.02431192487729429],
      last: [0.558427440131312, 0.47142744013131194, 0.27012744013131196],
    };
    const expected = { gzip: exact, gzip_shuffle: exact, szip: exact, scaleoffset };
    const file = await openHdf5(`${SAMPLES}/compressed.h5`, 'r');
    try {
      for (const [name, values] of Object.entries(expected)) {
        const data = readFloat64(file.filename, getDataset(file, name));
        assert.deepEqual(Array.from(data.subarray(0, 3)), values.first, name);
        assert.deepEqual(Array.from(data.subarray(9997, 10000)), values.last, name);
      }
    } finally {
      file.close();
    }
  });

  it('converts a big-endian float32 dataset to native order', async () => {
    const file = await openHdf5(`${SAMPLES}/array.h5`, 'r');
    try {
      const values = readFloat32(file.filename, getDataset(file, 'bigendian'));
      assert.deepEqual(values, Float32Array.from([3, 2, 1]));
      assert.throws(() => getDataset(file, 'nothing'), /array\.h5 \(dataset nothing\): no such/);
    } finally {
      file.close();
    }
  });

  it('bounds chunks by the data shape and balances them over it', () => {
    assert.deepEqual(chunkShape([800, 6000], [64, 2048], 4), [62, 2000]);
    assert.deepEqual(chunkShape([960, 6000], [64, 2048], 4), [64, 2000]);
    assert.deepEqual(chunkShape([3], [64], 4), [3]);
    // [512, 2000] is 4 MB: the larger axis is halved twice, to 1.02 MB.
    assert.deepEqual(chunkShape([30720, 6000], [512, 2048], 4), [512, 500]);
  });

  it('finds a superblock after a user block and checks the stored length', function () {
    try {
      execFileSync(PYTHON, ['-c', 'import h5py'], { stdio: 'ignore' });
    } catch {
      this.skip(); // /usr/bin/python3 cannot import h5py
    }
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-hdf5-'));
    try {
      const target = path.join(folder, 'userblock.h5');
      const script = `
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], 'w', userblock_size=1024) as f:
    f['x'] = np.arange(1000.0)
`;
      execFileSync(PYTHON, ['-c', script, target]);
      checkSuperblock(target);
      const bytes = fs.readFileSync(target);
      fs.writeFileSync(target, bytes.subarray(0, bytes.length - 100));
      assert.throws(() => checkSuperblock(target), FileFormatError);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});

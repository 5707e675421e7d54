import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parseNpy } from '../../pipeline/npy.js';
import { FileFormatError, UnsupportedError } from '../../sim/errors.js';

const PYTHON = '/usr/bin/python3';

function hasNumpy(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** numpy writes arange(24) - 7 reshaped [2, 3, 4] in several dtypes and format versions. */
const WRITE = `
import sys, numpy as np
from numpy.lib import format as fmt
out = sys.argv[1]
x = np.arange(24).reshape(2, 3, 4) - 7
for dt in ('<i2', '<i4', '<f4', '<f8', '|i1'):
    for version in ((1, 0), (2, 0), (3, 0)):
        with open(f'{out}/{dt[1:]}-v{version[0]}.npy', 'wb') as f:
            fmt.write_array(f, x.astype(dt), version=version)
np.save(f'{out}/big.npy', x.astype('>i2'))
np.save(f'{out}/fortran.npy', np.asfortranarray(x.astype('<i2')))
`;

describe('pipeline/npy', () => {
  let folder: string;
  before(function () {
    if (!hasNumpy()) this.skip();
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-npy-'));
    execFileSync(PYTHON, ['-c', WRITE, folder]);
  });
  after(() => folder && fs.rmSync(folder, { recursive: true, force: true }));

  it('reads what numpy writes, in every dtype and format version', () => {
    const expected = Array.from({ length: 24 }, (_, i) => i - 7);
    for (const name of fs.readdirSync(folder).filter((f) => /-v\d\.npy$/.test(f))) {
      const file = path.join(folder, name);
      const npy = parseNpy(fs.readFileSync(file), file);
      assert.deepEqual(npy.shape, [2, 3, 4], name);
      assert.deepEqual(Array.from(npy.data), expected, name);
    }
  });

  it('refuses big-endian, Fortran order and truncated data by name', () => {
    const read = (name: string) => {
      const file = path.join(folder, name);
      return () => parseNpy(fs.readFileSync(file), file);
    };
    assert.throws(
      read('big.npy'),
      (e: Error) => e instanceof UnsupportedError && />i2/.test(e.message),
    );
    assert.throws(read('fortran.npy'), UnsupportedError);
    const file = path.join(folder, 'i2-v1.npy');
    const cut = fs.readFileSync(file).subarray(0, -2);
    assert.throws(
      () => parseNpy(cut, file),
      (e: Error) =>
        e instanceof FileFormatError && /i2-v1\.npy.*46 bytes.*needs 48/.test(e.message),
    );
    assert.throws(() => parseNpy(Buffer.from('PK\u0003\u0004 not npy'), 'x.npy'), /magic/);
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PYTHON = '/usr/bin/python3';
const EXCERPT = '../shared/data/slats-excerpt';

function hasNumpy(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** numpy's non-zero fraction and mean active wires per active tick of train/<domain>. */
const NUMPY_FIGURES = `
import sys, os, json, numpy as np
src = sys.argv[1]
out = {}
for key, folder in (('a', 'fake'), ('b', 'real')):
    d = os.path.join(src, 'train', folder)
    x = np.stack([np.load(os.path.join(d, n))['arr_0'] for n in sorted(os.listdir(d))]) != 0
    active = x.any(axis=1)
    out[key] = {'nonzero': float(x.mean()), 'width': float(x.sum(axis=1)[active].mean())}
print(json.dumps(out))
`;

describe('cli: import and stats', () => {
  let folder: string;
  before(function () {
    if (!hasNumpy()) this.skip();
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-cli-tiles-'));
  });
  after(() => folder && fs.rmSync(folder, { recursive: true, force: true }));

  it('imports the SLATS excerpt and prints the figures numpy computes', () => {
    const out = path.join(folder, 'slats.h5');
    execFileSync('node', ['bin/wiregan.js', '-q', 'import', 'slats', EXCERPT, '--out', out]);
    assert.ok(fs.existsSync(path.join(folder, 'slats.arrow')));
    const printed = execFileSync('node', ['bin/wiregan.js', 'stats', out, '--json'], {
      encoding: 'utf8',
    });
    const { stats } = JSON.parse(printed);
    const numpy = JSON.parse(
      execFileSync(PYTHON, ['-c', NUMPY_FIGURES, EXCERPT], { encoding: 'utf8' }),
    );
    assert.equal(stats.train.a.tiles, 100);
    for (const domain of ['a', 'b'] as const) {
      assert.ok(Math.abs(stats.train[domain].nonzeroFraction - numpy[domain].nonzero) < 1e-12);
      const width = stats.train[domain].activeWiresPerActiveTick;
      assert.ok(Math.abs(width - numpy[domain].width) < 1e-9, `${width} vs ${numpy[domain].width}`);
    }
    const ratio = numpy.b.width / numpy.a.width;
    assert.ok(Math.abs(stats.train.widthRatio - ratio) < 1e-9);
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { runEvaluation } from '../../pipeline/evaluate.js';
import { NO_ONNX, hasPythonOnnx, writeAffineModel } from '../helpers/onnx-models.js';
import { hasH5py } from '../helpers/python.js';

const SLATS = '../shared/data/slats-excerpt/train';
const PAIRS = 20;

/**
 * Writes the first PAIRS SLATS pairs (fake = A, real = B) as the test split
 * of a tile file with h5py, and prints numpy's L1, L2 and non-zero
 * fractions of them.
 */
const SCRIPT = `
import sys, os, json, numpy as np, h5py
root, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = sorted(os.listdir(os.path.join(root, 'fake')))[:count]
load = lambda kind, n: np.load(os.path.join(root, kind, n))['arr_0'].astype(np.float32)
a = np.stack([load('fake', n) for n in names]); b = np.stack([load('real', n) for n in names])
with h5py.File(out, 'w') as f:
    for split, n in (('train', 0), ('test', count)):
        for d, x in (('a', a), ('b', b)):
            f.create_dataset(split + '/' + d, data=x[:n], maxshape=(None, 256, 256),
                             chunks=(1, 256, 256))
print(json.dumps({'l1': float(np.abs(a - b).mean()), 'l2': float(((a - b) ** 2).mean()),
                  'nz_a': float((np.abs(a) > 0.5).mean()),
                  'nz_b': float((np.abs(b) > 0.5).mean())}))
`;

describe('pipeline/evaluate on the SLATS excerpt', function () {
  let dir: string;
  before(function () {
    const why = !fs.existsSync(SLATS)
      ? `${SLATS} is absent`
      : !hasPythonOnnx()
        ? NO_ONNX
        : !hasH5py()
          ? 'python3-h5py is not installed for /usr/bin/python3 (make pydeps)'
          : null;
    if (why) {
      console.warn(`      skipped: ${why}`);
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-slats-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it("gives numpy's do-nothing L1, L2 and non-zero fractions on real paired tiles", async () => {
    const tiles = path.join(dir, 'slats.h5');
    const args = ['-c', SCRIPT, SLATS, tiles, String(PAIRS)];
    const numpy = JSON.parse(execFileSync('/usr/bin/python3', args, { encoding: 'utf8' }));
    const run = path.join(dir, 'run');
    fs.mkdirSync(run);
    writeAffineModel(path.join(run, 'g_ab.onnx'), 256, 256, 1, 0);
    writeAffineModel(path.join(run, 'g_ba.onnx'), 256, 256, 1, 0);

    const result = await runEvaluation({
      tiles: {
        modelDir: run,
        tileFile: tiles,
        split: 'test',
        batchSize: 4,
        previewTiles: 1,
        intraOpThreads: 1,
      },
      outDir: path.join(dir, 'eval'),
      force: false,
      metrics: { threshold: 0.5 },
      linearThreshold: 3,
    });
    const ab = result.summary.find((s) => s.direction === 'a_to_b')!;
    // float32 inputs summed in float64 here and in float32 by numpy: 1e-5 relative.
    const close = (x: number, y: number) => Math.abs(x - y) <= 1e-5 * Math.abs(y);
    assert.ok(close(ab.baselineL1, numpy.l1), `${ab.baselineL1} vs ${numpy.l1}`);
    assert.ok(close(ab.baselineL2, numpy.l2), `${ab.baselineL2} vs ${numpy.l2}`);
    assert.ok(close(ab.nonZeroOutput, numpy.nz_a) && close(ab.nonZeroTruth, numpy.nz_b));
    assert.equal(ab.l1Ratio, 1);
    assert.equal(ab.cycleL1, 0);
  });
});

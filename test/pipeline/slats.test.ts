import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { readCatalog } from '../../pipeline/catalog.js';
import { importSlats, type SlatsImportJob } from '../../pipeline/slats.js';
import { TileFileReader } from '../../pipeline/tilefile.js';
import { FileFormatError, ShapeError } from '../../sim/errors.js';

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

/**
 * numpy reads every train pair of a SLATS folder in sorted name order and
 * writes a.bin, b.bin (int16 [n, h, w]) and figures.json.
 */
const NUMPY_READ = `
import sys, os, json, numpy as np
src, out = sys.argv[1], sys.argv[2]
names = sorted(os.listdir(os.path.join(src, 'train', 'fake')))
figures = {'names': names}
for domain, folder in (('a', 'fake'), ('b', 'real')):
    arrays = []
    for name in names:
        with np.load(os.path.join(src, 'train', folder, name)) as z:
            arrays.append(z[z.files[0]])
    x = np.stack(arrays)
    x.astype('<i2').tofile(os.path.join(out, domain + '.bin'))
    figures[domain] = {'shape': list(x.shape),
        'nonzero': [float(v) for v in (x != 0).mean(axis=(1, 2))],
        'sum': [float(v) for v in x.astype(np.float64).sum(axis=(1, 2))]}
json.dump(figures, open(os.path.join(out, 'figures.json'), 'w'))
`;

/** numpy writes a small SLATS folder: 3 pairs of int16 [8, 16]. */
const NUMPY_FIXTURE = `
import sys, os, numpy as np
root = sys.argv[1]
rng = np.random.default_rng(3)
for folder in ('fake', 'real'):
    os.makedirs(os.path.join(root, 'train', folder))
    for k, name in enumerate(('sample_1_tile_0', 'sample_1_tile_1', 'sample_2_tile_0')):
        x = rng.integers(-50, 50, size=(8, 16)).astype(np.int16)
        save = np.savez_compressed if k % 2 else np.savez
        save(os.path.join(root, 'train', folder, name + '.npz'), x)
`;

describe('pipeline/slats', () => {
  let folder: string;
  before(function () {
    if (!hasNumpy()) this.skip();
  });
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-slats-'));
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  const job = (input: string, out: string): SlatsImportJob => ({
    input,
    out,
    force: false,
    testFraction: 0,
    splitSeed: 1,
    plane: 'u',
  });

  it('imports the excerpt with values equal to numpy reading the npz files', async () => {
    execFileSync(PYTHON, ['-c', NUMPY_READ, EXCERPT, folder]);
    const figures = JSON.parse(fs.readFileSync(path.join(folder, 'figures.json'), 'utf8'));
    const out = path.join(folder, 'slats.h5');
    const summary = await importSlats(job(EXCERPT, out));
    assert.deepEqual(summary.tiles, { train: figures.names.length, test: 0 });

    const reader = await TileFileReader.open(out);
    try {
      const [n, h, w] = figures.a.shape;
      assert.deepEqual([reader.count('train'), reader.tileHeight, reader.tileWidth], [n, h, w]);
      for (const domain of ['a', 'b'] as const) {
        const bytes = fs.readFileSync(path.join(folder, `${domain}.bin`));
        const expected = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
        const got = reader.readRange('train', domain, 0, n);
        assert.equal(got.length, expected.length);
        for (let i = 0; i < got.length; i++) {
          if (got[i] !== expected[i]) assert.fail(`${domain}[${i}]: ${got[i]} != ${expected[i]}`);
        }
      }
    } finally {
      reader.close();
    }

    const rows = await readCatalog(path.join(folder, 'slats.arrow'));
    rows.forEach((row, i) => {
      const event = Number(/sample_(\d+)_/.exec(figures.names[i])![1]);
      assert.deepEqual([row.tile, row.split, row.event, row.plane], [i, 'train', event, 'u']);
      assert.equal(row.a.nonzero, figures.a.nonzero[i]);
      assert.equal(row.b.sum, figures.b.sum[i]);
    });
  });

  it('moves whole events to test with --test-fraction', async () => {
    const out = path.join(folder, 'slats.h5');
    const summary = await importSlats({ ...job(EXCERPT, out), testFraction: 0.25 });
    const rows = await readCatalog(path.join(folder, 'slats.arrow'));
    const train = new Set(rows.filter((r) => r.split === 'train').map((r) => r.event));
    const test = rows.filter((r) => r.split === 'test');
    assert.ok(test.length > 0 && summary.tiles.test === test.length);
    assert.equal(summary.tiles.train + summary.tiles.test, 100);
    for (const row of test) assert.ok(!train.has(row.event), `event ${row.event} in both splits`);
  });

  /** Runs the import on a broken fixture; checks the error and that nothing was left. */
  async function expectFailure(input: string, match: (error: Error) => boolean): Promise<void> {
    const outFolder = fs.mkdtempSync(path.join(folder, 'out-'));
    await assert.rejects(importSlats(job(input, path.join(outFolder, 'slats.h5'))), match);
    assert.deepEqual(fs.readdirSync(outFolder), []);
  }

  it('reads savez and savez_compressed files alike', async () => {
    const root = path.join(folder, 'fixture');
    execFileSync(PYTHON, ['-c', NUMPY_FIXTURE, root]);
    const summary = await importSlats(job(root, path.join(folder, 'ok.h5')));
    assert.deepEqual([summary.tiles.train, summary.tileHeight, summary.tileWidth], [3, 8, 16]);
  });

  it('refuses unpaired names and a missing domain folder, naming them', async () => {
    const root = path.join(folder, 'fixture');
    execFileSync(PYTHON, ['-c', NUMPY_FIXTURE, root]);
    fs.rmSync(path.join(root, 'train', 'real', 'sample_2_tile_0.npz'));
    await expectFailure(
      root,
      (e) =>
        e instanceof FileFormatError &&
        /unpaired.*1 only in fake\/ \(sample_2_tile_0/.test(e.message),
    );
    fs.rmSync(path.join(root, 'train', 'real'), { recursive: true });
    await expectFailure(
      root,
      (e) =>
        e instanceof FileFormatError && /train\/real.*missing domain folder "real"/.test(e.message),
    );
  });

  it('refuses another dtype, another shape and a corrupt zip, naming the file', async () => {
    const root = path.join(folder, 'fixture');
    execFileSync(PYTHON, ['-c', NUMPY_FIXTURE, root]);
    const target = path.join(root, 'train', 'real', 'sample_2_tile_0.npz');
    const saved = fs.readFileSync(target);
    const write = (script: string) => execFileSync(PYTHON, ['-c', script, target]);

    write('import sys, numpy as np; np.savez(sys.argv[1], np.zeros((8, 16), np.int32))');
    await expectFailure(root, (e) =>
      /real\/sample_2_tile_0\.npz.*expected int16 \(<i2\).*got <i4/.test(e.message),
    );
    write('import sys, numpy as np; np.savez(sys.argv[1], np.zeros((8, 8), np.int16))');
    await expectFailure(
      root,
      (e) =>
        e instanceof ShapeError && /sample_2_tile_0\.npz.*\[8, 16\].*got \[8, 8\]/.test(e.message),
    );
    fs.writeFileSync(target, saved.subarray(0, saved.length - 40));
    await expectFailure(
      root,
      (e) => e instanceof FileFormatError && /sample_2_tile_0\.npz.*not a readable/.test(e.message),
    );
  });
});

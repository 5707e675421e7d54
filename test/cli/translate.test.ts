import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PartialOutput } from '../../pipeline/translate-output.js';
import { writeBoxBlurModel } from '../helpers/onnx-conv-models.js';
import { NO_ONNX, hasPythonOnnx, writeAffineModel } from '../helpers/onnx-models.js';
import { TICKS, frame, writeEvents } from '../helpers/toy-frames.js';

const FIELD = '/work/shared/data/field-samples/wirecell-layout-h5py.h5';

function wiregan(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/wiregan.js', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts wiregan and SIGKILLs it once a finished event appears in `folder`. */
function killAfterFirstEvent(folder: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/wiregan.js', ...args], { stdio: 'ignore' });
    const poll = setInterval(() => {
      if (fs.existsSync(folder) && fs.readdirSync(folder).some((n) => /^event-\d+\.h5$/.test(n))) {
        child.kill('SIGKILL');
      }
    }, 5);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve(code);
    });
  });
}

describe('cli/translate', function () {
  let dir: string;
  let model: string;
  before(function () {
    if (!hasPythonOnnx() || !fs.existsSync(FIELD)) {
      console.warn(`      skipped: ${NO_ONNX} or no ${FIELD}`);
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-cli-translate-'));
    model = path.join(dir, 'blur.onnx');
    writeBoxBlurModel(model, 128, 128);
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('resumes a killed run to the same datasets as an uninterrupted one', async () => {
    const common = ['--model', model, '--tag', 'rebinned_reco', '--batch', '4'];
    const whole = path.join(dir, 'whole.h5');
    const run = wiregan('translate', FIELD, ...common, '--out', whole);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /events without frame_rebinned_reco are not translated events=4/);
    assert.match(run.stderr, /translate done .*events=3/);

    const out = path.join(dir, 'killed.h5');
    const folder = PartialOutput.folderFor(out);
    const code = await killAfterFirstEvent(folder, ['translate', FIELD, ...common, '--out', out]);
    assert.notEqual(code, 0);
    assert.ok(!fs.existsSync(out));
    const finished = fs.readdirSync(folder).filter((n) => n.endsWith('.h5'));
    assert.ok(finished.length >= 1 && finished.length < 3, `finished: ${finished}`);

    const again = wiregan('translate', FIELD, ...common, '--out', out, '--resume');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /resuming finished=/);
    const same = execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        `import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as a, h5py.File(sys.argv[2]) as b:
    names = sorted(f'{g}/{d}' for g in a for d in a[g])
    assert names == sorted(f'{g}/{d}' for g in b for d in b[g]), names
    print(all(np.array_equal(a[n][()], b[n][()]) for n in names), len(names))`,
        whole,
        out,
      ],
      { encoding: 'utf8' },
    ).trim();
    assert.equal(same, 'True 9');
  });

  it('refuses NaN input the same way on a rerun, leaving no partial folder', async () => {
    const bad = path.join(dir, 'nan.h5');
    await writeEvents(bad, [1, 2], (e) => {
      const f = frame('nearest', 0, e);
      if (e === 2) f.data[4 * TICKS + 17] = NaN;
      return [f];
    });
    const affine = path.join(dir, 'affine.onnx');
    writeAffineModel(affine, 8, 32, 1, 0);
    const out = path.join(dir, 'nan-out.h5');
    for (let attempt = 0; attempt < 2; attempt++) {
      const run = wiregan(
        'translate',
        bad,
        '--model',
        affine,
        '--out',
        out,
        '--parallel',
        'threads',
        '--threads',
        '1',
      );
      assert.equal(run.code, 2, run.stderr);
      assert.match(
        run.stderr,
        /FileFormatError: .*nan\.h5 \(dataset \/2\/frame_nearest\): event 2 tag "nearest": expected finite ADC values, got 1 non-finite value\(s\); the first, NaN, at \(channel 4, tick 17\)/,
      );
      assert.ok(!fs.existsSync(out) && !fs.existsSync(PartialOutput.folderFor(out)));
    }
  });

  it('refuses --device cuda without the CUDA libraries, and bad flags, naming them', () => {
    const out = path.join(dir, 'cuda.h5');
    const cuda = wiregan(
      'translate',
      FIELD,
      '--model',
      model,
      '--tag',
      'orig',
      '--out',
      out,
      '--device',
      'cuda',
    );
    assert.equal(cuda.code, 2);
    assert.match(cuda.stderr, /ConfigError: --device cuda: .*CUDA libraries are not installed/);
    const overlap = wiregan(
      'translate',
      FIELD,
      '--model',
      model,
      '--tag',
      'orig',
      '--out',
      out,
      '--overlap',
      '70',
    );
    assert.equal(overlap.code, 2);
    assert.match(
      overlap.stderr,
      /--overlap: expected a fraction in \(0, 0.5\) or whole pixels in \[0, 63\] for a tile of 128, got 70/,
    );
    const noModel = wiregan('translate', FIELD, '--out', out);
    assert.match(noModel.stderr, /--model <model.onnx> is required/);
    assert.ok(!fs.existsSync(out) && !fs.existsSync(PartialOutput.folderFor(out)));
  });
});

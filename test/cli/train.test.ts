import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { readCheckpoint, readGeneratorWeights } from '../../models/checkpoint.js';
import { readLossHistory } from '../../pipeline/runhistory.js';
import { writeTrainingTiles } from '../helpers/training-tiles.js';

interface Result {
  code: number | null;
  stderr: string;
}

/**
 * Runs `wiregan <args>`; `onLine` sees each stderr line and may return
 * true to send SIGINT to the process (once).
 */
function wiregan(args: string[], onLine?: (line: string) => boolean): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', ['bin/wiregan.js', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let interrupted = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (!interrupted && onLine && chunk.split('\n').some(onLine)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const TINY = ['--preset', 'tiny', '--backend', 'wasm', '--workers', '0'];

describe('cli: pretrain and train', function () {
  this.timeout(60000);
  let dir: string;
  let tiles: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-cli-train-'));
    tiles = path.join(dir, 'tiles.h5');
    await writeTrainingTiles(tiles, { size: 32, train: 6 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('saves a checkpoint on Ctrl-C, exits with 130, and resumes from it', async () => {
    const run = path.join(dir, 'run-sigint');
    const common = ['--data', tiles, '--out', run, ...TINY, '--checkpoint-every', '1000'];
    const first = await wiregan(
      ['train', ...common, '--steps', '1000', '--log-every', '1'],
      (line) => /train step=2\/1000/.test(line),
    );
    assert.equal(first.code, 130, first.stderr);
    assert.match(first.stderr, /backend=wasm/);
    assert.match(first.stderr, /interrupted; continue with --resume/);
    const stopped = readCheckpoint(path.join(run, 'checkpoints', 'step-' + stepOf(run)));
    assert.ok(stopped.step >= 2 && stopped.step < 1000, `stopped at ${stopped.step}`);
    assert.equal(stopped.loaderPosition, stopped.step);

    const target = stopped.step + 2;
    const second = await wiregan(['train', ...common, '--resume', '--steps', String(target)]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`train start step=${stopped.step} steps=${target}`));
    // 1000 -> target steps is the one change from the stored run, and it is said.
    assert.match(
      second.stderr,
      /resuming with settings changed from the stored run changed=steps\n/,
    );
    assert.equal(readGeneratorWeights(run, 'gen_ab').step, target);
    const history = readLossHistory(path.join(run, 'history.arrow'))!;
    assert.deepEqual(
      Array.from(history.step),
      Array.from({ length: target }, (_, i) => i + 1),
    );
  });

  it('writes the resolved config with --set overrides and refuses unknown keys', async () => {
    const run = path.join(dir, 'run-config');
    const ok = await wiregan([
      'train',
      ...['--data', tiles, '--out', run, ...TINY, '--steps', '1', '--seed', '9'],
      ...['--set', 'model.genLr=0.0003', '--set', 'model.betas=[0.4,0.9]'],
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'));
    assert.deepEqual(
      [config.preset, config.seed, config.steps, config.model.genLr, config.model.betas],
      ['tiny', 9, 1, 0.0003, [0.4, 0.9]],
    );

    const bad = await wiregan([
      'train',
      ...['--data', tiles, '--out', path.join(dir, 'run-bad'), ...TINY],
      ...['--set', 'model.genRate=1'],
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ConfigError: train config: unknown option "model.genRate"/);
    assert.ok(!fs.existsSync(path.join(dir, 'run-bad')));
  });

  it('pre-trains, then trains from the pre-trained generator', async () => {
    const pre = path.join(dir, 'pre');
    const common = ['--data', tiles, ...TINY, '--steps', '2'];
    const pretrain = await wiregan(['pretrain', ...common, '--out', pre]);
    assert.equal(pretrain.code, 0, pretrain.stderr);
    assert.deepEqual(
      [...readLossHistory(path.join(pre, 'history.arrow'))!.losses.keys()],
      ['loss'],
    );

    const run = path.join(dir, 'from-pre');
    const train = await wiregan(['train', ...common, '--out', run, '--init', pre]);
    assert.equal(train.code, 0, train.stderr);
    assert.match(train.stderr, new RegExp(`init=${pre}`));
  });
});

/** The step of the newest checkpoint, from `latest`. */
function stepOf(run: string): number {
  const name = fs.readFileSync(path.join(run, 'checkpoints', 'latest'), 'utf8').trim();
  return Number(name.replace('step-', ''));
}

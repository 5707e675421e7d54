import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';

import { EventFileReader } from '../../pipeline/eventfile.js';
import { readLossHistory } from '../../pipeline/runhistory.js';

const STEPS = 4;

/** `make demo` with tiny sizes: every stage of the chain on a real ProtoDUNE-SP frame. */
describe('make demo (tiny sizes)', function () {
  this.timeout(600_000);
  let dir: string;
  let out: string;
  let run: string;
  let log: string;
  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-demo-'));
    out = path.join(dir, 'out');
    run = path.join(dir, 'run');
    const vars = {
      DEMO_OUT: out,
      DEMO_RUN: run,
      DEMO_EVENTS: '2',
      DEMO_PRETRAIN_STEPS: '2',
      DEMO_STEPS: String(STEPS),
      DEMO_EVAL_TILES: '4',
    };
    const args = ['demo', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)];
    const result = spawnSync('make', args, { encoding: 'utf8' });
    log = `${result.stdout}\n${result.stderr}`;
    assert.equal(result.status, 0, log.slice(-4000));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('trains for the asked steps and exports both generators', () => {
    const history = readLossHistory(path.join(run, 'history.arrow'));
    assert.ok(history);
    assert.equal(history.step[history.step.length - 1], STEPS);
    for (const file of ['g_ab.onnx', 'g_ba.onnx'])
      assert.ok(fs.statSync(path.join(run, file)).size > 0);
  });

  it("translates the fresh event's U plane, the plane the model was trained on", async () => {
    const input = await EventFileReader.open(path.join(out, 'fresh.h5'));
    const output = await EventFileReader.open(path.join(out, 'fresh-translated.h5'));
    try {
      const [event] = input.events();
      assert.deepEqual(output.events(), [event]);
      const u = input.header()!.planes.find((p) => p.name === 'u')!;
      const [, ticks] = input.frameShape(event, 'nearest');
      assert.deepEqual(output.frameShape(event, 'nearest_to_b'), [u.channels, ticks]);
      const channels = Array.from(input.readChannels(event, 'nearest'));
      const first = channels.indexOf(u.firstChannel);
      assert.deepEqual(
        Array.from(output.readChannels(event, 'nearest_to_b')),
        channels.slice(first, first + u.channels),
      );
    } finally {
      input.close();
      output.close();
    }
  });

  it('reports the do-nothing L1 of the full frame as mean |A - B| read from the event file', async () => {
    const summary = JSON.parse(fs.readFileSync(path.join(run, 'eval', 'summary.json'), 'utf8'));
    const all = summary.summary.find(
      (row: { source: string; plane: string }) => row.source === 'frames' && row.plane === 'all',
    );
    const reader = await EventFileReader.open(path.join(out, 'fresh.h5'));
    try {
      const [event] = reader.events();
      const a = reader.readFrame(event, 'nearest');
      const b = reader.readFrame(event, 'multiwire');
      // The U plane's rows; both frames carry the same baseline, so it cancels in A - B.
      const u = reader.header()!.planes.find((p) => p.name === 'u')!;
      const first = Array.from(reader.readChannels(event, 'nearest')).indexOf(u.firstChannel);
      const [, ticks] = reader.frameShape(event, 'nearest');
      const [start, end] = [first * ticks, (first + u.channels) * ticks];
      let sum = 0;
      for (let i = start; i < end; i++) sum += Math.abs(a[i] - b[i]);
      const mean = sum / (end - start);
      assert.ok(Math.abs(all.baselineL1 - mean) < 1e-6 * Math.max(1, all.baselineL1));
    } finally {
      reader.close();
    }
    assert.ok(summary.summary.some((row: { source: string }) => row.source === 'tiles'));
  });

  it('writes reports whose previews decode as PNG', () => {
    for (const folder of ['eval', 'eval-slats']) {
      const report = path.join(run, folder, 'report');
      if (folder === 'eval-slats' && !fs.existsSync('../shared/data/slats-excerpt')) continue;
      assert.ok(fs.existsSync(path.join(report, 'index.html')), `${folder}: no report`);
      const pngs = fs.readdirSync(report).filter((f) => f.endsWith('.png'));
      assert.ok(pngs.length > 0);
      const image = PNG.sync.read(fs.readFileSync(path.join(report, pngs[0])));
      assert.ok(image.width > 0 && image.height > 0);
    }
  });
});

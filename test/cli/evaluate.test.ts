import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { frame, writeEvents } from '../helpers/toy-frames.js';

function wiregan(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/wiregan.js', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cli/evaluate', () => {
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-cli-eval-'));
    await writeEvents(path.join(dir, 'events.h5'), [0], (e) => [
      frame('nearest', 0, e),
      frame('multiwire', 1, e),
    ]);
    // The translation is the truth itself: L1 0, ratio 0.
    await writeEvents(path.join(dir, 'translated.h5'), [0], (e) => [frame('nearest_to_b', 1, e)]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the summary table and writes the folder beside the translated file', () => {
    const truth = path.join(dir, 'events.h5');
    const translated = path.join(dir, 'translated.h5');
    const run = wiregan('evaluate', '--truth', truth, '--translated', translated, '--json');
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(
      summary.map((s) => s.plane),
      ['u', 'v', 'w', 'all'],
    );
    assert.ok(summary.every((s) => s.l1 === 0 && s.l1Ratio === 0));
    const out = path.join(dir, 'eval-translated');
    assert.ok(fs.existsSync(path.join(out, 'report', 'index.html')));

    const again = wiregan('evaluate', '--truth', truth, '--translated', translated, '-f');
    assert.equal(again.code, 0, again.stderr);
    const header = again.stdout.split('\n')[0];
    assert.match(header, /^source\s+direction\s+plane\s+images\s+L1 \[ADC\]\s+baseline L1/);
  });

  it('exits 2 naming the missing file and the flag pairs', () => {
    const missing = path.join(dir, 'none.h5');
    const run = wiregan('evaluate', '--truth', missing, '--translated', missing, '-o', dir + '/x');
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`FileFormatError: ${missing}`));
    const alone = wiregan('evaluate', '--truth', missing);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--truth and --translated go together/);
    assert.ok(!fs.existsSync(dir + '/x'));
  });
});

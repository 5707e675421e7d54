import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { frame, writeEvents } from '../helpers/toy-frames.js';

function wiregan(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/wiregan.js', ...args], { encoding: 'utf8' });
  return { code: result.status, stderr: result.stderr };
}

/** Events 3, 5, 8, 9 of the toy detector (plane w: 7 channels, 300 ticks). */
const EVENTS = [3, 5, 8, 9];

describe('cli/tiles', function () {
  let dir: string;
  let events: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-cli-tiles-'));
    events = path.join(dir, 'events.h5');
    await writeEvents(events, EVENTS, (e) => [frame('nearest', 0, e), frame('multiwire', 1, e)]);
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('logs the number of test events and their numbers under separate names', () => {
    const out = path.join(dir, 'tiles.h5');
    const flags = ['--plane', 'w', '--size', '4x100', '--test-fraction', '0.5'];
    const run = wiregan('tiles', events, '--out', out, ...flags);
    assert.equal(run.code, 0, run.stderr);
    // round(4 * 0.5) = 2 test events; 1 x 3 tiles of 4 x 100 per event of 7 x 300.
    const done = /tiles done .*/.exec(run.stderr)?.[0] ?? '';
    assert.match(done, / events=4 /);
    assert.match(done, / testEvents=2 /);
    assert.match(done, / train=6 test=6 /);
    const numbers = / testEventNumbers=(\S+)/.exec(done)?.[1] ?? '';
    const listed = numbers.split(',').map(Number);
    assert.equal(listed.length, 2, done);
    assert.ok(listed.every((e) => EVENTS.includes(e)) && listed[0] < listed[1], done);
  });

  it('refuses a --size larger than the plane, exit 2, leaving no output', () => {
    const out = path.join(dir, 'big.h5');
    const run = wiregan('tiles', events, '--out', out, '--plane', 'w', '--size', '5000');
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /ConfigError: --size: tile \[5000, 5000\] \[channels, ticks\] does not fit plane w of .*events\.h5, extent \[7, 300\]/,
    );
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.startsWith('big')),
      [],
    );
  });
});

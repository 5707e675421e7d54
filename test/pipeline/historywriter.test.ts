import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { tableFromIPC } from 'apache-arrow';

import { HistoryWriter } from '../../pipeline/historywriter.js';
import { readLossHistory } from '../../pipeline/runhistory.js';
import { FileFormatError } from '../../sim/errors.js';

const LOSSES = ['gen_ab', 'disc_a'];

/** Losses of step s: gen_ab = 1 / s, disc_a = s / 4 (exact in float64). */
function row(s: number): Record<string, number> {
  return { gen_ab: 1 / s, disc_a: s / 4 };
}

describe('pipeline/historywriter', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-histw-'));
    file = path.join(dir, 'history.arrow');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes int32 step, float64 elapsed_s and losses that readLossHistory reads back', async () => {
    const writer = new HistoryWriter(file, LOSSES);
    for (let s = 1; s <= 5; s++) writer.append(s, s * 0.5, row(s));
    await writer.flush();

    const table = tableFromIPC(fs.readFileSync(file));
    const types = table.schema.fields.map((f) => `${f.name}:${f.type}`);
    assert.deepEqual(types, [
      'step:Int32',
      'elapsed_s:Float64',
      'gen_ab:Float64',
      'disc_a:Float64',
    ]);
    const history = readLossHistory(file)!;
    assert.deepEqual(Array.from(history.step), [1, 2, 3, 4, 5]);
    assert.deepEqual(Array.from(history.elapsedS!), [0.5, 1, 1.5, 2, 2.5]);
    assert.deepEqual([...history.losses.keys()], LOSSES);
    assert.deepEqual(Array.from(history.losses.get('gen_ab')!), [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5]);
    assert.deepEqual(Array.from(history.losses.get('disc_a')!), [0.25, 0.5, 0.75, 1, 1.25]);
  });

  it('resumes with the rows up to the checkpoint step and appends after them', async () => {
    const first = new HistoryWriter(file, LOSSES);
    for (let s = 1; s <= 6; s++) first.append(s, s, row(s));
    await first.flush();

    const resumed = HistoryWriter.resume(file, LOSSES, 4);
    assert.equal(resumed.length, 4);
    resumed.append(5, 50, row(5));
    await resumed.flush();
    const history = readLossHistory(file)!;
    assert.deepEqual(Array.from(history.step), [1, 2, 3, 4, 5]);
    assert.deepEqual(Array.from(history.elapsedS!), [1, 2, 3, 4, 50]);
  });

  it('starts empty without a file and refuses a file with other losses', async () => {
    assert.equal(HistoryWriter.resume(file, LOSSES, 10).length, 0);
    const other = new HistoryWriter(file, ['loss']);
    other.append(1, 1, { loss: 2 });
    await other.flush();
    assert.throws(() => HistoryWriter.resume(file, LOSSES, 10), FileFormatError);
  });
});

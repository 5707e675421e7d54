import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Table, makeVector, tableToIPC, vectorFromArray, Utf8 } from 'apache-arrow';

import { readLossHistory } from '../../pipeline/runhistory.js';
import { FileFormatError } from '../../sim/errors.js';

describe('pipeline/runhistory', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-history-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes every numeric column but step and elapsed_s as a loss, in file order', () => {
    const file = path.join(dir, 'history.arrow');
    const table = new Table({
      step: makeVector(BigInt64Array.from([0n, 5n])),
      elapsed_s: makeVector(Float64Array.from([0.5, 1.5])),
      note: vectorFromArray(['x', 'y'], new Utf8()),
      loss: makeVector(Float64Array.from([2, 1.25])),
      gp_a: makeVector(Float32Array.from([0.5, 0.25])),
    });
    fs.writeFileSync(file, tableToIPC(table, 'file'));
    const history = readLossHistory(file)!;
    assert.deepEqual(Array.from(history.step), [0, 5]);
    assert.deepEqual(Array.from(history.elapsedS!), [0.5, 1.5]);
    assert.deepEqual([...history.losses.keys()], ['loss', 'gp_a']);
    assert.deepEqual(Array.from(history.losses.get('gp_a')!), [0.5, 0.25]);
  });

  it('returns null without a file and refuses a file that is not Arrow', () => {
    assert.equal(readLossHistory(path.join(dir, 'none.arrow')), null);
    const junk = path.join(dir, 'junk.arrow');
    fs.writeFileSync(junk, 'junk');
    assert.throws(() => readLossHistory(junk), FileFormatError);
  });
});

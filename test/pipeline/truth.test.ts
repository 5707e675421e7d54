import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Table, makeVector, tableFromIPC, tableToIPC } from 'apache-arrow';

import { type TruthRow, TRUTH_COLUMNS, readTruth, writeTruth } from '../../pipeline/truth.js';
import { FileFormatError } from '../../sim/errors.js';
import { MeV, cm, mm, ns, us } from '../../sim/units.js';

const ROWS: TruthRow[] = [
  {
    event: 0,
    index: 0,
    kind: 'mu-',
    start: [10 * cm, -20 * cm, 0.5 * mm],
    end: [300 * cm, 45.25 * cm, 120 * cm],
    time: 1.5 * us,
    energy: 2 * 1000 * MeV,
    depositedEnergy: 612.125 * MeV,
    electrons: 1.75e7,
  },
  {
    event: 0,
    index: 1,
    kind: 'proton',
    start: [1, 2, 3],
    end: [4, 5, 6],
    time: 0,
    energy: 0.1 * MeV,
    depositedEnergy: 0.1 * MeV,
    electrons: 2950.5,
  },
  {
    event: 7,
    index: 0,
    kind: 'e-',
    start: [-0, 1e-300, 1e300],
    end: [0.1, 0.2, 0.3],
    time: 250 * ns,
    energy: 30 * MeV,
    depositedEnergy: 29.9,
    electrons: 0,
  },
];

describe('pipeline/truth', () => {
  let folder: string;
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-truth-'));
  });
  afterEach(() => {
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('round-trips primaries exactly', async () => {
    const target = path.join(folder, 'truth.arrow');
    await writeTruth(target, ROWS);
    assert.deepEqual(await readTruth(target), ROWS);
    assert.deepEqual(fs.readdirSync(folder), ['truth.arrow']);
  });

  it('writes an Arrow IPC file with the documented column names and types', async () => {
    const target = path.join(folder, 'truth.arrow');
    await writeTruth(target, ROWS);
    const bytes = fs.readFileSync(target);
    assert.equal(bytes.subarray(0, 6).toString('latin1'), 'ARROW1');
    assert.equal(bytes.subarray(bytes.length - 6).toString('latin1'), 'ARROW1');

    const table = tableFromIPC(bytes);
    const types = table.schema.fields.map((f) => [f.name, String(f.type)]);
    const expected = TRUTH_COLUMNS.map(([name, kind]) => [
      name,
      { int32: 'Int32', utf8: 'Utf8', float64: 'Float64' }[kind],
    ]);
    assert.deepEqual(types, expected);
    assert.equal(table.numRows, 3);
    assert.deepEqual(Array.from(table.getChild('end_y_mm')!.toArray()), [452.5, 5, 0.2]);
    assert.deepEqual(Array.from(table.getChild('time_ns')!.toArray()), [1500, 0, 250]);
    assert.deepEqual(Array.from(table.getChild('kind')!.toArray()), ['mu-', 'proton', 'e-']);
  });

  it('refuses an existing table without force and leaves it untouched', async () => {
    const target = path.join(folder, 'truth.arrow');
    fs.writeFileSync(target, 'keep');
    await assert.rejects(writeTruth(target, ROWS), FileFormatError);
    assert.equal(fs.readFileSync(target, 'utf8'), 'keep');
    await writeTruth(target, ROWS.slice(0, 1), { force: true });
    assert.equal((await readTruth(target)).length, 1);
  });

  it('names a missing column and a truncated file', async () => {
    const partial = path.join(folder, 'partial.arrow');
    const table = new Table({ event: makeVector(Int32Array.from([1])) });
    fs.writeFileSync(partial, tableToIPC(table, 'file'));
    await assert.rejects(readTruth(partial), /partial\.arrow: no column index \(columns: event\)/);

    const target = path.join(folder, 'truth.arrow');
    await writeTruth(target, ROWS);
    const truncated = path.join(folder, 'truncated.arrow');
    const bytes = fs.readFileSync(target);
    fs.writeFileSync(truncated, bytes.subarray(0, bytes.length - 40));
    await assert.rejects(readTruth(truncated), /truncated\.arrow: not an Arrow IPC file/);
  });
});

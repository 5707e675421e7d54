import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { TileFileReader, TileFileWriter } from '../../pipeline/tilefile.js';
import { tileStats } from '../../pipeline/tilestats.js';

/** 3 wires x 4 ticks, row-major [wire, tick]. */
const A0 = [0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, -3];
const A1 = new Array(12).fill(0);
const B0 = [1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 5];
const B1 = [0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0];

describe('pipeline/tilestats', () => {
  let folder: string;
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-tilestats-'));
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('matches a hand computation on a small synthetic file', async () => {
    const file = path.join(folder, 'tiles.h5');
    const header = { tileHeight: 3, tileWidth: 4, source: 'hand', config: null };
    const writer = await TileFileWriter.create(file, header);
    writer.add('train', Float32Array.from(A0), Float32Array.from(B0));
    writer.add('train', Float32Array.from(A1), Float32Array.from(B1));
    writer.add('test', Float32Array.from(B0), Float32Array.from(A0));
    writer.close();

    const reader = await TileFileReader.open(file);
    const stats = tileStats(reader);
    reader.close();

    // a: 3 non-zero of 24 pixels; active ticks: tick 1 (2 wires), tick 3 (1 wire).
    const { a, b } = stats.train;
    assert.equal(a.tiles, 2);
    assert.deepEqual([a.min, a.max], [-3, 2]);
    assert.equal(a.nonzeroFraction, 3 / 24);
    assert.equal(a.activeWiresPerActiveTick, 3 / 2);
    assert.deepEqual(a.sum, { mean: 0, std: 0 });
    assert.deepEqual(a.absSum, { mean: 3, std: 3 });
    // b: tile 0 ticks 0, 1, 3 with 3, 2, 1 wires; tile 1 tick 2 with 1 wire.
    assert.equal(b.nonzeroFraction, 7 / 24);
    assert.equal(b.activeWiresPerActiveTick, 7 / 4);
    assert.deepEqual([b.min, b.max], [-1, 5]);
    assert.deepEqual(b.sum, { mean: 4.5, std: 5.5 });
    assert.deepEqual(b.absSum, { mean: 5.5, std: 4.5 });
    assert.equal(stats.train.widthRatio, 7 / 4 / (3 / 2));
    // test holds the tile pair swapped: b0 as a, a0 as b.
    assert.equal(stats.test.a.activeWiresPerActiveTick, 6 / 3);
    assert.equal(stats.test.widthRatio, 1.5 / 2);
  });

  it('gives NaN figures, not zeros, for an empty split', async () => {
    const file = path.join(folder, 'tiles.h5');
    const writer = await TileFileWriter.create(file, {
      tileHeight: 3,
      tileWidth: 4,
      source: 'hand',
      config: null,
    });
    writer.add('train', Float32Array.from(A1), Float32Array.from(A1));
    writer.close();
    const reader = await TileFileReader.open(file);
    const stats = tileStats(reader);
    reader.close();
    assert.equal(stats.train.a.activeWiresPerActiveTick, 0);
    assert.equal(stats.train.a.nonzeroFraction, 0);
    assert.equal(stats.test.a.tiles, 0);
    assert.ok(Number.isNaN(stats.test.a.activeWiresPerActiveTick));
    assert.ok(Number.isNaN(stats.test.b.nonzeroFraction));
    assert.ok(Number.isNaN(stats.train.widthRatio));
  });
});

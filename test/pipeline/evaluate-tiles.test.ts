import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Translator } from '../../models/translator.js';
import { evaluateTilesWith, type TileEvaluationJob } from '../../pipeline/evaluate-tiles.js';
import { TileFileWriter } from '../../pipeline/tilefile.js';

/** y = scale * x + offset on tiles h x w, counting the tiles it saw. */
class AffineTranslator implements Translator {
  tilesSeen = 0;
  constructor(
    readonly tileHeight: number,
    readonly tileWidth: number,
    private readonly scale: number,
    private readonly offset: number,
  ) {}
  async translate(tiles: Float32Array, n: number): Promise<Float32Array> {
    this.tilesSeen += n;
    return tiles.map((x) => this.scale * x + this.offset);
  }
  async close(): Promise<void> {}
}

describe('pipeline/evaluate-tiles with in-process generators', () => {
  let dir: string;
  let job: TileEvaluationJob;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-evaltiles-'));
    const tileFile = path.join(dir, 'tiles.h5');
    const writer = await TileFileWriter.create(tileFile, {
      tileHeight: 2,
      tileWidth: 3,
      source: 'hand',
      config: null,
    });
    // Tile k: a = k * [1..6], b = a + 1 (so the do-nothing L1 is exactly 1).
    for (let k = 1; k <= 7; k++) {
      const a = Float32Array.from([1, 2, 3, 4, 5, 6], (v) => k * v);
      writer.add(
        'test',
        a,
        a.map((v) => v + 1),
      );
    }
    writer.close();
    job = {
      modelDir: 'in-process',
      tileFile,
      split: 'test',
      batchSize: 3,
      maxTiles: 5,
      previewTiles: 1,
      intraOpThreads: 0,
      metrics: { threshold: 0.5 },
    };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('scores maxTiles tiles in batches, with cycles, and previews the strongest', async () => {
    // G_ab adds 1 (perfect), G_ba subtracts 0.5 (half way).
    const gab = new AffineTranslator(2, 3, 1, 1);
    const gba = new AffineTranslator(2, 3, 1, -0.5);
    const progress: number[] = [];
    const result = await evaluateTilesWith(job, { gab, gba }, (done) => progress.push(done));
    assert.deepEqual(progress, [3, 5]);
    assert.equal(result.rows.length, 10);
    // Each generator runs once forward and once in a cycle per tile.
    assert.equal(gab.tilesSeen, 10);
    for (const row of result.rows) {
      assert.equal(row.baselineL1, 1);
      if (row.direction === 'a_to_b') {
        assert.equal(row.l1, 0);
        assert.equal(row.cycleL1, 0.5); // a + 1 - 0.5 vs a
      } else {
        assert.equal(row.l1, 0.5); // b - 0.5 vs b - 1
        assert.equal(row.cycleL1, 0.5); // b - 0.5 + 1 vs b
      }
    }
    // The strongest of the first five tiles is tile index 4 (k = 5).
    assert.deepEqual(
      result.previews.map((p) => [p.direction, p.label]),
      [
        ['a_to_b', 'test tile 4'],
        ['b_to_a', 'test tile 4'],
      ],
    );
    assert.deepEqual(Array.from(result.previews[0].input), [5, 10, 15, 20, 25, 30]);
  });

  it('scores tiles larger than the generators through overlapping model tiles', async () => {
    // Blended affine translations stay affine: the same figures as one pass.
    const gab = new AffineTranslator(1, 1, 1, 1);
    const gba = new AffineTranslator(2, 2, 1, -0.5);
    const result = await evaluateTilesWith({ ...job, overlap: 0 }, { gab, gba });
    assert.equal(result.tileHeight, 2);
    assert.equal(result.tileWidth, 3);
    for (const row of result.rows) {
      assert.equal(row.baselineL1, 1);
      assert.equal(row.l1, row.direction === 'a_to_b' ? 0 : 0.5);
      assert.equal(row.cycleL1, 0.5);
    }
    // 5 tiles of 2 x 3, forward and cycle: 6 one-pixel tiles each time.
    assert.equal(gab.tilesSeen, 2 * 5 * 6);
  });
});

import assert from 'node:assert/strict';

import { cropBatch } from '../../pipeline/batchcrop.js';
import type { TileBatch } from '../../pipeline/batches.js';
import { ShapeError } from '../../sim/errors.js';

const H = 16;
const W = 12;
const N = 3;

/** Pixel (r, c) of tile i holds i * 1000 + r * W + c (b: + 100000), so a crop can be located. */
function batch(): TileBatch {
  const make = (offset: number) =>
    Float32Array.from({ length: N * H * W }, (_, k) => {
      const i = Math.floor(k / (H * W));
      return offset + i * 1000 + (k % (H * W));
    });
  return { a: make(0), b: make(100000), n: N, height: H, width: W };
}

describe('pipeline/batchcrop', () => {
  it('cuts each tile as a contiguous window of the original', () => {
    const cropped = cropBatch(batch(), [8, 4], 5, 0);
    assert.deepEqual([cropped.n, cropped.height, cropped.width], [N, 8, 4]);
    for (const [domain, offset] of [
      ['a', 0],
      ['b', 100000],
    ] as const) {
      for (let i = 0; i < N; i++) {
        const first = cropped[domain][i * 32] - offset - i * 1000;
        const row0 = Math.floor(first / W);
        const col0 = first % W;
        assert.ok(row0 <= H - 8 && col0 <= W - 4, `offset (${row0}, ${col0}) out of range`);
        for (let r = 0; r < 8; r++) {
          for (let c = 0; c < 4; c++) {
            const expected = offset + i * 1000 + (row0 + r) * W + col0 + c;
            assert.equal(cropped[domain][i * 32 + r * 4 + c], expected);
          }
        }
      }
    }
  });

  it('depends on (seed, batch number) only, and reaches every offset', () => {
    const offsets = (seed: number, k: number) => Array.from(cropBatch(batch(), [8, 4], seed, k).a);
    assert.deepEqual(offsets(5, 7), offsets(5, 7));
    assert.notDeepEqual(offsets(5, 7), offsets(5, 8));
    assert.notDeepEqual(offsets(5, 7), offsets(6, 7));

    // 9 x 9 possible offsets: over 400 batches of 3 tiles every one should appear.
    const seen = new Set<number>();
    for (let k = 0; k < 400; k++) {
      const a = cropBatch(batch(), [8, 4], 1, k).a;
      for (let i = 0; i < N; i++) seen.add(a[i * 32] - i * 1000);
    }
    assert.equal(seen.size, 9 * 9);
  });

  it('draws again until a crop holds the wanted fraction of non-zero pixels', () => {
    // One tile of 16 x 12 zeros but for a 2 x 2 block of signal at rows 10-11, columns 8-9.
    const tile = new Float32Array(H * W);
    for (const [r, c] of [
      [10, 8],
      [10, 9],
      [11, 8],
      [11, 9],
    ])
      tile[r * W + c] = 7;
    const sparse: TileBatch = { a: tile, b: tile, n: 1, height: H, width: W };
    for (let k = 0; k < 50; k++) {
      const crop = cropBatch(sparse, [4, 4], 2, k, { minNonzero: 4 / 16, attempts: 1000 });
      // Only offsets (8, 6) .. (10, 8) hold all four signal pixels.
      for (const domain of ['a', 'b'] as const) {
        assert.equal(crop[domain].filter((v) => v !== 0).length, 4, `batch ${k} ${domain}`);
      }
    }
    // With a single attempt, the crops are whatever is drawn (mostly empty here).
    const any = Array.from({ length: 50 }, (_, k) => cropBatch(sparse, [4, 4], 2, k).a);
    assert.ok(any.some((a) => a.every((v) => v === 0)));
  });

  it('keeps the fullest crop when none reaches the wanted fraction', () => {
    const tile = new Float32Array(H * W);
    tile[0] = 1;
    const sparse: TileBatch = { a: tile, b: tile, n: 1, height: H, width: W };
    const crop = cropBatch(sparse, [15, 11], 1, 0, { minNonzero: 0.5, attempts: 64 });
    // Offset (0, 0) is the only one holding pixel (0, 0); among 64 of 4 offsets it is drawn.
    assert.equal(crop.a[0], 1);
  });

  it('refuses a crop larger than the tile', () => {
    assert.throws(() => cropBatch(batch(), [32, 4], 1, 0), ShapeError);
  });
});

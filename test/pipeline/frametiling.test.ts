import assert from 'node:assert/strict';

import {
  accumulateTiles,
  extractTiles,
  normaliseBlend,
  overlapPixels,
  planAxis,
  planTiles,
  reflectIndex,
} from '../../pipeline/frametiling.js';
import { ConfigError } from '../../sim/errors.js';

/** Cuts a frame into tiles and blends them back unchanged (identity model). */
function roundTrip(
  frame: Float32Array,
  shape: [number, number],
  tile: [number, number],
  overlap: [number, number],
) {
  const plan = planTiles(shape, tile, { overlap });
  const tiles = new Float32Array(plan.count * tile[0] * tile[1]);
  extractTiles(frame, plan, 0, plan.count, tiles);
  const sum = new Float32Array(shape[0] * shape[1]);
  accumulateTiles(sum, plan, 0, plan.count, tiles);
  return { plan, out: normaliseBlend(sum, plan) };
}

describe('pipeline/frametiling', () => {
  it('reads an overlap as a fraction below 1 and as pixels otherwise, refusing half a tile', () => {
    assert.equal(overlapPixels(0.25, 128), 32);
    assert.equal(overlapPixels(10, 128), 10);
    assert.equal(overlapPixels(0, 128), 0);
    assert.throws(() => overlapPixels(64, 128), ConfigError);
    assert.throws(() => overlapPixels(0.5, 128), /for a tile of 128, got 0.5/);
    assert.throws(() => overlapPixels(2.5, 128), ConfigError);
  });

  it('reflects indices about the edge pixels like numpy, folding for short axes', () => {
    // numpy.pad(arange(4), 6, mode="reflect") = [0 1 2 3 2 1 0 1 2 3 2 1 0 1 2 3]
    const got = Array.from({ length: 16 }, (_, i) => reflectIndex(i - 6, 4));
    assert.deepEqual(got, [0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3]);
    assert.equal(reflectIndex(-5, 1), 0);
  });

  it('covers every pixel with weights summing to 1 and tiles stepping by tile - overlap', () => {
    for (const [extent, tile, overlap] of [
      [1000, 128, 32],
      [129, 128, 32],
      [97, 32, 8],
      [500, 32, 0],
      [33, 32, 15],
    ]) {
      const axis = planAxis(extent, tile, overlap);
      const { starts } = axis;
      assert.ok(starts[0] <= 0 && starts[starts.length - 1] + tile >= extent);
      starts.slice(1).forEach((s, j) => assert.equal(s - starts[j], tile - overlap));
      // Spare length split evenly between the two ends.
      const spare = -starts[0] - (starts[starts.length - 1] + tile - extent);
      assert.ok(Math.abs(spare) <= 1, `${extent}: ${starts}`);
      for (const w of axis.weightSum)
        assert.ok(Math.abs(w - 1) < 1e-6, `${extent}/${tile}/${overlap}`);
    }
  });

  it('gives pixels within overlap/4 of an inner tile edge no weight', () => {
    const axis = planAxis(200, 32, 8);
    for (let j = 1; j < axis.starts.length; j++) {
      assert.deepEqual(Array.from(axis.weights[j].subarray(0, 2)), [0, 0]);
      assert.deepEqual(Array.from(axis.weights[j - 1].subarray(30)), [0, 0]);
      assert.ok(axis.weights[j][2] > 0 && axis.weights[j][2] < 0.5);
    }
    assert.equal(axis.weights[0][0], 1);
  });

  it('places one centred tile when the frame is not longer than the tile', () => {
    assert.deepEqual(planAxis(32, 32, 8).starts, [0]);
    assert.deepEqual(planAxis(5, 32, 8).starts, [-13]);
    assert.deepEqual(planAxis(1, 32, 8).starts, [-15]);
  });

  it('honours a grid offset and refuses one outside [0, stride)', () => {
    assert.deepEqual(planAxis(100, 32, 8, 0).starts, [0, 24, 48, 72]);
    assert.deepEqual(planAxis(100, 32, 8, 5).starts, [-5, 19, 43, 67, 91]);
    assert.throws(() => planAxis(100, 32, 8, 24), /grid offset: expected an integer in \[0, 24\)/);
  });

  it('returns the frame unchanged through an identity model, for odd, tiny and large frames', () => {
    for (const shape of [
      [1, 1],
      [3, 7],
      [31, 33],
      [77, 129],
      [200, 45],
    ] as [number, number][]) {
      const frame = Float32Array.from(
        { length: shape[0] * shape[1] },
        (_, i) => Math.sin(i * 0.37) * 100,
      );
      const { out } = roundTrip(frame, shape, [32, 16], [8, 4]);
      assert.equal(out.length, frame.length);
      for (let i = 0; i < frame.length; i++)
        assert.ok(Math.abs(out[i] - frame[i]) < 1e-3, `${shape} at ${i}`);
    }
  });
});

import assert from 'node:assert/strict';

import { PNG } from 'pngjs';

import { colourbarPng, imageToPng, maxAbs, maxAbsPool } from '../../pipeline/imagepng.js';
import { LIGHT_LINE_COLOUR, linePlotPng, movingAverage } from '../../pipeline/lineplot.js';
import { ShapeError } from '../../sim/errors.js';

function pixel(png: PNG, x: number, y: number): number[] {
  const i = (y * png.width + x) * 4;
  return Array.from(png.data.subarray(i, i + 4));
}

describe('pipeline/imagepng and lineplot', () => {
  it('draws [h, w] as rows = wires, columns = ticks, scaled up', () => {
    // [2, 3]: +vmax at (0, 2), -vmax at (1, 0), zero elsewhere.
    const data = Float32Array.from([0, 0, 40, -40, 0, 0]);
    const png = PNG.sync.read(
      imageToPng({ data, h: 2, w: 3 }, { linearThreshold: 2, vmax: 40 }, 4),
    );
    assert.deepEqual([png.width, png.height], [12, 8]);
    assert.deepEqual(pixel(png, 0, 0), [247, 247, 247, 255]);
    assert.deepEqual(pixel(png, 11, 3), [103, 0, 31, 255]);
    assert.deepEqual(pixel(png, 3, 7), [5, 48, 97, 255]);
    assert.throws(
      () => imageToPng({ data, h: 3, w: 3 }, { linearThreshold: 2, vmax: 1 }),
      ShapeError,
    );
  });

  it('max-abs pooling keeps the signed value of largest magnitude per block', () => {
    // [3, 5] pooled by 2 x 2 -> [2, 3], the last row and column partial.
    const data = Float32Array.from([1, -7, 2, 0, 5, 3, 4, 0, -3, 0, 0, 0, 0, 0, -6]);
    const pooled = maxAbsPool({ data, h: 3, w: 5 }, 2, 2);
    assert.deepEqual([pooled.h, pooled.w], [2, 3]);
    assert.deepEqual(Array.from(pooled.data), [-7, -3, 5, 0, 0, -6]);
    assert.equal(maxAbs([data, Float32Array.from([-9])]), 9);
    assert.equal(maxAbs([new Float32Array(3)]), 1);
  });

  it('draws a colour bar from blue to red and a line plot of the right size', () => {
    const bar = PNG.sync.read(colourbarPng(64, 10));
    assert.deepEqual([bar.width, bar.height], [64, 10]);
    assert.deepEqual(pixel(bar, 0, 5), [5, 48, 97, 255]);
    assert.deepEqual(pixel(bar, 63, 5), [103, 0, 31, 255]);

    const plot = linePlotPng([0, 1, 2], [4, NaN, 1], 40, 20);
    assert.deepEqual(plot.xRange, [0, 2]);
    assert.deepEqual(plot.yRange, [1, 4]);
    const image = PNG.sync.read(plot.png);
    assert.deepEqual([image.width, image.height], [40, 20]);
    // The NaN breaks the line: a point at the plot's middle column stays white.
    assert.deepEqual(pixel(image, 20, 10), [255, 255, 255, 255]);
    assert.deepEqual(pixel(image, 0, 0), [160, 160, 160, 255]);
    // y = x from (0, 0) to (1, 1): plot pixels 1 + f * 37 across, 18 - f * 17 up.
    const line = PNG.sync.read(linePlotPng([0, 1], [0, 1], 40, 20).png);
    assert.deepEqual(pixel(line, 1, 18), [31, 119, 180, 255]);
    assert.deepEqual(pixel(line, 38, 1), [31, 119, 180, 255]);
    assert.deepEqual(pixel(line, 38, 18), [255, 255, 255, 255]);

    // Two series share the y range; the last is drawn on top.
    const both = linePlotPng(
      [0, 1],
      [{ y: [0, 1], colour: LIGHT_LINE_COLOUR }, { y: [3, 3] }],
      40,
      20,
    );
    assert.deepEqual(both.yRange, [0, 3]);
    const twice = PNG.sync.read(both.png);
    assert.deepEqual(pixel(twice, 1, 18), [...LIGHT_LINE_COLOUR, 255]);
    assert.deepEqual(pixel(twice, 20, 1), [31, 119, 180, 255]);
  });

  it('smooths with a trailing mean that skips NaN', () => {
    // Window 2: [1], [1, 3], [3, NaN], [NaN, 7] -> 1, 2, 3, 7.
    assert.deepEqual(Array.from(movingAverage([1, 3, NaN, 7], 2)), [1, 2, 3, 7]);
  });
});

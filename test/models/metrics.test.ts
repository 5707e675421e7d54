import assert from 'node:assert/strict';

import {
  adcSum,
  chargeError,
  compareImages,
  cycleError,
  l1,
  l2,
  nonZeroFraction,
  signalWidth,
} from '../../models/metrics.js';
import { ConfigError, ShapeError } from '../../sim/errors.js';

const f32 = (values: number[]) => Float32Array.from(values);

describe('models/metrics', () => {
  // [1, 2, 2] images, values worked out by hand in each test.
  const output = f32([1, -2, 0, 3]);
  const truth = f32([0, 0, 1, 2]);

  it('L1 and L2 are per-pixel means of |o - t| and (o - t)^2', () => {
    // |d| = 1, 2, 1, 1 -> 5 / 4; d^2 = 1, 4, 1, 1 -> 7 / 4.
    assert.equal(l1(output, truth), 1.25);
    assert.equal(l2(output, truth), 1.75);
    assert.equal(cycleError(output, truth), 1.25);
  });

  it('charge error is signed and relative to the summed |truth|', () => {
    assert.equal(adcSum(output), 2);
    const charge = chargeError(output, truth);
    assert.equal(charge.signedAdc, -1);
    assert.equal(charge.relative, -1 / 3);
    // Bipolar truth [3, -3]: the plain sum is 0, the relative error uses 6.
    assert.equal(chargeError(f32([3, 0]), f32([3, -3])).relative, 3 / 6);
    assert.ok(Number.isNaN(chargeError(f32([1, 0]), f32([0, 0])).relative));
  });

  it('non-zero fraction counts |x| strictly above the threshold', () => {
    assert.equal(nonZeroFraction(output), 3 / 4);
    assert.equal(nonZeroFraction(output, { threshold: 2 }), 1 / 4);
    assert.equal(nonZeroFraction(f32([0.5, -0.5, 0.51, 0])), 1 / 4);
    assert.throws(() => nonZeroFraction(output, { threshold: 0 }), ConfigError);
  });

  it('signal width is the charge-weighted mean over ticks of the RMS wire spread', () => {
    // [wire, tick] = [3, 2]; tick 0: |x| = 2 on wires 0 and 2 -> mean 1,
    // sigma 1, Q = 4; tick 1: 0.4 is under threshold, 1 on wire 2 ->
    // sigma 0, Q = 1. Width = (4 * 1 + 1 * 0) / 5.
    const image = f32([-2, 0, 0, 0.4, 2, 1]);
    assert.equal(signalWidth(image, { n: 1, h: 3, w: 2 }), 0.8);
    // A second, empty image in the stack adds no weight.
    const stack = new Float32Array(12);
    stack.set(image);
    assert.equal(signalWidth(stack, { n: 2, h: 3, w: 2 }), 0.8);
    // Weights 1, 2, 1 on wires 0..2: variance (1 + 0 + 1) / 4.
    const column = f32([1, 2, 1]);
    assert.ok(Math.abs(signalWidth(column, { n: 1, h: 3, w: 1 }) - Math.sqrt(0.5)) < 1e-12);
    assert.ok(Number.isNaN(signalWidth(new Float32Array(6), { n: 1, h: 3, w: 2 })));
  });

  it('compareImages sets output and baseline against the truth', () => {
    const input = f32([0, 0, 0, 2]);
    const m = compareImages(input, output, truth, { n: 1, h: 2, w: 2 });
    assert.equal(m.pixels, 4);
    assert.equal(m.l1, 1.25);
    assert.equal(m.baselineL1, 1 / 4);
    assert.equal(m.baselineL2, 1 / 4);
    assert.equal(m.adcSumTruth, 3);
    assert.equal(m.chargeErrorRelative, -1 / 3);
    assert.equal(m.nonZeroInput, 1 / 4);
    assert.equal(m.nonZeroTruth, 2 / 4);
    // Truth [wire, tick] = [[0, 0], [1, 2]]: one wire per tick -> width 0.
    assert.equal(m.widthTruth, 0);
    // Output: tick 0 only wire 0 (|1|), tick 1 wires 0 and 1 (2, 3):
    // mean 0.6, variance 0.24, Q = 5; width = 5 sqrt(0.24) / 6.
    assert.ok(Math.abs(m.widthOutput - (5 * Math.sqrt(0.24)) / 6) < 1e-12);
  });

  it('rejects mismatched lengths and shapes, naming both', () => {
    assert.throws(() => l1(output, f32([1])), /same non-zero length, got 4 and 1/);
    assert.throws(() => signalWidth(output, { n: 1, h: 3, w: 2 }), ShapeError);
  });
});

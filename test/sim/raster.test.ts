import assert from 'node:assert/strict';
import type { DriftedDepos } from '../../sim/deposits.js';
import { firstWirePitch, pitchCoordinate } from '../../sim/detector.js';
import { impactOffset } from '../../sim/impact.js';
import { DEFAULT_RASTER, gaussianBins, rasterise } from '../../sim/raster.js';
import { mm, us } from '../../sim/units.js';
import { presetDetector } from '../helpers/detectors.js';

const detector = presetDetector('protodune-sp');

function oneDepo(y: number, z: number, t: number, sigmaTime: number, sigmaTransverse: number) {
  const one = (v: number) => Float64Array.of(v);
  const depos: DriftedDepos = {
    count: 1,
    y: one(y),
    z: one(z),
    t: one(t),
    electrons: one(1e5),
    sigmaTime: one(sigmaTime),
    sigmaTransverse: one(sigmaTransverse),
    primary: Int32Array.of(0),
  };
  return depos;
}

/** Charge-weighted mean and variance of pitch [mm] and time [ns]. */
function moments(rows: Map<number, Float32Array>, plane = detector.planes[2]) {
  let q = 0,
    p1 = 0,
    p2 = 0,
    t1 = 0,
    t2 = 0;
  for (const [key, row] of rows) {
    const wire = Math.floor(key / DEFAULT_RASTER.impactsPerWire);
    const impact = key % DEFAULT_RASTER.impactsPerWire;
    const p =
      firstWirePitch(plane) +
      (wire + impactOffset(impact, DEFAULT_RASTER.impactsPerWire)) * plane.pitch;
    row.forEach((v, k) => {
      const t = (k + 0.5) * detector.tick;
      q += v;
      p1 += v * p;
      p2 += v * p * p;
      t1 += v * t;
      t2 += v * t * t;
    });
  }
  const pm = p1 / q;
  const tm = t1 / q;
  return { q, pitch: pm, pitchVar: p2 / q - pm * pm, time: tm, timeVar: t2 / q - tm * tm };
}

describe('sim/raster', () => {
  it('keeps all the charge of a cloud inside the plane and the frame', () => {
    const out = rasterise(
      oneDepo(10, 20, 1000 * us, 1 * us, 2 * mm),
      detector,
      detector.planes[2],
      DEFAULT_RASTER,
    );
    const m = moments(out.rows);
    assert.ok(Math.abs(m.q - 1e5) < 1e-6 * 1e5, `${m.q}`);
  });

  it('centres the cloud on its pitch coordinate and arrival time', () => {
    const plane = detector.planes[0];
    const out = rasterise(
      oneDepo(300, -200, 800 * us, 1 * us, 2 * mm),
      detector,
      plane,
      DEFAULT_RASTER,
    );
    const m = moments(out.rows, plane);
    assert.ok(Math.abs(m.pitch - pitchCoordinate(plane, 300, -200)) < 0.02 * mm, `${m.pitch}`);
    assert.ok(Math.abs(m.time - 800 * us) < 0.01 * us, `${m.time}`);
  });

  it('spreads the cloud with the diffusion widths (bin width added in quadrature)', () => {
    const sigmaT = 1.5 * us;
    const sigmaP = 2.5 * mm;
    const plane = detector.planes[2];
    const out = rasterise(
      oneDepo(0, 33, 900 * us, sigmaT, sigmaP),
      detector,
      plane,
      DEFAULT_RASTER,
    );
    const m = moments(out.rows);
    // A Gaussian cut at 3 sigma has variance 0.9733 sigma^2; binning adds w^2 / 12.
    const cut = 0.97333;
    const binP = plane.pitch / 10;
    const expectedP = cut * sigmaP ** 2 + binP ** 2 / 12;
    const expectedT = cut * sigmaT ** 2 + detector.tick ** 2 / 12;
    assert.ok(Math.abs(m.pitchVar / expectedP - 1) < 0.03, `${m.pitchVar} vs ${expectedP}`);
    assert.ok(Math.abs(m.timeVar / expectedT - 1) < 0.03, `${m.timeVar} vs ${expectedT}`);
  });

  it('puts a point charge into one bin', () => {
    const plane = detector.planes[2];
    const z = firstWirePitch(plane) + 100 * plane.pitch + 0.01 * mm;
    const out = rasterise(oneDepo(0, z, 1000.25 * us, 0, 0), detector, plane, DEFAULT_RASTER);
    assert.equal(out.rows.size, 1);
    const [key, row] = [...out.rows][0];
    assert.equal(key, 100 * 10 + 5);
    assert.equal(row[2000], 1e5);
  });

  it('clips windows at the axis ends and returns nothing outside it', () => {
    const axis = { origin: 0, width: 1, bins: 10 };
    const inside = gaussianBins(axis, 5, 1, 3);
    const sum = inside.weights.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-12);
    const clipped = gaussianBins(axis, 0, 1, 3);
    const clippedSum = clipped.weights.reduce((a, b) => a + b, 0);
    assert.equal(clipped.first, 0);
    assert.ok(clippedSum > 0.49 && clippedSum < 0.51, `${clippedSum}`);
    assert.equal(gaussianBins(axis, -10, 1, 3).first, -1);
    assert.equal(gaussianBins(axis, 20, 1, 3).first, -1);
  });
});

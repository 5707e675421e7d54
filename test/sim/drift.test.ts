import assert from 'node:assert/strict';
import { DeposBuilder } from '../../sim/deposits.js';
import { DEFAULT_DRIFT, drift, driftParameters, driftTime } from '../../sim/drift.js';
import { Rng } from '../../sim/random.js';
import { mm, ms, us } from '../../sim/units.js';
import { presetDetector } from '../helpers/detectors.js';

const detector = presetDetector('protodune-sp');
const physics = driftParameters(DEFAULT_DRIFT);

function lineOfDepos(count: number, electrons: number, x: (i: number) => number) {
  const builder = new DeposBuilder();
  for (let i = 0; i < count; i++) builder.push(x(i), 0, 0, 0, electrons, 0);
  return builder.build();
}

describe('sim/drift', () => {
  it('keeps every electron when the lifetime is infinite', () => {
    const depos = lineOfDepos(500, 1234, (i) => 200 + 6 * i);
    const cfg = { ...DEFAULT_DRIFT, lifetimeMs: 0 };
    const out = drift(depos, detector, cfg, new Rng(1));
    const sumIn = depos.electrons.reduce((a, b) => a + b, 0);
    const sumOut = out.electrons.reduce((a, b) => a + b, 0);
    assert.equal(out.count, 500);
    assert.ok(Math.abs(sumOut - sumIn) <= 1e-9 * sumIn, `${sumOut} vs ${sumIn}`);
  });

  it('attenuates by exp(-t/tau) on average, also with binomial fluctuations', () => {
    const x = 3000 * mm;
    const depos = lineOfDepos(2000, 10000, () => x);
    const tau = 3 * ms;
    const lifetimeMs = 3;
    const expected = 10000 * Math.exp(-((x - detector.responsePlane) / physics.speed) / tau);
    const mean = drift(
      depos,
      detector,
      { ...DEFAULT_DRIFT, lifetimeMs, fluctuate: false },
      new Rng(2),
    );
    assert.ok(Math.abs(mean.electrons[0] - expected) < 1e-9 * expected);
    const noisy = drift(depos, detector, { ...DEFAULT_DRIFT, lifetimeMs }, new Rng(3));
    const average = noisy.electrons.reduce((a, b) => a + b, 0) / noisy.count;
    const p = expected / 10000;
    const sigmaOfMean = Math.sqrt((10000 * p * (1 - p)) / noisy.count);
    assert.ok(Math.abs(average - expected) < 5 * sigmaOfMean, `${average} vs ${expected}`);
    assert.ok(
      noisy.electrons.some((q) => q !== noisy.electrons[0]),
      'no fluctuation seen',
    );
  });

  it('gives diffusion widths sqrt(2 D t)', () => {
    const x = 2000 * mm;
    const out = drift(
      lineOfDepos(1, 100, () => x),
      detector,
      DEFAULT_DRIFT,
      new Rng(4),
    );
    const t = (x - detector.responsePlane) / physics.speed;
    const sigmaL = Math.sqrt(2 * physics.diffusionLongitudinal * t);
    assert.ok(Math.abs(out.sigmaTime[0] - sigmaL / physics.speed) < 1e-9);
    assert.ok(
      Math.abs(out.sigmaTransverse[0] - Math.sqrt(2 * physics.diffusionTransverse * t)) < 1e-9,
    );
    // 7.2 cm^2/s over 1.19 ms is 1.31 mm; 12 cm^2/s gives 1.69 mm.
    assert.ok(Math.abs(sigmaL - 1.31 * mm) < 0.01 * mm, `${sigmaL}`);
  });

  it('takes about 2.25 ms (4500 ticks) to cross the ProtoDUNE-SP drift', () => {
    const toResponsePlane = driftTime(detector, DEFAULT_DRIFT, 3600 * mm);
    const rest = detector.responsePlane / physics.speed;
    const total = toResponsePlane + rest;
    assert.ok(Math.abs(total - 2.25 * ms) < 1 * us, `${total / ms} ms`);
    assert.equal(Math.round(total / detector.tick), 4500);
  });

  it('drops depos behind the response plane and outside the volume', () => {
    const builder = new DeposBuilder();
    builder.push(50, 0, 0, 0, 10, 0);
    builder.push(500, 0, 0, 0, 10, 1);
    builder.push(500, 99999, 0, 0, 10, 2);
    const out = drift(builder.build(), detector, DEFAULT_DRIFT, new Rng(5));
    assert.deepEqual(Array.from(out.primary), [1]);
  });
});

import assert from 'node:assert/strict';

import { Rng } from '../../sim/random.js';
import {
  deflect,
  highlandTheta0,
  isotropicDirection,
  scatterDirection,
  type Vec3,
} from '../../sim/scattering.js';
import { cm, MeV, mm } from '../../sim/units.js';

const MUON_MASS = 105.6583755;

/** PDG eq. 34.16 written out: p [MeV/c], x [cm], X0 = 14 cm, unit charge. */
function highlandByHand(p: number, x: number): number {
  const beta = p / Math.hypot(p, MUON_MASS);
  const t = x / 14;
  return (13.6 / (beta * p)) * Math.sqrt(t) * (1 + 0.038 * Math.log(t / (beta * beta)));
}

const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

describe('scattering: Highland multiple scattering', () => {
  it('theta0 matches PDG eq. 34.16 for muons from 100 MeV/c to 10 GeV/c', () => {
    for (const [p, x] of [
      [100, 0.5],
      [1000, 14],
      [10000, 3],
    ]) {
      const beta = p / Math.hypot(p, MUON_MASS);
      const ours = highlandTheta0(p * MeV, beta, -1, x * cm);

      assert.ok(Math.abs(ours / highlandByHand(p, x) - 1) < 1e-12, `${p} ${x}`);
    }
  });

  it('a 1 GeV/c muon through one X0 (14 cm) scatters by ~13.7 mrad', () => {
    const beta = 1000 / Math.hypot(1000, MUON_MASS);
    const theta0 = highlandTheta0(1000 * MeV, beta, 1, 14 * cm);

    assert.ok(Math.abs(theta0 - 0.0137) < 0.0002, `${theta0}`);
  });

  it('drawn projected angles have RMS theta0 on both planes (2 %, 40k draws)', () => {
    const rng = new Rng(11);
    const dir: Vec3 = [0, 0, 1];
    const theta0 = 0.02;
    const draws = 40000;
    let sx = 0;
    let sy = 0;
    let space = 0;
    for (let i = 0; i < draws; i++) {
      const d = scatterDirection(dir, theta0, rng);
      sx += Math.atan2(d[0], d[2]) ** 2;
      sy += Math.atan2(d[1], d[2]) ** 2;
      space += Math.acos(Math.min(1, d[2])) ** 2;
    }
    // Standard error of an RMS from n Gaussian draws: ~1 / sqrt(2 n) = 0.35 %.
    assert.ok(Math.abs(Math.sqrt(sx / draws) / theta0 - 1) < 0.02);
    assert.ok(Math.abs(Math.sqrt(sy / draws) / theta0 - 1) < 0.02);
    // The space angle's mean square is twice the projected one.
    assert.ok(Math.abs(space / draws / (2 * theta0 * theta0) - 1) < 0.03);
  });

  it('a track of 1 mm steps spreads as Highland with the per-step logarithm', () => {
    // Summing n steps of theta0(step) gives sqrt(n) theta0(step): the header
    // states this is a few % below Highland for the whole path.
    const rng = new Rng(12);
    const p = 1000;
    const beta = p / Math.hypot(p, MUON_MASS);
    const step = highlandTheta0(p * MeV, beta, 1, 1 * mm);
    const steps = 140;
    const tracks = 3000;
    let sum = 0;
    for (let k = 0; k < tracks; k++) {
      let d: Vec3 = [0, 0, 1];
      for (let i = 0; i < steps; i++) d = scatterDirection(d, step, rng);
      sum += Math.atan2(d[0], d[2]) ** 2;
    }
    const rms = Math.sqrt(sum / tracks);
    const whole = highlandByHand(p, 14);

    assert.ok(Math.abs(rms / (Math.sqrt(steps) * step) - 1) < 0.05, `${rms}`);
    assert.ok(rms < whole && rms > 0.8 * whole, `${rms} vs Highland ${whole}`);
  });

  it('deflect turns by the requested angle and keeps unit length', () => {
    const rng = new Rng(13);
    for (let i = 0; i < 100; i++) {
      const dir = isotropicDirection(rng);
      const theta = rng.range(0, Math.PI);
      const out = deflect(dir, theta, rng.range(0, 2 * Math.PI));

      assert.ok(Math.abs(Math.hypot(...out) - 1) < 1e-12);
      assert.ok(Math.abs(Math.acos(Math.max(-1, Math.min(1, dot(dir, out)))) - theta) < 1e-6);
    }
  });
});

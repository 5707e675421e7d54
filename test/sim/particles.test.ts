import assert from 'node:assert/strict';

import { betheDedx, MUON } from '../../sim/bethe.js';
import type { Detector } from '../../sim/detector.js';
import type { Steps } from '../../sim/deposits.js';
import { ConfigError } from '../../sim/errors.js';
import { DEFAULT_PARTICLES, generateParticles, type ParticleConfig } from '../../sim/particles.js';
import { Rng } from '../../sim/random.js';
import { cm, mm } from '../../sim/units.js';
import { presetDetector } from '../helpers/detectors.js';

const PROTODUNE = presetDetector('protodune-sp');
/** ProtoDUNE's planes in a volume so large that every particle stops inside. */
const UNBOUNDED: Detector = {
  ...PROTODUNE,
  activeVolume: { x: [100, 1e6], y: [-1e6, 1e6], z: [-1e6, 1e6] },
};
const NONE: ParticleConfig = {
  ...DEFAULT_PARTICLES,
  muons: 0,
  protons: 0,
  electrons: 0,
  photons: 0,
};
const X0 = 14 * cm;

/** Per primary: summed step length [mm] and energy [MeV]. */
function perPrimary(steps: Steps, count: number) {
  const length = new Float64Array(count);
  const energy = new Float64Array(count);
  for (let i = 0; i < steps.count; i++) {
    length[steps.primary[i]] += steps.length[i];
    energy[steps.primary[i]] += steps.energy[i];
  }
  return { length, energy };
}

const distance = (a: readonly number[], b: readonly number[]) =>
  Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

describe('particles: protons', () => {
  // No delta rays: every step belongs to the proton itself.
  const cfg: ParticleConfig = {
    ...NONE,
    protons: 40,
    protonEnergyMeV: [200, 200],
    deltaRayThresholdMeV: 1e4,
  };
  const { steps, primaries } = generateParticles(UNBOUNDED, cfg, new Rng(1));
  const { length, energy } = perPrimary(steps, primaries.length);

  it('200 MeV protons travel the PSTAR CSDA range, 36.27 g/cm2 = 25.98 cm (1.5 %)', () => {
    const mean = length.reduce((a, b) => a + b, 0) / length.length;
    const pstar = (36.27 / 1.396) * cm;

    assert.ok(Math.abs(mean / pstar - 1) < 0.015, `${mean / mm} mm vs ${pstar / mm} mm`);
  });

  it('each proton deposits exactly its kinetic energy and ends within its path', () => {
    for (let k = 0; k < primaries.length; k++) {
      assert.ok(Math.abs(energy[k] - 200) < 1e-9, `${energy[k]}`);
      assert.equal(primaries[k].depositedEnergy, energy[k]);
      const straight = distance(primaries[k].end, primaries[k].start);
      assert.ok(straight <= length[k] && straight > 0.97 * length[k]);
    }
  });

  it('has a Bragg peak: the last cm loses over 4x the first cm', () => {
    const steps0 = Array.from({ length: steps.count }, (_, i) => i).filter(
      (i) => steps.primary[i] === 0,
    );
    const lossWithin = (from: number, to: number) => {
      let travelled = 0;
      let sum = 0;
      for (const i of steps0) {
        if (travelled >= from && travelled < to) sum += steps.energy[i];
        travelled += steps.length[i];
      }
      return sum;
    };
    const first = lossWithin(0, 1 * cm);
    const last = lossWithin(length[0] - 1 * cm, Infinity);

    assert.ok(last > 4 * first, `${last} vs ${first}`);
  });
});

describe('particles: muons and showers', () => {
  it('through-going muons lose the Bethe mean at their mid energy (2 %, no fluctuations)', () => {
    // With fluctuations off and no delta rays, each step loses its mean, so
    // a track's loss per cm is dE/dx averaged over its slowly falling energy.
    const cfg = { ...NONE, muons: 6, fluctuations: false, deltaRayThresholdMeV: 1e5 };
    const { steps, primaries } = generateParticles(PROTODUNE, cfg, new Rng(2));
    const { length, energy } = perPrimary(steps, primaries.length);
    for (let k = 0; k < primaries.length; k++) {
      const p = primaries[k];
      const perCm = energy[k] / (length[k] / cm);
      const bethe = betheDedx(MUON, p.energy - 0.5 * energy[k]) * cm;

      assert.ok(length[k] > 10 * cm);
      assert.ok(Math.abs(perCm / bethe - 1) < 0.02, `${p.kind} ${p.energy}: ${perCm} vs ${bethe}`);
    }
  });

  it('1 GeV electron showers: 95-100 % deposited, mean depth tmax + 1/b = 4.9 X0 (15 %)', () => {
    // PDG 34.5: tmax = ln(E/Ec) - 0.5 = 2.94 X0, and 1/b ~ 2 X0 for the
    // gamma-function profile; the toy loses only photons under 0.1 MeV
    // and pair rest masses.
    const cfg: ParticleConfig = { ...NONE, electrons: 20, electronEnergyMeV: [1000, 1000] };
    const { steps, primaries } = generateParticles(UNBOUNDED, cfg, new Rng(3));
    let weighted = 0;
    let total = 0;
    for (let i = 0; i < steps.count; i++) {
      const p = primaries[steps.primary[i]];
      const along = distance(p.end, p.start);
      const d = [0, 1, 2].map((k) => (p.end[k] - p.start[k]) / along);
      const s =
        (steps.x[i] - p.start[0]) * d[0] +
        (steps.y[i] - p.start[1]) * d[1] +
        (steps.z[i] - p.start[2]) * d[2];
      weighted += s * steps.energy[i];
      total += steps.energy[i];
    }
    const tmax = Math.log(1000 / 32) - 0.5;

    for (const p of primaries) {
      assert.ok(p.depositedEnergy > 950 && p.depositedEnergy <= 1000, `${p.depositedEnergy}`);
    }
    assert.ok(Math.abs(weighted / total / X0 / (tmax + 2) - 1) < 0.15, `${weighted / total / X0}`);
  });

  it('photons travel 9/7 X0 on average before their first deposit (20 %, 300 photons)', () => {
    const cfg: ParticleConfig = { ...NONE, photons: 300, photonEnergyMeV: [30, 30] };
    const { steps, primaries } = generateParticles(UNBOUNDED, cfg, new Rng(4));
    const first = new Float64Array(primaries.length).fill(-1);
    for (let i = 0; i < steps.count; i++) {
      const k = steps.primary[i];
      if (first[k] < 0) {
        first[k] = distance([steps.x[i], steps.y[i], steps.z[i]], primaries[k].start);
      }
    }
    const mean = first.reduce((a, b) => a + b, 0) / first.length;

    assert.ok(first.every((d) => d >= 0));
    assert.ok(Math.abs(mean / ((9 / 7) * X0) - 1) < 0.2, `${mean / X0} X0`);
  });

  it('rejects a negative particle count and an empty energy range, naming them', () => {
    assert.throws(
      () => generateParticles(PROTODUNE, { ...NONE, muons: -1 }, new Rng(1)),
      (e: unknown) => e instanceof ConfigError && /muons/.test(e.message),
    );
    assert.throws(
      () => generateParticles(PROTODUNE, { ...NONE, protonEnergyMeV: [10, 5] }, new Rng(1)),
      (e: unknown) => e instanceof ConfigError && /protonEnergyMeV/.test(e.message),
    );
  });
});

import assert from 'node:assert/strict';

import {
  betheDedx,
  ELECTRON,
  MUON,
  PROTON,
  sampleStepLoss,
  StoppingTable,
  type Species,
} from '../../sim/bethe.js';
import { Rng } from '../../sim/random.js';
import { cm, MeV, mm } from '../../sim/units.js';

/** Liquid argon density [g/cm3] (PDG). */
const RHO = 1.396;

/**
 * PDG eq. 34.5 written out in MeV, cm and g, with the Sternheimer
 * parametrisation of liquid argon (a 0.1956, k 3, x0 0.2, x1 3, C 5.2146),
 * for a heavy particle of momentum p [MeV/c]: -dE/dx [MeV/cm].
 */
function pdgBethe(mass: number, p: number): number {
  const me = 0.51099895;
  const bg = p / mass;
  const gamma = Math.sqrt(1 + bg * bg);
  const beta2 = (bg * bg) / (gamma * gamma);
  const tmax = (2 * me * bg * bg) / (1 + (2 * gamma * me) / mass + (me / mass) ** 2);
  const x = Math.log10(bg);
  const cBar = 5.2146;
  let delta = 0;
  if (x >= 3) delta = 2 * Math.LN10 * x - cBar;
  else if (x >= 0.2) delta = 2 * Math.LN10 * x - cBar + 0.1956 * (3 - x) ** 3;
  const I = 188e-6;
  const K = 0.307075;
  const log = 0.5 * Math.log((2 * me * bg * bg * tmax) / (I * I));
  return K * (18 / 39.948) * (1 / beta2) * (log - beta2 - delta / 2) * RHO;
}

function kineticEnergy(species: Species, p: number): number {
  return Math.hypot(p, species.mass) - species.mass;
}

/**
 * CSDA ranges in liquid argon [g/cm2] against kinetic energy [MeV]: the
 * PDG muon table (muonloss_289, as quoted in LArSoft's
 * TrackMomentumCalculator) and NIST PSTAR argon for protons.
 */
const MUON_CSDA: [number, number][] = [
  [10, 0.9833],
  [40, 10.58],
  [100, 42.5],
  [400, 238.5],
  [1000, 616.3],
  [3000, 1758],
];
const PROTON_CSDA: [number, number][] = [
  [10, 0.1887],
  [30, 1.296],
  [100, 10.92],
  [200, 36.27],
  [400, 113.8],
];

describe('bethe: mean energy loss in liquid argon', () => {
  it('muon dE/dx matches PDG eq. 34.5 written out independently (1e-6)', () => {
    for (const p of [60, 150, 300, 1000, 4000, 20000]) {
      const ours = betheDedx(MUON, kineticEnergy(MUON, p)) / (MeV / cm);
      const reference = pdgBethe(MUON.mass, p);

      assert.ok(Math.abs(ours / reference - 1) < 1e-6, `p ${p}: ${ours} vs ${reference}`);
    }
  });

  it('a muon is minimum-ionising at 2.10-2.13 MeV/cm near 300-450 MeV/c', () => {
    // PDG: 1.508-1.519 MeV cm2/g x 1.396 g/cm3 = 2.105-2.121 MeV/cm.
    let best = { dedx: Infinity, p: 0 };
    for (let p = 100; p <= 2000; p += 1) {
      const dedx = betheDedx(MUON, kineticEnergy(MUON, p)) / (MeV / cm);
      if (dedx < best.dedx) best = { dedx, p };
    }

    assert.ok(best.dedx > 2.09 && best.dedx < 2.13, `${best.dedx}`);
    assert.ok(best.p > 250 && best.p < 450, `${best.p}`);
  });

  it('muon CSDA range is within 1.5 % of the PDG table from 10 MeV to 3 GeV', () => {
    const table = new StoppingTable(MUON);
    for (const [T, range] of MUON_CSDA) {
      const ours = (table.csdaRange(T * MeV) / cm) * RHO;

      assert.ok(Math.abs(ours / range - 1) < 0.015, `T ${T}: ${ours} vs ${range} g/cm2`);
    }
  });

  it('proton CSDA range is within 1 % of PSTAR above 100 MeV, 4 % at 10 MeV', () => {
    // Below ~50 MeV the missing shell corrections make the range short.
    const table = new StoppingTable(PROTON);
    for (const [T, range] of PROTON_CSDA) {
      const ours = (table.csdaRange(T * MeV) / cm) * RHO;
      const tolerance = T >= 100 ? 0.01 : 0.04;

      assert.ok(Math.abs(ours / range - 1) < tolerance, `T ${T}: ${ours} vs ${range} g/cm2`);
    }
  });

  it('energyAtRange inverts csdaRange and energyAfter follows the range table', () => {
    const table = new StoppingTable(PROTON);
    for (const T of [0.5, 20, 250, 3000]) {
      const R = table.csdaRange(T * MeV);

      assert.ok(Math.abs(table.energyAtRange(R) / (T * MeV) - 1) < 1e-3);
      const after = table.energyAfter(T * MeV, 0.5 * R);
      assert.ok(Math.abs(table.csdaRange(after) / (0.5 * R) - 1) < 2e-3);
    }
  });

  it('electron dE/dx matches the Rohrlich-Carlson formula written out (1e-6)', () => {
    // ICRU 37: K/2 (Z/A) / beta^2 [ln(tau^2 (tau + 2) / (2 (I/m)^2)) + F(tau) - delta].
    const me = 0.51099895;
    for (const T of [0.1, 1, 10]) {
      const tau = T / me;
      const gamma = 1 + tau;
      const beta2 = 1 - 1 / (gamma * gamma);
      const F = 1 - beta2 + (tau ** 2 / 8 - (2 * tau + 1) * Math.LN2) / (tau + 1) ** 2;
      const x = Math.log10(Math.sqrt(beta2) * gamma);
      const delta = x >= 0.2 ? 2 * Math.LN10 * x - 5.2146 + 0.1956 * (3 - x) ** 3 : 0;
      const log = Math.log((tau * tau * (tau + 2)) / (2 * (188e-6 / me) ** 2));
      const reference = ((0.5 * 0.307075 * (18 / 39.948) * RHO) / beta2) * (log + F - delta);
      const ours = betheDedx(ELECTRON, T * MeV) / (MeV / cm);

      assert.ok(Math.abs(ours / reference - 1) < 1e-6, `T ${T}: ${ours} vs ${reference}`);
    }
  });
});

describe('bethe: sampled step losses', () => {
  it('the mean local loss is the table mean less the delta-ray band (1.5 %)', () => {
    // Delta rays above the cut carry xi (ln(Tmax/cut) - beta^2 (Tmax - cut)/Tmax)
    // on average; their 1/T^2 tail is too wide to average here, the rest is not.
    const rng = new Rng(7);
    const T = 1000 * MeV;
    const step = 1 * mm;
    const cut = 1 * MeV;
    const mean = betheDedx(MUON, T) * step;
    const gamma = 1 + T / MUON.mass;
    const beta2 = 1 - 1 / gamma ** 2;
    const me = 0.51099895;
    const r = me / MUON.mass;
    const tmax = (2 * me * beta2 * gamma ** 2) / (1 + 2 * gamma * r + r * r);
    const xi = (0.5 * 0.307075 * (18 / 39.948) * RHO * 0.1 * step) / beta2;
    const band = xi * (Math.log(tmax / cut) - (beta2 * (tmax - cut)) / tmax);
    const draws = 20000;
    let sum = 0;
    for (let i = 0; i < draws; i++) {
      sum += sampleStepLoss(MUON, T, step, mean, cut, true, rng).local;
    }

    const expected = mean - band;
    assert.ok(Math.abs(sum / draws / expected - 1) < 0.015, `${sum / draws} vs ${expected}`);
  });

  it('losses fluctuate with a Landau-like tail: median below the mean', () => {
    const rng = new Rng(8);
    const T = 1000 * MeV;
    const step = 3 * mm;
    const mean = betheDedx(MUON, T) * step;
    const local = Array.from(
      { length: 5001 },
      () => sampleStepLoss(MUON, T, step, mean, 1 * MeV, true, rng).local,
    ).sort((a, b) => a - b);

    assert.ok(local[2500] < 0.95 * mean, `median ${local[2500]} vs mean ${mean}`);
    assert.ok(local[4950] > 1.3 * mean, `99th percentile ${local[4950]}`);
  });

  it('delta rays: about the expected count over 2 m, all above the threshold', () => {
    const rng = new Rng(9);
    const T = 5000 * MeV;
    const deltas: number[] = [];
    for (let i = 0; i < 2000; i++) {
      deltas.push(...sampleStepLoss(MUON, T, 1 * mm, 0.21 * MeV, 1 * MeV, true, rng).deltas);
    }
    // Expected count: 2000 (xi/x)(1/Tcut - 1/Tmax) x 1 mm ~ 19 (Poisson).
    assert.ok(deltas.length > 5 && deltas.length < 40, `${deltas.length}`);
    assert.ok(deltas.every((t) => t >= 1 * MeV));
  });
});

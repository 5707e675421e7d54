import assert from 'node:assert/strict';

import type { Steps } from '../../sim/deposits.js';
import { ConfigError } from '../../sim/errors.js';
import {
  boxRecombination,
  DEFAULT_IONISATION,
  ionise,
  validateIonisationConfig,
} from '../../sim/ionisation.js';
import { Rng } from '../../sim/random.js';
import { cm, MeV, mm } from '../../sim/units.js';

/** Modified Box written out: A 0.93, B 0.212, rho 1.396, E 0.5 (dE/dx in MeV/cm). */
function boxByHand(dedxMeVPerCm: number): number {
  const xi = (0.212 * dedxMeVPerCm) / (1.396 * 0.5);
  return Math.log(0.93 + xi) / xi;
}

/** Steps of equal energy and length along x. */
function uniformSteps(count: number, energy: number, length: number): Steps {
  const fill = (v: number) => new Float64Array(count).fill(v);
  return {
    count,
    x: Float64Array.from({ length: count }, (_, i) => 1000 + i),
    y: fill(0),
    z: fill(0),
    t: fill(0),
    energy: fill(energy),
    length: fill(length),
    primary: new Int32Array(count),
  };
}

describe('ionisation: modified Box recombination', () => {
  it('a MIP at 2.1 MeV/cm survives with R = 0.705 (~0.70)', () => {
    const r = boxRecombination(2.1 * (MeV / cm), DEFAULT_IONISATION);

    assert.ok(Math.abs(r - boxByHand(2.1)) < 1e-12, `${r}`);
    assert.ok(Math.abs(r - 0.705) < 0.002, `${r}`);
  });

  it('follows the formula from 1.5 to 30 MeV/cm and falls with dE/dx', () => {
    let previous = 1;
    for (const dedx of [1.5, 2.1, 5, 10, 30]) {
      const r = boxRecombination(dedx * (MeV / cm), DEFAULT_IONISATION);

      assert.ok(Math.abs(r - boxByHand(dedx)) < 1e-12, `${dedx}: ${r}`);
      assert.ok(r < previous);
      previous = r;
    }
  });

  it('floors dE/dx at 1 MeV/cm', () => {
    const floor = boxRecombination(1 * (MeV / cm), DEFAULT_IONISATION);

    assert.equal(boxRecombination(0.2 * (MeV / cm), DEFAULT_IONISATION), floor);
    assert.ok(Math.abs(floor - boxByHand(1)) < 1e-12);
  });

  it('a MIP gives 2.1 MeV / 23.6 eV x R = 62.7 k electrons per cm (~60 k)', () => {
    const cfg = { ...DEFAULT_IONISATION, fluctuations: false };
    const steps = uniformSteps(10, 0.21 * MeV, 1 * mm);
    const depos = ionise(steps, cfg);
    const total = depos.electrons.reduce((a, b) => a + b, 0);
    const byHand = (2.1e6 / 23.6) * boxByHand(2.1);

    assert.ok(Math.abs(total - byHand) < 1e-6 * byHand, `${total} vs ${byHand}`);
    assert.ok(total > 60e3 && total < 65e3);
  });

  it('fluctuations keep the mean and give binomial-like spread (3 sigma)', () => {
    const cfg = DEFAULT_IONISATION;
    const steps = uniformSteps(4000, 0.21 * MeV, 1 * mm);
    const depos = ionise(steps, cfg, new Rng(3));
    const r = boxByHand(2.1);
    const pairs = 0.21e6 / 23.6;
    const mean = pairs * r;
    // Var = F N r^2 + N r (1 - r): Fano spread of the pairs, binomial survival.
    const variance = 0.107 * pairs * r * r + pairs * r * (1 - r);
    const values = Array.from(depos.electrons);
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    const v = values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1);

    assert.ok(Math.abs(m - mean) < 3 * Math.sqrt(variance / values.length), `${m} vs ${mean}`);
    assert.ok(Math.abs(v / variance - 1) < 0.1, `${v} vs ${variance}`);
  });

  it('rejects a config whose R would be negative, naming the fields', () => {
    assert.throws(
      () => validateIonisationConfig({ ...DEFAULT_IONISATION, boxA: 0.5 }),
      (e: unknown) => e instanceof ConfigError && /boxA/.test(e.message),
    );
    assert.throws(
      () => ionise(uniformSteps(1, 1, 1), DEFAULT_IONISATION),
      (e: unknown) => e instanceof ConfigError && /random generator/.test(e.message),
    );
  });
});

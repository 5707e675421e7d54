import assert from 'node:assert/strict';

import { linearDecayRate, warmRestartRate } from '../../models/schedule.js';
import { ConfigError } from '../../sim/errors.js';

/** Rates are compared to the hand-evaluated formulas within float64 rounding. */
const TOLERANCE = 1e-15;

describe('models/schedule', () => {
  describe('constant then linear decay', () => {
    const schedule = { base: 2e-4, totalSteps: 100, constantSteps: 50 };

    it('keeps the base rate for the constant part', () => {
      for (const step of [0, 1, 25, 49, 50]) assert.equal(linearDecayRate(schedule, step), 2e-4);
    });

    it('falls on a straight line to 0 at the last step', () => {
      // lr(s) = 2e-4 * (1 - (s - 50) / 50)
      assert.ok(Math.abs(linearDecayRate(schedule, 75) - 1e-4) < TOLERANCE);
      assert.ok(Math.abs(linearDecayRate(schedule, 90) - 0.4e-4) < TOLERANCE);
      assert.ok(Math.abs(linearDecayRate(schedule, 99) - 0.04e-4) < TOLERANCE);
      assert.equal(linearDecayRate(schedule, 100), 0);
      assert.equal(linearDecayRate(schedule, 130), 0);
    });

    it('refuses a constant part as long as the run', () => {
      assert.throws(() => linearDecayRate({ ...schedule, constantSteps: 100 }, 0), ConfigError);
    });
  });

  describe('cosine warm restarts', () => {
    const cosine = (t: number, period: number) =>
      (1e-3 * (1 + Math.cos((Math.PI * t) / period))) / 2;

    it('repeats one cycle of T0 steps when Tmult is 1', () => {
      const schedule = { base: 1e-3, restartSteps: 10, restartMult: 1 };
      assert.equal(warmRestartRate(schedule, 0), 1e-3);
      assert.ok(Math.abs(warmRestartRate(schedule, 5) - 0.5e-3) < TOLERANCE);
      assert.ok(Math.abs(warmRestartRate(schedule, 3) - cosine(3, 10)) < TOLERANCE);
      assert.equal(warmRestartRate(schedule, 10), 1e-3);
      assert.ok(Math.abs(warmRestartRate(schedule, 27) - cosine(7, 10)) < TOLERANCE);
    });

    it('doubles the cycle after each restart when Tmult is 2', () => {
      // Cycles: [0, 10), [10, 30), [30, 70), [70, 150)
      const schedule = { base: 1e-3, restartSteps: 10, restartMult: 2 };
      assert.ok(Math.abs(warmRestartRate(schedule, 9) - cosine(9, 10)) < TOLERANCE);
      assert.equal(warmRestartRate(schedule, 10), 1e-3);
      assert.ok(Math.abs(warmRestartRate(schedule, 20) - 0.5e-3) < TOLERANCE);
      assert.equal(warmRestartRate(schedule, 30), 1e-3);
      assert.ok(Math.abs(warmRestartRate(schedule, 65) - cosine(35, 40)) < TOLERANCE);
      assert.ok(Math.abs(warmRestartRate(schedule, 110) - 0.5e-3) < TOLERANCE);
    });

    it('anneals towards the floor rate', () => {
      const schedule = { base: 1e-3, min: 1e-5, restartSteps: 4, restartMult: 1 };
      assert.ok(Math.abs(warmRestartRate(schedule, 2) - (1e-5 + 0.99e-3 / 2)) < TOLERANCE);
    });

    it('refuses a cycle length below 1 or a fractional growth', () => {
      assert.throws(
        () => warmRestartRate({ base: 1, restartSteps: 0, restartMult: 1 }, 0),
        ConfigError,
      );
      assert.throws(
        () => warmRestartRate({ base: 1, restartSteps: 5, restartMult: 1.5 }, 0),
        ConfigError,
      );
    });
  });
});

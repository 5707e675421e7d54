import assert from 'node:assert/strict';

import {
  DEFAULT_ELECTRONICS,
  applyRcFilter,
  checkElectronics,
  coldElectronics,
  electronicsResponse,
  totalGain,
} from '../../sim/electronics.js';
import { ConfigError } from '../../sim/errors.js';
import { fC, mV, ns, us } from '../../sim/units.js';

/** Relative tolerance of the coldelec peak against the nominal gain. */
const PEAK_TOLERANCE = 0.005;

describe('electronics response', () => {
  it('peaks at gain x postgain for a unit-charge delta', () => {
    // 14 mV/fC x 1.1365, in volts per positron charge: 1 fC = 6241.51 e.
    const expected = ((14 * 1e-3 * 1e-6) / 6241.509074) * 1.1365;
    const fine = electronicsResponse(DEFAULT_ELECTRONICS, 1 * ns, 10000);

    const peak = Math.max(...fine);
    assert.ok(Math.abs(totalGain(DEFAULT_ELECTRONICS) - expected) < 1e-9 * expected);
    assert.ok(Math.abs(peak / expected - 1) < PEAK_TOLERANCE, `peak/gain = ${peak / expected}`);
  });

  it('peaks within 20 % after the shaping time, zero outside (0, 10 us)', () => {
    const fine = electronicsResponse(DEFAULT_ELECTRONICS, 10 * ns, 1200);
    const peakAt = fine.indexOf(Math.max(...fine)) * 10 * ns;

    // The coldelec pulse peaks at ~1.17 shaping times (2.58 us).
    assert.ok(peakAt > 2.2 * us && peakAt < 1.2 * 2.2 * us, `peak at ${peakAt} ns`);
    assert.equal(fine[0], 0);
    assert.equal(coldElectronics(10 * us, 1, 2.2 * us), 0);
    assert.equal(coldElectronics(-1 * ns, 1, 2.2 * us), 0);
  });

  it('matches the Wire-Cell formula written term by term', () => {
    // Response.cxx coldelec, 13 terms, x = t / shaping, gain x 10.12.
    const g = (14 * mV) / fC;
    const x = (3.1 * us) / (2.2 * us);
    const { exp, cos, sin } = Math;
    const terms = [
      4.31054 * exp(-2.94809 * x),
      -2.6202 * exp(-2.82833 * x) * cos(1.19361 * x),
      -2.6202 * exp(-2.82833 * x) * cos(1.19361 * x) * cos(2.38722 * x),
      0.464924 * exp(-2.40318 * x) * cos(2.5928 * x),
      0.464924 * exp(-2.40318 * x) * cos(2.5928 * x) * cos(5.18561 * x),
      0.762456 * exp(-2.82833 * x) * sin(1.19361 * x),
      -0.762456 * exp(-2.82833 * x) * cos(2.38722 * x) * sin(1.19361 * x),
      0.762456 * exp(-2.82833 * x) * cos(1.19361 * x) * sin(2.38722 * x),
      -2.6202 * exp(-2.82833 * x) * sin(1.19361 * x) * sin(2.38722 * x),
      -0.327684 * exp(-2.40318 * x) * sin(2.5928 * x),
      0.327684 * exp(-2.40318 * x) * cos(5.18561 * x) * sin(2.5928 * x),
      -0.327684 * exp(-2.40318 * x) * cos(2.5928 * x) * sin(5.18561 * x),
      0.464924 * exp(-2.40318 * x) * sin(2.5928 * x) * sin(5.18561 * x),
    ];
    const expected = 10.12 * g * terms.reduce((a, b) => a + b, 0);

    const got = coldElectronics(3.1 * us, g, 2.2 * us);
    assert.ok(Math.abs(got - expected) < 1e-12 * Math.abs(expected));
  });

  it('RC filter: a step decays as exp(-t / tau) (first order)', () => {
    const period = 0.1 * us;
    const tau = 1.1 * 1e6 * ns;
    const step = new Float64Array(30000).fill(1);

    applyRcFilter(step, period, tau);

    // Discrete SimpleRC: y[k] = 1 - (dt/tau) sum_{m<=k} e^{-m dt/tau}.
    const k = 20000;
    const r = Math.exp(-period / tau);
    const expected = 1 - ((period / tau) * (1 - r ** (k + 1))) / (1 - r);
    assert.ok(Math.abs(step[k] - expected) < 1e-9);
    assert.ok(Math.abs(step[k] - Math.exp((-k * period) / tau)) < 1e-3);
  });

  it('rejects a non-positive gain, naming the field', () => {
    const bad = { ...DEFAULT_ELECTRONICS, gainMvPerFc: 0 };

    assert.throws(
      () => checkElectronics(bad, 'config.json'),
      (e: unknown) => {
        return e instanceof ConfigError && /config.json: electronics.gainMvPerFc/.test(e.message);
      },
    );
    checkElectronics(DEFAULT_ELECTRONICS, 'defaults');
  });
});

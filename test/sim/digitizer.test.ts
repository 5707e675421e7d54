import assert from 'node:assert/strict';

import {
  DEFAULT_DIGITIZER,
  adcPerVolt,
  digitise,
  validateDigitizerConfig,
  voltsPerAdc,
} from '../../sim/digitizer.js';
import { ConfigError } from '../../sim/errors.js';
import { mV, volt } from '../../sim/units.js';

// 4096 counts over 1.6 V - 0.2 V, written out by hand.
const COUNTS_PER_MV = 4096 / 1400;

describe('digitizer', () => {
  it('converts 1 mV to 4096 / 1400 counts with the default 12-bit range', () => {
    assert.ok(Math.abs(adcPerVolt() * mV - COUNTS_PER_MV) < 1e-12);
    assert.ok(Math.abs(adcPerVolt() * volt - 2925.714285714286) < 1e-9);
    assert.ok(Math.abs(voltsPerAdc() * adcPerVolt() - 1) < 1e-15);
  });

  it('follows the bit count and the span of other configs', () => {
    const cfg = { bits: 10, fullScaleLowV: 0, fullScaleHighV: 2 };
    assert.ok(Math.abs(adcPerVolt(cfg) * volt - 512) < 1e-9);
  });

  it('adds the baseline and rounds to the nearest count', () => {
    // 10 mV -> 29.257 counts; 0.2 counts' worth rounds down, 0.7 up.
    const volts = [0, 10 * mV, (0.2 / COUNTS_PER_MV) * mV, (0.7 / COUNTS_PER_MV) * mV, -10 * mV];
    const adc = digitise(Float32Array.from(volts), 900);
    assert.deepEqual(Array.from(adc), [900, 929, 900, 901, 871]);
  });

  it('matches baseline + V * 4096 / 1.4 V computed independently', () => {
    const signal = new Float32Array(200);
    for (let i = 0; i < signal.length; i++) signal[i] = (i - 100) * 0.37 * mV;
    const adc = digitise(signal, 2350);
    for (let i = 0; i < signal.length; i++) {
      const millivolts = signal[i] / mV;
      assert.equal(adc[i], Math.round(2350 + millivolts * COUNTS_PER_MV));
    }
  });

  it('clamps to 0 below the range and to 4095 above it', () => {
    const signal = Float32Array.from([-2 * volt, -0.3 * mV, 2 * volt, 1.5 * volt]);
    const adc = digitise(signal, 0);
    assert.deepEqual(Array.from(adc), [0, 0, 4095, 4095]);
    assert.ok(Object.is(adc[1], 0), 'no negative zero');
    const high = digitise(Float32Array.from([0.4 * volt]), 3000);
    assert.equal(high[0], 4095, '3000 + 1170 counts saturates');
  });

  it('returns float32 of the input length and leaves the input alone', () => {
    const signal = Float32Array.from([1 * mV, 2 * mV, 3 * mV]);
    const copy = signal.slice();
    const adc = digitise(signal, 500, DEFAULT_DIGITIZER);
    assert.ok(adc instanceof Float32Array);
    assert.equal(adc.length, 3);
    assert.deepEqual(signal, copy);
  });

  it('rejects bad bit counts, inverted ranges and a non-finite baseline', () => {
    const bad = [
      { bits: 0, fullScaleLowV: 0.2, fullScaleHighV: 1.6 },
      { bits: 12.5, fullScaleLowV: 0.2, fullScaleHighV: 1.6 },
      { bits: 12, fullScaleLowV: 1.6, fullScaleHighV: 0.2 },
    ];
    for (const cfg of bad) {
      assert.throws(() => validateDigitizerConfig(cfg), ConfigError);
    }
    assert.throws(() => digitise(new Float32Array(1), NaN), /baselineAdc/);
    assert.throws(() => digitise(new Float32Array(1), 0, bad[2]), /fullScaleHighV.*got 0\.2 V/);
  });
});

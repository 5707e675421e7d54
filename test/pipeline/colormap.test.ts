import assert from 'node:assert/strict';

import { colourOf, colourbarTicks, diverging, normalise, symlog } from '../../pipeline/colormap.js';
import { ConfigError } from '../../sim/errors.js';

describe('pipeline/colormap', () => {
  it('symlog is sign(x) log10(1 + |x| / c)', () => {
    // 1 + 9 / 1 = 10 -> 1; 1 + 99 / 1 = 100 -> 2; 1 + 6 / 2 = 4 -> log10 4.
    assert.equal(symlog(9, 1), 1);
    assert.equal(symlog(-99, 1), -2);
    assert.equal(symlog(0, 3), 0);
    assert.ok(Math.abs(symlog(6, 2) - 0.6020599913279624) < 1e-15);
  });

  it('normalises by symlog(vmax) and clamps to [-1, 1]', () => {
    const scale = { linearThreshold: 1, vmax: 99 };
    assert.equal(normalise(9, scale), 0.5);
    assert.equal(normalise(-9, scale), -0.5);
    assert.equal(normalise(1e4, scale), 1);
    assert.equal(normalise(-1e4, scale), -1);
  });

  it('maps 0 to white, +vmax to dark red and -vmax to dark blue (RdBu reversed)', () => {
    const scale = { linearThreshold: 2, vmax: 50 };
    assert.deepEqual(colourOf(0, scale), [247, 247, 247]);
    assert.deepEqual(colourOf(50, scale), [103, 0, 31]);
    assert.deepEqual(colourOf(-50, scale), [5, 48, 97]);
    // t = 0.1 lies halfway between the white anchor and the next one.
    assert.deepEqual(diverging(0.1), [250, 233, 223]);
  });

  it('labels the colour bar with 0, powers of ten below vmax and vmax', () => {
    // 10 sits at symlog 1.04 of symlog(1000) = 2.7, well below 0.9: kept;
    // 100 at 0.74: kept; 1 at 0.11: kept.
    assert.deepEqual(
      colourbarTicks({ linearThreshold: 1, vmax: 1000 }),
      [-1000, -100, -10, -1, 0, 1, 10, 100, 1000],
    );
    // 100 at symlog(100) / symlog(120) = 0.96: dropped as too close to vmax.
    assert.deepEqual(
      colourbarTicks({ linearThreshold: 1, vmax: 120 }),
      [-120, -10, -1, 0, 1, 10, 120],
    );
    assert.throws(() => colourbarTicks({ linearThreshold: 0, vmax: 1 }), ConfigError);
  });
});

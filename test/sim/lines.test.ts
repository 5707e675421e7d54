import assert from 'node:assert/strict';

import { ConfigError } from '../../sim/errors.js';
import { DEFAULT_LINES, generateLineEvent } from '../../sim/lines.js';
import { Rng } from '../../sim/random.js';
import { mm } from '../../sim/units.js';
import { presetDetector } from '../helpers/detectors.js';

const detector = presetDetector('protodune-sp');

describe('lines: the SLATS straight-line source', () => {
  const event = generateLineEvent(detector, DEFAULT_LINES, new Rng(1, 4));
  const { depos, primaries } = event;

  it('total charge is 5000 electrons per mm of summed line length', () => {
    const length = primaries.reduce(
      (sum, p) => sum + Math.hypot(...p.end.map((e, k) => e - p.start[k])),
      0,
    );
    const total = depos.electrons.reduce((a, b) => a + b, 0);

    assert.equal(primaries.length, 10);
    assert.ok(Math.abs(total - 5000 * (length / mm)) < 1e-9 * total, `${total}`);
  });

  it('each line carries exactly 5000 e/mm, in pieces of at most 1 mm', () => {
    for (let k = 0; k < primaries.length; k++) {
      const p = primaries[k];
      const length = Math.hypot(...p.end.map((e, i) => e - p.start[i])) / mm;
      const pieces = depos.primary.filter((q) => q === k).length;
      const charge = depos.electrons.filter((_, i) => depos.primary[i] === k);

      assert.equal(pieces, Math.ceil(length));
      assert.ok(charge.every((q) => Math.abs(q / (length / pieces) - 5000) < 1e-9));
      assert.ok(Math.abs(p.electrons / length - 5000) < 1e-9);
      assert.ok(length >= DEFAULT_LINES.minLengthMm);
    }
  });

  it('depos lie on their line, inside the active volume', () => {
    const { x, y, z } = detector.activeVolume;
    for (let i = 0; i < depos.count; i++) {
      const p = primaries[depos.primary[i]];
      const d = p.end.map((e, k) => e - p.start[k]);
      const r = [depos.x[i] - p.start[0], depos.y[i] - p.start[1], depos.z[i] - p.start[2]];
      const cross = [
        r[1] * d[2] - r[2] * d[1],
        r[2] * d[0] - r[0] * d[2],
        r[0] * d[1] - r[1] * d[0],
      ];

      assert.ok(Math.hypot(...cross) / Math.hypot(...d) < 1e-6 * mm);
      assert.ok(depos.x[i] >= x[0] && depos.x[i] <= x[1]);
      assert.ok(depos.y[i] >= y[0] && depos.y[i] <= y[1]);
      assert.ok(depos.z[i] >= z[0] && depos.z[i] <= z[1]);
    }
  });

  it('the same stream gives the same lines, another stream others', () => {
    const again = generateLineEvent(detector, DEFAULT_LINES, new Rng(1, 4));
    const other = generateLineEvent(detector, DEFAULT_LINES, new Rng(1, 5));

    assert.deepEqual(again.depos.x, depos.x);
    assert.notDeepEqual(other.depos.x.subarray(0, 10), depos.x.subarray(0, 10));
  });

  it('rejects a non-integer line count and an impossible minimum length', () => {
    assert.throws(
      () => generateLineEvent(detector, { ...DEFAULT_LINES, lines: 1.5 }, new Rng(1)),
      (e: unknown) => e instanceof ConfigError && /lines: lines/.test(e.message),
    );
    assert.throws(
      () => generateLineEvent(detector, { ...DEFAULT_LINES, minLengthMm: 1e5 }, new Rng(1)),
      (e: unknown) => e instanceof ConfigError && /minLengthMm/.test(e.message),
    );
  });
});

import assert from 'node:assert/strict';
import { combineOverrides, mergeConfig, overrideFromAssignment } from '../../sim/config.js';
import { ConfigError } from '../../sim/errors.js';

const defaults = { drift: { speed: 1.6, fluctuate: true }, name: 'x', range: [0, 1] };

describe('sim/config', () => {
  it('applies overrides and keeps the other defaults', () => {
    const merged = mergeConfig(defaults, { drift: { speed: 2 } }, 'test');
    assert.deepEqual(merged, { drift: { speed: 2, fluctuate: true }, name: 'x', range: [0, 1] });
    assert.equal(defaults.drift.speed, 1.6);
  });

  it('rejects unknown keys with their full path', () => {
    assert.throws(
      () => mergeConfig(defaults, { drift: { sped: 2 } }, 'cfg.json'),
      (e: Error) => e instanceof ConfigError && /cfg.json.*"drift.sped"/.test(e.message),
    );
  });

  it('rejects a value of the wrong type', () => {
    assert.throws(
      () => mergeConfig(defaults, { drift: { fluctuate: 'yes' } }, 'cli'),
      /"drift.fluctuate" must be a boolean, got string/,
    );
  });

  it('parses key=value assignments as JSON where they parse', () => {
    const a = overrideFromAssignment('drift.speed=2.5');
    const b = overrideFromAssignment('drift.fluctuate=false');
    assert.deepEqual(combineOverrides(a, b), { drift: { speed: 2.5, fluctuate: false } });
    assert.deepEqual(overrideFromAssignment('name=abc'), { name: 'abc' });
    assert.throws(() => overrideFromAssignment('novalue'), ConfigError);
  });
});

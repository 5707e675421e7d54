import assert from 'node:assert/strict';

import { ImagePool } from '../../models/imagepool.js';
import { ConfigError } from '../../sim/errors.js';
import { Rng } from '../../sim/random.js';

const img = (v: number) => Float32Array.of(v, -v);

/** The CycleGAN pool rule written out, drawing from the same generator. */
function referencePool(capacity: number, seed: number, inputs: number[]): number[] {
  const rng = new Rng(seed);
  const stored: number[] = [];
  return inputs.map((x) => {
    if (stored.length < capacity) {
      stored.push(x);
      return x;
    }
    if (rng.uniform() > 0.5) {
      const k = rng.integer(capacity);
      const out = stored[k];
      stored[k] = x;
      return out;
    }
    return x;
  });
}

describe('models/imagepool: the CycleGAN image pool', () => {
  it('stores the first `capacity` images, then swaps with probability 0.5', () => {
    const pool = new ImagePool(5, 9);
    const inputs = Array.from({ length: 200 }, (_, i) => i + 1);
    const got = inputs.map((v) => pool.query([img(v)])[0][0]);
    assert.deepEqual(got, referencePool(5, 9, inputs));
    assert.deepEqual(got.slice(0, 5), [1, 2, 3, 4, 5]);
    const swapped = got.slice(5).filter((v, i) => v !== inputs[5 + i]).length;
    // Binomial(195, 0.5): mean 97.5, sd 7.
    assert.ok(swapped > 70 && swapped < 125, `swapped ${swapped}`);
    assert.equal(pool.size, 5);
  });

  it('capacity 0 returns the images themselves; a negative one is a ConfigError', () => {
    const pool = new ImagePool(0, 1);
    const x = img(3);
    assert.equal(pool.query([x])[0], x);
    assert.throws(() => new ImagePool(-1, 1), ConfigError);
  });

  it('state() holds images and random state: a restored pool answers the same', () => {
    const a = new ImagePool(4, 2);
    for (let i = 0; i < 10; i++) a.query([img(i)]);
    const b = new ImagePool(4, 77);
    b.restore(a.state());
    const next = Array.from({ length: 30 }, (_, i) => img(100 + i));
    assert.deepEqual(b.query(next), a.query(next));
    assert.throws(() => new ImagePool(3, 1).restore(a.state()), ConfigError);
  });
});

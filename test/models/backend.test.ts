import assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs-core';

import { BACKEND_ORDER, type BackendName, initBackend } from '../../models/backend.js';
import { ConfigError } from '../../sim/errors.js';

/** Whether a package can be imported here (the native backends need libtensorflow). */
async function importable(pkg: string): Promise<boolean> {
  try {
    await import(pkg);
    return true;
  } catch {
    return false;
  }
}

describe('models/backend: choosing the TensorFlow.js backend', () => {
  after(async () => {
    await initBackend('wasm');
  });

  it('lists the native backends first, then wasm, then cpu', () => {
    assert.deepEqual(BACKEND_ORDER, ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
  });

  it('picks the best backend that loads, and says which', async () => {
    const gpu = await importable('@tensorflow/tfjs-node-gpu');
    const native = await importable('@tensorflow/tfjs-node');
    const expected: BackendName = gpu ? 'tensorflow-gpu' : native ? 'tensorflow' : 'wasm';
    assert.equal(await initBackend(), expected);
    assert.equal(tf.getBackend(), expected === 'tensorflow-gpu' ? 'tensorflow' : expected);
  });

  it('runs a forced backend, and registers gradients on it', async () => {
    for (const name of ['cpu', 'wasm'] as const) {
      assert.equal(await initBackend(name), name);
      assert.equal(tf.getBackend(), name);
      const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.scalar(3)));
      assert.equal(g.dataSync()[0], 6);
      g.dispose();
    }
  });

  it('refuses a forced backend that cannot load, naming it and the reason', async function () {
    if (await importable('@tensorflow/tfjs-node')) this.skip();
    await assert.rejects(initBackend('tensorflow'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(
        error.message,
        /backend tensorflow is not available: cannot import @tensorflow\/tfjs-node/,
      );
      return true;
    });
    await assert.rejects(initBackend('webgl' as BackendName), /expected one of/);
  });
});

/**
 * Gradients summed over separately evaluated samples. Training runs one
 * sample at a time (wasm memory is capped at 4 GB, and a batch-2 step at
 * 128 x 128 already takes 2.7 GB); with no batch statistics in either
 * network (instance norm is per sample) the weighted sum of per-sample
 * gradients is exactly the gradient of the batch-mean loss.
 */
import * as tf from '@tensorflow/tfjs-core';

import { ShapeError } from '../sim/errors.js';

export class GradientSum {
  private readonly sums = new Map<string, tf.Tensor>();
  private readonly keyOf = new Map<string, string>();
  private readonly varList: tf.Variable[];

  /** `params`: the variables to differentiate, keyed by the caller's names. */
  constructor(private readonly params: ReadonlyMap<string, tf.Variable>) {
    for (const [key, v] of params) this.keyOf.set(v.name, key);
    this.varList = [...params.values()];
  }

  /** Adds weight * d loss / d params, loss = f(); returns the loss value. */
  add(f: () => tf.Scalar, weight: number): number {
    const { value, grads } = tf.variableGrads(f, this.varList);
    try {
      for (const [name, g] of Object.entries(grads)) {
        const key = this.keyOf.get(name) as string;
        const previous = this.sums.get(key);
        this.sums.set(
          key,
          tf.tidy(() => (previous ? tf.add(previous, tf.mul(g, weight)) : tf.mul(g, weight))),
        );
        previous?.dispose();
      }
      return value.dataSync()[0];
    } finally {
      value.dispose();
      tf.dispose(Object.values(grads));
    }
  }

  /** The sums, keyed like the params; a parameter the losses never reached is a ShapeError. */
  get(): ReadonlyMap<string, tf.Tensor> {
    for (const key of this.params.keys()) {
      if (!this.sums.has(key)) throw new ShapeError(`no gradient reached ${key}`);
    }
    return this.sums;
  }

  dispose(): void {
    tf.dispose([...this.sums.values()]);
    this.sums.clear();
  }
}

/**
 * Adam with decoupled weight decay (AdamW, Loshchilov and Hutter, 2019),
 * as PyTorch's torch.optim.AdamW computes it; with weightDecay 0 it is
 * plain Adam (torch.optim.Adam). For step t, gradient g, rate lr:
 *   p <- p (1 - lr * weightDecay)
 *   m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2
 *   p <- p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
 * The rate is an argument of each step (schedules live outside). Slots are
 * keyed like the parameters it was given; state() and restore() copy them
 * as plain Float32Arrays.
 */
import * as tf from '@tensorflow/tfjs-core';

import { ConfigError, ShapeError } from '../sim/errors.js';

export interface AdamWOptions {
  /** First-moment decay, in [0, 1). */
  readonly beta1: number;
  /** Second-moment decay, in [0, 1). */
  readonly beta2: number;
  /** Added to the root of the second moment (default 1e-8, PyTorch's). */
  readonly epsilon?: number;
  /** Decoupled weight decay per unit rate (default 0: Adam), >= 0. */
  readonly weightDecay?: number;
}

/** Optimiser slots: step count and the two moments, keyed like the parameters. */
export interface AdamWState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

export class AdamW {
  private t = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private readonly epsilon: number;
  private readonly weightDecay: number;

  /** `params`: the variables to update, keyed by a name unique in this optimiser. */
  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    private readonly options: AdamWOptions,
  ) {
    for (const key of ['beta1', 'beta2'] as const) {
      const beta = options[key];
      if (!(beta >= 0 && beta < 1)) throw new ConfigError(`${key}: expected [0, 1), got ${beta}`);
    }
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.weightDecay >= 0)) {
      throw new ConfigError(`weightDecay: expected >= 0, got ${this.weightDecay}`);
    }
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** The variables it updates, keyed as given. */
  get parameters(): ReadonlyMap<string, tf.Variable> {
    return this.params;
  }

  /** Steps taken so far. */
  get step(): number {
    return this.t;
  }

  /** One update with gradients keyed like the parameters (every one required). */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.t += 1;
    const { beta1, beta2 } = this.options;
    const correction1 = 1 - beta1 ** this.t;
    const correction2 = 1 - beta2 ** this.t;
    for (const [name, p] of this.params) {
      const g = grads.get(name);
      if (g === undefined) throw new ShapeError(`AdamW.apply: no gradient for ${name}`);
      const m = this.m.get(name) as tf.Variable;
      const v = this.v.get(name) as tf.Variable;
      tf.tidy(() => {
        const mNew = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const vNew = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(mNew);
        v.assign(vNew);
        const denom = tf.add(tf.sqrt(tf.div(vNew, correction2)), this.epsilon);
        const update = tf.div(tf.div(mNew, correction1), denom);
        const decayed = this.weightDecay > 0 ? tf.mul(p, 1 - lr * this.weightDecay) : p;
        p.assign(tf.sub(decayed, tf.mul(update, lr)));
      });
    }
  }

  /** Copies of the step count and both moments. */
  state(): AdamWState {
    const copy = (slots: Map<string, tf.Variable>) =>
      new Map([...slots].map(([k, s]) => [k, Float32Array.from(s.dataSync())]));
    return { step: this.t, m: copy(this.m), v: copy(this.v) };
  }

  /** Continues from a `state()`; a missing slot or a wrong length is a ShapeError. */
  restore(state: AdamWState): void {
    for (const [slots, saved, label] of [
      [this.m, state.m, 'm'],
      [this.v, state.v, 'v'],
    ] as const) {
      for (const [name, s] of slots) {
        const values = saved.get(name);
        if (values === undefined || values.length !== s.size) {
          throw new ShapeError(
            `AdamW.restore: slot ${label} of ${name} expected ${s.size} values, got ${values?.length ?? 'none'}`,
          );
        }
        tf.tidy(() => s.assign(tf.tensor(values, s.shape, 'float32')));
      }
    }
    this.t = state.step;
  }

  dispose(): void {
    for (const s of [...this.m.values(), ...this.v.values()]) s.dispose();
  }
}

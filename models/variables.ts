/**
 * The weights of one network as tf variables, keyed by weight name
 * (`enc0/conv1/kernel`), created from a list of weight specs.
 *
 * Initialisation: kernels drawn from a seeded generator (sim/random.ts, in
 * spec order, so a seed gives the same weights on every backend), with
 *   'normal'  N(0, 0.02), the published UVCGAN and CycleGAN setting;
 *   'fan-in'  N(0, g^2 / fan_in), fan_in the product of every kernel axis
 *             but the last, g = sqrt(2) for convolutions (rank 4) and 1 for
 *             dense kernels (He et al., 2015).
 * A fixed 0.02 suits the published widths (fan-in 432 to 3456: a gain of
 * 0.4 to 1.2 per layer) but not networks a few channels wide: at fan-in 36
 * each layer scales activations and gradients by about 0.1, the tiny
 * preset's output is ~1e-7 of its input (test/models/vitunet.test.ts), and
 * trained on paired tiles for 1500 steps its L1 ratio to the truth stays at
 * 1.00-1.02, against 0.24 with 'fan-in'. LayerNorm / instance-norm
 * gamma 1, every other weight (biases, beta, ReZero scalars) 0. tf variable names are
 * `<name>/<weight name>`, with `<name>` made unique in the process (tfjs
 * variable names are global) by a `_<k>` suffix when already taken.
 */
import * as tf from '@tensorflow/tfjs-core';

import { ShapeError } from '../sim/errors.js';
import { Rng } from '../sim/random.js';
import type { WeightInit, WeightSpec } from './generator-spec.js';

/** Standard deviation of initial kernels (uvcgan, CycleGAN). */
export const INIT_STD = 0.02;

/** Standard deviation of a kernel's initial values under `init`. */
export function kernelStd(shape: readonly number[], init: WeightInit): number {
  if (init === 'normal') return INIT_STD;
  const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const gain = shape.length === 4 ? Math.SQRT2 : 1;
  return gain / Math.sqrt(fanIn);
}

function initialValues(spec: WeightSpec, rng: Rng, init: WeightInit): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  if (spec.name.endsWith('/kernel')) {
    const std = kernelStd(spec.shape, init);
    for (let i = 0; i < size; i++) values[i] = rng.normal(0, std);
  } else if (spec.name.endsWith('/gamma')) {
    values.fill(1);
  }
  return values;
}

function uniquePrefix(name: string, firstWeight: string): string {
  const taken = tf.engine().registeredVariables;
  let prefix = name;
  for (let k = 1; taken[`${prefix}/${firstWeight}`] !== undefined; k++) prefix = `${name}_${k}`;
  return prefix;
}

/** A network's variables, created and initialised from its weight specs. */
export class NetworkVariables {
  readonly variables: ReadonlyMap<string, tf.Variable>;

  constructor(
    readonly specs: readonly WeightSpec[],
    name: string,
    seed: number,
    init: WeightInit = 'normal',
  ) {
    const rng = new Rng(seed);
    const prefix = uniquePrefix(name, specs[0].name);
    const variables = new Map<string, tf.Variable>();
    for (const spec of specs) {
      const values = tf.tensor(initialValues(spec, rng, init), [...spec.shape], 'float32');
      variables.set(spec.name, tf.variable(values, true, `${prefix}/${spec.name}`));
      values.dispose();
    }
    this.variables = variables;
  }

  /** The variable of weight `name` (an unknown name is a programming error). */
  get(name: string): tf.Variable {
    const v = this.variables.get(name);
    if (v === undefined) throw new ShapeError(`no weight named ${name}`);
    return v;
  }

  /** Copies of every weight, keyed by weight name. */
  getWeights(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.variables) out.set(name, Float32Array.from(v.dataSync()));
    return out;
  }

  /** Sets every weight; a missing or extra name or a wrong length is a ShapeError. */
  setWeights(weights: ReadonlyMap<string, Float32Array>, network: string): void {
    for (const name of weights.keys()) {
      if (!this.variables.has(name)) {
        throw new ShapeError(`${network}.setWeights: unexpected weight ${name}`);
      }
    }
    for (const [name, v] of this.variables) {
      const values = weights.get(name);
      if (values === undefined)
        throw new ShapeError(`${network}.setWeights: missing weight ${name}`);
      if (values.length !== v.size) {
        throw new ShapeError(
          `${network}.setWeights: ${name} expected ${v.size} values [${v.shape}], got ${values.length}`,
        );
      }
    }
    for (const [name, v] of this.variables) {
      tf.tidy(() => v.assign(tf.tensor(weights.get(name) as Float32Array, v.shape, 'float32')));
    }
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
  }
}

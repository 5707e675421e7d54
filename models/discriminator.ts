/**
 * The 70 x 70 PatchGAN discriminator (pix2pix, CycleGAN, uvcgan): five 4x4
 * convolutions with 1-pixel zero padding, features f0-f1-f2-f3-1, strides
 * 2, 2, 2, 1, 1; instance norm (affine) after every convolution but the
 * first and the last; LeakyReLU 0.2 after every one but the last. The
 * normalised convolutions carry no bias (the norm's beta replaces it).
 *
 * Input [n, h, w, 1] baseline-subtracted ADC, multiplied by inputScale
 * first; output [n, ph, pw, 1], one real/fake score per 70 x 70 patch
 * (ph = h / 8 - 2 for h a multiple of 8).
 *
 * Weight names: conv0..conv4/{kernel, bias}, norm1..norm3/{gamma, beta}.
 */
import * as tf from '@tensorflow/tfjs-core';

import { ConfigError, ShapeError } from '../sim/errors.js';
import type { WeightSpec } from './generator-spec.js';
import { type ExplicitPad, conv2d, instanceNorm } from './layers.js';
import { NetworkVariables } from './variables.js';

export interface DiscriminatorConfig {
  /** Features of the four hidden convolutions, [64, 128, 256, 512] in the paper. */
  readonly features: readonly number[];
  /** Network input = ADC * inputScale. */
  readonly inputScale: number;
}

/** Discriminator sizes: the published one and two for CPU work. */
export const DISCRIMINATOR_PRESETS: Readonly<
  Record<'paper' | 'small' | 'tiny', DiscriminatorConfig>
> = {
  paper: { features: [64, 128, 256, 512], inputScale: 1 / 50 },
  small: { features: [16, 32, 64, 128], inputScale: 1 / 50 },
  tiny: { features: [4, 8, 8, 16], inputScale: 1 / 50 },
};

/** Negative slope of the discriminator's LeakyReLU (pix2pix). */
export const PATCH_LEAKY_SLOPE = 0.2;

const STRIDES = [2, 2, 2, 1, 1];
const PAD: ExplicitPad = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];

/** Every weight of the discriminator, in a fixed order. */
export function discriminatorWeightSpecs(cfg: DiscriminatorConfig): WeightSpec[] {
  const sizes = [1, ...cfg.features, 1];
  const specs: WeightSpec[] = [];
  for (let i = 0; i < 5; i++) {
    specs.push({ name: `conv${i}/kernel`, shape: [4, 4, sizes[i], sizes[i + 1]] });
    if (i === 0 || i === 4) {
      specs.push({ name: `conv${i}/bias`, shape: [sizes[i + 1]] });
    } else {
      specs.push({ name: `norm${i}/gamma`, shape: [sizes[i + 1]] });
      specs.push({ name: `norm${i}/beta`, shape: [sizes[i + 1]] });
    }
  }
  return specs;
}

export class PatchDiscriminator {
  private constructor(
    readonly config: DiscriminatorConfig,
    readonly name: string,
    private readonly weights: NetworkVariables,
  ) {}

  static create(
    config: DiscriminatorConfig,
    options: { name: string; seed: number },
  ): PatchDiscriminator {
    if (config.features.length !== 4) {
      throw new ConfigError(
        `discriminator.features: expected 4 sizes, got ${config.features.length}`,
      );
    }
    if (!(config.inputScale > 0)) {
      throw new ConfigError(`discriminator.inputScale: expected > 0, got ${config.inputScale}`);
    }
    const specs = discriminatorWeightSpecs(config);
    return new PatchDiscriminator(
      config,
      options.name,
      new NetworkVariables(specs, options.name, options.seed),
    );
  }

  get variables(): ReadonlyMap<string, tf.Variable> {
    return this.weights.variables;
  }

  /** x [n, h, w, 1] ADC -> [n, ph, pw, 1] patch scores. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== 1 || x.shape[1] < 32 || x.shape[2] < 32) {
      throw new ShapeError(
        `${this.name}.apply: expected input [n, h >= 32, w >= 32, 1], got [${x.shape.join(', ')}]`,
      );
    }
    return tf.tidy(() => this.applyScaled(tf.mul(x, this.config.inputScale)));
  }

  /** The network on scaled input z = x * inputScale. */
  applyScaled(z: tf.Tensor4D): tf.Tensor4D {
    const w = (name: string) => this.weights.get(name);
    let h = z;
    for (let i = 0; i < 5; i++) {
      const plain = i === 0 || i === 4;
      h = conv2d(h, w(`conv${i}/kernel`), plain ? w(`conv${i}/bias`) : undefined, STRIDES[i], PAD);
      if (!plain) h = instanceNorm(h, w(`norm${i}/gamma`), w(`norm${i}/beta`));
      if (i < 4) h = tf.leakyRelu(h, PATCH_LEAKY_SLOPE);
    }
    return h;
  }

  getWeights(): Map<string, Float32Array> {
    return this.weights.getWeights();
  }

  setWeights(weights: ReadonlyMap<string, Float32Array>): void {
    this.weights.setWeights(weights, this.name);
  }

  dispose(): void {
    this.weights.dispose();
  }
}

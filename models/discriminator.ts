/**
 * The 70 x 70 PatchGAN discriminator (pix2pix, CycleGAN, uvcgan): five 4x4
 * convolutions with 1-pixel zero padding, features f0-f1-f2-f3-1, strides
 * 2, 2, 2, 1, 1; instance norm (affine) after every convolution but the
 * first and the last; LeakyReLU 0.2 after every one but the last. The
 * normalised convolutions carry no bias (the norm's beta replaces it).
 *
 * Normalisation (config `norm`): 'instance' (the default, and what a config
 * without the field means) is the published network above; 'none' drops
 * the three instance norms and gives those convolutions a bias instead.
 * Instance norm removes each sample's amplitude, so a normalised
 * discriminator cannot tell a domain that differs mostly in amplitude, and
 * on near-empty crops its 1 / sqrt(eps) gain inflates the gradient penalty.
 *
 * Input [n, h, w, 1] baseline-subtracted ADC, multiplied by inputScale
 * first; output [n, ph, pw, 1], one real/fake score per 70 x 70 patch
 * (ph = h / 8 - 2 for h a multiple of 8).
 *
 * Weight names: conv0..conv4/kernel, conv0/bias, conv4/bias, and either
 * norm1..norm3/{gamma, beta} ('instance') or conv1..conv3/bias ('none'),
 * in the order of discriminatorWeightSpecs.
 */
import * as tf from '@tensorflow/tfjs-core';

import { ConfigError, ShapeError } from '../sim/errors.js';
import { type WeightInit, type WeightSpec, validateWeightInit } from './generator-spec.js';
import { type ExplicitPad, conv2d, instanceNorm } from './layers.js';
import { NetworkVariables } from './variables.js';

export interface DiscriminatorConfig {
  /** Features of the four hidden convolutions, [64, 128, 256, 512] in the paper. */
  readonly features: readonly number[];
  /** Network input = ADC * inputScale. */
  readonly inputScale: number;
  /** Normalisation after the hidden convolutions; missing = 'instance'. */
  readonly norm?: DiscriminatorNorm;
  /** Kernel initialisation (models/variables.ts); missing = 'normal', N(0, 0.02). */
  readonly init?: WeightInit;
}

export const DISCRIMINATOR_NORMS = ['instance', 'none'] as const;
export type DiscriminatorNorm = (typeof DISCRIMINATOR_NORMS)[number];

/** The normalisation of a config, 'instance' when it names none. */
export function discriminatorNorm(cfg: DiscriminatorConfig): DiscriminatorNorm {
  return cfg.norm ?? 'instance';
}

/** Discriminator sizes: the published one and two for CPU work. */
export const DISCRIMINATOR_PRESETS: Readonly<
  Record<'paper' | 'small' | 'tiny', DiscriminatorConfig>
> = {
  paper: { features: [64, 128, 256, 512], inputScale: 1 / 50, norm: 'instance', init: 'normal' },
  small: { features: [16, 32, 64, 128], inputScale: 1 / 50, norm: 'instance', init: 'normal' },
  tiny: { features: [4, 8, 8, 16], inputScale: 1 / 50, norm: 'instance', init: 'normal' },
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
  const normalised = discriminatorNorm(cfg) === 'instance';
  const specs: WeightSpec[] = [];
  for (let i = 0; i < 5; i++) {
    specs.push({ name: `conv${i}/kernel`, shape: [4, 4, sizes[i], sizes[i + 1]] });
    if (i === 0 || i === 4 || !normalised) {
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
    const norm = discriminatorNorm(config);
    if (!(DISCRIMINATOR_NORMS as readonly string[]).includes(norm)) {
      throw new ConfigError(
        `discriminator.norm: expected one of ${DISCRIMINATOR_NORMS.join(', ')}, got "${norm}"`,
      );
    }
    validateWeightInit(config.init, 'discriminator.init');
    const specs = discriminatorWeightSpecs(config);
    return new PatchDiscriminator(
      config,
      options.name,
      new NetworkVariables(specs, options.name, options.seed, config.init),
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
    const normalised = discriminatorNorm(this.config) === 'instance';
    let h = z;
    for (let i = 0; i < 5; i++) {
      const norm = normalised && i !== 0 && i !== 4;
      h = conv2d(h, w(`conv${i}/kernel`), norm ? undefined : w(`conv${i}/bias`), STRIDES[i], PAD);
      if (norm) h = instanceNorm(h, w(`norm${i}/gamma`), w(`norm${i}/beta`));
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

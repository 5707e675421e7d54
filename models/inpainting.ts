/**
 * Self-supervised inpainting pre-training of the generator (uvcgan): the
 * image is cut into patch x patch squares (edge squares cropped), each
 * zeroed with probability maskProbability, and the generator learns to
 * return the whole original image: L2 over every pixel, measured on scaled
 * images (ADC * inputScale). One generator sees both domains: the a and b
 * tiles of a batch are 2n images, processed one at a time, loss and
 * gradients averaged. AdamW with decoupled weight decay (models/adamw.ts);
 * the rate of each step is an argument (cosine warm restarts live in
 * models/schedule.ts). The pretrained weights initialise both CycleGAN
 * generators.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { TileBatch } from '../pipeline/batches.js';
import { ConfigError } from '../sim/errors.js';
import { Rng } from '../sim/random.js';
import { AdamW, type AdamWState } from './adamw.js';
import type { GeneratorConfig } from './generator-spec.js';
import { GradientSum } from './gradients.js';
import { l2Loss } from './losses.js';
import { checkBatch, sampleImage } from './tilebatch.js';
import { VitUnetGenerator } from './vitunet.js';

export interface InpaintingConfig {
  readonly generator: GeneratorConfig;
  /** Side of the masked squares [pixels] (uvcgan: 32). */
  readonly patch: number;
  /** Probability that a square is masked (uvcgan: 0.4). */
  readonly maskProbability: number;
  /** Base rate; the step's rate is an argument. */
  readonly lr: number;
  /** AdamW beta1, beta2 (uvcgan: 0.9, 0.99). */
  readonly betas: readonly [number, number];
  /** AdamW decoupled weight decay (uvcgan: 0.05). */
  readonly weightDecay: number;
  /** Cosine warm restarts: first period T0 [steps] (used by the schedule). */
  readonly restartSteps: number;
  /** Cosine warm restarts: period growth (used by the schedule). */
  readonly restartMult: number;
}

export interface InpaintingState {
  /** Steps completed. */
  iteration: number;
  weights: Map<string, Float32Array>;
  /** Slots keyed by weight name. */
  optimizer: AdamWState;
  /** State of the generator drawing the masks. */
  rng: number[];
}

/** Mask [h, w] of 0 (masked square) and 1, squares drawn row-major. */
export function patchMask(h: number, w: number, patch: number, p: number, rng: Rng): Float32Array {
  const mask = new Float32Array(h * w).fill(1);
  for (let r0 = 0; r0 < h; r0 += patch) {
    for (let c0 = 0; c0 < w; c0 += patch) {
      if (rng.uniform() >= p) continue;
      for (let r = r0; r < Math.min(r0 + patch, h); r++)
        mask.fill(0, r * w + c0, r * w + Math.min(c0 + patch, w));
    }
  }
  return mask;
}

export class InpaintingPretrainer {
  private iteration = 0;
  private readonly optimizer: AdamW;

  private constructor(
    readonly config: InpaintingConfig,
    readonly generator: VitUnetGenerator,
    private rng: Rng,
  ) {
    const [beta1, beta2] = config.betas;
    this.optimizer = new AdamW(generator.variables, {
      beta1,
      beta2,
      weightDecay: config.weightDecay,
    });
  }

  static create(cfg: InpaintingConfig, seed: number): InpaintingPretrainer {
    if (!(Number.isInteger(cfg.patch) && cfg.patch >= 1)) {
      throw new ConfigError(`model.patch: expected an integer >= 1, got ${cfg.patch}`);
    }
    if (!(cfg.maskProbability >= 0 && cfg.maskProbability <= 1)) {
      throw new ConfigError(`model.maskProbability: expected [0, 1], got ${cfg.maskProbability}`);
    }
    const seeds = new Rng(seed, 0x1a9a);
    const generator = VitUnetGenerator.create(cfg.generator, {
      name: 'generator',
      seed: seeds.nextUint32(),
    });
    return new InpaintingPretrainer(cfg, generator, new Rng(seeds.nextUint32()));
  }

  /** Steps completed. */
  get iterations(): number {
    return this.iteration;
  }

  /** One AdamW step on the 2n tiles of both domains; returns the mean L2 loss. */
  step(batch: TileBatch, lr: number): { loss: number } {
    checkBatch(batch, this.config.generator.tile, 'InpaintingPretrainer.step');
    const { height: h, width: w, n } = batch;
    const scale = this.config.generator.inputScale;
    const sum = new GradientSum(this.optimizer.parameters);
    let loss = 0;
    try {
      for (const domain of ['a', 'b'] as const) {
        for (let i = 0; i < n; i++) {
          const mask = patchMask(h, w, this.config.patch, this.config.maskProbability, this.rng);
          const image = sampleImage(batch, domain, i);
          loss += sum.add(
            () => {
              const x = tf.tensor4d(image, [1, h, w, 1]);
              const masked = tf.mul(x, tf.tensor4d(mask, [1, h, w, 1])) as tf.Tensor4D;
              const y = this.generator.apply(masked);
              return tf.mul(l2Loss(y, x), scale * scale) as tf.Scalar;
            },
            1 / (2 * n),
          );
        }
      }
      this.optimizer.apply(sum.get(), lr);
    } finally {
      sum.dispose();
    }
    this.iteration += 1;
    return { loss: loss / (2 * n) };
  }

  state(): InpaintingState {
    return {
      iteration: this.iteration,
      weights: this.generator.getWeights(),
      optimizer: this.optimizer.state(),
      rng: this.rng.state(),
    };
  }

  restore(state: InpaintingState): void {
    this.generator.setWeights(state.weights);
    this.optimizer.restore(state.optimizer);
    this.rng = Rng.fromState(state.rng);
    this.iteration = state.iteration;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.generator.dispose();
  }
}

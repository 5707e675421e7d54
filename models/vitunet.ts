/**
 * The ViT-UNet generator of UVCGAN in TensorFlow.js, exactly as described
 * in models/generator-spec.ts (architecture, weight names, layouts): a
 * 4-level UNet (3x3 convs, LeakyReLU 0.01, 2x2 stride-2 downsampling,
 * nearest x2 + 3x3 conv upsampling, skip concatenation) around a
 * transformer bottleneck (Fourier positional embedding, pre-LayerNorm
 * blocks with ReZero).
 *
 * `apply` takes and returns baseline-subtracted ADC [n, h, w, 1]; the
 * input scaling and, for a `residual` config, the global skip are inside. Left out: any tile size other than the
 * configured one (the positional embedding is fixed), refused as a
 * ShapeError.
 */
import * as tf from '@tensorflow/tfjs-core';

import { ShapeError } from '../sim/errors.js';
import {
  type GeneratorConfig,
  generatorWeightSpecs,
  tokenCoordinates,
  validateGeneratorConfig,
} from './generator-spec.js';
import { attention, conv2d, dense, gelu, layerNorm, upsample2 } from './layers.js';
import { NetworkVariables } from './variables.js';

/** Negative slope of the UNet's LeakyReLU (uvcgan). */
export const UNET_LEAKY_SLOPE = 0.01;

export class VitUnetGenerator {
  private constructor(
    readonly config: GeneratorConfig,
    readonly name: string,
    private readonly weights: NetworkVariables,
  ) {}

  /** A generator with fresh weights (kernels as `config.init` says) drawn from `seed`. */
  static create(
    config: GeneratorConfig,
    options: { name: string; seed: number },
  ): VitUnetGenerator {
    validateGeneratorConfig(config);
    const weights = new NetworkVariables(
      generatorWeightSpecs(config),
      options.name,
      options.seed,
      config.init,
    );
    return new VitUnetGenerator(config, options.name, weights);
  }

  /** tf variables keyed by weight name (models/generator-spec.ts). */
  get variables(): ReadonlyMap<string, tf.Variable> {
    return this.weights.variables;
  }

  /** x [n, h, w, 1] baseline-subtracted ADC -> [n, h, w, 1] ADC. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    this.checkInput(x);
    return tf.tidy(() => {
      let z = this.applyScaled(tf.mul(x, this.config.inputScale));
      if (this.config.zeroAnchored) {
        const [, h, w] = x.shape;
        z = tf.sub(z, this.applyScaled(tf.zeros([1, h, w, 1]))); // broadcast over the batch
      }
      const correction = tf.div(z, this.config.inputScale) as tf.Tensor4D;
      return this.config.residual ? tf.add(x, correction) : correction;
    });
  }

  /** The network on scaled input z = x * inputScale, returning scaled output. */
  applyScaled(z: tf.Tensor4D): tf.Tensor4D {
    const levels = this.config.features.length;
    const act = (t: tf.Tensor4D) => tf.leakyRelu(t, UNET_LEAKY_SLOPE);
    const c3 = (t: tf.Tensor4D, name: string) => act(this.conv(t, name, 1, 'same'));

    let h = c3(z, 'input');
    const skips: tf.Tensor4D[] = [];
    for (let i = 0; i < levels; i++) {
      h = c3(h, `enc${i}/conv1`);
      h = c3(h, `enc${i}/conv2`);
      skips.push(h);
      h = act(this.conv(h, `enc${i}/down`, 2, 'valid'));
    }

    h = this.bottleneck(h);

    for (let i = levels - 1; i >= 0; i--) {
      h = c3(upsample2(h), `dec${i}/up`);
      h = c3(tf.concat([h, skips[i]], 3), `dec${i}/conv1`);
      h = c3(h, `dec${i}/conv2`);
    }
    return this.conv(h, 'output', 1, 'valid');
  }

  /** Transformer bottleneck: [n, hb, wb, fL] -> [n, hb, wb, fL]. */
  private bottleneck(x: tf.Tensor4D): tf.Tensor4D {
    const [n, hb, wb, fL] = x.shape;
    const w = (name: string) => this.weights.get(name);
    // [n, hb, wb, fL] -> [n, hb * wb, fL], tokens row-major.
    const tokens = tf.reshape(x, [n, hb * wb, fL]);
    const coords = tf.tensor2d(tokenCoordinates(hb, wb), [hb * wb, 2]);
    const fourier = tf.sin(dense(coords, w('vit/fourier/kernel'), w('vit/fourier/bias')));
    const embed = tf.tile(tf.expandDims(fourier, 0), [n, 1, 1]);
    let t = dense(tf.concat([tokens, embed], 2), w('vit/proj_in/kernel'), w('vit/proj_in/bias'));

    for (let j = 0; j < this.config.depth; j++) t = this.block(t as tf.Tensor3D, `vit/block${j}`);

    const out = dense(t, w('vit/proj_out/kernel'), w('vit/proj_out/bias'));
    return tf.reshape(out, [n, hb, wb, fL]);
  }

  /** One pre-LayerNorm transformer block with ReZero: [n, t, width] -> same. */
  private block(x: tf.Tensor3D, b: string): tf.Tensor3D {
    const w = (name: string) => this.weights.get(`${b}/${name}`);
    const pair = (name: string): [tf.Tensor, tf.Tensor] => [w(`${name}/kernel`), w(`${name}/bias`)];
    const rezero = w('rezero');

    const normed1 = layerNorm(x, w('norm1/gamma'), w('norm1/beta')) as tf.Tensor3D;
    const attn = attention(
      normed1,
      {
        query: pair('attn/query'),
        key: pair('attn/key'),
        value: pair('attn/value'),
        out: pair('attn/out'),
      },
      this.config.heads,
    );
    const y = tf.add(x, tf.mul(rezero, attn));

    const normed2 = layerNorm(y, w('norm2/gamma'), w('norm2/beta'));
    const ffn = dense(gelu(dense(normed2, ...pair('ffn/dense1'))), ...pair('ffn/dense2'));
    return tf.add(y, tf.mul(rezero, ffn));
  }

  private conv(x: tf.Tensor4D, name: string, stride: number, pad: 'same' | 'valid'): tf.Tensor4D {
    return conv2d(
      x,
      this.weights.get(`${name}/kernel`),
      this.weights.get(`${name}/bias`),
      stride,
      pad,
    );
  }

  private checkInput(x: tf.Tensor): void {
    const [h, w] = this.config.tile;
    if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== 1) {
      throw new ShapeError(
        `${this.name}.apply: expected input [n, ${h}, ${w}, 1], got [${x.shape.join(', ')}]`,
      );
    }
  }

  /** Copies of the weights, keyed like `variables`. */
  getWeights(): Map<string, Float32Array> {
    return this.weights.getWeights();
  }

  /** Sets every weight; a missing/extra name or wrong length is a ShapeError. */
  setWeights(weights: ReadonlyMap<string, Float32Array>): void {
    this.weights.setWeights(weights, this.name);
  }

  dispose(): void {
    this.weights.dispose();
  }
}

/**
 * The layers of the generator and the discriminator as functions over
 * tfjs-core ops, differentiable twice (the gradient penalty differentiates
 * the discriminator's input gradient): no fused kernels, no custom
 * gradients. Layouts as in tfjs: activations NHWC [n, h, w, c], conv
 * kernels [kh, kw, in, out], dense kernels [in, out].
 */
import * as tf from '@tensorflow/tfjs-core';

/** LayerNorm and instance-norm epsilon (PyTorch's default). */
export const NORM_EPSILON = 1e-5;

/** Explicit padding [[0, 0], [top, bottom], [left, right], [0, 0]]. */
export type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/** Convolution with bias: x [n, h, w, cin] -> [n, h', w', cout]. */
export function conv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor,
  bias: tf.Tensor | undefined,
  stride: number,
  pad: 'same' | 'valid' | ExplicitPad,
): tf.Tensor4D {
  const y = tf.conv2d(x, kernel as tf.Tensor4D, stride, pad);
  return bias === undefined ? y : tf.add(y, bias);
}

/** Dense layer on the last axis: x [..., in] -> [..., out]. */
export function dense(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const [cin, cout] = kernel.shape;
  const lead = x.shape.slice(0, -1);
  const flat = tf.reshape(x, [-1, cin]);
  const y = tf.add(tf.matMul(flat, kernel as tf.Tensor2D), bias);
  return tf.reshape(y, [...lead, cout]);
}

/** LayerNorm over the last axis with affine gamma and beta [c]. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, NORM_EPSILON)));
  return tf.add(tf.mul(normed, gamma), beta);
}

/**
 * Instance norm: per sample and channel, mean and (biased) variance over
 * h and w, affine gamma and beta [c]; x [n, h, w, c].
 */
export function instanceNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, NORM_EPSILON)));
  return tf.add(tf.mul(normed, gamma), beta);
}

/** Exact GELU: x / 2 * (1 + erf(x / sqrt 2)). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/** Nearest-neighbour x2 upsampling: [n, h, w, c] -> [n, 2h, 2w, c]. */
export function upsample2(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  return tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w]);
}

/** Weights of one multi-head attention layer (dense kernels [width, width]). */
export interface AttentionWeights {
  query: [tf.Tensor, tf.Tensor];
  key: [tf.Tensor, tf.Tensor];
  value: [tf.Tensor, tf.Tensor];
  out: [tf.Tensor, tf.Tensor];
}

/**
 * Multi-head self-attention: x [n, t, width] -> [n, t, width], heads of
 * width / heads, softmax(q k^T / sqrt(width / heads)) v, heads concatenated
 * in order, then the out projection.
 */
export function attention(x: tf.Tensor3D, w: AttentionWeights, heads: number): tf.Tensor3D {
  const [n, t, width] = x.shape;
  const dh = width / heads;
  // [n, t, width] -> [n, t, heads, dh] -> [n, heads, t, dh]
  const split = (y: tf.Tensor) => tf.transpose(tf.reshape(y, [n, t, heads, dh]), [0, 2, 1, 3]);
  const q = split(dense(x, ...w.query)) as tf.Tensor4D;
  const k = split(dense(x, ...w.key)) as tf.Tensor4D;
  const v = split(dense(x, ...w.value)) as tf.Tensor4D;
  const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh));
  const mixed = tf.matMul(tf.softmax(scores), v);
  // [n, heads, t, dh] -> [n, t, heads, dh] -> [n, t, width]
  const joined = tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [n, t, width]);
  return dense(joined, ...w.out) as tf.Tensor3D;
}

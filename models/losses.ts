/**
 * The losses of UVCGAN training, over tfjs tensors [n, h, w, c]:
 * LSGAN (Mao et al., 2017), L1 for cycle and identity, L2 for inpainting,
 * and the gradient penalty of uvcgan (Torbunov et al., 2023):
 *   lambda * mean_i (||grad_x D(x_hat_i)||_2 - gamma)^2,
 *   x_hat_i = alpha_i real_i + (1 - alpha_i) fake_i, alpha_i ~ U(0, 1),
 * the gradient taken of sum(D(x_hat)) and kept differentiable (nested
 * tf.grad), so the penalty trains the discriminator's weights.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Added under the root of the gradient norm so its derivative stays finite at 0. */
export const NORM_FLOOR = 1e-12;

/** LSGAN: mean((pred - target)^2), target 1 (real) or 0 (fake). */
export function lsganLoss(pred: tf.Tensor, target: 0 | 1): tf.Scalar {
  return tf.mean(tf.square(tf.sub(pred, target)));
}

/** Mean absolute difference. */
export function l1Loss(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.mean(tf.abs(tf.sub(a, b)));
}

/** Mean squared difference. */
export function l2Loss(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(a, b)));
}

/** Settings of the gradient penalty. */
export interface GradientPenaltyConfig {
  /** Weight lambda (uvcgan: 0.01). */
  readonly lambda: number;
  /** Target norm gamma (uvcgan: 10). */
  readonly gamma: number;
}

/**
 * The penalty for discriminator `disc` on real and fake [n, h, w, c] and
 * per-sample mixing weights alpha [n] (each in [0, 1]).
 */
export function gradientPenalty(
  disc: (x: tf.Tensor4D) => tf.Tensor,
  real: tf.Tensor4D,
  fake: tf.Tensor4D,
  alpha: Float32Array,
  cfg: GradientPenaltyConfig,
): tf.Scalar {
  const n = real.shape[0];
  const a = tf.tensor4d(alpha, [n, 1, 1, 1]);
  const mixed = tf.add(tf.mul(a, real), tf.mul(tf.sub(1, a), fake)) as tf.Tensor4D;
  const grad = tf.grad((x: tf.Tensor) => tf.sum(disc(x as tf.Tensor4D)))(mixed);
  // [n, h, w, c] -> [n]: per-sample L2 norm.
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(grad), [1, 2, 3]), NORM_FLOOR));
  return tf.mul(tf.mean(tf.square(tf.sub(norm, cfg.gamma))), cfg.lambda);
}

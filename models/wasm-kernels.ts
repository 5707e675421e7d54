/**
 * Training kernels that the tfjs wasm backend lacks or runs slowly, built
 * from its own fast kernels (XNNPACK Conv2D and BatchMatMul, Transpose,
 * Slice, PadV2, Reshape, Step, Multiply), plus zero gradients for
 * comparison ops.
 *
 * - Conv2DBackpropFilter and Conv2DBackpropInput: models/wasm-kernels-conv.ts.
 * - Greater, GreaterEqual, Less, LessEqual, Equal, NotEqual: piecewise
 *   constant, so their gradient is zero; registering it lets second
 *   derivatives pass through leakyRelu and maximum (gradient penalty).
 *
 * - LeakyRelu's gradient (all backends): dy * step(x, alpha), one kernel
 *   instead of three.
 * - BatchMatMul: transposed operands are transposed first and a batch runs
 *   as one product per matrix (wasm's kernel runs a scalar loop for
 *   either), so that the shipped kernel's XNNPACK path runs.
 * - LeakyRelu as x * step(x, alpha) (wasm's own is a scalar loop).
 * - Identity shares its input's data instead of copying it.
 * - SplitV, Concat, ResizeNearestNeighborGrad: JavaScript loops over the
 *   heap (models/wasm-kernels-layout.ts).
 *
 * Left out: channels-first layouts (refused with UnsupportedError) and
 * dilated forward convolutions (the models use none).
 */
import * as tf from '@tensorflow/tfjs-core';
import type {
  KernelConfig,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';

import { layoutKernels } from './wasm-kernels-layout.js';
import { BACKEND, release, run, type WasmBackendLike } from './wasm-backend.js';
import { conv2DBackpropFilter, conv2DBackpropInput } from './wasm-kernels-conv.js';

/** Ops whose output is piecewise constant in their inputs. */
export const COMPARISON_OPS = [
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'Equal',
  'NotEqual',
] as const;

type KernelFunc = KernelConfig['kernelFunc'];

/**
 * Marks a replacement kernel with the shipped one it wraps (a registry
 * symbol: the kernel registry is global to the process, and a second copy
 * of this module must find the shipped kernel, not wrap a wrapper).
 */
const SHIPPED = Symbol.for('wiregan.wasm.shippedKernel');
type MarkedKernelFunc = KernelFunc & { [SHIPPED]?: KernelFunc };

/** The kernel that wasm registered for `kernelName`, under any wrapper of ours. */
function shippedKernel(kernelName: string): KernelFunc | undefined {
  const current = tf.getKernel(kernelName, BACKEND)?.kernelFunc as MarkedKernelFunc | undefined;
  return current?.[SHIPPED] ?? current;
}

/** wasm's BatchMatMul as shipped; its fast path takes neither operand transposed. */
let plainBatchMatMul: KernelFunc | undefined;

/** wasm's Identity as shipped (it copies); kept for string tensors. */
let plainIdentity: KernelFunc | undefined;

/** Swaps the last two axes: [..., r, c] -> [..., c, r]. */
function transposeLast(backend: WasmBackendLike, x: TensorInfo): TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const rank = perm.length;
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return run(backend, 'Transpose', { x }, { perm });
}

/**
 * BatchMatMul with transposed operands made explicit: wasm's kernel runs a
 * scalar loop when either operand is marked transposed (the matMul
 * gradients mark them), ~5x slower than a Transpose and its fast path.
 */
function batchMatMul(args: {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const attrs = args.attrs ?? {};
  const a = args.inputs.a as TensorInfo;
  const b = args.inputs.b as TensorInfo;
  const at = attrs.transposeA ? transposeLast(backend, a) : a;
  const bt = attrs.transposeB ? transposeLast(backend, b) : b;
  const out = batchwise(backend, at, bt, { ...attrs, transposeA: false, transposeB: false });
  if (at !== a) release(backend, at);
  if (bt !== b) release(backend, bt);
  return out;
}

function product(values: number[]): number {
  return values.reduce((x, y) => x * y, 1);
}

/**
 * a [..., m, k] x b [..., k, n], neither transposed. wasm's kernel takes its
 * XNNPACK path for one matrix pair only and runs a scalar loop for a batch
 * (attention's [1, heads, t, d] products: ~5x slower), so a batch runs as
 * one product per matrix pair, its operands copied out and the results
 * copied back. Batch dimensions must be equal or one side a single matrix;
 * other broadcasts run the shipped kernel.
 */
function batchwise(
  backend: WasmBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  attrs: NamedAttrMap,
): TensorInfo {
  const plain = plainBatchMatMul as KernelFunc;
  const call = (x: TensorInfo, y: TensorInfo) =>
    plain({ inputs: { a: x, b: y }, backend: backend as never, attrs }) as TensorInfo;
  const batchShapeA = a.shape.slice(0, -2);
  const batchShapeB = b.shape.slice(0, -2);
  const batchA = product(batchShapeA);
  const batchB = product(batchShapeB);
  const sameBatch =
    batchShapeA.length === batchShapeB.length && batchShapeA.every((d, i) => d === batchShapeB[i]);
  if (Math.max(batchA, batchB) <= 1 || (!sameBatch && batchA !== 1 && batchB !== 1)) {
    return call(a, b);
  }
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const batch = Math.max(batchA, batchB);
  const outShape = [...(batchA >= batchB ? batchShapeA : batchShapeB), m, n];
  const out = backend.makeOutput(outShape, 'float32');
  const matrix = (x: TensorInfo, i: number, rows: number, columns: number): TensorInfo => {
    const size = rows * columns;
    const part = backend.makeOutput([rows, columns], 'float32');
    const from = i * size;
    backend.typedArrayFromHeap(part).set(backend.typedArrayFromHeap(x).subarray(from, from + size));
    return part;
  };
  for (let i = 0; i < batch; i++) {
    const ai = batchA === 1 ? a : matrix(a, i, m, k);
    const bi = batchB === 1 ? b : matrix(b, i, k, n);
    const yi = call(ai, bi);
    if (ai !== a) release(backend, ai);
    if (bi !== b) release(backend, bi);
    // Views after the product: a growing heap invalidates older ones.
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(yi), i * m * n);
    release(backend, yi);
  }
  return out;
}

/**
 * Identity sharing its input's data (one more reference), as the cpu
 * backend's does: tensors are never written in place, and wasm's own
 * Identity copies every value (~4000 calls a training step).
 */
function identity(args: { inputs: NamedTensorInfoMap; backend: unknown }): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  const backend = args.backend as WasmBackendLike;
  if (x.dtype === 'string') {
    return (plainIdentity as KernelFunc)(args as never) as TensorInfo;
  }
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** wasm's LeakyRelu as shipped; kept for integer tensors. */
let plainLeakyRelu: KernelFunc | undefined;

/**
 * LeakyRelu as x * step(x, alpha): the same products (x * 1 or x * alpha)
 * from two vectorised kernels, ~5x faster than wasm's scalar LeakyRelu
 * loop on [1, 128, 128, 16].
 */
function leakyRelu(args: {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  if (x.dtype !== 'float32') return (plainLeakyRelu as KernelFunc)(args as never) as TensorInfo;
  const backend = args.backend as WasmBackendLike;
  const slope = run(backend, 'Step', { x }, { alpha: (args.attrs ?? {}).alpha as number });
  const out = run(backend, 'Multiply', { a: x, b: slope }, {});
  release(backend, slope);
  return out;
}

const TRAINING_KERNELS: KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: BACKEND, kernelFunc: conv2DBackpropFilter },
  { kernelName: 'Conv2DBackpropInput', backendName: BACKEND, kernelFunc: conv2DBackpropInput },
  { kernelName: 'BatchMatMul', backendName: BACKEND, kernelFunc: batchMatMul },
  { kernelName: 'Identity', backendName: BACKEND, kernelFunc: identity },
  { kernelName: 'LeakyRelu', backendName: BACKEND, kernelFunc: leakyRelu },
];

let gradientsRegistered = false;

/** Zero gradients for the comparison ops (all backends); idempotent. */
export function registerComparisonGradients(): void {
  if (gradientsRegistered) return;
  for (const kernelName of COMPARISON_OPS) {
    if (tf.getGradient(kernelName) !== undefined) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => ({
        a: () => tf.zerosLike(saved[0]),
        b: () => tf.zerosLike(saved[1]),
      }),
    });
  }
  gradientsRegistered = true;
}

/**
 * LeakyRelu's gradient as dy * step(x, alpha) (1 for x > 0, else alpha):
 * one unary kernel instead of tfjs's Greater, Multiply and Select, the
 * same values; Step's own gradient is zero, so second derivatives hold.
 */
function registerLeakyReluGradient(): void {
  tf.registerGradient({
    kernelName: 'LeakyRelu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => ({
      x: () => tf.mul(dy as tf.Tensor, tf.step(saved[0], (attrs as { alpha: number }).alpha)),
    }),
  });
}

/**
 * Registers the wasm training kernels above (replacing wasm's own
 * Conv2DBackpropInput) and the comparison gradients; idempotent. Needs the
 * wasm backend module loaded (its kernels to build on).
 */
export function registerWasmTrainingKernels(): void {
  registerComparisonGradients();
  registerLeakyReluGradient();
  plainBatchMatMul = shippedKernel('BatchMatMul');
  (batchMatMul as MarkedKernelFunc)[SHIPPED] = plainBatchMatMul;
  plainIdentity = shippedKernel('Identity');
  (identity as MarkedKernelFunc)[SHIPPED] = plainIdentity;
  plainLeakyRelu = shippedKernel('LeakyRelu');
  (leakyRelu as MarkedKernelFunc)[SHIPPED] = plainLeakyRelu;
  const shipped = new Map<string, KernelFunc>();
  const layout = layoutKernels((name) => shipped.get(name) as KernelFunc);
  for (const { kernelName, kernelFunc } of layout) {
    const original = shippedKernel(kernelName);
    if (original === undefined) continue;
    shipped.set(kernelName, original);
    (kernelFunc as MarkedKernelFunc)[SHIPPED] = original;
  }
  const layoutConfigs = layout
    .filter(({ kernelName }) => shipped.has(kernelName))
    .map((config) => ({ ...config, backendName: BACKEND }));
  for (const config of [...TRAINING_KERNELS, ...layoutConfigs]) {
    const existing = tf.getKernel(config.kernelName, BACKEND);
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing !== undefined) tf.unregisterKernel(config.kernelName, BACKEND);
    // The shipped kernel's setup (binding its wasm function) still has to run.
    tf.registerKernel({ ...config, setupFunc: existing?.setupFunc });
  }
}

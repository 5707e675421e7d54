/**
 * Data-movement kernels of the tfjs wasm backend replaced by plain
 * JavaScript loops over the wasm heap, for float32 tensors (any other case
 * runs the shipped kernel):
 *
 * - SplitV and Concat (the UNet's skip connections and their gradients):
 *   the shipped kernels copy each run along the axis with
 *   `set(subarray(...))`, one small view per run (16 values at the first
 *   skip connection); here runs are copied by index, or by `copyWithin` on
 *   the heap when they are long.
 * - ResizeNearestNeighborGrad for whole power-of-two upsampling factors,
 *   without corner alignment or half-pixel centres (nearest x2 upsampling):
 *   dx [n, h, w, c] sums the f_h x f_w block of dy [n, f_h h, f_w w, c]
 *   that each pixel was copied to. The shipped kernel searches the window
 *   of dy for every dx value.
 *
 * `layoutKernels(shipped)` returns the replacements; `shipped(name)` gives
 * the kernel that wasm registered under `name`, for the cases left to it.
 */
import type {
  KernelConfig,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

export type KernelFunc = KernelConfig['kernelFunc'];

interface HeapBackend {
  /** A view of a tensor's data on the wasm heap (invalid once the heap grows). */
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  /** A new tensor with uninitialised data on the heap. */
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}

/** Runs at least this long are moved with copyWithin (a memmove) instead of a loop. */
const MEMMOVE_RUN = 64;

/**
 * Copies `count` runs of `run` values: run i from src[srcAt + i * srcStride]
 * to dst[dstAt + i * dstStride]; indices are absolute on `heap`.
 */
function copyRuns(
  heap: Float32Array,
  srcAt: number,
  srcStride: number,
  dstAt: number,
  dstStride: number,
  run: number,
  count: number,
): void {
  if (run >= MEMMOVE_RUN) {
    for (let i = 0; i < count; i++) {
      const from = srcAt + i * srcStride;
      heap.copyWithin(dstAt + i * dstStride, from, from + run);
    }
    return;
  }
  for (let i = 0; i < count; i++) {
    let from = srcAt + i * srcStride;
    let to = dstAt + i * dstStride;
    const end = to + run;
    while (to < end) heap[to++] = heap[from++];
  }
}

/** Absolute float index of a view on the heap. */
function heapIndex(view: Float32Array): number {
  return view.byteOffset / 4;
}

function product(values: number[]): number {
  return values.reduce((a, b) => a * b, 1);
}

/** The returned replacements, keyed by kernel name. */
export function layoutKernels(
  shipped: (kernelName: string) => KernelFunc,
): { kernelName: string; kernelFunc: KernelFunc }[] {
  const splitV = (args: KernelArgs): TensorInfo[] => {
    const x = args.inputs.x as TensorInfo;
    const attrs = args.attrs ?? {};
    if (x.dtype !== 'float32') return shipped('SplitV')(args as never) as TensorInfo[];
    const backend = args.backend as HeapBackend;
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(
      x as never,
      attrs.numOrSizeSplits as number | number[],
      axis,
    );
    const outer = product(x.shape.slice(0, axis));
    const inner = product(x.shape.slice(axis + 1));
    const dim = x.shape[axis];
    const outputs = sizes.map((size) => {
      const shape = [...x.shape];
      shape[axis] = size;
      return backend.makeOutput(shape, 'float32');
    });
    // Views after every allocation: a growing heap invalidates older ones.
    const source = backend.typedArrayFromHeap(x);
    const heap = new Float32Array(source.buffer);
    let start = 0;
    sizes.forEach((size, i) => {
      const dstAt = heapIndex(backend.typedArrayFromHeap(outputs[i]));
      const run = size * inner;
      copyRuns(heap, heapIndex(source) + start * inner, dim * inner, dstAt, run, run, outer);
      start += size;
    });
    return outputs;
  };

  const concat = (args: KernelArgs): TensorInfo => {
    const inputs = Object.values(args.inputs) as TensorInfo[];
    const attrs = args.attrs ?? {};
    const nonEmpty = inputs.filter((t) => product(t.shape) > 0);
    if (nonEmpty.length < 2 || nonEmpty.some((t) => t.dtype !== 'float32')) {
      return shipped('Concat')(args as never) as TensorInfo;
    }
    const backend = args.backend as HeapBackend;
    const axis = tf.util.parseAxisParam(attrs.axis as number, inputs[0].shape)[0];
    const outShape = tf.backend_util.computeOutShape(
      inputs.map((t) => t.shape),
      axis,
    );
    const out = backend.makeOutput(outShape, 'float32');
    const outer = product(outShape.slice(0, axis));
    const total = product(outShape.slice(axis));
    const dst = backend.typedArrayFromHeap(out);
    const heap = new Float32Array(dst.buffer);
    let offset = 0;
    for (const input of nonEmpty) {
      const run = product(input.shape.slice(axis));
      const srcAt = heapIndex(backend.typedArrayFromHeap(input));
      copyRuns(heap, srcAt, run, heapIndex(dst) + offset, total, run, outer);
      offset += run;
    }
    return out;
  };

  const resizeNearestNeighborGrad = (args: KernelArgs): TensorInfo => {
    const images = args.inputs.images as TensorInfo;
    const dy = args.inputs.dy as TensorInfo;
    const attrs = args.attrs ?? {};
    const [n, h, w, c] = images.shape;
    const [, dh, dw] = dy.shape;
    const fh = dh / h;
    const fw = dw / w;
    const powerOfTwo = (f: number) => Number.isInteger(f) && f >= 1 && (f & (f - 1)) === 0;
    if (
      attrs.alignCorners === true ||
      attrs.halfPixelCenters === true ||
      dy.dtype !== 'float32' ||
      !powerOfTwo(fh) ||
      !powerOfTwo(fw)
    ) {
      return shipped('ResizeNearestNeighborGrad')(args as never) as TensorInfo;
    }
    const backend = args.backend as HeapBackend;
    const dx = backend.makeOutput(images.shape, 'float32');
    const out = backend.typedArrayFromHeap(dx);
    const src = backend.typedArrayFromHeap(dy);
    out.fill(0);
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < h; y++) {
        const outRow = (b * h + y) * w * c;
        for (let i = 0; i < fh; i++) {
          let from = (b * dh + y * fh + i) * dw * c;
          for (let x = 0; x < w; x++) {
            for (let j = 0; j < fw; j++) {
              let to = outRow + x * c;
              const end = to + c;
              while (to < end) out[to++] += src[from++];
            }
          }
        }
      }
    }
    return dx;
  };

  return [
    { kernelName: 'SplitV', kernelFunc: splitV as unknown as KernelFunc },
    { kernelName: 'Concat', kernelFunc: concat as unknown as KernelFunc },
    {
      kernelName: 'ResizeNearestNeighborGrad',
      kernelFunc: resizeNearestNeighborGrad as unknown as KernelFunc,
    },
  ];
}

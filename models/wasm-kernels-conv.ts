/**
 * The convolution gradients of the wasm training kernels
 * (models/wasm-kernels.ts registers them), built from the backend's own
 * fast kernels.
 *
 * - Conv2DBackpropFilter (not registered on wasm): the filter gradient
 *   dW [kh, kw, cin, cout] is the input's transposed patches
 *   [kh * kw * cin, p] (im2col over the p output pixels, built in
 *   JavaScript from the channels-first input, in blocks of output rows)
 *   times dy [p, cout], on wasm's BatchMatMul. About a third less time than
 *   the same sum as a convolution with dy as its filter (XNNPACK runs that
 *   long reduction into few outputs at under half its usual rate).
 * - Conv2DBackpropInput (wasm's own is a scalar loop): at stride 1 the
 *   input gradient dx [n, h, w, cin] is a convolution of dy, padded by
 *   (k - 1 - pad) before, with the kernel flipped in both spatial
 *   axes and its in/out swapped: [kh, kw, cin, cout] -> [kh, kw, cout, cin]
 *   (in JavaScript: wasm's Reverse is slower than the convolution; kept
 *   while the filter lives, so that XNNPACK keeps its packed weights). At
 *   larger strides, where that convolution of the dilated dy would mostly
 *   multiply zeros, dx is dy x filter^T (im2col columns, one matrix
 *   product) added back at the input pixels (col2im).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

import { UnsupportedError } from '../sim/errors.js';
import { checkLayout, release, run, type WasmBackendLike } from './wasm-backend.js';

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

function conv2dInfo(
  xShape: number[],
  filterShape: number[],
  attrs: NamedAttrMap,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
}

/**
 * Most floats of one block of transposed patches (32 MB): the filter
 * gradient walks the output rows in blocks so that its memory stays
 * bounded at any tile size (a 128 x 128 tile fits in one block).
 */
export const PATCH_BLOCK_FLOATS = 1 << 23;

interface PatchGeometry {
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
}

/**
 * Transposed patches of output rows oy0 .. oy0 + rows - 1 of every sample:
 * dst [kh * kw * cin, n * rows * ow], row (ky * kw + kx) * cin + ci, column
 * (b * rows + oy - oy0) * ow + ox, zeros where a tap falls in the padding.
 * Read from x in channels-first order xc [n, cin, h, w], so that each
 * (row, oy) is one run of ow values of one image row.
 */
function fillPatchesT(
  dst: Float32Array,
  xc: Float32Array,
  xShape: number[],
  oy0: number,
  rows: number,
  ow: number,
  g: PatchGeometry,
): void {
  const [n, h, w, cin] = xShape;
  const columns = n * rows * ow;
  // dst and xc both view the wasm heap: runs move with copyWithin (memmove).
  const heap = new Float32Array(dst.buffer);
  const dstAt = dst.byteOffset / 4;
  const xcAt = xc.byteOffset / 4;
  if (g.sw === 1 && ow === w) {
    fillPatchesFullWidth(heap, dstAt, xcAt, xShape, oy0, rows, g);
    return;
  }
  // Output columns ox whose tap kx lands inside the image: ox0 .. ox1 - 1.
  for (let kx = 0; kx < g.kw; kx++) {
    const ox0 = Math.max(0, Math.ceil((g.left - kx) / g.sw));
    const ox1 = Math.max(ox0, Math.min(ow, Math.floor((w - 1 + g.left - kx) / g.sw) + 1));
    for (let ky = 0; ky < g.kh; ky++) {
      for (let ci = 0; ci < cin; ci++) {
        const row = ((ky * g.kw + kx) * cin + ci) * columns;
        for (let b = 0; b < n; b++) {
          const plane = (b * cin + ci) * h;
          for (let r = 0; r < rows; r++) {
            const y = (oy0 + r) * g.sh + ky - g.top;
            const start = row + (b * rows + r) * ow;
            if (y < 0 || y >= h || ox1 === ox0) {
              dst.fill(0, start, start + ow);
              continue;
            }
            if (ox0 > 0) dst.fill(0, start, start + ox0);
            if (ox1 < ow) dst.fill(0, start + ox1, start + ow);
            let from = (plane + y) * w + ox0 * g.sw + kx - g.left;
            let to = start + ox0;
            const end = start + ox1;
            if (g.sw === 1) {
              heap.copyWithin(dstAt + to, xcAt + from, xcAt + from + (end - to));
            } else {
              for (; to < end; from += g.sw) dst[to++] = xc[from];
            }
          }
        }
      }
    }
  }
}

/**
 * fillPatchesT where the output is as wide as the input at stride 1 (same
 * padding): the block of one tap and channel is the channel's plane
 * shifted by (ky - top) rows and (kx - left) columns, so it moves in one
 * memmove per sample; the columns that wrapped around a row edge and the
 * rows outside the image are then zeroed.
 */
function fillPatchesFullWidth(
  heap: Float32Array,
  dstAt: number,
  xcAt: number,
  xShape: number[],
  oy0: number,
  rows: number,
  g: PatchGeometry,
): void {
  const [n, h, w, cin] = xShape;
  const columns = n * rows * w;
  for (let ky = 0; ky < g.kh; ky++) {
    // Block rows r0 .. r1 - 1 read image rows inside 0 .. h - 1.
    const r0 = Math.min(rows, Math.max(0, g.top - ky - oy0));
    const r1 = Math.max(r0, Math.min(rows, h + g.top - ky - oy0));
    for (let kx = 0; kx < g.kw; kx++) {
      const shift = kx - g.left;
      for (let ci = 0; ci < cin; ci++) {
        const row = dstAt + ((ky * g.kw + kx) * cin + ci) * columns;
        for (let b = 0; b < n; b++) {
          const start = row + b * rows * w;
          heap.fill(0, start, start + r0 * w);
          heap.fill(0, start + r1 * w, start + rows * w);
          if (r1 === r0) continue;
          const from = xcAt + ((b * cin + ci) * h + oy0 + r0 + ky - g.top) * w + shift;
          // Reads up to |shift| values past the plane's ends; they land in
          // the wrapped columns zeroed below.
          heap.copyWithin(start + r0 * w, from, from + (r1 - r0) * w);
          for (let r = r0; r < r1; r++) {
            const at = start + r * w;
            if (shift < 0) heap.fill(0, at, at - shift);
            else if (shift > 0) heap.fill(0, at + w - shift, at + w);
          }
        }
      }
    }
  }
}

/**
 * dW [kh, kw, cin, cout] from x [n, h, w, cin] and dy [n, oh, ow, cout]:
 * patches^T [kh * kw * cin, p] x dy [p, cout] (p output pixels), one
 * product per block of output rows, summed.
 */
export function conv2DBackpropFilter(args: {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const attrs = args.attrs ?? {};
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  checkLayout('Conv2DBackpropFilter', attrs.dataFormat);
  const filterShape = attrs.filterShape as number[];
  const info = conv2dInfo(x.shape, filterShape, attrs);
  const [kh, kw, cin, cout] = filterShape;
  const [n, oh, ow] = dy.shape;
  const k = kh * kw * cin;
  const geometry: PatchGeometry = {
    kh,
    kw,
    sh: info.strideHeight,
    sw: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
  const blockRows = Math.max(1, Math.min(oh, Math.floor(PATCH_BLOCK_FLOATS / (n * ow * k))));
  const xc = run(backend, 'Transpose', { x }, { perm: [0, 3, 1, 2] });
  let dw: TensorInfo | undefined;
  try {
    for (let oy0 = 0; oy0 < oh; oy0 += blockRows) {
      const rows = Math.min(blockRows, oh - oy0);
      const patches = backend.makeOutput([k, n * rows * ow], 'float32');
      // Views after the allocation: a growing heap invalidates older ones.
      fillPatchesT(
        backend.typedArrayFromHeap(patches),
        backend.typedArrayFromHeap(xc),
        x.shape,
        oy0,
        rows,
        ow,
        geometry,
      );
      const dyBlock =
        rows === oh
          ? run(backend, 'Reshape', { x: dy }, { shape: [n * oh * ow, cout] })
          : rowBlock(backend, dy, oy0, rows);
      const product = run(backend, 'BatchMatMul', { a: patches, b: dyBlock }, {});
      release(backend, patches, dyBlock);
      if (dw === undefined) {
        dw = product;
      } else {
        const total = run(backend, 'Add', { a: dw, b: product }, {});
        release(backend, dw, product);
        dw = total;
      }
    }
  } finally {
    release(backend, xc);
  }
  const out = run(backend, 'Reshape', { x: dw as TensorInfo }, { shape: filterShape });
  release(backend, dw as TensorInfo);
  return out;
}

/** Output rows oy0 .. oy0 + rows - 1 of dy [n, oh, ow, c] as [n * rows * ow, c]. */
function rowBlock(backend: WasmBackendLike, dy: TensorInfo, oy0: number, rows: number): TensorInfo {
  const [n, oh, ow, c] = dy.shape;
  const out = backend.makeOutput([n * rows * ow, c], 'float32');
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(dy);
  const size = rows * ow * c;
  for (let b = 0; b < n; b++) {
    const from = (b * oh + oy0) * ow * c;
    dst.set(src.subarray(from, from + size), b * size);
  }
  return out;
}

/**
 * Kernel [kh, kw, cin, cout] flipped in both spatial axes with in and out
 * swapped: [kh, kw, cout, cin], in one pass over a copy of the kernel
 * (wasm's Reverse walks element by element and cost more than the
 * convolution itself on 3x3x128x128 kernels).
 */
function flipAndSwap(backend: WasmBackendLike, filter: TensorInfo): TensorInfo {
  const [kh, kw, cin, cout] = filter.shape;
  const src = backend.typedArrayFromHeap(filter);
  const out = new Float32Array(src.length);
  const taps = kh * kw;
  for (let t = 0; t < taps; t++) {
    const from = (taps - 1 - t) * cin * cout;
    const to = t * cin * cout;
    for (let ci = 0; ci < cin; ci++) {
      for (let co = 0; co < cout; co++) out[to + co * cin + ci] = src[from + ci * cout + co];
    }
  }
  const shape = [kh, kw, cout, cin];
  return { dataId: backend.write(out, shape, 'float32'), shape, dtype: 'float32' };
}

/**
 * Flipped and swapped kernels by the filter data they came from. A filter
 * serves several backward passes of a step (a generator runs three times),
 * and a kernel tensor that lives on lets XNNPACK keep its packed weights
 * (a new one costs up to ~1.5 ms of packing on 3x3x256x128). An entry is
 * freed at the first call after its filter's data is gone.
 */
const flippedKernels = new Map<object, TensorInfo>();

function flippedKernel(backend: WasmBackendLike, filter: TensorInfo): TensorInfo {
  for (const [dataId, kernel] of flippedKernels) {
    if (!backend.dataIdMap.has(dataId)) {
      release(backend, kernel);
      flippedKernels.delete(dataId);
    }
  }
  let kernel = flippedKernels.get(filter.dataId);
  if (kernel === undefined) {
    kernel = flipAndSwap(backend, filter);
    flippedKernels.set(filter.dataId, kernel);
  }
  return kernel;
}

/**
 * dx [n, h, w, cin] of a strided convolution: the columns dy [p, cout] x
 * filter^T [cout, kh * kw * cin] (p output pixels, one matrix product on
 * XNNPACK), each added back at the input pixel its tap read (col2im, in
 * JavaScript). A 4x4 kernel at stride 2 makes 4 columns values per input
 * value where the dilated convolution multiplies 3 zeros in 4.
 */
function stridedBackpropInput(
  backend: WasmBackendLike,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: number[],
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const [kh, kw, cin, cout] = filter.shape;
  const [n, h, w] = inputShape;
  const [, oh, ow] = dy.shape;
  const k = kh * kw * cin;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const { top, left } = info.padInfo;
  const dy2 = run(backend, 'Reshape', { x: dy }, { shape: [n * oh * ow, cout] });
  const kernel = run(backend, 'Reshape', { x: filter }, { shape: [k, cout] });
  const columns = run(backend, 'BatchMatMul', { a: dy2, b: kernel }, { transposeB: true });
  release(backend, dy2, kernel);
  const dx = backend.makeOutput(inputShape, 'float32');
  // Views after the allocation: a growing heap invalidates older ones.
  const out = backend.typedArrayFromHeap(dx);
  const cols = backend.typedArrayFromHeap(columns);
  out.fill(0);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ky = 0; ky < kh; ky++) {
        const y = oy * sh + ky - top;
        if (y < 0 || y >= h) continue;
        for (let ox = 0; ox < ow; ox++) {
          const p = (b * oh + oy) * ow + ox;
          for (let kx = 0; kx < kw; kx++) {
            const x = ox * sw + kx - left;
            if (x < 0 || x >= w) continue;
            let from = p * k + (ky * kw + kx) * cin;
            let to = ((b * h + y) * w + x) * cin;
            const end = to + cin;
            while (to < end) out[to++] += cols[from++];
          }
        }
      }
    }
  }
  release(backend, columns);
  return dx;
}

/** dx [n, h, w, cin] from dy [n, oh, ow, cout] and the filter [kh, kw, cin, cout]. */
export function conv2DBackpropInput(args: {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const attrs = args.attrs ?? {};
  const dy = args.inputs.dy as TensorInfo;
  const filter = args.inputs.filter as TensorInfo;
  checkLayout('Conv2DBackpropInput', attrs.dataFormat);
  const inputShape = attrs.inputShape as number[];
  const info = conv2dInfo(inputShape, filter.shape, attrs);
  if (info.strideHeight * info.strideWidth > 1) {
    return stridedBackpropInput(backend, dy, filter, inputShape, info);
  }
  const [kh, kw] = filter.shape;
  const [, h, w] = inputShape;

  const kernel = flippedKernel(backend, filter);

  // Rows and columns of dy beyond what the output needs are cropped.
  let source = dy;
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const bottom = h - dy.shape[1] + info.padInfo.top;
  const right = w - dy.shape[2] + info.padInfo.left;
  if (top < 0 || left < 0) {
    throw new UnsupportedError(
      `Conv2DBackpropInput on wasm: padding above kernel size - 1 (kernel ${kh}x${kw}, ` +
        `pad ${info.padInfo.top}/${info.padInfo.left})`,
    );
  }
  if (bottom < 0 || right < 0) {
    const [n, dh, dw, c] = dy.shape;
    const size = [n, dh + Math.min(bottom, 0), dw + Math.min(right, 0), c];
    source = run(backend, 'Slice', { x: dy }, { begin: [0, 0, 0, 0], size });
  }
  const pad: Pad4 = [
    [0, 0],
    [top, Math.max(bottom, 0)],
    [left, Math.max(right, 0)],
    [0, 0],
  ];
  const dx = run(
    backend,
    'Conv2D',
    { x: source, filter: kernel },
    { strides: 1, pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined as never },
  );
  if (source !== dy) release(backend, source);
  return dx;
}

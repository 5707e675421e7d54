/**
 * What the wiregan wasm kernels (models/wasm-kernels*.ts) need of the tfjs
 * wasm backend: the backend methods they call, and running one of its
 * registered kernels on backend-level tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

import { UnsupportedError } from '../sim/errors.js';

export const BACKEND = 'wasm';

export interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
  /** A view of a tensor's data on the wasm heap (invalid once the heap grows). */
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  /** Copies values onto the heap as a new tensor's data. */
  write(values: Float32Array, shape: number[], dtype: 'float32'): object;
  /** A new tensor with uninitialised data on the heap. */
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  /** One more tensor shares this data (freed when the last one is disposed). */
  incRef(dataId: object): void;
  /** The data the backend holds, by data id. */
  dataIdMap: { has(dataId: object): boolean };
}

/** Runs one registered wasm kernel on backend-level tensors. */
export function run(
  backend: WasmBackendLike,
  kernelName: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap,
): TensorInfo {
  const kernel = tf.getKernel(kernelName, BACKEND);
  if (kernel === undefined) {
    throw new UnsupportedError(`wasm backend has no ${kernelName} kernel to build on`);
  }
  return kernel.kernelFunc({ inputs, backend: backend as never, attrs }) as TensorInfo;
}

export function release(backend: WasmBackendLike, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function checkLayout(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new UnsupportedError(`${kernel} on wasm supports NHWC only, got ${String(dataFormat)}`);
  }
}

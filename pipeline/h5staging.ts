/**
 * A staging buffer in the h5wasm heap for reading and writing runs of
 * rows of a float32 dataset [rows, ...rowShape] with one copy each way.
 *
 * h5wasm's `slice` and `write_slice` allocate a heap buffer per call and
 * copy through intermediate arrays; for tile files, read one tile at a
 * time, that overhead is a large part of the cost. This keeps one heap
 * allocation per owner (grown when a larger run is asked for) and calls
 * h5wasm's own hyperslab read and write (`get_dataset_data`,
 * `set_dataset_data`) on it. The heap may move when it grows, so views
 * of it are taken after every call, never kept. `readInto` copies into
 * the caller's array (a batch buffer) instead of allocating one.
 *
 * Each call still opens the dataset by path and closes it again inside
 * h5wasm, creating and dropping its chunk cache: about 20 us of the
 * 20-30 us that a call costs beyond its data (h5py, which keeps the
 * dataset open, pays 3-6 us). h5wasm 0.10.3 exports no call that keeps a
 * dataset open or gives chunk addresses, so one-tile reads keep that cost.
 *
 * Left out: types other than little-endian float32, and hyperslabs that
 * are not whole rows of the first axis.
 */
import { Module } from 'h5wasm/node';

import { FileFormatError, ShapeError } from '../sim/errors.js';
import type { Dataset } from './hdf5.js';

const FLOAT32_BYTES = 4;

export class HeapStaging {
  private pointer = 0;
  private capacityBytes = 0;
  private count = new BigUint64Array(0);
  private offset = new BigUint64Array(0);
  private strides = new BigUint64Array(0);

  /** `path` names the file in errors. */
  constructor(private readonly path: string) {}

  /** Rows [first, end) of `dataset` (rows of `rowSize` float32), copied out. */
  read(dataset: Dataset, first: number, end: number, rowSize: number): Float32Array {
    const ptr = this.load(dataset, first, end, rowSize);
    return new Float32Array(Module.HEAPU8.buffer, ptr, (end - first) * rowSize).slice();
  }

  /**
   * Rows [first, end) of `dataset` copied into `out` from `outOffset` on
   * (values, not bytes): one copy from the heap, no allocation.
   */
  readInto(
    dataset: Dataset,
    first: number,
    end: number,
    rowSize: number,
    out: Float32Array,
    outOffset = 0,
  ): void {
    const n = (end - first) * rowSize;
    if (!(Number.isInteger(outOffset) && outOffset >= 0 && outOffset + n <= out.length)) {
      throw new ShapeError(
        `${this.path} (dataset ${dataset.path}): reading rows [${first}, ${end}) into ` +
          `values [${outOffset}, ${outOffset + n}): expected an output of at least ` +
          `${outOffset + n} values, got ${out.length}`,
      );
    }
    const ptr = this.load(dataset, first, end, rowSize);
    out.set(new Float32Array(Module.HEAPU8.buffer, ptr, n), outOffset);
  }

  /**
   * Writes `rows` (each `rowSize` float32) at rows [first, first +
   * rows.length) of `dataset`, which must already be that long.
   */
  write(dataset: Dataset, first: number, rows: readonly Float32Array[], rowSize: number): void {
    this.checkRows(dataset, first, first + rows.length, 'writing');
    const wrong = rows.findIndex((row) => row.length !== rowSize);
    if (wrong >= 0) {
      throw new ShapeError(
        `${this.path} (dataset ${dataset.path}): writing rows from ${first}: expected ` +
          `rows of ${rowSize} values, got ${rows[wrong].length} in row ${first + wrong}`,
      );
    }
    const ptr = this.reserve(rows.length * rowSize * FLOAT32_BYTES);
    const heap = new Float32Array(Module.HEAPU8.buffer, ptr, rows.length * rowSize);
    rows.forEach((row, i) => heap.set(row, i * rowSize));
    const status = Module.set_dataset_data(
      dataset.file_id,
      dataset.path,
      ...this.hyperslab(dataset, first, first + rows.length),
      BigInt(ptr),
    );
    if (status < 0) {
      const detail = `writing rows [${first}, ${first + rows.length}) failed`;
      throw new FileFormatError(this.path, detail, { dataset: dataset.path });
    }
  }

  /** Reads rows [first, end) into the staging buffer; returns its address. */
  private load(dataset: Dataset, first: number, end: number, rowSize: number): number {
    this.checkRows(dataset, first, end, 'reading');
    const ptr = this.reserve((end - first) * rowSize * FLOAT32_BYTES);
    const status = Module.get_dataset_data(
      dataset.file_id,
      dataset.path,
      ...this.hyperslab(dataset, first, end),
      BigInt(ptr),
    );
    if (status < 0) {
      throw new FileFormatError(this.path, `reading rows [${first}, ${end}) failed`, {
        dataset: dataset.path,
      });
    }
    return ptr;
  }

  /** Frees the heap buffer; the staging can be used again afterwards. */
  release(): void {
    if (this.pointer !== 0) Module._free(this.pointer);
    this.pointer = 0;
    this.capacityBytes = 0;
  }

  /** Rows [first, end) must be a non-empty run within the dataset's first axis. */
  private checkRows(dataset: Dataset, first: number, end: number, operation: string): void {
    const rows = dataset.shape?.[0] ?? 0;
    if (Number.isInteger(first) && Number.isInteger(end) && 0 <= first && first < end) {
      if (end <= rows) return;
    }
    throw new ShapeError(
      `${this.path} (dataset ${dataset.path}): ${operation} rows [${first}, ${end}): ` +
        `expected a run within [0, ${rows})`,
    );
  }

  private reserve(bytes: number): number {
    if (bytes > this.capacityBytes) {
      this.release();
      const pointer = Module._malloc(bytes);
      if (pointer === 0) {
        throw new FileFormatError(this.path, `cannot allocate ${bytes} bytes in the h5wasm heap`);
      }
      this.pointer = pointer;
      this.capacityBytes = bytes;
    }
    return this.pointer;
  }

  /**
   * [count, offset, strides] of rows [first, end), whole along the other
   * axes, in arrays kept between calls. h5wasm's binding copies each into
   * a C++ vector of hsize_t: from a BigUint64Array in one block, from an
   * array of bigint value by value (about 5 us more per call, measured).
   */
  private hyperslab(dataset: Dataset, first: number, end: number): [bigint[], bigint[], bigint[]] {
    const shape = dataset.shape!;
    if (this.count.length !== shape.length) {
      this.count = new BigUint64Array(shape.length);
      this.offset = new BigUint64Array(shape.length);
      this.strides = new BigUint64Array(shape.length).fill(1n);
    }
    this.count[0] = BigInt(end - first);
    this.offset[0] = BigInt(first);
    for (let axis = 1; axis < shape.length; axis++) this.count[axis] = BigInt(shape[axis]);
    // The binding's declared type is bigint[]; it reads any array-like of hsize_t.
    const slab = [this.count, this.offset, this.strides] as unknown;
    return slab as [bigint[], bigint[], bigint[]];
  }
}

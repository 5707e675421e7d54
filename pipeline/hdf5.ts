/**
 * Small helpers around h5wasm (HDF5 compiled to WebAssembly, Node entry):
 * opening a file with a readable error when it is not HDF5 or is cut
 * short, refusing to read a dataset whose filter h5wasm lacks (HDF5 would
 * print a diagnostic and return garbage), numeric reads converted to the
 * caller's array type, and chunk shapes that fit the chunk cache.
 *
 * h5wasm converts big-endian data to native order on read. It writes only
 * little-endian types and one filter per dataset. Its heap is at most
 * 2 GB and never shrinks: read large datasets in slices.
 *
 * Left out: HDF5 filter plugins (lzf, blosc, zstd, bzip2 are reported as
 * unsupported), and silencing HDF5's own diagnostics for failures the
 * checks here do not foresee.
 */
import fs from 'node:fs';

import h5wasm, { type Dataset, type File, type Group } from 'h5wasm/node';

import { FileFormatError } from '../sim/errors.js';

export type { Dataset, File as H5File, Group };

/** Filters compiled into h5wasm, by HDF5 filter id. */
export const BUILTIN_FILTERS: ReadonlyMap<number, string> = new Map([
  [1, 'deflate'],
  [2, 'shuffle'],
  [3, 'fletcher32'],
  [4, 'szip'],
  [5, 'nbit'],
  [6, 'scaleoffset'],
]);

/** The file signature that starts an HDF5 superblock. */
const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The HDF5 default chunk cache per dataset [bytes]: chunks stay within it. */
export const CHUNK_CACHE_BYTES = 1024 * 1024;

/** HDF5 datatype classes h5wasm reports in `metadata.type`. */
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;

type OpenMode = 'r' | 'w' | 'a';

/**
 * Opens an HDF5 file. For reading, the superblock is checked first, so a
 * file that is not HDF5 or is truncated gives a FileFormatError naming it.
 */
export async function openHdf5(path: string, mode: OpenMode): Promise<File> {
  await h5wasm.ready;
  if (mode !== 'w') checkSuperblock(path);

  let file: File;
  try {
    file = new h5wasm.File(path, mode);
  } catch (error) {
    throw new FileFormatError(path, `cannot open as HDF5 (mode ${mode})`, { cause: error });
  }
  if (file.file_id < 0n) {
    throw new FileFormatError(path, `HDF5 refused to open the file (mode ${mode})`);
  }
  return file;
}

/**
 * Finds the superblock (at 0, 512, 1024, ... bytes) and checks that the
 * file is as long as the superblock says.
 */
export function checkSuperblock(path: string): void {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new FileFormatError(path, `cannot open (${code})`, { cause: error });
  }
  try {
    const size = fs.fstatSync(fd).size;
    const start = findSignature(fd, size);
    if (start < 0) throw new FileFormatError(path, 'not an HDF5 file (no HDF5 signature)');
    const expected = storedEnd(fd, start);
    if (expected !== null && size < expected) {
      const detail = `truncated HDF5 file: ${size} bytes, the superblock says ${expected}`;
      throw new FileFormatError(path, detail);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function findSignature(fd: number, size: number): number {
  const probe = Buffer.alloc(SIGNATURE.length);
  for (let at = 0; at + SIGNATURE.length <= size; at = at === 0 ? 512 : 2 * at) {
    fs.readSync(fd, probe, 0, probe.length, at);
    if (probe.equals(SIGNATURE)) return at;
  }
  return -1;
}

/**
 * The end-of-file address of a superblock at `start` (layouts of
 * superblock versions 0-3, HDF5 file format spec section II.A), or null
 * when it cannot be read. HDF5 compares it with the file size (with a user
 * block too: h5py's 1024-byte user block gives base 1024, EOF = size).
 */
function storedEnd(fd: number, start: number): number | null {
  const head = Buffer.alloc(64);
  const got = fs.readSync(fd, head, 0, head.length, start);
  const version = head[8];
  const offsetBytes = version <= 1 ? head[13] : head[9];
  if (offsetBytes !== 8 && offsetBytes !== 4) return null;

  // The base address follows the fixed fields of each version, then the
  // free-space (v0, v1) or extension (v2, v3) address, then the EOF.
  const baseAt = version === 0 ? 24 : version === 1 ? 28 : 12;
  const eofAt = baseAt + 2 * offsetBytes;
  if (got < eofAt + offsetBytes) return null;
  return offsetBytes === 8 ? Number(head.readBigUInt64LE(eofAt)) : head.readUInt32LE(eofAt);
}

/** The dataset at `name` in `file`, or a FileFormatError. */
export function getDataset(file: File, name: string): Dataset {
  const entity = file.get(name);
  if (!entity || !('shape' in entity) || !('filters' in entity)) {
    throw new FileFormatError(file.filename, 'no such dataset', { dataset: name });
  }
  return entity as Dataset;
}

/** Throws unless every filter of the dataset is built into h5wasm. */
export function checkFilters(path: string, dataset: Dataset): void {
  for (const filter of dataset.filters) {
    if (BUILTIN_FILTERS.has(filter.id)) continue;
    const known = [...BUILTIN_FILTERS.values()].join(', ');
    const detail =
      `filter ${filter.name || 'unnamed'} (id ${filter.id}) is not available ` +
      `in h5wasm (available: ${known})`;
    throw new FileFormatError(path, detail, { dataset: dataset.path });
  }
}

/** Row range `[first, end)` of the first axis, or everything. */
export type RowRange = readonly [number, number];

/**
 * Reads a numeric dataset (any integer or float type, either byte order)
 * as float32, whole or rows `[first, end)` of its first axis.
 */
export function readFloat32(path: string, dataset: Dataset, rows?: RowRange): Float32Array {
  const values = readNumeric(path, dataset, rows);
  if (values instanceof Float32Array) return values;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    return Float32Array.from(values, Number);
  }
  return Float32Array.from(values);
}

/** Reads a numeric dataset as float64. */
export function readFloat64(path: string, dataset: Dataset): Float64Array {
  const values = readNumeric(path, dataset);
  if (values instanceof Float64Array) return values;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    return Float64Array.from(values, Number);
  }
  return Float64Array.from(values);
}

/** Reads an integer dataset as int32 (values beyond int32 are refused). */
export function readInt32(path: string, dataset: Dataset): Int32Array {
  if (dataset.metadata.type !== H5T_INTEGER) {
    const detail = `expected an integer dataset, got type class ${dataset.metadata.type}`;
    throw new FileFormatError(path, detail, { dataset: dataset.path });
  }
  const values = readNumeric(path, dataset);
  if (values instanceof Int32Array) return values;
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (v !== (v | 0)) {
      throw new FileFormatError(path, `value ${v} does not fit in int32`, {
        dataset: dataset.path,
      });
    }
    out[i] = v;
  }
  return out;
}

type NumericArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

function readNumeric(path: string, dataset: Dataset, rows?: RowRange): NumericArray {
  const { type } = dataset.metadata;
  if (type !== H5T_INTEGER && type !== H5T_FLOAT) {
    const detail = `expected a numeric dataset, got type class ${type}`;
    throw new FileFormatError(path, detail, { dataset: dataset.path });
  }
  checkFilters(path, dataset);

  const values = rows ? dataset.slice([[rows[0], rows[1]]]) : dataset.value;
  if (!ArrayBuffer.isView(values)) {
    throw new FileFormatError(path, 'expected a numeric array', { dataset: dataset.path });
  }
  return values as NumericArray;
}

/**
 * A chunk shape near `preferred`, bounded by the data shape on every axis
 * and balanced so that chunks tile the data with little padding (6000
 * ticks at a preferred 2048 give 3 chunks of 2000, not 3 of 2048 with the
 * last one partly empty), then halved along its largest axis until one
 * chunk is at most `maxBytes`.
 */
export function chunkShape(
  shape: readonly number[],
  preferred: readonly number[],
  elementBytes: number,
  maxBytes = CHUNK_CACHE_BYTES,
): number[] {
  const chunks = shape.map((n, axis) => {
    const want = Math.max(1, Math.min(n, preferred[axis] ?? n));
    return Math.max(1, Math.ceil(n / Math.ceil(n / want)));
  });
  const bytes = (): number => chunks.reduce((p, n) => p * n, elementBytes);
  while (bytes() > maxBytes) {
    const axis = chunks.indexOf(Math.max(...chunks));
    if (chunks[axis] === 1) break;
    chunks[axis] = Math.ceil(chunks[axis] / 2);
  }
  return chunks;
}

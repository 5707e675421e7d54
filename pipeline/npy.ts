/**
 * NumPy `.npy` arrays (format versions 1.0, 2.0 and 3.0, as numpy's
 * `numpy.lib.format` writes them): magic `\x93NUMPY`, version bytes, a
 * little-endian header length (uint16 in 1.0, uint32 after), then a
 * Python-literal dict with `descr`, `fortran_order` and `shape`, then the
 * raw array bytes in C (row-major) order.
 *
 * Left out (UnsupportedError): big-endian, object, string, structured and
 * Fortran-ordered arrays.
 */
import { FileFormatError, UnsupportedError } from '../sim/errors.js';

export type NpyArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

export interface Npy {
  /** The numpy dtype string, e.g. `<i2`. */
  readonly descr: string;
  readonly shape: readonly number[];
  /** The values, row-major. */
  readonly data: NpyArray;
}

type Constructor = { new (buffer: ArrayBuffer): NpyArray; BYTES_PER_ELEMENT: number };

/** Little-endian (or byte-order-free) numeric dtypes and their arrays. */
const DTYPES: ReadonlyMap<string, Constructor> = new Map<string, Constructor>([
  ['|i1', Int8Array],
  ['|u1', Uint8Array],
  ['<i2', Int16Array],
  ['<u2', Uint16Array],
  ['<i4', Int32Array],
  ['<u4', Uint32Array],
  ['<f4', Float32Array],
  ['<f8', Float64Array],
]);

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** Parses `bytes` as an .npy file; `where` names it in errors. */
export function parseNpy(bytes: Uint8Array, where: string): Npy {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new FileFormatError(where, 'not an .npy array (no \\x93NUMPY magic)');
  }
  const major = bytes[6];
  if (major < 1 || major > 3) {
    throw new UnsupportedError(`${where}: .npy format version ${major}.${bytes[7]}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (dataStart > bytes.length) {
    throw new FileFormatError(where, `.npy header of ${headerLength} bytes passes the file's end`);
  }
  const header = Buffer.from(bytes.subarray(8 + lengthBytes, dataStart)).toString('utf8');
  const { descr, shape } = parseHeader(header, where);

  const ArrayType = DTYPES.get(descr);
  if (!ArrayType) {
    const known = [...DTYPES.keys()].join(', ');
    throw new UnsupportedError(`${where}: .npy dtype ${descr} (supported: ${known})`);
  }
  const count = shape.reduce((p, n) => p * n, 1);
  const byteLength = count * ArrayType.BYTES_PER_ELEMENT;
  if (bytes.length - dataStart !== byteLength) {
    const detail =
      `.npy data is ${bytes.length - dataStart} bytes; dtype ${descr} ` +
      `shape (${shape.join(', ')}) needs ${byteLength}`;
    throw new FileFormatError(where, detail);
  }
  // A copy, aligned for the typed array (`bytes` may be a Buffer view into a pool).
  const copy = new Uint8Array(byteLength);
  copy.set(bytes.subarray(dataStart, dataStart + byteLength));
  return { descr, shape, data: new ArrayType(copy.buffer) };
}

function parseHeader(header: string, where: string): { descr: string; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new FileFormatError(where, `unreadable .npy header ${JSON.stringify(header.trim())}`);
  }
  if (fortran === 'True') {
    throw new UnsupportedError(`${where}: Fortran-ordered .npy arrays`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (!shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new FileFormatError(where, `bad .npy shape (${shapeText})`);
  }
  return { descr, shape };
}

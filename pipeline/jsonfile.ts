/**
 * Reading JSON files, plain (`.json`) or bzip2-compressed (`.json.bz2`),
 * as the Wire-Cell toolkit ships its configuration data.
 *
 * Input: a path. Output: the parsed value, unvalidated (`unknown`); the
 * caller checks the schema. A missing or unreadable file, a truncated or
 * corrupt bzip2 stream and malformed JSON all throw FileFormatError naming
 * the path, with the underlying error as `cause`. The whole file is read
 * into memory: these files are at most some tens of MB once decompressed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { FileFormatError } from '../sim/errors.js';

/** An input stream as seek-bzip reads it. */
interface ByteSource {
  readByte(): number;
  read(buffer: Uint8Array, offset: number, length: number): number;
}

/** The part of seek-bzip (a CommonJS package without types) used here. */
interface Bunzip {
  decode(input: ByteSource): Buffer;
}

const require = createRequire(import.meta.url);
const bunzip = require('seek-bzip') as Bunzip;

/** The "BZh" magic that starts every bzip2 stream. */
const BZIP2_MAGIC = Buffer.from('BZh', 'latin1');

/** Parsed contents of a `.json` or `.json.bz2` file. */
export function readJsonFile(path: string): unknown {
  const bytes = readBytes(path);
  const compressed = path.endsWith('.bz2');
  const text = compressed ? decompress(bytes, path) : bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FileFormatError(path, `malformed JSON: ${message(error)}`, { cause: error });
  }
}

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new FileFormatError(path, `cannot read file: ${message(error)}`, { cause: error });
  }
}

function decompress(bytes: Buffer, path: string): string {
  if (!bytes.subarray(0, BZIP2_MAGIC.length).equals(BZIP2_MAGIC)) {
    throw new FileFormatError(path, 'not a bzip2 stream (no "BZh" header)');
  }
  try {
    return bunzip.decode(strictSource(bytes)).toString('utf8');
  } catch (error) {
    const detail = `truncated or corrupt bzip2 stream (${message(error)})`;
    throw new FileFormatError(path, detail, { cause: error });
  }
}

/**
 * A byte source that throws at the end of the input: seek-bzip's own
 * reads past the end as zeros, which hides a lost end-of-stream trailer.
 */
function strictSource(bytes: Buffer): ByteSource {
  let position = 0;
  const readByte = () => {
    if (position >= bytes.length) throw new Error('unexpected end of input');
    return bytes[position++];
  };
  const read = (buffer: Uint8Array, offset: number, length: number) => {
    for (let k = 0; k < length; k++) buffer[offset + k] = readByte();
    return length;
  };
  return { readByte, read };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

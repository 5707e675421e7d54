/**
 * Training checkpoints in a run folder: everything needed to continue a
 * run exactly, and the generators' weights for export.
 *
 * Layout:
 *   <run>/checkpoints/step-<N>/manifest.json   what is stored, and where
 *   <run>/checkpoints/step-<N>/weights.bin     every array, back to back
 *   <run>/checkpoints/latest                   text: "step-<N>", the newest
 * A checkpoint folder is written under a temporary name and renamed into
 * place when complete; `latest` is then replaced atomically, so a run
 * killed at any moment leaves the previous checkpoint intact and named.
 *
 * manifest.json (format "wiregan-checkpoint", version 1):
 *   kind            "cyclegan" (gen_ab, gen_ba, disc_a, disc_b) or
 *                   "inpainting" (generator)
 *   step            training steps completed
 *   loaderPosition  batch number the tile loader continues from
 *   elapsedS        training time so far [s]
 *   seed, config    the run's seed and resolved config
 *   generator       the GeneratorConfig of every generator in the run
 *   arrays          [{ name, dtype, shape, byteOffset, byteLength }], the
 *                   contents of weights.bin; dtype float32, float64,
 *                   int32 or uint32, little-endian, row-major, each
 *                   array starting at a multiple of 8 bytes
 *   networks        { <network>: [array name...] }, arrays named
 *                   `<network>/<weight name>` (generator weights named as
 *                   in models/generator-spec.ts, tfjs layouts)
 *   state           the trainer's state (weights, optimiser slots, image
 *                   pool, random state) as JSON, each typed array replaced
 *                   by { "$array": "<array name>" } and each Map by
 *                   { "$map": [[key, value], ...] }
 *   sha256          hex digest of weights.bin
 * An array that is both a network weight and part of the state (the same
 * object) is stored once, under its network name; a reader that wants a
 * generator needs nothing of the trainer's state.
 *
 * A missing, truncated or corrupt checkpoint is a FileFormatError naming
 * the file. Left out: fsync, and sharding of weights.bin (a `paper` run's
 * checkpoint with optimiser state is ~1 GB, read into memory whole).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError } from '../sim/errors.js';
import { writeFileAtomic } from '../pipeline/atomic.js';
import { beginAtomicDirectory } from '../pipeline/atomicdir.js';
import type { GeneratorConfig } from './generator-spec.js';

const FORMAT = 'wiregan-checkpoint';
const VERSION = 1;
const ALIGN_BYTES = 8;

export type CheckpointKind = 'cyclegan' | 'inpainting';

/** One weight of a network: shape (tfjs layout) and values. */
export interface NamedArray {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Network name (gen_ab, disc_a, generator...) -> weight name -> array. */
export type NetworkWeights = ReadonlyMap<string, ReadonlyMap<string, NamedArray>>;

export interface Checkpoint {
  readonly kind: CheckpointKind;
  readonly step: number;
  readonly loaderPosition: number;
  readonly elapsedS: number;
  readonly seed: number;
  readonly config: unknown;
  readonly generator: GeneratorConfig;
  readonly networks: NetworkWeights;
  /** The trainer's state: plain data, typed arrays and Maps. */
  readonly state: unknown;
}

type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array;

const DTYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
} as const;
type Dtype = keyof typeof DTYPES;

interface ArrayEntry {
  name: string;
  dtype: Dtype;
  shape: number[];
  byteOffset: number;
  byteLength: number;
}

interface Manifest {
  format: string;
  version: number;
  kind: CheckpointKind;
  step: number;
  loaderPosition: number;
  elapsedS: number;
  seed: number;
  config: unknown;
  generator: GeneratorConfig;
  arrays: ArrayEntry[];
  networks: Record<string, string[]>;
  state: unknown;
  sha256: string;
}

/** `<run>/checkpoints`. */
export function checkpointsFolder(runDir: string): string {
  return path.join(runDir, 'checkpoints');
}

/**
 * Writes `checkpoint` as `<run>/checkpoints/step-<step>` and points
 * `latest` at it; returns the folder. An existing folder of the same step
 * is replaced.
 */
export async function writeCheckpoint(runDir: string, checkpoint: Checkpoint): Promise<string> {
  const folder = checkpointsFolder(runDir);
  fs.mkdirSync(folder, { recursive: true });
  const name = `step-${checkpoint.step}`;
  const target = path.join(folder, name);

  const packer = new ArrayPacker();
  const networks: Record<string, string[]> = {};
  for (const [network, weights] of checkpoint.networks) {
    networks[network] = [...weights].map(([weight, array]) =>
      packer.add(`${network}/${weight}`, array.data, array.shape),
    );
  }
  const state = packer.encode(checkpoint.state, 'state');
  const weightsBin = packer.bytes();
  const manifest: Manifest = {
    format: FORMAT,
    version: VERSION,
    kind: checkpoint.kind,
    step: checkpoint.step,
    loaderPosition: checkpoint.loaderPosition,
    elapsedS: checkpoint.elapsedS,
    seed: checkpoint.seed,
    config: checkpoint.config,
    generator: checkpoint.generator,
    arrays: packer.entries,
    networks,
    state,
    sha256: createHash('sha256').update(weightsBin).digest('hex'),
  };

  const output = beginAtomicDirectory(target, { force: true });
  try {
    fs.writeFileSync(path.join(output.tempPath, 'weights.bin'), weightsBin);
    fs.writeFileSync(path.join(output.tempPath, 'manifest.json'), JSON.stringify(manifest));
    output.commit();
  } catch (error) {
    output.abort();
    throw error;
  }
  await writeFileAtomic(path.join(folder, 'latest'), Buffer.from(`${name}\n`), { force: true });
  return target;
}

/** The newest checkpoint folder of a run, or null when it has none. */
export function latestCheckpoint(runDir: string): string | null {
  const pointer = path.join(checkpointsFolder(runDir), 'latest');
  if (!fs.existsSync(pointer)) return null;
  const name = fs.readFileSync(pointer, 'utf8').trim();
  if (!/^step-\d+$/.test(name)) {
    throw new FileFormatError(pointer, `expected "step-<N>", got ${JSON.stringify(name)}`);
  }
  const folder = path.join(checkpointsFolder(runDir), name);
  if (!fs.existsSync(folder)) {
    throw new FileFormatError(pointer, `names ${name}, which does not exist`);
  }
  return folder;
}

/** Removes all but the newest `keep` checkpoint folders (keep >= 1). */
export function pruneCheckpoints(runDir: string, keep: number): void {
  const folder = checkpointsFolder(runDir);
  const steps = fs
    .readdirSync(folder)
    .map((name) => /^step-(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => b - a);
  for (const step of steps.slice(Math.max(1, keep))) {
    fs.rmSync(path.join(folder, `step-${step}`), { recursive: true, force: true });
  }
}

/** Reads a checkpoint folder (`<run>/checkpoints/step-<N>`). */
export function readCheckpoint(folder: string): Checkpoint {
  const manifestPath = path.join(folder, 'manifest.json');
  const manifest = readManifest(manifestPath);
  const weightsPath = path.join(folder, 'weights.bin');
  const arrays = readArrays(weightsPath, manifest);

  const networks = new Map<string, Map<string, NamedArray>>();
  for (const [network, names] of Object.entries(manifest.networks)) {
    const weights = new Map<string, NamedArray>();
    for (const name of names) {
      const entry = arrays.get(name);
      if (!entry || !(entry.data instanceof Float32Array)) {
        throw new FileFormatError(manifestPath, `network ${network}: no float32 array "${name}"`);
      }
      weights.set(name.slice(network.length + 1), entry as NamedArray);
    }
    networks.set(network, weights);
  }
  return {
    kind: manifest.kind,
    step: manifest.step,
    loaderPosition: manifest.loaderPosition,
    elapsedS: manifest.elapsedS,
    seed: manifest.seed,
    config: manifest.config,
    generator: manifest.generator,
    networks,
    state: decode(manifest.state, arrays, manifestPath),
  };
}

/** The newest checkpoint of a run; a FileFormatError when it has none. */
export function readLatestCheckpoint(runDir: string): Checkpoint {
  const folder = latestCheckpoint(runDir);
  if (!folder) {
    throw new FileFormatError(checkpointsFolder(runDir), 'the run has no checkpoint');
  }
  return readCheckpoint(folder);
}

/** Which generator to read: CycleGAN's two, or the pre-trained one. */
export type GeneratorName = 'gen_ab' | 'gen_ba' | 'generator';

/**
 * One generator's config and weights (keyed as in generatorWeightSpecs)
 * from the newest checkpoint of a run. `generator` is the inpainting
 * pre-training's generator.
 */
export function readGeneratorWeights(
  runDir: string,
  which: GeneratorName,
): { config: GeneratorConfig; weights: Map<string, Float32Array>; step: number } {
  const folder = latestCheckpoint(runDir);
  if (!folder) {
    throw new FileFormatError(checkpointsFolder(runDir), 'the run has no checkpoint');
  }
  const checkpoint = readCheckpoint(folder);
  const network = checkpoint.networks.get(which);
  if (!network) {
    const present = [...checkpoint.networks.keys()].join(', ');
    throw new FileFormatError(
      path.join(folder, 'manifest.json'),
      `no network "${which}" in this ${checkpoint.kind} checkpoint (it has ${present})`,
    );
  }
  const weights = new Map<string, Float32Array>();
  for (const [name, array] of network) weights.set(name, array.data);
  return { config: checkpoint.generator, weights, step: checkpoint.step };
}

/** Collects typed arrays into one aligned buffer. */
class ArrayPacker {
  readonly entries: ArrayEntry[] = [];
  private readonly chunks: TypedArray[] = [];
  private readonly names = new Map<TypedArray, string>();
  private byteLength = 0;
  private counter = 0;

  /** Stores `data` under `name`, or returns the name it is already stored under. */
  add(name: string, data: TypedArray, shape: readonly number[] = [data.length]): string {
    const stored = this.names.get(data);
    if (stored !== undefined) return stored;
    this.names.set(data, name);
    const dtype = dtypeOf(data);
    const byteOffset = Math.ceil(this.byteLength / ALIGN_BYTES) * ALIGN_BYTES;
    this.entries.push({ name, dtype, shape: [...shape], byteOffset, byteLength: data.byteLength });
    this.chunks.push(data);
    this.byteLength = byteOffset + data.byteLength;
    return name;
  }

  /** `value` as JSON-able data, its typed arrays moved into the buffer. */
  encode(value: unknown, where: string): unknown {
    if (ArrayBuffer.isView(value)) {
      return { $array: this.add(`${where}#${this.counter++}`, value as TypedArray) };
    }
    if (value instanceof Map) {
      return { $map: [...value].map(([k, v]) => [k, this.encode(v, `${where}/${String(k)}`)]) };
    }
    if (Array.isArray(value)) return value.map((v, i) => this.encode(v, `${where}/${i}`));
    if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.encode(v, `${where}/${k}`);
      return out;
    }
    return value;
  }

  bytes(): Buffer {
    const out = Buffer.alloc(this.byteLength);
    this.entries.forEach((entry, i) => {
      const data = this.chunks[i];
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), entry.byteOffset);
    });
    return out;
  }
}

function dtypeOf(data: TypedArray): Dtype {
  for (const [dtype, type] of Object.entries(DTYPES)) {
    if (data instanceof type) return dtype as Dtype;
  }
  const kind = (data as object).constructor.name;
  throw new FileFormatError('checkpoint', `cannot store a ${kind} (float32/64, int32, uint32)`);
}

function readManifest(manifestPath: string): Manifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch (cause) {
    const detail = (cause as Error).message;
    throw new FileFormatError(manifestPath, `not a readable checkpoint manifest: ${detail}`, {
      cause,
    });
  }
  if (manifest?.format !== FORMAT || manifest.version !== VERSION) {
    throw new FileFormatError(
      manifestPath,
      `expected format ${FORMAT} version ${VERSION}, got ${manifest?.format} ${manifest?.version}`,
    );
  }
  return manifest;
}

function readArrays(weightsPath: string, manifest: Manifest): Map<string, NamedArray> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(weightsPath);
  } catch (cause) {
    throw new FileFormatError(weightsPath, 'cannot read checkpoint weights', { cause });
  }
  const last = manifest.arrays.at(-1);
  const expected = last ? last.byteOffset + last.byteLength : 0;
  if (bytes.byteLength !== expected) {
    throw new FileFormatError(
      weightsPath,
      `expected ${expected} bytes, got ${bytes.byteLength} (truncated or overwritten)`,
    );
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== manifest.sha256) {
    throw new FileFormatError(weightsPath, 'sha256 differs from the manifest (corrupt)');
  }

  const arrays = new Map<string, NamedArray>();
  for (const entry of manifest.arrays) {
    const type = DTYPES[entry.dtype];
    if (!type) throw new FileFormatError(weightsPath, `unknown dtype ${entry.dtype}`);
    const start = entry.byteOffset;
    const copy = new Uint8Array(bytes.subarray(start, start + entry.byteLength)).buffer;
    arrays.set(entry.name, { shape: entry.shape, data: new type(copy) as Float32Array });
  }
  return arrays;
}

function decode(value: unknown, arrays: Map<string, NamedArray>, where: string): unknown {
  if (Array.isArray(value)) return value.map((v) => decode(v, arrays, where));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (typeof record.$array === 'string') {
    const array = arrays.get(record.$array);
    if (!array) throw new FileFormatError(where, `state names a missing array ${record.$array}`);
    return array.data;
  }
  if (Array.isArray(record.$map)) {
    return new Map(
      (record.$map as [unknown, unknown][]).map(([k, v]) => [k, decode(v, arrays, where)]),
    );
  }
  if (typeof record.$number === 'string') return Number(record.$number);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = decode(v, arrays, where);
  return out;
}

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  latestCheckpoint,
  pruneCheckpoints,
  readCheckpoint,
  readGeneratorWeights,
  writeCheckpoint,
  type Checkpoint,
  type NamedArray,
} from '../../models/checkpoint.js';
import { GENERATOR_PRESETS, generatorWeightSpecs } from '../../models/generator-spec.js';
import { FileFormatError } from '../../sim/errors.js';

const GENERATOR = GENERATOR_PRESETS.tiny;

/** Generator weights whose values encode (network, weight index, element). */
function generatorWeights(offset: number): Map<string, NamedArray> {
  const weights = new Map<string, NamedArray>();
  generatorWeightSpecs(GENERATOR).forEach((spec, k) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: size }, (_, i) => offset + k + i / 1024);
    weights.set(spec.name, { shape: spec.shape, data });
  });
  return weights;
}

function checkpointAt(step: number): Checkpoint {
  return {
    kind: 'cyclegan',
    step,
    loaderPosition: step + 1,
    elapsedS: 12.5,
    seed: 7,
    config: { preset: 'tiny', steps: 100 },
    generator: GENERATOR,
    networks: new Map([
      ['gen_ab', generatorWeights(0)],
      ['gen_ba', generatorWeights(1000)],
    ]),
    state: {
      adam: new Map([['m', Float32Array.from([1, 2, 3])]]),
      iterations: step,
      rng: Uint32Array.from([1, 2 ** 32 - 1, 3, 4]),
      pool: [Float64Array.from([0.5]), Int32Array.from([-3])],
      odd: [Number.NaN, Number.POSITIVE_INFINITY, null, 'text', true],
    },
  };
}

describe('models/checkpoint', () => {
  let run: string;
  beforeEach(() => (run = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-ckpt-'))));
  afterEach(() => fs.rmSync(run, { recursive: true, force: true }));

  it('reads back every array, Map, number and string of the state exactly', async () => {
    const written = checkpointAt(20);
    const folder = await writeCheckpoint(run, written);
    assert.equal(folder, path.join(run, 'checkpoints', 'step-20'));
    assert.equal(latestCheckpoint(run), folder);

    const read = readCheckpoint(folder);
    assert.equal(read.kind, 'cyclegan');
    assert.equal(read.step, 20);
    assert.equal(read.loaderPosition, 21);
    assert.equal(read.elapsedS, 12.5);
    assert.equal(read.seed, 7);
    assert.deepEqual(read.config, written.config);
    assert.deepEqual(read.generator, GENERATOR);
    assert.deepEqual(read.state, written.state);
    for (const [network, weights] of written.networks) {
      const back = read.networks.get(network)!;
      assert.deepEqual([...back.keys()], [...weights.keys()]);
      for (const [name, array] of weights) {
        assert.deepEqual(back.get(name)!.shape, array.shape);
        assert.deepEqual(back.get(name)!.data, array.data);
      }
    }
  });

  it('readGeneratorWeights returns the named generator of the newest checkpoint', async () => {
    await writeCheckpoint(run, checkpointAt(10));
    await writeCheckpoint(run, checkpointAt(30));
    const { config, weights, step } = readGeneratorWeights(run, 'gen_ba');
    assert.equal(step, 30);
    assert.deepEqual(config, GENERATOR);
    const specs = generatorWeightSpecs(GENERATOR);
    assert.deepEqual(
      [...weights.keys()],
      specs.map((s) => s.name),
    );
    // Weight k, element i of gen_ba was written as 1000 + k + i / 1024 (k = 2: enc0/conv1/kernel).
    assert.equal(weights.get(specs[2].name)![5], Math.fround(1002 + 5 / 1024));
    assert.throws(() => readGeneratorWeights(run, 'generator'), /no network "generator"/);
  });

  it('stores an array shared by a network and the state once', async () => {
    const written = checkpointAt(3);
    const genAB = written.networks.get('gen_ab')!;
    const weights = new Map([...genAB].map(([name, array]) => [name, array.data]));
    const folder = await writeCheckpoint(run, { ...written, state: { weights } });
    const bytes = fs.statSync(path.join(folder, 'weights.bin')).size;
    const alone = await writeCheckpoint(run, { ...written, step: 4, state: {} });
    assert.equal(bytes, fs.statSync(path.join(alone, 'weights.bin')).size);
    assert.deepEqual((readCheckpoint(folder).state as { weights: unknown }).weights, weights);
  });

  it('keeps the newest checkpoints when pruning', async () => {
    for (const step of [5, 10, 15]) await writeCheckpoint(run, checkpointAt(step));
    pruneCheckpoints(run, 2);
    const left = fs.readdirSync(path.join(run, 'checkpoints')).sort();
    assert.deepEqual(left, ['latest', 'step-10', 'step-15']);
  });

  it('refuses a truncated or corrupt weights file, and a broken manifest, naming the file', async () => {
    const folder = await writeCheckpoint(run, checkpointAt(4));
    const weights = path.join(folder, 'weights.bin');
    const bytes = fs.readFileSync(weights);

    fs.writeFileSync(weights, bytes.subarray(0, bytes.length - 8));
    assert.throws(
      () => readCheckpoint(folder),
      (e: unknown) =>
        e instanceof FileFormatError && e.path === weights && /truncated/.test(e.message),
    );

    const flipped = Buffer.from(bytes);
    flipped[100] ^= 1;
    fs.writeFileSync(weights, flipped);
    assert.throws(
      () => readGeneratorWeights(run, 'gen_ab'),
      (e: unknown) =>
        e instanceof FileFormatError && e.path === weights && /corrupt/.test(e.message),
    );

    const manifest = path.join(folder, 'manifest.json');
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').slice(0, 50));
    assert.throws(
      () => readCheckpoint(folder),
      (e: unknown) => e instanceof FileFormatError && e.path === manifest,
    );
  });

  it('says a run without checkpoints has none', () => {
    assert.equal(latestCheckpoint(run), null);
    assert.throws(() => readGeneratorWeights(run, 'gen_ab'), /has no checkpoint/);
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import onnxProto from 'onnx-proto';

import { type NamedArray, writeCheckpoint } from '../../models/checkpoint.js';
import { GENERATOR_PRESETS, generatorWeightSpecs } from '../../models/generator-spec.js';
import { exportGeneratorOnnx } from '../../models/onnx-export.js';
import { OnnxTranslator } from '../../models/onnx-translator.js';
import { randomGeneratorWeights, randomTiles } from '../helpers/generator-weights.js';

const { onnx } = onnxProto;
const TINY = GENERATOR_PRESETS.tiny;
const STEP = 120;

function wiregan(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/wiregan.js', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function named(weights: Map<string, Float32Array>): Map<string, NamedArray> {
  const shapes = new Map(generatorWeightSpecs(TINY).map((s) => [s.name, s.shape]));
  return new Map([...weights].map(([name, data]) => [name, { shape: shapes.get(name)!, data }]));
}

function metadata(file: string): Record<string, string> {
  const model = onnx.ModelProto.decode(fs.readFileSync(file));
  return Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value ?? '']));
}

describe('cli/export', () => {
  let dir: string;
  let run: string;
  const genAB = randomGeneratorWeights(TINY, 21);
  const genBA = randomGeneratorWeights(TINY, 22);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-cli-export-'));
    run = path.join(dir, 'run');
    await writeCheckpoint(run, {
      kind: 'cyclegan',
      step: STEP,
      loaderPosition: 0,
      elapsedS: 1,
      seed: 1,
      config: { preset: 'tiny' },
      generator: TINY,
      networks: new Map([
        ['gen_ab', named(genAB)],
        ['gen_ba', named(genBA)],
      ]),
      state: {},
    });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes g_ab.onnx and g_ba.onnx of the newest checkpoint with their directions', async () => {
    const result = wiregan('export', run, '--plane', 'w');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /exported gen_ab .*step=120/);

    const gab = path.join(run, 'g_ab.onnx');
    const gba = path.join(run, 'g_ba.onnx');
    const options = { plane: 'w', step: STEP };
    const wantAB = exportGeneratorOnnx(TINY, genAB, {
      ...options,
      domains: 'a->b',
      graphName: 'gen_ab',
    });
    const wantBA = exportGeneratorOnnx(TINY, genBA, {
      ...options,
      domains: 'b->a',
      graphName: 'gen_ba',
    });
    assert.ok(Buffer.from(wantAB).equals(fs.readFileSync(gab)), 'g_ab.onnx is gen_ab');
    assert.ok(Buffer.from(wantBA).equals(fs.readFileSync(gba)), 'g_ba.onnx is gen_ba');
    assert.deepEqual(
      [metadata(gab).domains, metadata(gba).domains, metadata(gab).plane, metadata(gab).step],
      ['a->b', 'b->a', 'w', '120'],
    );

    const translator = await OnnxTranslator.open(gab, { intraOpThreads: 1 });
    try {
      assert.deepEqual([translator.tileHeight, translator.tileWidth], TINY.tile);
      const out = await translator.translate(randomTiles(1, 32, 32, 23), 1);
      assert.ok(out.some((v) => v !== 0));
    } finally {
      await translator.close();
    }
    assert.deepEqual(
      fs.readdirSync(run).filter((name) => name.endsWith('.tmp')),
      [],
    );
  });

  it('keeps existing files unless --force, and writes to --out', () => {
    const before = fs.readFileSync(path.join(run, 'g_ab.onnx'));
    const refused = wiregan('export', run);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /FileFormatError: .*g_ab\.onnx: output exists/);
    assert.ok(before.equals(fs.readFileSync(path.join(run, 'g_ab.onnx'))));
    assert.equal(wiregan('export', run, '--force').code, 0);

    const out = path.join(dir, 'elsewhere');
    fs.mkdirSync(out);
    assert.equal(wiregan('export', run, '--out', out).code, 0);
    assert.deepEqual(fs.readdirSync(out).sort(), ['g_ab.onnx', 'g_ba.onnx']);
  });

  it('exits 2 naming a run without checkpoints and leaves no file behind', () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    const result = wiregan('export', empty);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /FileFormatError: .*checkpoints: the run has no checkpoint/);
    assert.deepEqual(fs.readdirSync(empty), []);
  });

  it('names an unwritable output folder and a missing run folder, without a stack', () => {
    // Nobody, root included, can create a file in /proc.
    const unwritable = wiregan('export', run, '--out', '/proc', '--force');
    assert.equal(unwritable.code, 2);
    assert.match(
      unwritable.stderr,
      /FileFormatError: \/proc\/g_ab\.onnx: cannot write into \/proc/,
    );
    assert.doesNotMatch(unwritable.stderr, /internal error|at .*\.ts:/);
    const missing = wiregan('export', path.join(dir, 'no-such-run'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no-such-run: no such run folder/);
  });

  it('refuses a --plane that no detector has, before writing anything', () => {
    const out = path.join(dir, 'bad-plane');
    const result = wiregan('export', run, '--out', out, '--plane', 'x');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--plane: expected one of u, v, w .*got "x"/);
    assert.equal(fs.existsSync(path.join(out, 'g_ab.onnx')), false);
  });

  it("records the plane of the run's tile file and refuses a --plane that contradicts it", () => {
    const recorded = path.join(dir, 'run-u');
    fs.cpSync(run, recorded, { recursive: true });
    fs.writeFileSync(
      path.join(recorded, 'data.json'),
      JSON.stringify({ tiles: '/data/tiles-u.h5', plane: 'u' }),
    );
    const result = wiregan('export', recorded, '--force');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(metadata(path.join(recorded, 'g_ab.onnx')).plane, 'u');
    const wrong = wiregan('export', recorded, '--plane', 'v', '--force');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--plane v: run .*run-u was trained on plane u tiles/);
  });
});

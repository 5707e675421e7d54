import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';

import { GENERATOR_PRESETS, type GeneratorConfig } from '../../models/generator-spec.js';
import { exportGeneratorOnnx } from '../../models/onnx-export.js';
import { OnnxTranslator } from '../../models/onnx-translator.js';
import { ConfigError, ShapeError } from '../../sim/errors.js';
import { randomGeneratorWeights, randomTiles } from '../helpers/generator-weights.js';
import { NO_ONNX, hasPythonOnnx } from '../helpers/onnx-models.js';
import {
  NO_TORCH,
  hasPythonTorch,
  torchExport,
  torchForward,
  writeWeightFile,
} from '../helpers/torch-reference.js';

const { onnx } = onnxProto;
const TINY = GENERATOR_PRESETS.tiny;

/** Parity tolerance: max |onnx - reference| / max |reference|. */
const PARITY = 1e-4;

/** Runs an ONNX model on tiles [n, 1, h, w] with onnxruntime (1 thread). */
async function runOnnx(model: Uint8Array | string, tiles: Float32Array, config: GeneratorConfig) {
  const [h, w] = config.tile;
  const options = { intraOpNumThreads: 1 };
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model, options)
      : await ort.InferenceSession.create(model, options);
  try {
    const input = new ort.Tensor('float32', tiles, [tiles.length / (h * w), 1, h, w]);
    const result = await session.run({ input });
    const output = result.output;
    assert.deepEqual(output.dims, input.dims);
    return Float32Array.from(output.data as Float32Array);
  } finally {
    await session.release();
  }
}

function relativeError(got: Float32Array, want: Float32Array): number {
  assert.equal(got.length, want.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  assert.ok(scale > 0, 'reference output is all zeros');
  return diff / scale;
}

/** Checker (full_check) and the metadata hash recomputed by python3-onnx. */
const CHECK_SCRIPT = `
import sys, json, hashlib, onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
props = {p.key: p.value for p in m.metadata_props}
text = json.dumps(json.loads(props['config']), sort_keys=True, separators=(',', ':'))
print(json.dumps({'hash': hashlib.sha256(text.encode()).hexdigest(), 'props': props,
                  'opset': m.opset_import[0].version, 'ir': m.ir_version,
                  'producer': m.producer_name}))
`;

describe('models/onnx-export', function () {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wiregan-onnx-export-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('declares input and output [N, 1, h, w], opset 17, IR 8 and the metadata', () => {
    const weights = randomGeneratorWeights(TINY, 1);
    const bytes = exportGeneratorOnnx(TINY, weights, { domains: 'a->b', plane: 'u', step: 42 });
    const model = onnx.ModelProto.decode(bytes);
    assert.equal(Number(model.irVersion), 8);
    assert.deepEqual(
      model.opsetImport.map((o) => [o.domain, Number(o.version)]),
      [['', 17]],
    );
    assert.equal(model.producerName, 'wiregan');
    const dims = (v: onnxProto.onnx.IValueInfoProto) =>
      v.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
    assert.deepEqual(model.graph?.input?.map(dims), [['N', 1, 32, 32]]);
    assert.deepEqual(model.graph?.output?.map(dims), [['N', 1, 32, 32]]);
    assert.deepEqual(model.graph?.input?.[0].name, 'input');
    assert.deepEqual(model.graph?.output?.[0].name, 'output');
    const props = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    assert.equal(props.tile_height, '32');
    assert.equal(props.tile_width, '32');
    assert.equal(props.domains, 'a->b');
    assert.equal(props.plane, 'u');
    assert.equal(props.step, '42');
    assert.equal(Number(props.input_scale), TINY.inputScale);
    assert.deepEqual(JSON.parse(props.config), TINY);
  });

  it('passes the ONNX checker with full_check; config_hash is sha256 of the sorted JSON', function () {
    if (!hasPythonOnnx()) {
      console.warn(`      skipped: ${NO_ONNX}`);
      this.skip();
    }
    const path = join(dir, 'tiny-check.onnx');
    writeFileSync(path, exportGeneratorOnnx(TINY, randomGeneratorWeights(TINY, 2)));
    const out = execFileSync('/usr/bin/python3', ['-c', CHECK_SCRIPT, path], { encoding: 'utf8' });
    const report = JSON.parse(out) as { hash: string; props: Record<string, string> };
    assert.equal(report.props.config_hash, report.hash);
  });

  it('is the identity formula bias / inputScale when only the output bias is non-zero', async () => {
    const weights = randomGeneratorWeights(TINY, 3);
    for (const values of weights.values()) values.fill(0);
    weights.get('output/bias')?.fill(1.5);
    const tiles = randomTiles(2, 32, 32, 4);
    const out = await runOnnx(exportGeneratorOnnx(TINY, weights), tiles, TINY);
    const want = 1.5 / TINY.inputScale;
    assert.ok(out.every((v) => Math.abs(v - want) <= 1e-6 * want));
  });

  it('treats a config without `residual` (older checkpoints) as not residual', async () => {
    const { residual, ...older } = TINY;
    assert.equal(residual, false);
    const weights = randomGeneratorWeights(TINY, 3);
    for (const values of weights.values()) values.fill(0);
    weights.get('output/bias')?.fill(1.5);
    const tiles = randomTiles(2, 32, 32, 4);
    const out = await runOnnx(exportGeneratorOnnx(older, weights), tiles, TINY);
    const want = 1.5 / TINY.inputScale;
    assert.ok(out.every((v) => Math.abs(v - want) <= 1e-6 * want));
  });

  it('residual: x + bias / inputScale when only the output bias is non-zero', async () => {
    const config = { ...TINY, residual: true };
    const weights = randomGeneratorWeights(config, 3);
    for (const values of weights.values()) values.fill(0);
    weights.get('output/bias')?.fill(1.5);
    const tiles = randomTiles(2, 32, 32, 4);
    const out = await runOnnx(exportGeneratorOnnx(config, weights), tiles, config);
    const shift = 1.5 / TINY.inputScale;
    // float32 sums: a few ulps of |x| + shift.
    const ok = (v: number, i: number) => Math.abs(v - (tiles[i] + shift)) <= 1e-5 * (shift + 1e3);
    assert.ok(out.every(ok));
  });

  it('opens in OnnxTranslator with the tile size of the config', async () => {
    const config: GeneratorConfig = { ...TINY, tile: [16, 48] };
    const path = join(dir, 'translator.onnx');
    writeFileSync(path, exportGeneratorOnnx(config, randomGeneratorWeights(config, 5)));
    const translator = await OnnxTranslator.open(path, { intraOpThreads: 1 });
    try {
      assert.deepEqual([translator.tileHeight, translator.tileWidth], [16, 48]);
      const out = await translator.translate(randomTiles(3, 16, 48, 6), 3);
      assert.equal(out.length, 3 * 16 * 48);
    } finally {
      await translator.close();
    }
  });

  it('refuses a missing, an unexpected or a wrongly sized weight with a ShapeError', () => {
    const weights = randomGeneratorWeights(TINY, 7);
    const missing = new Map(weights);
    missing.delete('vit/block0/rezero');
    assert.throws(
      () => exportGeneratorOnnx(TINY, missing),
      (e: Error) =>
        e instanceof ShapeError &&
        /"vit\/block0\/rezero": expected shape \[\] \(1 values\), got no such weight/.test(
          e.message,
        ),
    );
    const extra = new Map(weights).set('enc9/conv1/kernel', new Float32Array(4));
    assert.throws(() => exportGeneratorOnnx(TINY, extra), /ShapeError|"enc9\/conv1\/kernel"/);
    assert.throws(() => exportGeneratorOnnx(TINY, extra), ShapeError);
    const short = new Map(weights).set('enc1/conv1/kernel', new Float32Array(10));
    assert.throws(
      () => exportGeneratorOnnx(TINY, short),
      /"enc1\/conv1\/kernel": expected shape \[3,3,4,8\] \(288 values\), got 10 values/,
    );
  });

  it('refuses tiles that are not multiples of 2^L with a ConfigError', () => {
    const config: GeneratorConfig = { ...TINY, tile: [32, 40] };
    assert.throws(
      () => exportGeneratorOnnx(config, randomGeneratorWeights(TINY, 8)),
      (e: Error) => e instanceof ConfigError && /tile\[1\].*2\^L = 16.*got 40/.test(e.message),
    );
  });

  describe('parity with the PyTorch reference', function () {
    before(function () {
      if (!hasPythonTorch()) {
        console.warn(`      skipped: ${NO_TORCH}`);
        this.skip();
      }
    });

    async function parity(name: string, config: GeneratorConfig, n: number): Promise<number> {
      const weights = randomGeneratorWeights(config, 11);
      const weightPath = join(dir, `${name}.safetensors`);
      writeWeightFile(weightPath, config, weights);
      const tiles = randomTiles(n, config.tile[0], config.tile[1], 12);
      const out = await runOnnx(exportGeneratorOnnx(config, weights), tiles, config);
      return relativeError(out, torchForward(dir, weightPath, tiles));
    }

    it(`tiny: onnxruntime equals torch within ${PARITY} relative`, async () => {
      assert.ok((await parity('tiny', TINY, 3)) < PARITY);
    });

    it(`tiny residual: onnxruntime equals torch within ${PARITY} relative`, async () => {
      assert.ok((await parity('tiny-residual', { ...TINY, residual: true }, 3)) < PARITY);
    });

    it(`small: onnxruntime equals torch within ${PARITY} relative`, async () => {
      assert.ok((await parity('small', GENERATOR_PRESETS.small, 2)) < PARITY);
    });

    it('tiny: equals the graph torch.onnx.export makes of the same weights', async () => {
      const weights = randomGeneratorWeights(TINY, 13);
      const weightPath = join(dir, 'tiny-export.safetensors');
      const torchPath = join(dir, 'tiny-torch.onnx');
      writeWeightFile(weightPath, TINY, weights);
      torchExport(weightPath, torchPath);
      const tiles = randomTiles(2, 32, 32, 14);
      const ours = await runOnnx(exportGeneratorOnnx(TINY, weights), tiles, TINY);
      const theirs = await runOnnx(torchPath, tiles, TINY);
      assert.ok(relativeError(ours, theirs) < PARITY);
    });

    it(`paper (slow, one 256 x 256 tile): onnxruntime equals torch within ${PARITY}`, async function () {
      this.timeout(120_000);
      assert.ok((await parity('paper', GENERATOR_PRESETS.paper, 1)) < PARITY);
    });
  });
});

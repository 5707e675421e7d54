import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { GENERATOR_PRESETS } from '../../models/generator-spec.js';
import { readOnnxMetadata, targetDomain } from '../../models/onnx-metadata.js';
import { exportGeneratorOnnx } from '../../models/onnx-export.js';
import { openTranslator } from '../../pipeline/translate-model.js';
import { ConfigError } from '../../sim/errors.js';
import { randomGeneratorWeights } from '../helpers/generator-weights.js';
import { hasPythonOnnx, writeAffineModel } from '../helpers/onnx-models.js';

describe('pipeline/translate-model: the model metadata must fit the output', () => {
  let dir: string;
  let model: string;
  const cpu = { device: 'cpu', workers: 0, threads: 1 } as const;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-trmodel-'));
    model = path.join(dir, 'g_ab.onnx');
    const config = GENERATOR_PRESETS.tiny;
    const bytes = exportGeneratorOnnx(config, randomGeneratorWeights(config, 1), {
      domains: 'a->b',
      plane: 'u',
    });
    fs.writeFileSync(model, bytes);
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the direction and plane written by the export', () => {
    const metadata = readOnnxMetadata(model);
    assert.equal(metadata.get('domains'), 'a->b');
    assert.equal(metadata.get('plane'), 'u');
    assert.equal(targetDomain(metadata), 'b');
    assert.equal(targetDomain(new Map()), null);
  });

  it('opens the model for its own domain and plane, or all planes', async () => {
    for (const plane of ['u', 'all']) {
      const translator = await openTranslator(model, { ...cpu, domain: 'b', plane });
      assert.equal(translator.tileHeight, GENERATOR_PRESETS.tiny.tile[0]);
      await translator.close();
    }
  });

  it('refuses another --domain and another --plane, naming both', async () => {
    await assert.rejects(
      openTranslator(model, { ...cpu, domain: 'a', plane: 'all' }),
      (e: Error) =>
        e instanceof ConfigError &&
        /translates a->b, but --domain is a: expected --domain b/.test(e.message),
    );
    await assert.rejects(
      openTranslator(model, { ...cpu, domain: 'b', plane: 'w' }),
      (e: Error) =>
        e instanceof ConfigError &&
        /trained on plane u, but --plane is w: expected --plane u/.test(e.message),
    );
  });

  it('accepts a model without metadata for either domain', async function () {
    if (!hasPythonOnnx()) this.skip();
    const bare = path.join(dir, 'bare.onnx');
    writeAffineModel(bare, 8, 8, 1, 0);
    const translator = await openTranslator(bare, { ...cpu, domain: 'a', plane: 'w' });
    await translator.close();
  });
});

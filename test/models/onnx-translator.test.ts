import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { OnnxTranslator } from '../../models/onnx-translator.js';
import { FileFormatError, ShapeError } from '../../sim/errors.js';
import { NO_ONNX, hasPythonOnnx, writeAffineModel } from '../helpers/onnx-models.js';

describe('models/onnx-translator', function () {
  let dir: string;
  before(function () {
    if (!hasPythonOnnx()) {
      console.warn(`      skipped: ${NO_ONNX}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'wiregan-onnx-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('reads the tile size and runs y = 2x + 1 on a batch of tiles', async () => {
    const path = join(dir, 'affine.onnx');
    writeAffineModel(path, 3, 5, 2, 1);
    const translator = await OnnxTranslator.open(path, { intraOpThreads: 1 });
    try {
      assert.deepEqual([translator.tileHeight, translator.tileWidth], [3, 5]);
      const tiles = Float32Array.from({ length: 2 * 15 }, (_, i) => i - 7.5);
      const out = await translator.translate(tiles, 2);
      assert.deepEqual(
        out,
        tiles.map((x) => 2 * x + 1),
      );
      assert.notEqual(out.buffer, tiles.buffer);
      await assert.rejects(translator.translate(tiles, 3), ShapeError);
    } finally {
      await translator.close();
    }
  });

  it('refuses a missing file, a non-ONNX file and a wrongly named input', async () => {
    await assert.rejects(OnnxTranslator.open(join(dir, 'none.onnx')), /no such ONNX model/);
    const junk = join(dir, 'junk.onnx');
    writeFileSync(junk, 'not a model');
    await assert.rejects(OnnxTranslator.open(junk), FileFormatError);
    const named = join(dir, 'named.onnx');
    writeAffineModel(named, 3, 5, 1, 0, 'x');
    await assert.rejects(OnnxTranslator.open(named), /expected one input named "input", got \[x\]/);
  });
});

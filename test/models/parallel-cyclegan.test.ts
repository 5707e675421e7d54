import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { initBackend } from '../../models/backend.js';
import { CycleGan, type CycleGanConfig } from '../../models/cyclegan.js';
import { DISCRIMINATOR_PRESETS } from '../../models/discriminator.js';
import { GENERATOR_PRESETS } from '../../models/generator-spec.js';
import { ParallelCycleGan } from '../../models/parallel-cyclegan.js';
import { PAPER_CYCLEGAN } from '../../models/trainconfig.js';
import { VitUnetTranslator } from '../../models/vitunet-translator.js';
import type { TileBatch } from '../../pipeline/batches.js';
import { ShapeError } from '../../sim/errors.js';
import { Rng } from '../../sim/random.js';

const CONFIG: CycleGanConfig = {
  generator: GENERATOR_PRESETS.tiny,
  discriminator: DISCRIMINATOR_PRESETS.tiny,
  ...PAPER_CYCLEGAN,
};
const LR = { gen: 1e-3, disc: 2e-3 };

function batch(seed: number, n: number): TileBatch {
  const rng = new Rng(seed);
  const [h, w] = CONFIG.generator.tile;
  const tiles = () => Float32Array.from({ length: n * h * w }, () => rng.normal(0, 30));
  return { a: tiles(), b: tiles(), n, height: h, width: w };
}

describe('models/parallel-cyclegan: the CycleGAN step split by domain over two workers', function () {
  this.timeout(30000);
  let parallel: ParallelCycleGan;

  before(async () => {
    await initBackend('wasm');
    parallel = await ParallelCycleGan.create(CONFIG, 11, { backend: 'wasm' });
  });
  after(async () => {
    await parallel.dispose();
  });

  // The serial step adds each domain's gradient sum last, as the split
  // step does: the two agree to the last bit, not only within rounding.
  for (const n of [1, 2]) {
    it(`batch ${n}: three steps give the serial step's losses, weights and state exactly`, async () => {
      const serial = CycleGan.create(CONFIG, 11);
      try {
        // The first test runs the replicas as created from the seed; the second continues.
        if (n === 2) await parallel.restore(serial.state());
        for (let step = 0; step < 3; step++) {
          const b = batch(100 + step, n);
          const want = serial.step(b, LR);
          assert.deepEqual(await parallel.step(b, LR), want, `losses of step ${step}`);
        }
        assert.equal(parallel.iterations, 3);
        assert.deepEqual(await parallel.state(), serial.state());
      } finally {
        serial.dispose();
      }
    });
  }

  it('a serial state continues in parallel and a parallel state serially, as uninterrupted steps', async () => {
    const straight = CycleGan.create(CONFIG, 12);
    const serial = CycleGan.create(CONFIG, 98);
    try {
      straight.step(batch(1, 1), LR);
      straight.step(batch(2, 1), LR);
      await parallel.restore(straight.state());
      assert.deepEqual(await parallel.step(batch(3, 1), LR), straight.step(batch(3, 1), LR));
      serial.restore(await parallel.state());
      assert.deepEqual(serial.step(batch(4, 1), LR), straight.step(batch(4, 1), LR));
      assert.deepEqual(serial.state(), straight.state());
    } finally {
      for (const gan of [straight, serial]) gan.dispose();
    }
  });

  it("its translators run the trained generators (worker a's replica)", async () => {
    const serial = CycleGan.create(CONFIG, 13);
    try {
      await parallel.restore(serial.state());
      const b = batch(5, 2);
      serial.step(b, LR);
      await parallel.step(b, LR);
      for (const [which, generator] of [
        ['gab', serial.genAB],
        ['gba', serial.genBA],
      ] as const) {
        const want = await new VitUnetTranslator(generator).translate(b.a, 2);
        assert.deepEqual(await parallel.translator(which).translate(b.a, 2), want, which);
      }
    } finally {
      serial.dispose();
    }
  });

  it("rejects with the worker's error class and message; after dispose every call rejects", async () => {
    const normed = CycleGan.create(CONFIG, 14);
    const discriminator = { ...DISCRIMINATOR_PRESETS.tiny, norm: 'none' as const };
    const plain = CycleGan.create({ ...CONFIG, discriminator }, 14);
    try {
      const state = plain.state();
      const expected = (() => {
        try {
          normed.restore(state);
        } catch (error) {
          return (error as Error).message;
        }
        assert.fail('a serial restore of a state without norms should fail');
      })();
      await assert.rejects(
        parallel.restore(state),
        (e: unknown) => e instanceof ShapeError && e.message === expected,
      );
      await parallel.dispose();
      await assert.rejects(parallel.step(batch(6, 1), LR), /terminated/);
    } finally {
      for (const gan of [normed, plain]) gan.dispose();
    }
  });

  it('lets the process exit after dispose (no worker keeps it alive)', () => {
    const url = (file: string) => new URL(file, import.meta.url).href;
    const script = `
      import { initBackend } from ${JSON.stringify(url('../../models/backend.ts'))};
      import { ParallelCycleGan } from ${JSON.stringify(url('../../models/parallel-cyclegan.ts'))};
      import { GENERATOR_PRESETS } from ${JSON.stringify(url('../../models/generator-spec.ts'))};
      import { DISCRIMINATOR_PRESETS } from ${JSON.stringify(url('../../models/discriminator.ts'))};
      import { PAPER_CYCLEGAN } from ${JSON.stringify(url('../../models/trainconfig.ts'))};
      const config = { generator: GENERATOR_PRESETS.tiny, discriminator: DISCRIMINATOR_PRESETS.tiny, ...PAPER_CYCLEGAN };
      await initBackend('wasm');
      const gan = await ParallelCycleGan.create(config, 1, { backend: 'wasm' });
      const tile = new Float32Array(32 * 32).fill(3);
      const losses = await gan.step({ a: tile, b: tile, n: 1, height: 32, width: 32 }, { gen: 1e-3, disc: 1e-3 });
      await gan.dispose();
      console.log(JSON.stringify(losses));
    `;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-parallel-'));
    const file = path.join(dir, 'exit.mjs');
    fs.writeFileSync(file, script);
    const run = spawnSync(process.execPath, ['--import', 'tsx', file], {
      encoding: 'utf8',
      timeout: 25000,
      cwd: fileURLToPath(url('../..')),
    });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(run.signal, null, `killed after 25 s: ${run.stderr}`);
    assert.equal(run.status, 0, run.stderr);
    const losses = JSON.parse(run.stdout.trim());
    assert.ok(Object.values(losses).every(Number.isFinite), run.stdout);
  });
});

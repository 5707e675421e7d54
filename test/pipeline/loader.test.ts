import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { Piscina } from 'piscina';

import type { TileBatch, TileLoaderOptions } from '../../pipeline/batches.js';
import { createTileLoader } from '../../pipeline/loader.js';
import loadBatch from '../../pipeline/loaderworker.js';
import { TileFileWriter } from '../../pipeline/tilefile.js';
import { ConfigError, FileFormatError } from '../../sim/errors.js';

const H = 3;
const W = 4;
/** Train tiles: a prime, so only batch sizes 1 and 37 divide it. */
const N = 37;
const DOMAIN_OFFSET = { a: 0, b: 100000 };

/** Value (r, c) of tile k of a domain: the tile's index can be read back from it. */
function value(domain: 'a' | 'b', k: number, r: number, c: number): number {
  return DOMAIN_OFFSET[domain] + k * 16 + r * W + c;
}

function tile(domain: 'a' | 'b', k: number): Float32Array {
  const out = new Float32Array(H * W);
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) out[r * W + c] = value(domain, k, r, c);
  return out;
}

/** The tile indices of one domain of a batch, checking every value against the pattern. */
function decode(batch: TileBatch, domain: 'a' | 'b'): number[] {
  assert.deepEqual([batch.height, batch.width], [H, W]);
  const data = batch[domain];
  assert.equal(data.length, batch.n * H * W);
  const indices: number[] = [];
  for (let i = 0; i < batch.n; i++) {
    const k = (data[i * H * W] - DOMAIN_OFFSET[domain]) / 16;
    assert.ok(Number.isInteger(k) && k >= 0 && k < N, `tile ${i} of ${domain}: bad index ${k}`);
    assert.deepEqual(data.subarray(i * H * W, (i + 1) * H * W), tile(domain, k));
    indices.push(k);
  }
  return indices;
}

interface Sequence {
  a: number[];
  b: number[];
}

async function sequence(options: TileLoaderOptions, batches: number): Promise<Sequence> {
  const loader = await createTileLoader(options);
  const out: Sequence = { a: [], b: [] };
  try {
    for (let k = 0; k < batches; k++) {
      assert.equal(loader.position, (options.startBatch ?? 0) + k);
      const batch = await loader.next();
      assert.equal(batch.n, options.batchSize);
      out.a.push(...decode(batch, 'a'));
      out.b.push(...decode(batch, 'b'));
    }
  } finally {
    await loader.close();
  }
  return out;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('pipeline/loader', function () {
  let dir: string;
  let path: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wiregan-loader-'));
    path = join(dir, 'tiles.h5');
    const header = { tileHeight: H, tileWidth: W, source: 'synthetic', config: null };
    const writer = await TileFileWriter.create(path, header);
    for (let k = 0; k < N; k++) writer.add('train', tile('a', k), tile('b', k));
    writer.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const base = (): TileLoaderOptions => ({ path, split: 'train', batchSize: 5, seed: 7 });

  it('returns every tile of a and of b exactly once per epoch, whatever the batch size', async () => {
    for (const batchSize of [1, 4, 5, 8, 37, 50]) {
      const epochs = 3;
      const batches = Math.ceil((epochs * N) / batchSize);
      const got = await sequence({ ...base(), batchSize, workers: 0 }, batches);
      for (const domain of ['a', 'b'] as const) {
        const epochOrders = range(epochs).map((e) => got[domain].slice(e * N, (e + 1) * N));
        for (const order of epochOrders) {
          assert.deepEqual(
            [...order].sort((x, y) => x - y),
            range(N),
            `batch ${batchSize}`,
          );
        }
        assert.notDeepEqual(epochOrders[0], epochOrders[1], 'each epoch is shuffled afresh');
        assert.notDeepEqual(epochOrders[0], range(N), 'epoch 0 is shuffled');
      }
      assert.notDeepEqual(got.a, got.b, 'a and b are drawn independently');
    }
  });

  it('gives the same sequence for the same seed and another for another seed', async () => {
    const first = await sequence({ ...base(), workers: 0 }, 10);
    const again = await sequence({ ...base(), workers: 0 }, 10);
    const other = await sequence({ ...base(), seed: 8, workers: 0 }, 10);
    assert.deepEqual(again, first);
    assert.notDeepEqual(other.a, first.a);
    assert.notDeepEqual(other.b, first.b);
  });

  it('gives the same sequence with 0, 1 or 2 workers and any prefetch depth', async () => {
    const reference = await sequence({ ...base(), workers: 0 }, 17);
    const variants = [
      { workers: 1, prefetch: 1 },
      { workers: 1, prefetch: 4 },
      { workers: 2, prefetch: 1 },
      { workers: 2, prefetch: 3 },
      { workers: 2, prefetch: 9 },
    ];
    for (const variant of variants) {
      const got = await sequence({ ...base(), ...variant }, 17);
      assert.deepEqual(got, reference, JSON.stringify(variant));
    }
  });

  it('starting at batch k gives the batches that follow k skipped ones', async () => {
    const full = await sequence({ ...base(), batchSize: 6, workers: 0 }, 20);
    for (const [startBatch, workers] of [
      [3, 0],
      [9, 0],
      [13, 2],
    ]) {
      const resumed = await sequence(
        { ...base(), batchSize: 6, startBatch, workers },
        20 - startBatch,
      );
      assert.deepEqual(resumed.a, full.a.slice(startBatch * 6), `startBatch ${startBatch}`);
      assert.deepEqual(resumed.b, full.b.slice(startBatch * 6), `startBatch ${startBatch}`);
    }
  });

  it('keeps tile i of a with tile i of b in paired mode', async () => {
    for (const workers of [0, 1]) {
      const got = await sequence({ ...base(), paired: true, workers }, 16);
      // decode() checked every value of both domains against the tile pattern.
      assert.deepEqual(got.b, got.a);
      assert.deepEqual(
        [...got.a.slice(0, N)].sort((x, y) => x - y),
        range(N),
      );
    }
  });

  it('rejects bad options with an error naming the option', async () => {
    const cases: [Partial<Record<string, unknown>>, RegExp][] = [
      [{ batchSize: 0 }, /option batchSize must be an integer in \[1, .*got 0/],
      [{ batchSize: 2.5 }, /option batchSize .*got 2\.5/],
      [{ seed: 1.5 }, /option seed must be an integer in \[0, 4294967295\], got 1\.5/],
      [{ seed: -1 }, /option seed .*got -1/],
      [{ split: 'valid' }, /option split must be one of "train", "test", got "valid"/],
      [{ workers: -1 }, /option workers .*got -1/],
      [{ prefetch: 0 }, /option prefetch .*got 0/],
      [{ startBatch: -2 }, /option startBatch .*got -2/],
      [{ paired: 'yes' }, /option paired must be a boolean, got "yes"/],
      [{ path: '' }, /option path must be a non-empty string/],
      [{ batchsize: 4 }, /unknown option "batchsize"/],
    ];
    for (const [override, message] of cases) {
      const options = { ...base(), ...override } as TileLoaderOptions;
      await assert.rejects(createTileLoader(options), (error: Error) => {
        assert.ok(error instanceof ConfigError, `${JSON.stringify(override)}: ${error}`);
        assert.match(error.message, message);
        return true;
      });
    }
  });

  it('names the file when it is missing and the split when it has no tiles', async () => {
    const missing = join(dir, 'absent.h5');
    await assert.rejects(createTileLoader({ ...base(), path: missing }), (error: Error) => {
      assert.ok(error instanceof FileFormatError);
      assert.equal(error.path, missing);
      assert.match(error.message, /absent\.h5: cannot open \(ENOENT\)/);
      return true;
    });
    await assert.rejects(createTileLoader({ ...base(), split: 'test' }), (error: Error) => {
      assert.ok(error instanceof FileFormatError);
      assert.match(error.message, /tiles\.h5 \(dataset test\/a\): split "test" .*has no tiles/);
      return true;
    });
  });

  it('hands the worker reply to piscina as a movable listing both batch buffers', async () => {
    const task = { path, split: 'train' as const, a: Int32Array.of(3, 1), b: Int32Array.of(2, 0) };
    const reply = (await loadBatch(task)) as unknown as Record<symbol, unknown>;
    const batch = reply[Piscina.valueSymbol] as TileBatch;
    assert.deepEqual(
      [decode(batch, 'a'), decode(batch, 'b')],
      [
        [3, 1],
        [2, 0],
      ],
    );
    // The transfer list holds exactly the two buffers, and each is only its batch array.
    assert.deepEqual(reply[Piscina.transferableSymbol], [batch.a.buffer, batch.b.buffer]);
    assert.equal(batch.a.buffer.byteLength, batch.a.byteLength);
    assert.equal(batch.b.buffer.byteLength, batch.b.byteLength);
  });

  it('refuses next() after close()', async () => {
    for (const workers of [0, 1]) {
      const loader = await createTileLoader({ ...base(), workers });
      await loader.next();
      await loader.close();
      await assert.rejects(loader.next(), /tile loader is closed/);
    }
  });

  it('ends the worker threads on close(), with batches still in flight', async function () {
    if (!existsSync('/proc/self/task')) this.skip();
    const script = join(dir, 'close.mts');
    const loaderUrl = pathToFileURL(resolve('pipeline/loader.ts')).href;
    writeFileSync(
      script,
      [
        "import { readdirSync } from 'node:fs';",
        `import { createTileLoader } from ${JSON.stringify(loaderUrl)};`,
        "const threads = () => readdirSync('/proc/self/task').length;",
        'const before = threads();',
        `const options = { path: ${JSON.stringify(path)}, split: 'train' as const,`,
        '  batchSize: 8, seed: 1, workers: 2, prefetch: 6 };',
        'const loader = await createTileLoader(options);',
        'await loader.next();',
        'const running = threads();',
        'await loader.close();',
        'console.log(JSON.stringify({ before, running, closed: threads() }));',
      ].join('\n'),
    );
    const stdout = await new Promise<string>((done, fail) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', script],
        { timeout: 60000, killSignal: 'SIGKILL' },
        (error, out) => (error ? fail(error) : done(out)),
      );
    });
    // Each worker is at least one OS thread of this process.
    const { before, running, closed } = JSON.parse(stdout);
    assert.ok(running >= before + 2, `threads: ${before} before, ${running} with 2 workers`);
    assert.equal(closed, before, `threads: ${before} before, ${closed} after close()`);
  });
});

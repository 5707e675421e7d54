import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { readCatalog } from '../../pipeline/catalog.js';
import { EventFileReader, EventFileWriter, type EventFrame } from '../../pipeline/eventfile.js';
import { DEFAULT_TILES, resolveTileConfig, type TileConfig } from '../../pipeline/tileconfig.js';
import { TileFileReader } from '../../pipeline/tilefile.js';
import { cutTiles, testEvents, tileOrigins } from '../../pipeline/tiling.js';
import type { Detector, WirePlane } from '../../sim/detector.js';
import { ConfigError, FileFormatError } from '../../sim/errors.js';
import { mm, us } from '../../sim/units.js';
import { hasH5py, PYTHON } from '../helpers/python.js';

const TICKS = 40;
const EVENTS = [0, 1, 2, 3, 4];
/** Event whose domain-b frame is flat at the baseline (no signal). */
const EMPTY_B_EVENT = 3;

function plane(name: string, index: number, firstChannel: number, baselineAdc: number): WirePlane {
  return {
    name,
    index,
    wireAngle: 0,
    pitch: 5 * mm,
    channels: 12,
    firstChannel,
    baselineAdc,
    noiseRmsAdc: 3,
  };
}

/** Planes u, v, w of 12 channels at channels 100, 112, 124. */
const DETECTOR: Detector = {
  name: 'toy',
  planes: [plane('u', 0, 100, 2350), plane('v', 1, 112, 2300), plane('w', 2, 124, 900)],
  ticks: TICKS,
  tick: 0.5 * us,
  responsePlane: 100 * mm,
  activeVolume: { x: [0, 100], y: [-50, 50], z: [-50, 50] },
};

/** Signal above baseline at (event, domain, channel, tick): integers. */
function signal(event: number, domain: number, channel: number, tick: number): number {
  if (domain === 1 && event === EMPTY_B_EVENT) return 0;
  return ((event * 31 + channel * 7 + tick * 3 + domain * 11) % 23) - 11;
}

function frame(event: number, domain: number): EventFrame {
  const channels = Int32Array.from({ length: 36 }, (_, k) => 100 + k);
  const data = new Float32Array(36 * TICKS);
  channels.forEach((channel, row) => {
    const baseline = DETECTOR.planes[Math.floor(row / 12)].baselineAdc;
    for (let t = 0; t < TICKS; t++)
      data[row * TICKS + t] = baseline + signal(event, domain, channel, t);
  });
  const tag = domain === 0 ? 'nearest' : 'multiwire';
  return { tag, channels, ticks: TICKS, data, tickinfo: [0, 0.5 * us, 0] };
}

describe('pipeline/tiling', () => {
  let folder: string;
  let events: string;
  beforeEach(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-tiling-'));
    events = path.join(folder, 'events.h5');
    const header = { detector: DETECTOR, config: {}, seed: 1, version: 'test' };
    const writer = await EventFileWriter.create(events, header, { frameChunk: [8, 16] });
    for (const event of EVENTS) writer.writeEvent(event, [frame(event, 0), frame(event, 1)]);
    writer.close();
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  /** Plane v, 4 x 8 tiles, centre crop 10 x 34, 40 % test events. */
  const config: TileConfig = {
    ...DEFAULT_TILES,
    plane: 'v',
    tileHeight: 4,
    tileWidth: 8,
    cropChannels: 10,
    cropTicks: 34,
    testFraction: 0.4,
    splitSeed: 7,
  };

  it('places tile origins from the centre crop and stride', () => {
    // Crop 10 of 12 starts at 1: tiles at 1 and 5 (9 + 4 passes 11).
    assert.deepEqual(tileOrigins(12, 4, 0, 10), [1, 5]);
    // Crop 34 of 40 starts at 3: 3, 11, 19, 27 (35 + 8 passes 37).
    assert.deepEqual(tileOrigins(40, 8, 0, 34), [3, 11, 19, 27]);
    // Overlap: stride 6 over the whole 40.
    assert.deepEqual(tileOrigins(40, 8, 6, 0), [0, 6, 12, 18, 24, 30]);
    assert.throws(() => tileOrigins(12, 4, 0, 13), ConfigError);
  });

  it('cuts the same baseline-subtracted window of the same event in a and b', async () => {
    const out = path.join(folder, 'tiles.h5');
    const summary = await cutTiles({ input: events, out, force: false, config });
    const rows = await readCatalog(path.join(folder, 'tiles.arrow'));
    const reader = await TileFileReader.open(out);
    try {
      // 2 x 4 tiles per event, 5 events.
      assert.equal(rows.length, 40);
      assert.equal(reader.count('train') + reader.count('test'), 40);
      assert.equal(reader.plane(), 'v');
      assert.equal(reader.baselineAdc(), 2300);
      for (const row of rows) {
        const a = reader.read(row.split, 'a', row.tile);
        const b = reader.read(row.split, 'b', row.tile);
        for (let r = 0; r < 4; r++) {
          for (let c = 0; c < 8; c++) {
            const [channel, tick] = [row.firstChannel + r, row.firstTick + c];
            assert.equal(a[r * 8 + c], signal(row.event, 0, channel, tick));
            assert.equal(b[r * 8 + c], signal(row.event, 1, channel, tick));
          }
        }
        assert.equal(row.plane, 'v');
        assert.ok([113, 117].includes(row.firstChannel), `first channel ${row.firstChannel}`);
        assert.ok([3, 11, 19, 27].includes(row.firstTick), `first tick ${row.firstTick}`);
        const nonzero = Array.from(a).filter((v) => v !== 0).length / 32;
        assert.equal(row.a.nonzero, nonzero);
        assert.equal(
          row.a.sum,
          Array.from(a).reduce((s, v) => s + v, 0),
        );
        assert.equal(
          row.b.absSum,
          Array.from(b).reduce((s, v) => s + Math.abs(v), 0),
        );
      }
      const tileIndices = rows.filter((r) => r.split === 'train').map((r) => r.tile);
      assert.deepEqual(tileIndices, [...tileIndices.keys()]);
      assert.equal(summary.skipped, 0);
    } finally {
      reader.close();
    }
  });

  it('pairs tiles with the event file frames read back', async () => {
    const out = path.join(folder, 'tiles.h5');
    await cutTiles({ input: events, out, force: false, config });
    const rows = await readCatalog(path.join(folder, 'tiles.arrow'));
    const tiles = await TileFileReader.open(out);
    const source = await EventFileReader.open(events);
    try {
      for (const row of rows.filter((_, i) => i % 7 === 0)) {
        for (const [domain, tag] of [
          ['a', 'nearest'],
          ['b', 'multiwire'],
        ] as const) {
          const frameRow = row.firstChannel - 100;
          const full = source.readFrame(row.event, tag, [frameRow, frameRow + 4]);
          const tile = tiles.read(row.split, domain, row.tile);
          for (let r = 0; r < 4; r++) {
            const expected = full
              .subarray(r * TICKS + row.firstTick, r * TICKS + row.firstTick + 8)
              .map((v) => v - 2300);
            assert.deepEqual(tile.subarray(r * 8, r * 8 + 8), expected);
          }
        }
      }
    } finally {
      tiles.close();
      source.close();
    }
  });

  it('puts every event in one split only, with round(n * fraction) test events', async () => {
    const out = path.join(folder, 'tiles.h5');
    const summary = await cutTiles({ input: events, out, force: false, config });
    const rows = await readCatalog(path.join(folder, 'tiles.arrow'));
    const train = new Set(rows.filter((r) => r.split === 'train').map((r) => r.event));
    const test = new Set(rows.filter((r) => r.split === 'test').map((r) => r.event));
    assert.equal(test.size, 2);
    assert.equal(train.size, 3);
    assert.deepEqual([...test].sort(), [...summary.testEvents]);
    for (const event of test) assert.ok(!train.has(event), `event ${event} in both splits`);
    assert.deepEqual(testEvents(EVENTS, 0, 1), []);
    assert.equal(testEvents([5, 6], 0.01, 1).length, 1);
    assert.deepEqual(testEvents(EVENTS, 0.4, 7), testEvents([...EVENTS].reverse(), 0.4, 7).sort());
  });

  it('skips tiles below --min-signal in either domain', async () => {
    const out = path.join(folder, 'tiles.h5');
    const summary = await cutTiles({
      input: events,
      out,
      force: false,
      config: { ...config, minSignal: 1, testFraction: 0 },
    });
    const rows = await readCatalog(path.join(folder, 'tiles.arrow'));
    assert.equal(summary.skipped, 8);
    assert.equal(rows.length, 32);
    assert.ok(rows.every((r) => r.event !== EMPTY_B_EVENT));
  });

  it('writes a tile file h5py reads: float32, one tile per chunk, no filter', async function () {
    if (!hasH5py()) this.skip();
    const out = path.join(folder, 'tiles.h5');
    await cutTiles({ input: events, out, force: false, config });
    const script = `
import sys, json, h5py
f = h5py.File(sys.argv[1], 'r')
print(json.dumps({k: {'shape': list(f[k].shape), 'chunks': list(f[k].chunks),
  'dtype': f[k].dtype.str, 'compression': f[k].compression, 'first': f[k][0].ravel().tolist()}
  for k in ('train/a', 'train/b', 'test/a', 'test/b')} | {'plane': f.attrs['plane']}))
`;
    const got = JSON.parse(execFileSync(PYTHON, ['-c', script, out], { encoding: 'utf8' }));
    const reader = await TileFileReader.open(out);
    try {
      for (const split of ['train', 'test'] as const) {
        for (const domain of ['a', 'b'] as const) {
          const d = got[`${split}/${domain}`];
          assert.deepEqual(d.shape, [reader.count(split), 4, 8]);
          assert.deepEqual(d.chunks, [1, 4, 8]);
          assert.equal(d.dtype, '<f4');
          assert.equal(d.compression, null);
          assert.deepEqual(d.first, Array.from(reader.read(split, domain, 0)));
        }
      }
      assert.equal(got.plane, 'v');
    } finally {
      reader.close();
    }
  });

  it('refuses an unknown plane and leaves no output', async () => {
    const out = path.join(folder, 'tiles.h5');
    await assert.rejects(
      cutTiles({ input: events, out, force: false, config: { ...config, plane: 'x' } }),
      (error: Error) => error instanceof ConfigError && /no plane "x".*u, v, w/.test(error.message),
    );
    assert.deepEqual(fs.readdirSync(folder), ['events.h5']);
  });

  it('refuses NaN or Inf in a frame, naming the dataset, position and value, and writes nothing', async () => {
    const bad = path.join(folder, 'bad.h5');
    const header = { detector: DETECTOR, config: {}, seed: 1, version: 'test' };
    const writer = await EventFileWriter.create(bad, header);
    const b2 = frame(2, 1);
    // Rows 12.. are plane v (channels 112..123): channel 115 tick 9, then 117 tick 0.
    b2.data[15 * TICKS + 9] = Infinity;
    b2.data[17 * TICKS + 0] = NaN;
    for (const event of [0, 2])
      writer.writeEvent(event, [frame(event, 0), event === 2 ? b2 : frame(event, 1)]);
    writer.close();
    const out = path.join(folder, 'tiles.h5');
    await assert.rejects(
      cutTiles({ input: bad, out, force: false, config: { ...config, testFraction: 0 } }),
      (e: Error) =>
        e instanceof FileFormatError &&
        e.message.startsWith(`${bad} (dataset /2/frame_multiwire): `) &&
        e.message.includes('expected finite ADC values, got 2 non-finite value(s)') &&
        e.message.includes('the first, Infinity, at (channel 115, tick 9)'),
    );
    assert.deepEqual(fs.readdirSync(folder).sort(), ['bad.h5', 'events.h5']);
  });

  it('refuses a tile larger than the cropped plane, naming --size and the extent', async () => {
    const out = path.join(folder, 'tiles.h5');
    const refuses = async (tile: Partial<TileConfig>, pattern: RegExp) =>
      assert.rejects(
        cutTiles({ input: events, out, force: false, config: { ...config, ...tile } }),
        (e: Error) => e instanceof ConfigError && pattern.test(e.message),
      );
    // Plane v: 12 channels x 40 ticks; the crop of the config is 10 x 34.
    await refuses(
      { tileHeight: 5000, tileWidth: 5000 },
      /--size: tile \[5000, 5000\] \[channels, ticks\] does not fit plane v of .*events\.h5, extent \[10, 34\] after --crop 10x34/,
    );
    await refuses(
      { tileHeight: 4, tileWidth: 41, cropChannels: 0, cropTicks: 0 },
      /--size: tile \[4, 41\] \[channels, ticks\] does not fit plane v of .*, extent \[12, 40\]; expected/,
    );
    assert.deepEqual(fs.readdirSync(folder), ['events.h5']);
  });

  it('refuses a run whose every tile is below --min-signal and writes nothing', async () => {
    const out = path.join(folder, 'tiles.h5');
    // The largest |ADC| sum of a 4 x 8 tile is at most 32 * 11 < 1e6.
    await assert.rejects(
      cutTiles({ input: events, out, force: false, config: { ...config, minSignal: 1e6 } }),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message.includes(`${events}: no tile passed --min-signal 1000000 ADC; 40 tiles skipped`),
    );
    assert.deepEqual(fs.readdirSync(folder), ['events.h5']);
  });

  it('resolves the slats preset and rejects unknown options', () => {
    const slats = resolveTileConfig('slats', {});
    assert.deepEqual(
      [slats.plane, slats.tileHeight, slats.tileWidth, slats.cropChannels, slats.cropTicks],
      ['u', 256, 256, 768, 5888],
    );
    // ProtoDUNE-SP U: 800 channels, 6000 ticks -> 3 x 23 tiles.
    const perEvent =
      tileOrigins(800, 256, 0, slats.cropChannels).length *
      tileOrigins(6000, 256, 0, slats.cropTicks).length;
    assert.equal(perEvent, 69);
    assert.throws(() => resolveTileConfig(undefined, { tileSize: 3 }), /unknown option "tileSize"/);
    assert.throws(() => resolveTileConfig(undefined, { testFraction: 1 }), /testFraction/);
    assert.throws(() => resolveTileConfig('nope', {}), /unknown tile preset "nope"/);
  });
});

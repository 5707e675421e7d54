import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { EventFileReader } from '../../pipeline/eventfile.js';
import {
  resolveSimConfig,
  runSimulation,
  truthPath,
  type SimulateJob,
} from '../../pipeline/simulate.js';
import { readTruth } from '../../pipeline/truth.js';
import { TINY_LINES, tinyRunFolder } from '../helpers/tinyrun.js';

/** Every dataset of an event file as raw bytes, keyed by its HDF5 path. */
async function datasets(file: string): Promise<Map<string, Buffer>> {
  const reader = await EventFileReader.open(file);
  const out = new Map<string, Buffer>();
  try {
    for (const event of reader.events()) {
      for (const tag of reader.tags(event)) {
        const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
        out.set(`/${event}/frame_${tag}`, bytes(reader.readFrame(event, tag)));
        out.set(`/${event}/channels_${tag}`, bytes(reader.readChannels(event, tag)));
        out.set(
          `/${event}/tickinfo_${tag}`,
          bytes(Float64Array.from(reader.readTickinfo(event, tag))),
        );
      }
    }
    out.set('header', Buffer.from(JSON.stringify(reader.header())));
  } finally {
    reader.close();
  }
  return out;
}

function assertSameDatasets(a: Map<string, Buffer>, b: Map<string, Buffer>, what: string): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${what}: dataset names`);
  for (const [name, bytes] of a) {
    assert.ok(bytes.equals(b.get(name)!), `${what}: ${name} differs`);
  }
}

describe('pipeline/simulate: reproducibility', function () {
  this.timeout(60000);
  const { dir, detector } = tinyRunFolder('wiregan-simulate-');
  const job = (out: string, seed: number, workers: number): SimulateJob => ({
    detector,
    events: 3,
    firstEvent: 0,
    seed,
    workers,
    out: path.join(dir, out),
    force: false,
    files: {},
    overrides: TINY_LINES,
  });
  const runs = new Map<string, Map<string, Buffer>>();

  before(async () => {
    for (const [name, seed, workers] of [
      ['one', 7, 1],
      ['two', 7, 2],
      ['again', 7, 1],
      ['other', 8, 1],
    ] as const) {
      await runSimulation(job(`${name}.h5`, seed, workers));
      runs.set(name, await datasets(path.join(dir, `${name}.h5`)));
    }
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes 3 events x 2 tags x 3 datasets', () => {
    const names = [...runs.get('one')!.keys()].filter((n) => n.startsWith('/'));

    assert.equal(names.length, 18);
  });

  it('--workers 2 writes every dataset byte for byte as --workers 1', async () => {
    assertSameDatasets(runs.get('one')!, runs.get('two')!, 'workers 2 vs 1');
    const truthOne = await readTruth(truthPath(path.join(dir, 'one.h5')));
    const truthTwo = await readTruth(truthPath(path.join(dir, 'two.h5')));
    assert.deepEqual(truthTwo, truthOne);
  });

  it('the same seed gives the same output', () => {
    assertSameDatasets(runs.get('one')!, runs.get('again')!, 'same seed');
  });

  it('another seed gives other frames in every event', () => {
    const one = runs.get('one')!;
    const other = runs.get('other')!;
    for (const event of [0, 1, 2]) {
      for (const tag of ['nearest', 'multiwire']) {
        const name = `/${event}/frame_${tag}`;
        assert.ok(!one.get(name)!.equals(other.get(name)!), `${name} is unchanged`);
      }
    }
  });
});

describe('pipeline/simulate: config', () => {
  const job = (preset: string | undefined, noiseSpectra: string): SimulateJob => ({
    detector: 'protodune-sp',
    events: 1,
    firstEvent: 0,
    seed: 1,
    workers: 1,
    out: 'unused.h5',
    force: false,
    preset,
    files: { noiseSpectra },
    overrides: {},
  });

  it('refuses noise spectra when the preset switches noise off, and takes them otherwise', () => {
    const spectra = '../shared/data/realdata/protodune-noise-spectra-v1.json.bz2';
    assert.throws(
      () => resolveSimConfig(job('slats', spectra)),
      /--noise-spectra .*: noise is switched off by the slats preset/,
    );
    assert.equal(resolveSimConfig(job(undefined, spectra)).noise.source, spectra);
  });
});

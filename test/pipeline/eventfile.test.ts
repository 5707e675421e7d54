import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  EventFileReader,
  EventFileWriter,
  type EventFileHeader,
  type EventFrame,
  withEventFile,
} from '../../pipeline/eventfile.js';
import type { Detector, WirePlane } from '../../sim/detector.js';
import { FileFormatError, ShapeError } from '../../sim/errors.js';
import { mm, us } from '../../sim/units.js';
import { hasH5py, PYTHON } from '../helpers/python.js';

const FIELD_SAMPLES = '../shared/data/field-samples';
const WIRECELL_FILE = `${FIELD_SAMPLES}/wirecell-layout-h5py.h5`;

/** A toy detector: planes of 5, 5 and 7 channels, 300 ticks of 0.5 us. */
function plane(name: string, index: number, firstChannel: number, channels: number): WirePlane {
  const baselineAdc = name === 'w' ? 900 : 2350;
  return {
    name,
    index,
    wireAngle: 0,
    pitch: 5 * mm,
    channels,
    firstChannel,
    baselineAdc,
    noiseRmsAdc: 3,
  };
}
const DETECTOR: Detector = {
  name: 'toy',
  planes: [plane('u', 0, 0, 5), plane('v', 1, 5, 5), plane('w', 2, 10, 7)],
  ticks: 300,
  tick: 0.5 * us,
  responsePlane: 100 * mm,
  activeVolume: { x: [0, 100], y: [-50, 50], z: [-50, 50] },
};
const HEADER: EventFileHeader = {
  detector: DETECTOR,
  config: { drift: { lifetimeMs: 8 }, tags: ['nearest', 'multiwire'] },
  seed: 12345,
  version: '0.1.0-test',
};

/** Integer-valued ADC around a baseline, with some quarter values. */
function toyFrame(tag: string, firstChannel: number, channels: number, shift: number): EventFrame {
  const ticks = DETECTOR.ticks;
  const data = new Float32Array(channels * ticks);
  for (let i = 0; i < data.length; i++) {
    data[i] = 900 + ((i * 7919 + shift) % 41) - 20 + (i % 5 === 0 ? 0.25 : 0);
  }
  const numbers = Int32Array.from({ length: channels }, (_, c) => firstChannel + c);
  return { tag, channels: numbers, ticks, data, tickinfo: [1.5 * us, 0.5 * us, 3] };
}

function eventFrames(event: number): EventFrame[] {
  return [toyFrame('nearest', 0, 5, event), toyFrame('multiwire', 0, 5, event + 1)];
}

/** Reads every dataset and attribute of an HDF5 file with h5py. */
const H5PY_DUMP = `
import sys, json, h5py, numpy as np
def conv(v):
    if isinstance(v, bytes): return v.decode()
    if isinstance(v, np.ndarray): return [conv(x) for x in v.tolist()]
    if isinstance(v, list): return [conv(x) for x in v]
    if isinstance(v, np.generic): return v.item()
    return v
f = h5py.File(sys.argv[1], 'r')
out = {'attrs': {k: conv(f.attrs[k]) for k in f.attrs},
       'attr_dtypes': {k: str(np.asarray(f.attrs[k]).dtype) for k in f.attrs},
       'datasets': {}}
def visit(name, obj):
    if isinstance(obj, h5py.Dataset):
        out['datasets'][name] = {'dtype': obj.dtype.str, 'shape': list(obj.shape),
            'chunks': obj.chunks and list(obj.chunks), 'compression': obj.compression,
            'opts': obj.compression_opts, 'values': obj[()].ravel().tolist()}
f.visititems(visit)
print(json.dumps(out))
`;

interface H5pyDump {
  attrs: Record<string, unknown>;
  attr_dtypes: Record<string, string>;
  datasets: Record<
    string,
    {
      dtype: string;
      shape: number[];
      chunks: number[] | null;
      compression: string | null;
      opts: number | null;
      values: number[];
    }
  >;
}

describe('pipeline/eventfile', () => {
  let folder: string;
  const h5py = hasH5py();
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-eventfile-'));
  });
  afterEach(() => {
    fs.rmSync(folder, { recursive: true, force: true });
  });

  /** Events 10 then 2, two tags each, chunks forced small. */
  async function writeSmallFile(name = 'events.h5'): Promise<string> {
    const target = path.join(folder, name);
    const writer = await EventFileWriter.create(target, HEADER, { frameChunk: [4, 128] });
    writer.writeEvent(10, eventFrames(10));
    writer.writeEvent(2, eventFrames(2));
    writer.close();
    return target;
  }

  it('round-trips events, tags, frames, channels, tickinfo and header', async () => {
    const target = await writeSmallFile();
    assert.deepEqual(fs.readdirSync(folder), ['events.h5']);

    const reader = await EventFileReader.open(target);
    try {
      assert.deepEqual(reader.events(), [2, 10]);
      assert.deepEqual(reader.tags(10), ['multiwire', 'nearest']);
      const expected = eventFrames(10)[1];
      const frame = reader.readEventFrame(10, 'multiwire');
      assert.deepEqual(frame.data, expected.data);
      assert.deepEqual(frame.channels, expected.channels);
      assert.equal(frame.ticks, 300);
      assert.deepEqual(frame.tickinfo, [1500, 500, 3]);

      const rows = reader.readFrame(2, 'nearest', [1, 4]);
      assert.deepEqual(rows, eventFrames(2)[0].data.subarray(300, 1200));
      assert.deepEqual(reader.header(), {
        detector: 'toy',
        planes: [
          { name: 'u', firstChannel: 0, channels: 5, baselineAdc: 2350 },
          { name: 'v', firstChannel: 5, channels: 5, baselineAdc: 2350 },
          { name: 'w', firstChannel: 10, channels: 7, baselineAdc: 900 },
        ],
        frameUnits: 'ADC',
        config: HEADER.config,
        seed: 12345,
        version: '0.1.0-test',
      });
    } finally {
      reader.close();
    }
  });

  it('writes datasets and attributes that h5py reads back exactly', async function () {
    if (!h5py) this.skip(); // /usr/bin/python3 cannot import h5py and numpy
    const target = await writeSmallFile();
    const dump = JSON.parse(
      execFileSync(PYTHON, ['-c', H5PY_DUMP, target], { encoding: 'utf8' }),
    ) as H5pyDump;

    const frame = dump.datasets['10/frame_nearest'];
    assert.equal(frame.dtype, '<f4');
    assert.deepEqual(frame.shape, [5, 300]);
    // [4, 128] balanced over [5, 300]: 2 chunks of 3 rows, 3 of 100 ticks.
    assert.deepEqual(frame.chunks, [3, 100]);
    assert.deepEqual([frame.compression, frame.opts], ['gzip', 2]);
    assert.deepEqual(frame.values, Array.from(eventFrames(10)[0].data));

    const channels = dump.datasets['2/channels_multiwire'];
    assert.deepEqual([channels.dtype, channels.chunks, channels.compression], ['<i4', null, null]);
    assert.deepEqual(channels.values, [0, 1, 2, 3, 4]);
    const tickinfo = dump.datasets['2/tickinfo_multiwire'];
    assert.deepEqual([tickinfo.dtype, tickinfo.values], ['<f8', [1500, 500, 3]]);
    assert.equal(Object.keys(dump.datasets).length, 12);

    assert.equal(dump.attrs.detector, 'toy');
    assert.deepEqual(dump.attrs.plane_names, ['u', 'v', 'w']);
    assert.deepEqual(dump.attrs.plane_channels, [
      [0, 5],
      [5, 10],
      [10, 17],
    ]);
    assert.equal(dump.attr_dtypes.plane_channels, 'int32');
    assert.deepEqual(dump.attrs.baselines_adc, [2350, 2350, 900]);
    assert.equal(dump.attrs.frame_units, 'ADC');
    assert.deepEqual(dump.attrs.tickinfo_units, ['ns', 'ns', 'tick']);
    assert.deepEqual(JSON.parse(dump.attrs.config_json as string), HEADER.config);
    assert.deepEqual([dump.attrs.seed, dump.attr_dtypes.seed], [12345, 'int64']);
    assert.equal(dump.attrs.wiregan_version, '0.1.0-test');
  });

  it('writes a header that h5dump reads', async () => {
    const target = await writeSmallFile();
    const header = execFileSync('h5dump', ['-H', target], { encoding: 'utf8' });
    assert.match(header, /DATASET "frame_nearest"/);
    assert.match(header, /H5T_IEEE_F32LE/);
    assert.match(header, /DATASPACE\s+SIMPLE \{ \( 5, 300 \) \/ \( 5, 300 \) \}/);
    assert.match(header, /ATTRIBUTE "config_json"/);
  });

  it('reads a Wire-Cell layout file written by h5py (shuffle+deflate, partial chunks)', async () => {
    // Reference values computed with h5py 3.7 from the same file.
    const reader = await EventFileReader.open(WIRECELL_FILE);
    try {
      assert.deepEqual(reader.events(), [1, 2, 3, 4]);
      assert.deepEqual(reader.tags(1), ['rebinned_reco']);
      assert.equal(reader.header(), null);
      assert.deepEqual(reader.readTickinfo(3, 'rebinned_reco'), [0, 2 * us, 0]);

      const frame = reader.readFrame(1, 'rebinned_reco');
      assert.equal(frame.length, 2560 * 1500);
      assert.equal(sum(frame), 1003495);
      assert.equal(frame[224 * 1500 + 357], 400);
      assert.equal(sum(reader.readFrame(2, 'rebinned_reco')), 1001685);
      // Rows 2300-2400 cross the chunk boundary at row 2304.
      assert.equal(sum(reader.readFrame(1, 'rebinned_reco', [2300, 2400])), 218625);
      const channels = reader.readChannels(1, 'rebinned_reco');
      assert.deepEqual([channels[0], channels[1], channels[2559]], [0, 1, 2559]);
    } finally {
      reader.close();
    }
  });

  it('reads big-endian float32 frames and int32 channels as native values', async () => {
    // Reference values computed with h5py 3.7 (group /4 is big-endian).
    const reader = await EventFileReader.open(WIRECELL_FILE);
    try {
      const frame = reader.readEventFrame(4, 'orig');
      assert.equal(frame.ticks, 999);
      const first = [0.3039889633655548, 4.464784145355225, 3.2203269004821777];
      assert.deepEqual(Array.from(frame.data.subarray(0, 3)), first);
      const last = [-0.02178112231194973, 3.8166027069091797, 3.8138389587402344];
      assert.deepEqual(Array.from(frame.data.subarray(480 * 999 + 995, 480 * 999 + 998)), last);
      assert.ok(Math.abs(sum(frame.data) - -48.37260936870916) < 1e-9);
      assert.deepEqual([frame.channels[0], frame.channels[480]], [0, 480]);
      assert.deepEqual(frame.tickinfo, [0, 500, 0]);
    } finally {
      reader.close();
    }
  });

  it('refuses a dataset whose filter h5wasm lacks, naming file, dataset and filter', async function () {
    if (!h5py) this.skip(); // /usr/bin/python3 cannot import h5py and numpy
    const target = path.join(folder, 'lzf.h5');
    const script = `
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], 'w') as f:
    f.create_dataset('5/frame_orig', data=np.ones((4, 50), 'f4'), chunks=(2, 50), compression='lzf')
    f.create_dataset('5/channels_orig', data=np.arange(4, dtype='i4'))
`;
    execFileSync(PYTHON, ['-c', script, target]);

    const reader = await EventFileReader.open(target);
    try {
      assert.deepEqual(reader.readChannels(5, 'orig'), Int32Array.from([0, 1, 2, 3]));
      assert.throws(
        () => reader.readFrame(5, 'orig'),
        (error: unknown) =>
          error instanceof FileFormatError &&
          error.message.includes(target) &&
          error.message.includes('/5/frame_orig') &&
          /lzf \(id 32000\)/.test(error.message),
      );
    } finally {
      reader.close();
    }
  });

  it('names a truncated copy and a non-HDF5 file in a FileFormatError', async () => {
    const target = await writeSmallFile();
    const truncated = path.join(folder, 'truncated.h5');
    const bytes = fs.readFileSync(target);
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await assert.rejects(EventFileReader.open(truncated), (error: unknown) => {
      assert.ok(error instanceof FileFormatError);
      assert.ok(error.message.startsWith(truncated));
      assert.match(error.message, /truncated/);
      return true;
    });

    const junk = path.join(folder, 'junk.h5');
    fs.writeFileSync(junk, 'not an HDF5 file at all');
    await assert.rejects(EventFileReader.open(junk), /junk\.h5: not an HDF5 file/);
  });

  it('lists the tags present when a tag is missing', async () => {
    const reader = await EventFileReader.open(await writeSmallFile());
    try {
      assert.throws(
        () => reader.readFrame(2, 'gauss'),
        /event 2 has no tag "gauss" \(tags: multiwire, nearest\)/,
      );
      assert.throws(() => reader.tags(7), /no event 7 \(events: 2, 10\)/);
    } finally {
      reader.close();
    }
  });

  it('refuses an existing output without force and leaves it untouched', async () => {
    const target = path.join(folder, 'events.h5');
    fs.writeFileSync(target, 'keep me');
    await assert.rejects(EventFileWriter.create(target, HEADER), /refusing to overwrite/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'keep me');
    assert.deepEqual(fs.readdirSync(folder), ['events.h5']);

    await writeSmallFileForced(target);
    const reader = await EventFileReader.open(target);
    assert.deepEqual(reader.events(), [1]);
    reader.close();
  });

  async function writeSmallFileForced(target: string): Promise<void> {
    const writer = await EventFileWriter.create(target, HEADER, { force: true });
    writer.writeEvent(1, eventFrames(1));
    writer.close();
  }

  it('leaves neither the output nor a temporary file when writing throws', async () => {
    const target = path.join(folder, 'events.h5');
    const bad = { ...toyFrame('nearest', 0, 5, 0), ticks: 299 };
    await assert.rejects(
      withEventFile(target, HEADER, {}, (writer) => {
        writer.writeEvent(1, eventFrames(1));
        writer.writeEvent(2, [bad]);
      }),
      (error: unknown) =>
        error instanceof ShapeError &&
        /expected 5 x 299 = 1495 samples, got 1500/.test(error.message),
    );
    assert.deepEqual(fs.readdirSync(folder), []);
  });

  it('refuses to write the same event twice', async () => {
    const target = path.join(folder, 'events.h5');
    await withEventFile(target, HEADER, {}, (writer) => {
      writer.writeEvent(3, eventFrames(3));
      assert.throws(() => writer.writeEvent(3, eventFrames(3)), /event 3 is already written/);
    });
    assert.deepEqual(fs.readdirSync(folder), ['events.h5']);
  });
});

/** Sum in float64, in index order. */
function sum(values: Float32Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import onnxProto from 'onnx-proto';

import { DEFAULT_FRAME_TAGS } from '../../pipeline/evaluate-frames.js';
import { checkSameModel, runEvaluation } from '../../pipeline/evaluate.js';
import { EventFileReader } from '../../pipeline/eventfile.js';
import { readMetricsTable } from '../../pipeline/metricstable.js';
import { PartialOutput } from '../../pipeline/translate-output.js';
import { type TranslateJob, DEFAULT_TRANSLATE, translateEvents } from '../../pipeline/translate.js';
import { ConfigError, FileFormatError, UnsupportedError } from '../../sim/errors.js';
import { NO_ONNX, hasPythonOnnx, writeAffineModel } from '../helpers/onnx-models.js';
import { CHANNELS, TICKS, frame, signal, writeEvents } from '../helpers/toy-frames.js';

const PYTHON = '/usr/bin/python3';
const FIELD = '/work/shared/data/field-samples/wirecell-layout-h5py.h5';
const baselineOf = (channel: number) => (channel >= 10 ? 900 : 2350);
/** y = SCALE * x + OFFSET on baseline-subtracted ADC. */
const [SCALE, OFFSET] = [0.5, 3];

function py(script: string, ...args: string[]): string {
  return execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8' });
}

/** Every dataset of every event group: name -> [shape, values] (via h5py). */
function h5Contents(file: string): Record<string, unknown> {
  const script = `
import sys, json, h5py, numpy as np
out = {}
with h5py.File(sys.argv[1], 'r') as f:
    for g in f:
        for d in f[g]:
            v = f[g][d][()]
            out[f'{g}/{d}'] = [list(v.shape), np.asarray(v, dtype=np.float64).ravel().tolist()]
print(json.dumps(out))`;
  return JSON.parse(py(script, file)) as Record<string, unknown>;
}

/** Rows [first, end) of each toy plane. */
const PLANE_ROWS: Record<string, [number, number]> = { u: [0, 5], v: [5, 10], w: [10, 17] };

/** Frame evaluation of a translated toy file against the toy truth, into `outDir`. */
async function scoreFrames(truthFile: string, translatedFile: string, outDir: string) {
  const result = await runEvaluation({
    frames: { truthFile, translatedFile, ...DEFAULT_FRAME_TAGS, previewSize: [4, 100] },
    outDir,
    force: false,
    metrics: { threshold: 0.5 },
    linearThreshold: 3,
  });
  return readMetricsTable(result.metricsFile);
}

/** Mean |affine(A) - B| over a plane of a toy event, from the formulas. */
function expectedL1(event: number, plane: string): number {
  const [lo, hi] = PLANE_ROWS[plane];
  let l1 = 0;
  for (let c = lo; c < hi; c++) {
    for (let t = 0; t < TICKS; t++)
      l1 += Math.abs(SCALE * signal(0, event, c, t) + OFFSET - signal(1, event, c, t));
  }
  return l1 / ((hi - lo) * TICKS);
}

describe('pipeline/translate', function () {
  let dir: string;
  let events: string;
  let model: string;
  let job: (out: string, extra?: Partial<TranslateJob>) => TranslateJob;
  before(async function () {
    if (!hasPythonOnnx()) {
      console.warn(`      skipped: ${NO_ONNX}`);
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-translate-'));
    events = path.join(dir, 'events.h5');
    await writeEvents(events, [3, 4, 5], (e) => [frame('nearest', 0, e), frame('multiwire', 1, e)]);
    model = path.join(dir, 'affine.onnx');
    writeAffineModel(model, 8, 32, SCALE, OFFSET);
    job = (out, extra = {}) => ({
      ...DEFAULT_TRANSLATE,
      input: events,
      model,
      out,
      workers: 0,
      threads: 1,
      resume: false,
      force: false,
      ...extra,
    });
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('translates each plane minus its baseline and adds the baseline back', async () => {
    const out = path.join(dir, 'translated.h5');
    const seen: string[] = [];
    const summary = await translateEvents(job(out), (p) => seen.push(p.kind));
    assert.equal(summary.outTag, 'nearest_to_b');
    assert.deepEqual(summary.translated, [3, 4, 5]);
    assert.deepEqual(
      seen.filter((k) => k !== 'tiles'),
      ['start', 'event', 'event', 'event'],
    );
    assert.ok(!fs.existsSync(PartialOutput.folderFor(out)));

    const reader = await EventFileReader.open(out);
    try {
      assert.deepEqual(reader.events(), [3, 4, 5]);
      const f = reader.readEventFrame(4, 'nearest_to_b');
      assert.deepEqual(
        Array.from(f.channels),
        Array.from({ length: CHANNELS }, (_, c) => c),
      );
      assert.equal(f.ticks, TICKS);
      assert.ok(Math.abs(f.tickinfo[1] - frame('x', 0, 4).tickinfo[1]) < 1e-12);
      let worst = 0;
      for (let c = 0; c < CHANNELS; c++) {
        for (let t = 0; t < TICKS; t++) {
          const expected = baselineOf(c) + SCALE * signal(0, 4, c, t) + OFFSET;
          worst = Math.max(worst, Math.abs(f.data[c * TICKS + t] - expected));
        }
      }
      assert.ok(worst < 1e-3, `max |diff| ${worst}`);
      assert.equal(reader.header()?.detector, 'toy');
    } finally {
      reader.close();
    }
  });

  it('writes a file h5py reads, with the input header and the translation record', () => {
    const out = path.join(dir, 'translated.h5');
    const script = `
import sys, json, h5py
with h5py.File(sys.argv[1], 'r') as f:
    d = f['5/frame_nearest_to_b']
    print(json.dumps({'shape': list(d.shape), 'v': float(d[12, 7]), 'detector': f.attrs['detector'],
      'seed': int(f.attrs['seed']), 'baselines': f.attrs['baselines_adc'].tolist(),
      'record': json.loads(f.attrs['translation_json'])}))`;
    const got = JSON.parse(py(script, out));
    assert.deepEqual(got.shape, [CHANNELS, TICKS]);
    assert.ok(Math.abs(got.v - (900 + SCALE * signal(0, 5, 12, 7) + OFFSET)) < 1e-3);
    assert.equal(got.detector, 'toy');
    assert.equal(got.seed, 1);
    assert.deepEqual(got.baselines, [2350, 2350, 900]);
    assert.deepEqual(got.record.tile, [8, 32]);
    assert.deepEqual(got.record.overlap, [2, 8]);
    assert.equal(got.record.baseline, 'header');
    assert.equal(got.record.model, model);
  });

  it('feeds evaluate-frames, which scores the translation against the truth', async () => {
    const rows = await scoreFrames(events, path.join(dir, 'translated.h5'), path.join(dir, 'eval'));
    assert.equal(rows.length, 3 * 3);
    for (const row of rows) {
      assert.ok(
        Math.abs(row.l1 - expectedL1(row.event, row.plane)) < 1e-4,
        `${row.event} ${row.plane}`,
      );
    }
  });

  it('refuses frames translated by another model than the run it is credited to', async () => {
    const frames = { truthFile: events, translatedFile: path.join(dir, 'translated.h5') };
    const job = { ...frames, ...DEFAULT_FRAME_TAGS, previewSize: [4, 100] as [number, number] };
    const same = path.join(dir, 'run-same');
    fs.mkdirSync(same);
    fs.copyFileSync(model, path.join(same, 'g_ab.onnx'));
    await checkSameModel(same, job);
    const other = path.join(dir, 'run-other');
    fs.mkdirSync(other);
    writeAffineModel(path.join(other, 'g_ab.onnx'), 8, 32, 2, 0);
    await assert.rejects(
      checkSameModel(other, job),
      (e: Error) =>
        e instanceof ConfigError &&
        /translated\.h5 was translated by .*affine\.onnx, not by .*run-other\/g_ab\.onnx/.test(
          e.message,
        ),
    );
  });

  it('translates one plane only, under _to_a for a g_ba model', async () => {
    const out = path.join(dir, 'w.h5');
    await translateEvents(job(out, { plane: 'w', domain: 'a', tag: 'frame_multiwire' }));
    const reader = await EventFileReader.open(out);
    try {
      const f = reader.readEventFrame(3, 'multiwire_to_a');
      assert.deepEqual(Array.from(f.channels), [10, 11, 12, 13, 14, 15, 16]);
      assert.ok(
        Math.abs(f.data[2 * TICKS + 9] - (900 + SCALE * signal(1, 3, 12, 9) + OFFSET)) < 1e-3,
      );
    } finally {
      reader.close();
    }
    await assert.rejects(
      translateEvents(job(path.join(dir, 'x.h5'), { plane: 'q' })),
      /--plane: expected one of u, v, w, all, got "q"/,
    );
  });

  it('translates only the plane a model records by default (--plane auto)', async () => {
    const { onnx } = onnxProto;
    const proto = onnx.ModelProto.decode(fs.readFileSync(model));
    proto.metadataProps.push(onnx.StringStringEntryProto.create({ key: 'plane', value: 'w' }));
    const wModel = path.join(dir, 'affine-w.onnx');
    fs.writeFileSync(wModel, onnx.ModelProto.encode(proto).finish());
    const out = path.join(dir, 'w-all.h5');
    await translateEvents(job(out, { model: wModel, plane: 'auto' }));
    const reader = await EventFileReader.open(out);
    try {
      const f = reader.readEventFrame(3, 'nearest_to_b');
      assert.deepEqual(Array.from(f.channels), [10, 11, 12, 13, 14, 15, 16]);
    } finally {
      reader.close();
    }
    // Scored on that plane alone.
    const rows = await scoreFrames(events, out, path.join(dir, 'eval-w'));
    assert.deepEqual(
      rows.map((r) => `${r.event}${r.plane}`),
      ['3w', '4w', '5w'],
    );
    for (const row of rows) {
      assert.ok(Math.abs(row.l1 - expectedL1(row.event, 'w')) < 1e-4, `${row.event} w`);
    }
  });

  it('resumes an interrupted run to the same datasets as an uninterrupted one', async () => {
    const whole = path.join(dir, 'whole.h5');
    await translateEvents(job(whole, { overlap: 0.2 }));
    const out = path.join(dir, 'resumed.h5');
    const stop = new Error('interrupted');
    await assert.rejects(
      translateEvents(job(out, { overlap: 0.2 }), (p) => {
        if (p.kind === 'event') throw stop;
      }),
      (e) => e === stop,
    );
    assert.ok(!fs.existsSync(out));
    const folder = PartialOutput.folderFor(out);
    assert.deepEqual(fs.readdirSync(folder).sort(), ['event-3.h5', 'job.json']);

    await assert.rejects(
      translateEvents(job(out, { overlap: 0.2 })),
      /pass --resume to continue it/,
    );
    await assert.rejects(
      translateEvents(job(out, { overlap: 0.25, resume: true })),
      (e: Error) => e instanceof ConfigError && /overlap: \[2,6\] -> \[2,8\]/.test(e.message),
    );
    const summary = await translateEvents(job(out, { overlap: 0.2, resume: true }));
    assert.deepEqual(summary.skipped, [3]);
    assert.deepEqual(summary.translated, [4, 5]);
    assert.deepEqual(h5Contents(out), h5Contents(whole));
    assert.ok(!fs.existsSync(folder));
  });

  it('reports NaN and Inf with event, tag, channel and tick, and writes nothing', async () => {
    const bad = path.join(dir, 'nan.h5');
    await writeEvents(bad, [0, 2], (e) => {
      const f = frame('nearest', 0, e);
      if (e === 2) f.data[7 * TICKS + 42] = NaN;
      if (e === 2) f.data[9 * TICKS + 1] = Infinity;
      return [f];
    });
    const out = path.join(dir, 'nan-out.h5');
    await assert.rejects(
      translateEvents(job(out, { input: bad })),
      (e: Error) =>
        e instanceof FileFormatError &&
        e.message.startsWith(`${bad} (dataset /2/frame_nearest)`) &&
        /dataset \/2\/frame_nearest.*event 2 tag "nearest": expected finite ADC values, got 2 non-finite value\(s\); the first, NaN, at \(channel 7, tick 42\)/.test(
          e.message,
        ),
    );
    assert.ok(!fs.existsSync(out));
    assert.ok(!fs.existsSync(PartialOutput.folderFor(out)));
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.includes('nan-out')),
      [],
    );
  });

  it('removes its own partial folder when the input fails before any event is finished', async () => {
    // Event 4 has 19 channels: 2 more than the header's planes (u, v, w: 17).
    const bad = path.join(dir, 'channels.h5');
    await writeEvents(bad, [3, 4], (e) => [frame('nearest', 0, e, e === 4 ? 19 : CHANNELS)]);
    const out = path.join(dir, 'channels-out.h5');
    const refused = (e: Error) =>
      e instanceof UnsupportedError &&
      e.message.includes(`${bad} (dataset /4/channels_nearest)`) &&
      /expected the 17 channels of planes u, v, w, got 19; 2 are in no plane/.test(e.message);
    await assert.rejects(translateEvents(job(out, { input: bad })), refused);
    assert.ok(!fs.existsSync(out));
    assert.ok(!fs.existsSync(PartialOutput.folderFor(out)));
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.includes('channels-out')),
      [],
    );

    // The same run again is refused for the same reason, not for a leftover folder.
    await assert.rejects(translateEvents(job(out, { input: bad })), refused);
  });

  it('keeps a partial folder holding finished events of an earlier run when --resume fails', async () => {
    const out = path.join(dir, 'kept.h5');
    const stop = new Error('interrupted');
    await assert.rejects(
      translateEvents(job(out), (p) => {
        if (p.kind === 'event') throw stop;
      }),
      (e) => e === stop,
    );
    const folder = PartialOutput.folderFor(out);
    const stop2 = new Error('interrupted again');
    await assert.rejects(
      translateEvents(job(out, { resume: true }), (p) => {
        if (p.kind === 'start') throw stop2;
      }),
      (e) => e === stop2,
    );
    assert.deepEqual(fs.readdirSync(folder).sort(), ['event-3.h5', 'job.json']);
    fs.rmSync(folder, { recursive: true });
  });

  it('fails clearly on a missing tag, a truncated file, a missing output folder and an unavailable filter', async () => {
    await assert.rejects(
      translateEvents(job(path.join(dir, 'y.h5'), { tag: 'gauss' })),
      /dataset \/3\/frame_gauss\): expected frame_gauss in the events; their tags: multiwire, nearest/,
    );
    const cut = path.join(dir, 'cut.h5');
    fs.writeFileSync(cut, fs.readFileSync(events).subarray(0, 4000));
    await assert.rejects(
      translateEvents(job(path.join(dir, 'z.h5'), { input: cut })),
      /truncated HDF5 file/,
    );
    const nowhere = path.join(dir, 'no-such-folder', 'out.h5');
    await assert.rejects(
      translateEvents(job(nowhere)),
      /output folder .*no-such-folder does not exist/,
    );

    const lzf = path.join(dir, 'lzf.h5');
    py(
      `import sys, h5py, numpy as np
with h5py.File(sys.argv[1], 'w') as f:
    f.create_dataset('1/frame_orig', data=np.ones((20, 40), 'f4'), chunks=(10, 20), compression='lzf')
    f['1/channels_orig'] = np.arange(20, dtype='i4'); f['1/tickinfo_orig'] = np.array([0, 500, 0.])`,
      lzf,
    );
    await assert.rejects(
      translateEvents(job(path.join(dir, 'l.h5'), { input: lzf, tag: 'orig' })),
      /filter lzf \(id 32000\) is not available in h5wasm/,
    );
  });

  it('translates Wire-Cell frame-tap files written by h5py, per-channel median baseline', async function () {
    if (!fs.existsSync(FIELD)) this.skip();
    const big = path.join(dir, 'big.onnx');
    writeAffineModel(big, 128, 128, SCALE, OFFSET);
    const out = path.join(dir, 'field.h5');
    const summary = await translateEvents(
      job(out, { input: FIELD, model: big, tag: 'frame_rebinned_reco', workers: 2, batch: 8 }),
    );
    assert.deepEqual(summary.translated, [1, 2, 3]);
    const orig = path.join(dir, 'field-orig.h5');
    await translateEvents(job(orig, { input: FIELD, model: big, tag: 'orig', baseline: 100 }));
    // numpy's reference: baseline = per-row median (or 100), y = s (x - b) + o + b.
    const script = `
import sys, json, h5py, numpy as np
s, o = float(sys.argv[4]), float(sys.argv[5])
worst = 0.0
with h5py.File(sys.argv[1]) as fin, h5py.File(sys.argv[2]) as f1, h5py.File(sys.argv[3]) as f2:
    for e in ['1', '2', '3']:
        x = fin[e]['frame_rebinned_reco'][()].astype(np.float64)
        b = np.median(x, axis=1, keepdims=True)
        y = f1[e]['frame_rebinned_reco_to_b'][()]
        assert (f1[e]['channels_rebinned_reco_to_b'][()] == fin[e]['channels_rebinned_reco'][()]).all()
        assert (f1[e]['tickinfo_rebinned_reco_to_b'][()] == fin[e]['tickinfo_rebinned_reco'][()]).all()
        worst = max(worst, float(np.abs(y - (s * (x - b) + o + b)).max()))
    x = fin['4']['frame_orig'][()].astype(np.float64)
    y = f2['4']['frame_orig_to_b'][()]
    assert y.shape == (481, 999) and list(f2.keys()) == ['4']
    worst = max(worst, float(np.abs(y - (s * (x - 100) + o + 100)).max()))
print(json.dumps(worst))`;
    const worst = JSON.parse(py(script, FIELD, out, orig, String(SCALE), String(OFFSET)));
    assert.ok(worst < 2e-3, `max |diff| ${worst} ADC`);
  });
});

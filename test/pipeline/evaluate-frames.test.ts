import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PNG } from 'pngjs';

import { EventFileWriter, type EventFrame } from '../../pipeline/eventfile.js';
import { DEFAULT_FRAME_TAGS } from '../../pipeline/evaluate-frames.js';
import { runEvaluation, type EvaluationJob } from '../../pipeline/evaluate.js';
import { readMetricsTable } from '../../pipeline/metricstable.js';
import type { Detector, WirePlane } from '../../sim/detector.js';
import { FileFormatError, ShapeError } from '../../sim/errors.js';
import { mm, us } from '../../sim/units.js';

const TICKS = 300;

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
/** Planes of 5, 5 and 7 channels, baselines 2350, 2350, 900 ADC. */
const DETECTOR: Detector = {
  name: 'toy',
  planes: [plane('u', 0, 0, 5), plane('v', 1, 5, 5), plane('w', 2, 10, 7)],
  ticks: TICKS,
  tick: 0.5 * us,
  responsePlane: 100 * mm,
  activeVolume: { x: [0, 100], y: [-50, 50], z: [-50, 50] },
};
const CHANNELS = 17;

/** Baseline-subtracted value of a frame kind at (channel, tick). */
function signal(kind: number, event: number, channel: number, tick: number): number {
  const v = ((channel * 13 + tick * 7 + kind * 3 + event) % 17) - 8;
  return Math.abs(v) < 3 ? 0 : v;
}
const baselineOf = (channel: number) => (channel >= 10 ? 900 : 2350);

function frame(tag: string, kind: number, event: number, channels = CHANNELS): EventFrame {
  const data = new Float32Array(channels * TICKS);
  for (let c = 0; c < channels; c++) {
    for (let t = 0; t < TICKS; t++) data[c * TICKS + t] = baselineOf(c) + signal(kind, event, c, t);
  }
  const numbers = Int32Array.from({ length: channels }, (_, c) => c);
  return { tag, channels: numbers, ticks: TICKS, data, tickinfo: [0, 0.5 * us, 0] };
}

async function writeEvents(file: string, events: number[], frames: (e: number) => EventFrame[]) {
  const header = { detector: DETECTOR, config: {}, seed: 1, version: 'test' };
  const writer = await EventFileWriter.create(file, header, { deflateLevel: 0 });
  for (const e of events) writer.writeEvent(e, frames(e));
  writer.close();
}

/** L1 over a plane's channels [lo, hi) of two signal kinds, by the formula. */
function planeL1(k1: number, k2: number, event: number, lo: number, hi: number): number {
  let s = 0;
  for (let c = lo; c < hi; c++) {
    for (let t = 0; t < TICKS; t++)
      s += Math.abs(signal(k1, event, c, t) - signal(k2, event, c, t));
  }
  return s / ((hi - lo) * TICKS);
}

describe('pipeline/evaluate on full frames', () => {
  let dir: string;
  let truthFile: string;
  let translatedFile: string;
  let job: (outDir: string) => EvaluationJob;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-evalframes-'));
    truthFile = path.join(dir, 'events.h5');
    translatedFile = path.join(dir, 'translated.h5');
    // Kinds: 0 = input (nearest), 1 = truth (multiwire), 2 = translation.
    await writeEvents(truthFile, [3, 4], (e) => [frame('nearest', 0, e), frame('multiwire', 1, e)]);
    await writeEvents(translatedFile, [3, 4], (e) => [frame('nearest_to_b', 2, e)]);
    job = (outDir) => ({
      frames: { truthFile, translatedFile, ...DEFAULT_FRAME_TAGS, previewSize: [4, 100] },
      outDir,
      force: false,
      metrics: { threshold: 0.5 },
      linearThreshold: 3,
    });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('scores each event and plane after subtracting the plane baselines', async () => {
    const result = await runEvaluation(job(path.join(dir, 'eval')));
    const rows = readMetricsTable(result.metricsFile);
    assert.equal(rows.length, 2 * 3);
    const ranges: Record<string, [number, number]> = { u: [0, 5], v: [5, 10], w: [10, 17] };
    for (const row of rows) {
      const [lo, hi] = ranges[row.plane];
      assert.equal(row.direction, 'nearest_to_b');
      assert.equal(row.pixels, (hi - lo) * TICKS);
      assert.ok(Math.abs(row.l1 - planeL1(2, 1, row.event, lo, hi)) < 1e-9, row.plane);
      assert.ok(Math.abs(row.baselineL1 - planeL1(0, 1, row.event, lo, hi)) < 1e-9);
      assert.ok(Number.isNaN(row.cycleL1));
      let sum = 0;
      for (let c = lo; c < hi; c++)
        for (let t = 0; t < TICKS; t++) sum += signal(1, row.event, c, t);
      assert.equal(row.adcSumTruth, sum);
    }
    const all = result.summary.find((s) => s.plane === 'all')!;
    assert.equal(all.images, 6);
    // Pooled over pixels: the plane sizes weight the planes.
    const events = [3, 4];
    let num = 0;
    let den = 0;
    for (const e of events) {
      for (const [lo, hi] of Object.values(ranges)) {
        num += planeL1(2, 1, e, lo, hi) * (hi - lo);
        den += planeL1(0, 1, e, lo, hi) * (hi - lo);
      }
    }
    assert.ok(Math.abs(all.l1Ratio - num / den) < 1e-9);

    // The frame preview: plane w (7 x 300) pooled by ceil(7 / 4) x ceil(300 / 100) = 2 x 3.
    const report = path.dirname(result.reportFile);
    const png = PNG.sync.read(fs.readFileSync(path.join(report, 'frame_translation.png')));
    assert.deepEqual([png.width, png.height], [100, 4]);
    const html = fs.readFileSync(result.reportFile, 'utf8');
    assert.match(html, /max-abs pooling over blocks of 2 wires x 3 ticks/);
    assert.match(html, /No loss history/);
  });

  it('refuses translated events missing from the truth file, naming both files', async () => {
    const other = path.join(dir, 'other.h5');
    await writeEvents(other, [3, 9], (e) => [frame('nearest_to_b', 2, e)]);
    const bad = job(path.join(dir, 'eval-events'));
    await assert.rejects(
      runEvaluation({ ...bad, frames: { ...bad.frames!, translatedFile: other } }),
      (e: Error) =>
        e instanceof FileFormatError &&
        e.message.includes(`${other}: events 9 are not in the truth file ${truthFile}`),
    );
    assert.ok(!fs.existsSync(path.join(dir, 'eval-events')));
  });

  it('refuses frames of another shape and unknown tags, naming the dataset', async () => {
    const short = path.join(dir, 'short.h5');
    await writeEvents(short, [3], (e) => [frame('nearest_to_b', 2, e, 10)]);
    const bad = job(path.join(dir, 'eval-shape'));
    await assert.rejects(
      runEvaluation({ ...bad, frames: { ...bad.frames!, translatedFile: short } }),
      (e: Error) =>
        e instanceof ShapeError &&
        e.message.includes(
          "/3/frame_nearest_to_b): expected the truth frame's [channel, tick] = [17,300]",
        ),
    );
    await assert.rejects(
      runEvaluation({ ...bad, frames: { ...bad.frames!, translatedTag: 'multiwire_to_a' } }),
      /event 3 has no tag "multiwire_to_a" \(tags: nearest_to_b\)/,
    );
  });
});

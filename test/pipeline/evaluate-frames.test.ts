import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PNG } from 'pngjs';

import { DEFAULT_FRAME_TAGS } from '../../pipeline/evaluate-frames.js';
import { runEvaluation, type EvaluationJob } from '../../pipeline/evaluate.js';
import { readMetricsTable } from '../../pipeline/metricstable.js';
import { FileFormatError, ShapeError } from '../../sim/errors.js';
import { TICKS, frame, signal, writeEvents } from '../helpers/toy-frames.js';

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

  it('refuses a translation of another simulation (other seed), naming both seeds', async () => {
    const other = path.join(dir, 'other-seed.h5');
    await writeEvents(other, [3, 4], (e) => [frame('nearest_to_b', 2, e)], 1001);
    const bad = job(path.join(dir, 'eval-seed'));
    await assert.rejects(
      runEvaluation({ ...bad, frames: { ...bad.frames!, translatedFile: other } }),
      (e: Error) =>
        e instanceof FileFormatError &&
        e.message.startsWith(`${other}: was translated from another simulation`) &&
        e.message.includes(`expected detector toy, seed 1`) &&
        e.message.includes('got detector toy, seed 1001'),
    );
    assert.ok(!fs.existsSync(path.join(dir, 'eval-seed')));
  });

  it('refuses a truth frame holding NaN, naming the dataset and the position', async () => {
    const nanTruth = path.join(dir, 'nan-truth.h5');
    await writeEvents(nanTruth, [3, 4], (e) => {
      const truth = frame('multiwire', 1, e);
      if (e === 4) truth.data[6 * TICKS + 11] = NaN; // channel 6 (plane v), tick 11
      return [frame('nearest', 0, e), truth];
    });
    const bad = job(path.join(dir, 'eval-nan'));
    await assert.rejects(
      runEvaluation({ ...bad, frames: { ...bad.frames!, truthFile: nanTruth } }),
      (e: Error) =>
        e instanceof FileFormatError &&
        e.message.startsWith(`${nanTruth} (dataset /4/frame_multiwire): event 4`) &&
        e.message.includes('the first, NaN, at (channel 6, tick 11)'),
    );
    assert.ok(!fs.existsSync(path.join(dir, 'eval-nan')));
  });

  it('refuses frames of another shape and unknown tags, naming the dataset', async () => {
    // 12 channels: planes u and v whole, plane w cut after two of its seven.
    const short = path.join(dir, 'short.h5');
    await writeEvents(short, [3], (e) => [frame('nearest_to_b', 2, e, 12)]);
    const bad = job(path.join(dir, 'eval-shape'));
    await assert.rejects(
      runEvaluation({ ...bad, frames: { ...bad.frames!, translatedFile: short } }),
      (e: Error) =>
        e instanceof ShapeError &&
        e.message.includes("/3/channels_nearest_to_b): plane w's channel list differs from"),
    );
    await assert.rejects(
      runEvaluation({ ...bad, frames: { ...bad.frames!, translatedTag: 'multiwire_to_a' } }),
      /event 3 has no tag "multiwire_to_a" \(tags: nearest_to_b\)/,
    );
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { writeReport } from '../../pipeline/report.js';
import type { LossHistory } from '../../pipeline/runhistory.js';

describe('pipeline/report: L1 ratio during training', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-report-eval-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const content = (evalHistory: LossHistory | null) => ({
    title: 't',
    facts: [],
    summary: [],
    tilePreviews: [],
    framePreview: null,
    history: null,
    evalHistory,
    linearThreshold: 1,
  });

  it('plots each l1_ratio column and lists every row with its step', () => {
    const evalHistory: LossHistory = {
      step: Float64Array.of(100, 200),
      elapsedS: Float64Array.of(10, 20),
      losses: new Map([
        ['l1_ratio_a_to_b', Float64Array.of(1.25, 0.875)],
        ['l1_ratio_b_to_a', Float64Array.of(1.5, 0.75)],
        ['baseline_l1', Float64Array.of(0.125, 0.125)],
      ]),
    };
    const out = path.join(dir, 'with');
    fs.mkdirSync(out);
    const files = writeReport(out, content(evalHistory));
    const html = fs.readFileSync(files.index, 'utf8');
    const images = files.images.map((i) => i.file).filter((f) => f.startsWith('eval_'));
    assert.deepEqual(images, ['eval_l1_ratio_a_to_b.png', 'eval_l1_ratio_b_to_a.png']);
    for (const file of images) assert.ok(fs.statSync(path.join(out, file)).size > 0);
    assert.match(html, /<tr><td>100<\/td><td>1\.250<\/td><td>1\.500<\/td><td>0\.1250<\/td><\/tr>/);
    assert.match(
      html,
      /<tr><td>200<\/td><td>0\.8750<\/td><td>0\.7500<\/td><td>0\.1250<\/td><\/tr>/,
    );
  });

  it('leaves the section out without an eval history', () => {
    const out = path.join(dir, 'without');
    fs.mkdirSync(out);
    const html = fs.readFileSync(writeReport(out, content(null)).index, 'utf8');
    assert.doesNotMatch(html, /L1 ratio during training/);
  });
});

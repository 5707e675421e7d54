import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { tinyRunFolder } from '../helpers/tinyrun.js';

const DUNE = '../shared/data/realdata/dune-garfield-1d565.json.bz2';
const WIREGAN = 'bin/wiregan.js';

interface Outcome {
  code: number;
  stderr: string;
  /** What the output folder holds after the run. */
  left: string[];
}

/** Runs `wiregan simulate` in a fresh output folder; resolves when it exits. */
function simulate(outDir: string, args: string[]): Promise<Outcome> {
  fs.mkdirSync(outDir, { recursive: true });
  const before = new Set(fs.readdirSync(outDir));
  const argv = [WIREGAN, 'simulate', '--out', path.join(outDir, 'events.h5'), ...args];
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { timeout: 60000 }, (error, _stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? -1) : 0;
      const left = fs.readdirSync(outDir).filter((f) => !before.has(f));
      resolve({ code, stderr, left });
    });
  });
}

/** A Wire-Cell field response with `planes` planes of one path each. */
function fieldJson(planes: number): string {
  const path = {
    PathResponse: { pitchpos: 0, wirepos: 0, current: { array: { elements: [0, -1, 0] } } },
  };
  const plane = (planeid: number) => ({
    PlaneResponse: { planeid, location: 0, pitch: 5, paths: [path] },
  });
  const planesJson = Array.from({ length: planes }, (_, i) => plane(i));
  return JSON.stringify({
    FieldResponse: { origin: 100, period: 100, tstart: 0, speed: 0.0016, planes: planesJson },
  });
}

describe('cli: wiregan simulate refuses bad input', function () {
  this.timeout(120000);
  const { dir, detector } = tinyRunFolder('wiregan-cli-');
  const inputs = path.join(dir, 'inputs');
  const fast = ['--detector', detector, '--source', 'lines', '--events', '1'];
  const outcomes = new Map<string, Outcome>();
  const precious = Buffer.from('an earlier event file');

  before(async () => {
    fs.mkdirSync(inputs);
    const dune = fs.readFileSync(DUNE);
    const truncated = path.join(inputs, 'truncated.json.bz2');
    const corrupt = path.join(inputs, 'corrupt.json.bz2');
    const twoPlanes = path.join(inputs, 'two-planes.json');
    fs.writeFileSync(truncated, dune.subarray(0, dune.length >> 1));
    fs.writeFileSync(corrupt, Buffer.concat([dune.subarray(0, 4), Buffer.alloc(4000, 7)]));
    fs.writeFileSync(twoPlanes, fieldJson(2));
    const existing = path.join(dir, 'existing');
    fs.mkdirSync(existing);
    fs.writeFileSync(path.join(existing, 'events.h5'), precious);

    const cases: [string, string[]][] = [
      ['detector', ['--detector', 'no-such-detector', '--events', '1']],
      ['option', [...fast, '--no-such-option']],
      ['negative', ['--detector', detector, '--events', '-1']],
      ['zero', ['--detector', detector, '--events', '0']],
      ['fraction', ['--detector', detector, '--events', '1.5']],
      ['existing', fast],
      ['truncated', [...fast, '--field-response', truncated]],
      ['corrupt', [...fast, '--field-response', corrupt, '--workers', '2']],
      ['planes', [...fast, '--field-response', twoPlanes]],
    ];
    // Two at a time: each is a Node process of about 2 s.
    for (let i = 0; i < cases.length; i += 2) {
      const batch = cases.slice(i, i + 2);
      const results = await Promise.all(
        batch.map(([name, args]) => simulate(path.join(dir, name), args)),
      );
      batch.forEach(([name], k) => outcomes.set(name, results[k]));
    }
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Failed, said `pattern` on stderr, and left nothing in its folder. */
  function assertRefused(name: string, pattern: RegExp): void {
    const outcome = outcomes.get(name)!;

    assert.notEqual(outcome.code, 0, `${name}: exit code`);
    assert.match(outcome.stderr, pattern, `${name}: ${outcome.stderr}`);
    assert.deepEqual(outcome.left, [], `${name}: files left behind`);
    assert.doesNotMatch(outcome.stderr, /\n\s+at /, `${name}: a stack trace was printed`);
  }

  it('an unknown detector is named, with the presets', () => {
    assertRefused('detector', /unknown detector "no-such-detector" \(presets: .*protodune-sp/);
  });

  it('an unknown option is named', () => {
    assertRefused('option', /unknown option '--no-such-option'/);
  });

  it('a negative, zero or fractional event count is refused, naming --events', () => {
    assertRefused('negative', /--events must be an integer >= 1, got "-1"/);
    assertRefused('zero', /--events must be an integer >= 1, got "0"/);
    assertRefused('fraction', /--events must be an integer >= 1, got "1.5"/);
  });

  it('an existing output without --force is refused and left untouched', () => {
    assertRefused('existing', /events\.h5: output exists; pass --force/);
    const kept = fs.readFileSync(path.join(dir, 'existing', 'events.h5'));
    assert.ok(kept.equals(precious));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'existing')), ['events.h5']);
  });

  it('a truncated or corrupt bzip2 field response is named (also with workers)', () => {
    assertRefused('truncated', /truncated\.json\.bz2: truncated or corrupt bzip2 stream/);
    assertRefused('corrupt', /corrupt\.json\.bz2: truncated or corrupt bzip2 stream/);
  });

  it('a field response with the wrong plane count is named, with both counts', () => {
    const counts = /field response has 2 planes, detector tiny needs 3/;
    assertRefused('planes', new RegExp(`two-planes\\.json: ${counts.source}`));
  });

  it('exits with 2 for wiregan errors and 1 for flag errors', () => {
    assert.equal(outcomes.get('detector')!.code, 2);
    assert.equal(outcomes.get('option')!.code, 1);
  });
});

describe('cli: wiregan simulate writes its outputs', function () {
  this.timeout(60000);
  const { dir, detector } = tinyRunFolder('wiregan-cli-ok-');

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the event file and the truth table, and nothing else', async () => {
    const outcome = await simulate(path.join(dir, 'ok'), [
      '--detector',
      detector,
      '--preset',
      'slats',
      '--events',
      '2',
      '--workers',
      '2',
    ]);

    assert.equal(outcome.code, 0, outcome.stderr);
    assert.deepEqual(outcome.left.sort(), ['events.h5', 'events.truth.arrow']);
    assert.match(outcome.stderr, /simulate done .*events=2 detector=tiny/);
  });
});

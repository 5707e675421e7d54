import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { readJsonFile } from '../../pipeline/jsonfile.js';
import { depoPlacement, parseDepoFile } from '../../sim/depofile.js';
import { ConfigError, FileFormatError } from '../../sim/errors.js';
import { presetDetector } from '../helpers/detectors.js';

const G4TUPLE = '../shared/data/realdata/g4tuple-qsn-v1-fixed.json.bz2';
const PYTHON = '/usr/bin/python3';

/** Count, sums and first entry of the file, computed by Python's bz2 and json. */
const PY_SUMMARY = `
import bz2, json, sys
d = json.load(bz2.open(sys.argv[1]))['depos']
print(json.dumps({'count': len(d), 'n': sum(e['n'] for e in d), 'q': sum(e['q'] for e in d),
  'tmin': min(e['t'] for e in d), 'first': d[0],
  'box': [[min(e[k] for e in d), max(e[k] for e in d)] for k in 'xyz']}))
`;

interface Summary {
  count: number;
  n: number;
  q: number;
  tmin: number;
  first: Record<string, number>;
  box: [number, number][];
}

describe('depofile: Wire-Cell depo JSON (g4tuple-qsn-v1-fixed)', () => {
  const detector = presetDetector('protodune-sp');
  let json: unknown;
  let reference: Summary;

  before(() => {
    json = readJsonFile(G4TUPLE);
    const printed = execFileSync(PYTHON, ['-c', PY_SUMMARY, G4TUPLE], { encoding: 'utf8' });
    reference = JSON.parse(printed);
  });

  it('reads every step with its electrons, as Python counts them', () => {
    const { depos, primaries } = parseDepoFile(json, G4TUPLE, depoPlacement('as-is', detector));
    const total = depos.electrons.reduce((a, b) => a + b, 0);

    assert.equal(depos.count, reference.count);
    assert.equal(depos.count, 9647);
    assert.equal(total, reference.n);
    assert.equal(primaries.length, 1);
    assert.equal(primaries[0].electrons, reference.n);
    assert.ok(Math.abs(primaries[0].depositedEnergy - reference.q) < 1e-9 * reference.q);
    assert.equal(primaries[0].time, reference.tmin);
  });

  it('as-is keeps the coordinates, time and order of the file', () => {
    const { depos } = parseDepoFile(json, G4TUPLE, depoPlacement('as-is', detector));
    const f = reference.first;

    assert.deepEqual(
      [depos.x[0], depos.y[0], depos.z[0], depos.t[0], depos.electrons[0]],
      [f.x, f.y, f.z, f.t, f.n],
    );
  });

  it('centre moves the bounding box to the centre of the active volume', () => {
    const { depos } = parseDepoFile(json, G4TUPLE, depoPlacement('centre', detector));
    const volume = detector.activeVolume;
    const axes = [
      [depos.x, volume.x, reference.box[0]],
      [depos.y, volume.y, reference.box[1]],
      [depos.z, volume.z, reference.box[2]],
    ] as const;
    for (const [values, [lo, hi], [fileMin, fileMax]] of axes) {
      const min = Math.min(...values);
      const max = Math.max(...values);

      assert.ok(Math.abs(0.5 * (min + max) - 0.5 * (lo + hi)) < 1e-6);
      assert.ok(Math.abs(max - min - (fileMax - fileMin)) < 1e-6);
    }
  });

  it('rejects an unknown placement as a config error naming source.placement', () => {
    assert.throws(
      () => depoPlacement('middle', detector),
      (e: unknown) => e instanceof ConfigError && /source\.placement.*"middle"/.test(e.message),
    );
  });

  it('names the file and the entry of a bad depo', () => {
    const bad = {
      depos: [
        { n: 1, t: 0, x: 0, y: 0, z: 0 },
        { n: 'many', t: 0, x: 0, y: 0, z: 0 },
      ],
    };
    const missing = { depos: [{ n: 1, t: 0, x: 0, y: 0 }] };
    const place = depoPlacement('as-is', detector);

    assert.throws(
      () => parseDepoFile(bad, 'bad.json', place),
      (e: unknown) => e instanceof FileFormatError && /bad\.json.*depos\[1\].*"n"/.test(e.message),
    );
    assert.throws(
      () => parseDepoFile(missing, 'missing.json', place),
      (e: unknown) => e instanceof FileFormatError && /\[0\]: missing key "z"/.test(e.message),
    );
    assert.throws(
      () => parseDepoFile({ steps: [] }, 'other.json', place),
      (e: unknown) => e instanceof FileFormatError && /"depos" list/.test(e.message),
    );
  });
});

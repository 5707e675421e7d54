import assert from 'node:assert/strict';

import { readJsonFile } from '../../pipeline/jsonfile.js';
import type { Detector } from '../../sim/detector.js';
import { ConfigError, FileFormatError } from '../../sim/errors.js';
import {
  DEFAULT_BUILTIN_FIELD,
  builtinFieldResponse,
  checkPlaneCount,
  gridTransparency,
  parseFieldResponse,
  planeById,
  weightingPotential,
} from '../../sim/fieldresponse.js';
import type { FieldResponse, PathResponse, PlaneResponse } from '../../sim/fieldresponse.js';
import { mm, ns } from '../../sim/units.js';

const DUNE = '../shared/data/realdata/dune-garfield-1d565.json.bz2';
const DUNE_WIRES0 = '../shared/data/realdata/dune-garfield-1d565-wires0.json.bz2';

/** README: the DUNE on-wire collection path integrates to -0.986 e. */
const DUNE_COLLECTION_INTEGRAL = -0.986;
const INTEGRAL_TOLERANCE = 0.005;

/** Integral of a path's current [electrons]. */
function integral(path: PathResponse, period: number): number {
  return path.current.reduce((a, b) => a + b, 0) * period;
}

/** The path at `pitches` pitches from the wire of interest. */
function pathAt(plane: PlaneResponse, pitches: number): PathResponse {
  const path = plane.paths.find((p) => Math.abs(p.pitchPos / plane.pitch - pitches) < 1e-6);
  assert.ok(path, `no path at ${pitches} pitches`);
  return path;
}

/**
 * Positive and negative charge [e] of the current summed over a track
 * along the pitch: paths cover [n - 0.5, n] for every wire n and the
 * mirror covers the rest, so the integral over pitch is twice the
 * trapezoid sum over the file's half cells of 0.1 pitch.
 */
function lobeCharges(plane: PlaneResponse, period: number) {
  const sum = new Float64Array(plane.paths[0].current.length);
  for (const path of plane.paths) {
    const frac = (path.pitchPos / plane.pitch) % 0.5;
    const edge = Math.abs(frac) < 1e-6 || Math.abs(Math.abs(frac) - 0.5) < 1e-6;
    const weight = 2 * 0.1 * (edge ? 0.5 : 1);
    path.current.forEach((v, k) => (sum[k] += weight * v * period));
  }
  let positive = 0;
  let negative = 0;
  for (const v of sum) {
    if (v > 0) positive += v;
    else negative += v;
  }
  return { positive, negative };
}

/** A small Wire-Cell-style field response JSON. */
function tinyJson(): Record<string, any> {
  const path = (pitchpos: number) => ({
    PathResponse: {
      pitchpos,
      wirepos: 0,
      current: { array: { shape: [3], elements: [0, -1, 0] } },
    },
  });
  const plane = (planeid: number) => ({
    PlaneResponse: { planeid, location: 0, pitch: 5, paths: [path(0), path(-2.5)] },
  });
  return {
    FieldResponse: { origin: 100, period: 99.9999, tstart: 0, speed: 0.0016, planes: [plane(0)] },
  };
}

function detectorWithPlanes(count: number): Detector {
  const plane = (index: number) => ({
    name: 'uvw'[index],
    index,
    wireAngle: 0,
    pitch: 5 * mm,
    channels: 10,
    firstChannel: 10 * index,
    baselineAdc: 900,
    noiseRmsAdc: 3,
  });
  return {
    name: 'toy',
    planes: Array.from({ length: count }, (_, i) => plane(i)),
    ticks: 100,
    tick: 500 * ns,
    responsePlane: 100 * mm,
    activeVolume: { x: [100, 200], y: [-10, 10], z: [-10, 10] },
  };
}

describe('field response: Wire-Cell files', () => {
  let dune: FieldResponse;
  let wires0: FieldResponse;

  before(() => {
    dune = parseFieldResponse(readJsonFile(DUNE), DUNE);
    wires0 = parseFieldResponse(readJsonFile(DUNE_WIRES0), DUNE_WIRES0);
  });

  it('loads the DUNE file: 3 planes of 126 paths, 1000 samples', () => {
    assert.equal(dune.planes.length, 3);
    assert.deepEqual(
      dune.planes.map((p) => p.planeId),
      [0, 1, 2],
    );
    for (const plane of dune.planes) assert.equal(plane.paths.length, 126);
    assert.equal(dune.samples, 1000);
    assert.equal(dune.origin, 100 * mm);
    assert.ok(Math.abs(dune.speed - 1.565 * (mm / 1000)) < 1e-12);
  });

  it('rounds the 99.998999 ns period to 100 ns', () => {
    assert.equal(dune.period, 100 * ns);
  });

  it('on-wire collection path integrates to -0.986 e (within 0.005)', () => {
    const onWire = pathAt(dune.planes[2], 0);

    const total = integral(onWire, dune.period);
    assert.ok(Math.abs(total - DUNE_COLLECTION_INTEGRAL) < INTEGRAL_TOLERANCE, `${total}`);
  });

  it('on-wire induction paths integrate to about 0 (within 0.01 e)', () => {
    for (const plane of dune.planes.slice(0, 2)) {
      const total = integral(pathAt(plane, 0), dune.period);
      assert.ok(Math.abs(total) < 0.01, `plane ${plane.planeId}: ${total}`);
    }
  });

  it('-wires0 file: zero current beyond 1 pitch, unchanged within', () => {
    for (const [p, plane] of wires0.planes.entries()) {
      for (const [j, path] of plane.paths.entries()) {
        const pitches = Math.abs(path.pitchPos / plane.pitch);
        if (pitches >= 1 - 1e-6) {
          assert.ok(
            path.current.every((v) => v === 0),
            `plane ${p} path at ${pitches}`,
          );
        } else {
          assert.deepEqual(path.current, dune.planes[p].paths[j].current);
        }
      }
    }
  });

  it('checkPlaneCount rejects a detector with another plane count', () => {
    assert.throws(
      () => checkPlaneCount(dune, detectorWithPlanes(2), DUNE),
      (e: unknown) =>
        e instanceof ConfigError && e.message.includes(DUNE) && /3 planes.*needs 2/.test(e.message),
    );
    checkPlaneCount(dune, detectorWithPlanes(3), DUNE);
  });
});

describe('field response: parsing errors', () => {
  it('parses a minimal file and snaps its period', () => {
    const fr = parseFieldResponse(tinyJson(), 'tiny.json');

    assert.equal(fr.period, 100 * ns);
    assert.deepEqual(Array.from(fr.planes[0].paths[1].current), [0, -1, 0]);
    assert.equal(fr.planes[0].paths[1].pitchPos, -2.5 * mm);
  });

  it('names the source and the field when one is missing', () => {
    const json = tinyJson();
    delete json.FieldResponse.period;

    assert.throws(
      () => parseFieldResponse(json, 'tiny.json'),
      (e: unknown) => e instanceof FileFormatError && /^tiny.json: .*period/.test(e.message),
    );
  });

  it('rejects a non-numeric current sample', () => {
    const json = tinyJson();
    json.FieldResponse.planes[0].PlaneResponse.paths[1].PathResponse.current.array.elements[2] =
      'x';

    assert.throws(
      () => parseFieldResponse(json, 'tiny.json'),
      (e: unknown) => e instanceof FileFormatError && /paths\[1\].*sample 2/.test(e.message),
    );
  });

  it('rejects paths of unequal length', () => {
    const json = tinyJson();
    json.FieldResponse.planes[0].PlaneResponse.paths[0].PathResponse.current.array.elements = [1];

    assert.throws(
      () => parseFieldResponse(json, 'tiny.json'),
      (e: unknown) =>
        e instanceof FileFormatError && /expected 1 current samples, got 3/.test(e.message),
    );
  });
});

describe('field response: built-in model', () => {
  const fr = builtinFieldResponse();
  const period = fr.period;

  it("has 3 planes of 126 paths in the files' layout", () => {
    assert.equal(fr.planes.length, 3);
    for (const plane of fr.planes) {
      assert.equal(plane.paths.length, 126);
      assert.equal(plane.paths[0].pitchPos, -10.5 * plane.pitch);
    }
    assert.equal(fr.samples, 1000);
    assert.equal(fr.period, 100 * ns);
  });

  it('collection: on-wire path integrates to -1 e, off-cell paths to 0', () => {
    const w = fr.planes[2];

    assert.ok(Math.abs(integral(pathAt(w, 0), period) + 1) < 1e-9);
    assert.ok(Math.abs(integral(pathAt(w, -0.3), period) + 1) < 1e-9);
    assert.ok(Math.abs(integral(pathAt(w, -1), period)) < 1e-9);
    assert.ok(pathAt(w, 0).current.every((v) => v <= 0));
  });

  it('induction: bipolar, negative lobe first, integral 0', () => {
    for (const plane of fr.planes.slice(0, 2)) {
      const current = pathAt(plane, -0.2).current;
      const min = current.indexOf(Math.min(...current));
      const max = current.indexOf(Math.max(...current));

      assert.ok(Math.abs(integral(pathAt(plane, -0.2), period)) < 1e-9);
      assert.ok(current[min] < 0 && current[max] > 0 && min < max, `${min} ${max}`);
    }
  });

  it('induced signal falls with wire distance', () => {
    const w = fr.planes[2];
    const peak = (pitches: number) => Math.max(...pathAt(w, pitches).current.map(Math.abs));

    assert.ok(peak(0) > peak(-1) && peak(-1) > peak(-2) && peak(-2) > peak(-3));
    assert.ok(peak(-1) > 0.05 * peak(0), 'neighbour signal is visible');
  });

  it('weighting potentials of all strips sum to the plate value 1 - h/H', () => {
    // A slab face tiled by strips is a plate at potential 1: linear in h.
    const pitch = 4.71 * mm;
    const strip = { location: 0, pitch, heightAbove: 4.71 * mm, heightBelow: 0 };
    for (const [x, y] of [
      [1 * mm, 0.3 * mm],
      [3.5 * mm, -2 * mm],
    ]) {
      let sum = 0;
      for (let n = -60; n <= 60; n++) sum += weightingPotential(x, y - n * pitch, strip);

      assert.ok(Math.abs(sum - (1 - x / strip.heightAbove)) < 1e-9, `${sum}`);
    }
  });

  it("track along the pitch: each induction lobe carries Garfield's charge within 10 %", () => {
    // A long track parallel to the wire plane and across the wires: the
    // wire sees the integral of the response over pitch positions. Its
    // positive lobe carries the grid's mean potential in its plane
    // (gridTransparency), which Garfield's thin-wire field reproduces.
    const dune = parseFieldResponse(readJsonFile(DUNE), DUNE);
    for (const planeId of [0, 1]) {
      const model = lobeCharges(planeById(fr, planeId, 'builtin'), period);
      const garfield = lobeCharges(planeById(dune, planeId, DUNE), dune.period);

      assert.ok(
        Math.abs(model.positive / garfield.positive - 1) < 0.1,
        `${planeId} ${model.positive} ${garfield.positive}`,
      );
      assert.ok(
        Math.abs(model.negative / garfield.negative - 1) < 0.15,
        `${planeId} ${model.negative} ${garfield.negative}`,
      );
    }
    const collection = lobeCharges(planeById(fr, 2, 'builtin'), period);
    assert.ok(Math.abs(collection.negative + 1) < 1e-3, `${collection.negative}`);
  });

  it('grid transparency of ProtoDUNE induction planes is 0.578 (hand computation)', () => {
    // 1 / (1 + (s / 2 pi)(2 / H) ln(s / (pi d))), s = H = 4.71 mm, d = 0.152 mm.
    const strip = {
      location: 4.71 * mm,
      pitch: 4.71 * mm,
      heightAbove: 4.71 * mm,
      heightBelow: 4.71 * mm,
    };
    const byHand = 1 / (1 + (1 / Math.PI) * Math.log(4.71 / (Math.PI * 0.152)));

    assert.ok(Math.abs(byHand - 0.5785) < 1e-4);
    assert.ok(Math.abs(gridTransparency(strip, 0.152 * mm) - byHand) < 1e-12);
  });

  it('rejects a response plane inside the wire planes', () => {
    assert.throws(
      () => builtinFieldResponse({ ...DEFAULT_BUILTIN_FIELD, originMm: 5 }),
      (e: unknown) => e instanceof ConfigError && /originMm/.test(e.message),
    );
  });
});

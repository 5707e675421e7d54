import assert from 'node:assert/strict';

import {
  convolveMultiwire,
  convolveNearest,
  DEFAULT_CONVOLVE,
  denseFftConvolution,
} from '../../sim/convolve.js';
import { ConfigError, ShapeError } from '../../sim/errors.js';
import type { ImpactCharge, PlaneImpactResponse } from '../../sim/impact.js';
import { Rng } from '../../sim/random.js';
import { volt } from '../../sim/units.js';

/**
 * Float32 FFTs: results agree with a direct double-precision sum within
 * this fraction of the largest |sample| of the expected frame.
 */
const FLOAT32_FFT_TOLERANCE = 2e-6;

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function assertClose(actual: Float32Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const tolerance = FLOAT32_FFT_TOLERANCE * maxAbs(expected);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (diff > tolerance) {
      assert.fail(`${what}: sample ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/** Plain direct sum of the domain-B definition (sim/impact.ts). */
function directMultiwire(charge: ImpactCharge, response: PlaneImpactResponse): Float64Array {
  const { wires, ticks, impactsPerWire } = charge;
  const { wireReach, length, waveforms } = response;
  const out = new Float64Array(wires * ticks);
  for (const [key, row] of charge.rows) {
    const wire = Math.floor(key / impactsPerWire);
    const impact = key % impactsPerWire;
    for (let offset = -wireReach; offset <= wireReach; offset++) {
      const target = wire + offset;
      if (target < 0 || target >= wires) continue;
      const base = ((offset + wireReach) * impactsPerWire + impact) * length;
      for (let t = 0; t < ticks; t++) {
        for (let j = 0; j < length && t + j < ticks; j++) {
          out[target * ticks + t + j] += row[t] * waveforms[base + j];
        }
      }
    }
  }
  return out;
}

/** Plain direct sum of the domain-A definition. */
function directNearest(charge: ImpactCharge, response: PlaneImpactResponse): Float64Array {
  const out = new Float64Array(charge.wires * charge.ticks);
  for (const [key, row] of charge.rows) {
    const wire = Math.floor(key / charge.impactsPerWire);
    for (let t = 0; t < charge.ticks; t++) {
      for (let j = 0; j < response.length && t + j < charge.ticks; j++) {
        out[wire * charge.ticks + t + j] += row[t] * response.nearest[j];
      }
    }
  }
  return out;
}

function randomResponse(
  rng: Rng,
  wireReach: number,
  impactsPerWire: number,
  length: number,
): PlaneImpactResponse {
  const waveforms = new Float32Array((2 * wireReach + 1) * impactsPerWire * length);
  for (let i = 0; i < waveforms.length; i++) waveforms[i] = rng.normal(0, 1e-3 * volt);
  const nearest = new Float32Array(length);
  for (let i = 0; i < length; i++) nearest[i] = rng.normal(0, 1e-3 * volt);
  return { wireReach, impactsPerWire, length, waveforms, nearest };
}

/** Sparse charge: each chosen row gets a short run of electrons. */
function randomCharge(
  rng: Rng,
  wires: number,
  impactsPerWire: number,
  ticks: number,
  rowCount: number,
): ImpactCharge {
  const rows = new Map<number, Float32Array>();
  for (let n = 0; n < rowCount; n++) {
    const key = Math.floor(rng.uniform() * wires * impactsPerWire);
    const row = rows.get(key) ?? new Float32Array(ticks);
    const start = Math.floor(rng.uniform() * ticks);
    const run = 1 + Math.floor(rng.uniform() * 40);
    for (let t = start; t < Math.min(ticks, start + run); t++) row[t] += 100 * rng.uniform();
    rows.set(key, row);
  }
  return { wires, impactsPerWire, ticks, rows };
}

/** A small block FFT so that the test frames span several blocks. */
const SMALL_BLOCKS = { blockFftSize: 64 };

describe('sim/convolve', () => {
  const rng = new Rng(20240611);
  const response = randomResponse(rng, 3, 10, 40);
  const charge = randomCharge(rng, 30, 10, 300, 60);

  it('convolveMultiwire equals a direct time-domain sum', () => {
    const expected = directMultiwire(charge, response);
    assertClose(convolveMultiwire(charge, response, SMALL_BLOCKS), expected, 'small blocks');
    assertClose(convolveMultiwire(charge, response), expected, 'default blocks');
  });

  it('convolveNearest equals a direct time-domain sum of impact-summed charge', () => {
    const expected = directNearest(charge, response);
    assertClose(convolveNearest(charge, response, SMALL_BLOCKS), expected, 'small blocks');
  });

  it('one electron reproduces the waveforms on wires w-reach..w+reach', () => {
    const wire = 12;
    const impact = 7;
    const start = 100;
    const row = new Float32Array(300);
    row[start] = 1;
    const rows = new Map([[wire * 10 + impact, row]]);
    const one: ImpactCharge = { wires: 30, impactsPerWire: 10, ticks: 300, rows };
    const out = convolveMultiwire(one, response, SMALL_BLOCKS);

    const expected = new Float64Array(30 * 300);
    for (let offset = -3; offset <= 3; offset++) {
      const base = ((offset + 3) * 10 + impact) * response.length;
      for (let j = 0; j < response.length; j++) {
        expected[(wire + offset) * 300 + start + j] = response.waveforms[base + j];
      }
    }
    assertClose(out, expected, 'single electron');
  });

  it('drops signal past the last tick and on wires outside the plane', () => {
    const rows = new Map<number, Float32Array>();
    for (const key of [0, 3, 29 * 10 + 9, 15 * 10]) {
      const row = new Float32Array(300);
      for (let t = 285; t < 300; t++) row[t] = 50 + t;
      row[0] = 10;
      rows.set(key, row);
    }
    const edge: ImpactCharge = { wires: 30, impactsPerWire: 10, ticks: 300, rows };
    assertClose(
      convolveMultiwire(edge, response, SMALL_BLOCKS),
      directMultiwire(edge, response),
      'B',
    );
    assertClose(convolveNearest(edge, response, SMALL_BLOCKS), directNearest(edge, response), 'A');
  });

  it('multiwire equals nearest when only offset 0 responds, with nearest as response', () => {
    const length = response.length;
    const waveforms = new Float32Array(7 * 10 * length);
    for (let impact = 0; impact < 10; impact++) {
      waveforms.set(response.nearest, (3 * 10 + impact) * length);
    }
    const onlyZero = { ...response, waveforms };
    const b = convolveMultiwire(charge, onlyZero, SMALL_BLOCKS);
    const a = convolveNearest(charge, onlyZero, SMALL_BLOCKS);
    assertClose(b, Float64Array.from(a), 'multiwire vs nearest');
  });

  it('denseFftConvolution equals the block engine with one impact per wire', () => {
    const oneImpact = randomResponse(rng, 3, 1, 40);
    const sparse = randomCharge(rng, 30, 1, 300, 40);
    const frame = new Float32Array(30 * 300);
    for (const [wire, row] of sparse.rows) frame.set(row, wire * 300);
    const expected = directMultiwire(sparse, oneImpact);
    assertClose(denseFftConvolution(frame, 30, 300, oneImpact.waveforms, 3), expected, 'dense');
    const nearest = denseFftConvolution(frame, 30, 300, oneImpact.nearest, 0);
    assertClose(nearest, directNearest(sparse, oneImpact), 'dense, reach 0');
  });

  it('rejects mismatched shapes and bad block sizes', () => {
    const wrong: ImpactCharge = { ...charge, impactsPerWire: 5 };
    assert.throws(() => convolveMultiwire(wrong, response), ShapeError);
    const short = new Map([[3, new Float32Array(10)]]);
    assert.throws(() => convolveNearest({ ...charge, rows: short }, response), ShapeError);
    assert.throws(() => convolveMultiwire(charge, response, { blockFftSize: 40 }), ConfigError);
    assert.throws(() => convolveMultiwire(charge, response, { blockFftSize: 77 }), ConfigError);
    assert.equal(DEFAULT_CONVOLVE.blockFftSize, 512);
  });
});

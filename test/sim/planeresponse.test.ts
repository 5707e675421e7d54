import assert from 'node:assert/strict';

import { readJsonFile } from '../../pipeline/jsonfile.js';
import type { Detector } from '../../sim/detector.js';
import { DEFAULT_ELECTRONICS, coldElectronics } from '../../sim/electronics.js';
import { ConfigError, UnsupportedError } from '../../sim/errors.js';
import { builtinFieldResponse, parseFieldResponse } from '../../sim/fieldresponse.js';
import type { FieldResponse } from '../../sim/fieldresponse.js';
import { responseWaveform } from '../../sim/impact.js';
import type { PlaneImpactResponse } from '../../sim/impact.js';
import { domainResponses, planeImpactResponse } from '../../sim/planeresponse.js';
import { fC, mm, mV, ns, us, volt } from '../../sim/units.js';

const DUNE = '../shared/data/realdata/dune-garfield-1d565.json.bz2';
const DUNE_WIRES0 = '../shared/data/realdata/dune-garfield-1d565-wires0.json.bz2';

const OPTIONS = { tick: 0.5 * us, impactsPerWire: 10, wireReach: 10 };
/** 12-bit ADC over 0.2-1.6 V (DESIGN.md). */
const ADC_PER_VOLT = 4096 / (1.4 * volt);
/** DESIGN.md: collection peak ~5.65 ADC per 1000 electrons; we allow 15 %. */
const DESIGN_PEAK_ADC = 5.65;
const DESIGN_PEAK_TOLERANCE = 0.15;

const peakOf = (wave: Float32Array) => Math.max(...wave);
const troughOf = (wave: Float32Array) => Math.min(...wave);

/** Fraction of the summed |signal| that lands off the wire of interest. */
function offWireFraction(response: PlaneImpactResponse, impact: number): number {
  let on = 0;
  let off = 0;
  for (let d = -response.wireReach; d <= response.wireReach; d++) {
    const sum = responseWaveform(response, d, impact).reduce((a, v) => a + Math.abs(v), 0);
    if (d === 0) on += sum;
    else off += sum;
  }
  return off / (on + off);
}

function toyDetector(planes: number): Detector {
  return {
    name: 'toy',
    planes: Array.from({ length: planes }, (_, index) => ({
      name: 'uvw'[index],
      index,
      wireAngle: 0,
      pitch: 4.71 * mm,
      channels: 10,
      firstChannel: 10 * index,
      baselineAdc: 900,
      noiseRmsAdc: 3,
    })),
    ticks: 100,
    tick: 0.5 * us,
    responsePlane: 100 * mm,
    activeVolume: { x: [100, 200], y: [-10, 10], z: [-10, 10] },
  };
}

describe('plane impact response: DUNE Garfield file', () => {
  let dune: FieldResponse;
  let wires0: FieldResponse;
  let responses: PlaneImpactResponse[];

  before(() => {
    dune = parseFieldResponse(readJsonFile(DUNE), DUNE);
    wires0 = parseFieldResponse(readJsonFile(DUNE_WIRES0), DUNE_WIRES0);
    responses = [0, 1, 2].map((p) => planeImpactResponse(dune, p, DEFAULT_ELECTRONICS, OPTIONS));
  });

  it('has the [offset, impact, sample] shape of sim/impact.ts', () => {
    const r = responses[2];

    assert.equal(r.length, 220); // (100 us field + 10 us electronics) / 0.5 us
    assert.equal(r.waveforms.length, 21 * 10 * 220);
    assert.equal(r.nearest.length, 220);
  });

  it('collection: positive only around its peak', () => {
    const nearest = responses[2].nearest;
    const peak = peakOf(nearest);
    const at = nearest.indexOf(peak);

    for (let k = at - 10; k <= at + 10; k++) assert.ok(nearest[k] >= 0, `tick ${k}`);
    assert.ok(troughOf(nearest) > -0.01 * peak);
  });

  it('induction: bipolar with the positive lobe first', () => {
    for (const r of responses.slice(0, 2)) {
      const peak = peakOf(r.nearest);
      const trough = troughOf(r.nearest);

      assert.ok(peak > 0 && trough < -0.3 * peak, `${peak} ${trough}`);
      assert.ok(r.nearest.indexOf(peak) < r.nearest.indexOf(trough));
    }
  });

  it(`collection peak is within 15 % of ${DESIGN_PEAK_ADC} ADC per 1000 electrons`, () => {
    const adc = peakOf(responses[2].nearest) * 1000 * ADC_PER_VOLT;

    assert.ok(Math.abs(adc / DESIGN_PEAK_ADC - 1) < DESIGN_PEAK_TOLERANCE, `${adc} ADC`);
  });

  it('matches a direct convolution of the interpolated paths', () => {
    // Impact 5 of offset 0 is at +0.05 pitch: halfway between the paths
    // at 0 and -0.1 pitch (mirror). Convolve with coldelec by the sum.
    const plane = dune.planes[2];
    const at = (pitches: number) =>
      plane.paths.find((p) => Math.abs(p.pitchPos / plane.pitch - pitches) < 1e-6)!.current;
    const a = at(0);
    const b = at(-0.1);
    const gain = ((14 * mV) / fC) * 1.1365;
    const fine = (n: number) => {
      let v = 0;
      for (let m = 0; m < n; m++) {
        const current = 0.5 * (a[m] + b[m]);
        v -= current * 100 * ns * coldElectronics((n - m) * 100 * ns, gain, 2.2 * us);
      }
      return v;
    };
    const got = responseWaveform(responses[2], 0, 5);

    for (const j of [120, 128, 133, 140]) {
      let expected = 0;
      for (let k = 0; k < 5; k++) expected += fine(5 * j + k) / 5;
      assert.ok(Math.abs(got[j] - expected) < 1e-5 * peakOf(got), `tick ${j}`);
    }
  });

  it('multi-wire response spreads signal to neighbours (domain B)', () => {
    for (const r of responses) assert.ok(offWireFraction(r, 5) > 0.05);
  });

  it('-wires0 file: zero beyond 1 pitch, same nearest-wire response', () => {
    const r = planeImpactResponse(wires0, 2, DEFAULT_ELECTRONICS, OPTIONS);

    for (let d = 2; d <= 10; d++) {
      for (let i = 0; i < 10; i++) {
        assert.ok(responseWaveform(r, d, i).every((v) => v === 0));
        assert.ok(responseWaveform(r, -d, i).every((v) => v === 0));
      }
    }
    const full = responses[2].nearest;
    for (let k = 0; k < full.length; k++) assert.ok(Math.abs(r.nearest[k] - full[k]) < 1e-12);
  });

  it('domainResponses builds A from the -wires0 file and B from the full one', () => {
    const sources = {
      multiwire: { response: dune, source: DUNE },
      nearest: { response: wires0, source: DUNE_WIRES0 },
    };
    const { a, b } = domainResponses(toyDetector(3), 1, sources, DEFAULT_ELECTRONICS, OPTIONS);

    assert.deepEqual(b.waveforms, responses[1].waveforms);
    assert.ok(responseWaveform(a, 3, 0).every((v) => v === 0));
    assert.ok(responseWaveform(b, 3, 0).some((v) => v !== 0));
  });

  it('domainResponses rejects a detector with another plane count', () => {
    const sources = { multiwire: { response: dune, source: DUNE } };

    assert.throws(
      () => domainResponses(toyDetector(2), 0, sources, DEFAULT_ELECTRONICS, OPTIONS),
      (e: unknown) => e instanceof ConfigError && e.message.includes(DUNE),
    );
  });

  it('rejects a reach beyond the file and a tick off the field period', () => {
    assert.throws(
      () => planeImpactResponse(dune, 2, DEFAULT_ELECTRONICS, { ...OPTIONS, wireReach: 11 }),
      ConfigError,
    );
    assert.throws(
      () => planeImpactResponse(dune, 2, DEFAULT_ELECTRONICS, { ...OPTIONS, tick: 0.33 * us }),
      UnsupportedError,
    );
  });
});

describe('plane impact response: built-in model', () => {
  const fr = builtinFieldResponse();

  it('collection positive, induction positive lobe first', () => {
    const w = planeImpactResponse(fr, 2, DEFAULT_ELECTRONICS, OPTIONS).nearest;
    const u = planeImpactResponse(fr, 0, DEFAULT_ELECTRONICS, OPTIONS).nearest;

    assert.ok(troughOf(w) > -1e-3 * peakOf(w));
    assert.ok(u.indexOf(peakOf(u)) < u.indexOf(troughOf(u)) && troughOf(u) < 0);
  });

  it(`collection peak is within 15 % of ${DESIGN_PEAK_ADC} ADC per 1000 electrons`, () => {
    const w = planeImpactResponse(fr, 2, DEFAULT_ELECTRONICS, OPTIONS).nearest;
    const adc = peakOf(w) * 1000 * ADC_PER_VOLT;

    assert.ok(Math.abs(adc / DESIGN_PEAK_ADC - 1) < DESIGN_PEAK_TOLERANCE, `${adc} ADC`);
  });

  it('domain B is wider than A; A and B share one response', () => {
    const { a, b } = domainResponses(toyDetector(3), 2, {}, DEFAULT_ELECTRONICS, OPTIONS);

    assert.equal(a, b);
    assert.ok(offWireFraction(b, 5) > 0.05, `${offWireFraction(b, 5)}`);
  });

  it('RC filter removes the pulse area (high-pass), default length covers 5 tau', () => {
    const rc = { ...DEFAULT_ELECTRONICS, rcFilter: true };
    const plain = planeImpactResponse(fr, 2, DEFAULT_ELECTRONICS, OPTIONS).nearest;
    const filtered = planeImpactResponse(fr, 2, rc, OPTIONS).nearest;
    const area = (wave: Float32Array) => wave.reduce((s, v) => s + v, 0);

    assert.equal(filtered.length, Math.ceil((110 * us + 5 * 1.1e6 * ns) / (0.5 * us)));
    // The undershoot cancels the pulse but for its part past 5 tau: e^-5.
    assert.ok(Math.abs(area(filtered)) < 0.01 * area(plain));
    assert.ok(Math.abs(peakOf(filtered) / peakOf(plain) - 1) < 0.01);
  });
});

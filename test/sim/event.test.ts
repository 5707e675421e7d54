import assert from 'node:assert/strict';

import { readJsonFile } from '../../pipeline/jsonfile.js';
import { DeposBuilder, type EventDeposits } from '../../sim/deposits.js';
import type { Detector, WirePlane } from '../../sim/detector.js';
import { simulateEvent, type EventInputs } from '../../sim/event.js';
import { parseFieldResponse } from '../../sim/fieldresponse.js';
import { builtinPlaneNoiseSpectrum } from '../../sim/noise.js';
import { domainResponses, type SourcedFieldResponse } from '../../sim/planeresponse.js';
import { DEFAULT_SIM, type SimConfig } from '../../sim/simconfig.js';
import { mm } from '../../sim/units.js';
import { presetDetector } from '../helpers/detectors.js';

const DUNE = '../shared/data/realdata/dune-garfield-1d565.json.bz2';

/** ProtoDUNE-SP with a frame just long enough for a 1.75 m drift. */
const DETECTOR: Detector = { ...presetDetector('protodune-sp'), ticks: 2600 };

/** A MIP: 2.1 MeV/cm / 23.6 eV x modified Box R(2.1 MeV/cm), by hand. */
const MIP_ELECTRONS_PER_MM = (() => {
  const xi = (0.212 * 2.1) / (1.396 * 0.5);
  return (2.1e5 / 23.6) * (Math.log(0.93 + xi) / xi);
})();

/** Mid drift: 1.75 m before the response plane (1.09 ms). */
const MID_DRIFT_X = 1850 * mm;

function config(overrides: Partial<SimConfig>): SimConfig {
  return {
    ...DEFAULT_SIM,
    source: { ...DEFAULT_SIM.source, kind: 'depos' },
    drift: { ...DEFAULT_SIM.drift, fluctuate: false },
    ...overrides,
  };
}

/** A 60 cm MIP at drift coordinate x, along `plane`'s pitch direction. */
function mipAcross(plane: WirePlane, x: number): EventDeposits {
  const builder = new DeposBuilder();
  const step = 0.1 * mm;
  const dy = -Math.sin(plane.wireAngle);
  const dz = Math.cos(plane.wireAngle);
  for (let s = -300 * mm; s < 300 * mm; s += step) {
    const c = s + 0.5 * step;
    builder.push(x, c * dy + 0.3 * mm, c * dz + 0.2 * mm, 0, MIP_ELECTRONS_PER_MM * step, 0);
  }
  return { depos: builder.build(), primaries: [] };
}

function inputs(
  detector: Detector,
  cfg: SimConfig,
  field: SourcedFieldResponse | undefined,
  depoEvent: EventDeposits,
  reach = 10,
): EventInputs {
  const options = { impactsPerWire: cfg.raster.impactsPerWire, wireReach: reach };
  const responses = detector.planes.map((p) =>
    domainResponses(detector, p.index, { multiwire: field }, cfg.electronics, options),
  );
  const noise = cfg.noise.enabled
    ? detector.planes.map((p) =>
        builtinPlaneNoiseSpectrum(p, detector.ticks, detector.tick, cfg.noise, cfg.digitizer),
      )
    : null;
  return { detector, config: cfg, responses, noise, depoEvent };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/**
 * Median over the 61 wires around the track's middle of each wire's
 * highest and lowest baseline-subtracted ADC.
 */
function lobes(frame: Float32Array, plane: WirePlane, ticks: number) {
  const centre = plane.channels >> 1;
  const highs: number[] = [];
  const lows: number[] = [];
  for (let w = centre - 30; w <= centre + 30; w++) {
    const row = frame.subarray(w * ticks, (w + 1) * ticks);
    highs.push(Math.max(...row) - plane.baselineAdc);
    lows.push(Math.min(...row) - plane.baselineAdc);
  }
  return { high: median(highs), low: median(lows) };
}

describe('event: both domains of one event', () => {
  it('A and B are identical, noise included, when their responses are equal', () => {
    // One impact per wire and no neighbours: B's response is A's.
    const small: Detector = { ...DETECTOR, ticks: 2000 };
    const cfg = config({ raster: { ...DEFAULT_SIM.raster, impactsPerWire: 1 } });
    const event = mipAcross(small.planes[2], 1200 * mm);
    const equal = simulateEvent(inputs(small, cfg, undefined, event, 0), 3, 0);
    const differ = simulateEvent(inputs(small, cfg, undefined, event, 10), 3, 0);

    for (const p of equal.planes) {
      assert.deepEqual(p.multiwire, p.nearest, `plane ${p.plane.name}`);
      const baseline = p.nearest.filter((v) => v !== p.plane.baselineAdc).length;
      assert.ok(baseline > 0.5 * p.nearest.length, 'noise is on');
    }
    // The check can fail: with neighbours, B differs from A.
    assert.notDeepEqual(differ.planes[2].multiwire, differ.planes[2].nearest);
  });
});

describe('event: MIP sanity figures (DESIGN.md), mid drift, no noise', () => {
  const cfg = config({ noise: { ...DEFAULT_SIM.noise, enabled: false } });
  let garfield: SourcedFieldResponse;

  before(() => {
    garfield = { response: parseFieldResponse(readJsonFile(DUNE), DUNE), source: DUNE };
  });

  /** Domain B lobes of a MIP across each plane's wires. */
  function mipLobes(field: SourcedFieldResponse | undefined) {
    return DETECTOR.planes.map((plane) => {
      const event = simulateEvent(
        inputs(DETECTOR, cfg, field, mipAcross(plane, MID_DRIFT_X)),
        1,
        0,
      );
      return lobes(event.planes[plane.index].multiwire, plane, DETECTOR.ticks);
    });
  }

  it('built-in response: ~125 ADC on collection (15 %), induction lobes in 55-75 ADC', () => {
    const [u, v, w] = mipLobes(undefined);

    assert.ok(Math.abs(w.high / 125 - 1) < 0.15, `collection ${w.high}`);
    assert.equal(w.low, 0);
    for (const lobe of [u, v]) {
      assert.ok(lobe.high >= 55 && lobe.high <= 75, `positive lobe ${lobe.high}`);
      assert.ok(-lobe.low >= 55 && -lobe.low <= 75, `negative lobe ${lobe.low}`);
    }
  });

  it('Garfield response: ~125 ADC on collection, lobes in 55-75 ADC (15 %)', () => {
    const [u, v, w] = mipLobes(garfield);

    assert.ok(Math.abs(w.high / 125 - 1) < 0.15, `collection ${w.high}`);
    for (const lobe of [u, v]) {
      assert.ok(lobe.high >= 0.85 * 55 && lobe.high <= 1.15 * 75, `positive ${lobe.high}`);
      assert.ok(-lobe.low >= 0.85 * 55 && -lobe.low <= 1.15 * 75, `negative ${lobe.low}`);
    }
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import FFT from 'fft.js';

import type { WirePlane } from '../../sim/detector.js';
import { voltsPerAdc } from '../../sim/digitizer.js';
import { ConfigError, FileFormatError } from '../../sim/errors.js';
import {
  DEFAULT_BUILTIN_NOISE_SHAPE,
  DEFAULT_NOISE,
  type NoiseSpectrum,
  builtinNoiseSpectrum,
  builtinPlaneNoiseSpectrum,
  expectedNoiseRms,
  generateNoise,
  parseNoiseSpectra,
  wireCellNoiseSpectrum,
} from '../../sim/noise.js';
import { Rng } from '../../sim/random.js';
import { kHz, mV, us } from '../../sim/units.js';

const require = createRequire(import.meta.url);
const bunzip = require('seek-bzip') as { decode(input: Buffer): Buffer };

const PDSP_NOISE = new URL(
  '../../../shared/data/realdata/protodune-noise-spectra-v1.json.bz2',
  import.meta.url,
);
const TICKS = 6000;
const TICK = 0.5 * us;
const CHANNELS = 100;
/**
 * Statistical tolerance on an RMS over 100 x 6000 samples: the noise is
 * correlated over ~10 ticks, so ~6e4 independent samples give ~0.3 %
 * on the RMS; 3 % is 10 standard deviations.
 */
const RMS_TOLERANCE = 0.03;

function rms(data: Float32Array, from = 0, to = data.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += data[i] * data[i];
  return Math.sqrt(sum / (to - from));
}

function relativeError(got: number, want: number): number {
  return Math.abs(got / want - 1);
}

function plane(index: number, noiseRmsAdc: number): WirePlane {
  const name = 'uvw'[index];
  return {
    name,
    index,
    wireAngle: 0,
    pitch: 5,
    channels: 10,
    firstChannel: 0,
    baselineAdc: 900,
    noiseRmsAdc,
  };
}

function loadPdspJson(): unknown {
  return JSON.parse(bunzip.decode(readFileSync(PDSP_NOISE)).toString('utf8'));
}

interface RawSpectrum {
  plane: number;
  wirelen: number;
  nsamples: number;
  const: number;
  freqs: number[];
  amps: number[];
}

/**
 * The README recipe, written out independently: all N bins (mirrored
 * above N / 2), amps interpolated in frequency, times sqrt(N / nsamples),
 * const in quadrature; returns the full-grid amplitudes.
 */
function readmeGrid(raw: RawSpectrum, n: number, tick: number): number[] {
  const grid: number[] = [];
  for (let k = 0; k < n; k++) {
    const f = Math.min(k, n - k) / (n * tick);
    let a = raw.amps[raw.amps.length - 1];
    for (let i = 0; i + 1 < raw.freqs.length; i++) {
      if (f >= raw.freqs[i] && f < raw.freqs[i + 1]) {
        const w = (f - raw.freqs[i]) / (raw.freqs[i + 1] - raw.freqs[i]);
        a = raw.amps[i] * (1 - w) + raw.amps[i + 1] * w;
        break;
      }
    }
    a *= Math.sqrt(n / raw.nsamples);
    grid.push(Math.sqrt(a * a + raw.const * raw.const));
  }
  return grid;
}

function readmeRms(grid: number[]): number {
  const sum = grid.reduce((acc, a) => acc + a * a, 0);
  return Math.sqrt((4 / Math.PI) * sum) / grid.length;
}

/**
 * Band powers of the noise, Hann-windowed periodogram of the first 4096
 * ticks of each channel, summed over channels: [band] for `bands` in Hz.
 */
function bandPowers(noise: Float32Array, ticks: number, bands: number[][]): number[] {
  const n = 4096;
  const fft = new FFT(n);
  const windowed = new Float64Array(n);
  const spectrum = new Float64Array(2 * n);
  const powers = bands.map(() => 0);
  for (let row = 0; row * ticks < noise.length; row++) {
    for (let t = 0; t < n; t++) {
      const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * t) / n);
      windowed[t] = noise[row * ticks + t] * hann;
    }
    fft.realTransform(spectrum, windowed);
    for (let k = 1; k < n / 2; k++) {
      const f = k / (n * TICK);
      const p = spectrum[2 * k] ** 2 + spectrum[2 * k + 1] ** 2;
      bands.forEach(([lo, hi], b) => {
        if (f >= lo * kHz && f < hi * kHz) powers[b] += p;
      });
    }
  }
  return powers;
}

/** Sum of a_k^2 over the input spectrum's bins in each band [kHz]. */
function inputBandPowers(spectrum: NoiseSpectrum, bands: number[][]): number[] {
  return bands.map(([lo, hi]) => {
    let sum = 0;
    spectrum.amplitude.forEach((a, k) => {
      const f = k / (spectrum.ticks * spectrum.tick);
      if (k > 0 && f >= lo * kHz && f < hi * kHz) sum += a * a;
    });
    return sum;
  });
}

describe('noise', () => {
  describe('built-in spectrum', () => {
    it('generates the configured RMS on induction (4 ADC) and collection (3.5 ADC)', () => {
      for (const [index, rmsAdc] of [
        [0, 4.0],
        [2, 3.5],
      ]) {
        const spectrum = builtinPlaneNoiseSpectrum(plane(index, rmsAdc), TICKS, TICK);
        const noise = generateNoise(spectrum, CHANNELS, new Rng(11, index));
        assert.equal(noise.length, CHANNELS * TICKS);
        const gotAdc = rms(noise) / voltsPerAdc();
        assert.ok(relativeError(gotAdc, rmsAdc) < RMS_TOLERANCE, `plane ${index}: ${gotAdc} ADC`);
      }
    });

    it('takes rmsAdc and scale from the config over the detector value', () => {
      const cfg = { ...DEFAULT_NOISE, rmsAdc: [2, 2, 2], scale: 1.5 };
      const spectrum = builtinPlaneNoiseSpectrum(plane(1, 4), TICKS, TICK, cfg);
      const want = 3 * voltsPerAdc();
      assert.ok(relativeError(expectedNoiseRms(spectrum), want) < 1e-12);
    });

    it('has the shaper and 1/f shape written in the file header', () => {
      const spectrum = builtinNoiseSpectrum(TICKS, TICK, 1 * mV);
      const f0 = 1 / (2 * Math.PI * 0.55 * us);
      const fc = 5 * kHz;
      const shape = (f: number): number => Math.sqrt(1 + fc / f) / (1 + (f / f0) ** 2) ** 2;
      // Bins 30 and 600 are 10 kHz and 200 kHz on a 3 ms window.
      const got = spectrum.amplitude[30] / spectrum.amplitude[600];
      const want = shape(10 * kHz) / shape(200 * kHz);
      assert.ok(relativeError(got, want) < 1e-9);
      assert.equal(spectrum.amplitude[0], 0, 'no DC term');
      assert.equal(DEFAULT_BUILTIN_NOISE_SHAPE.shapingTime, 2.2 * us);
    });

    it('draws Rayleigh amplitudes whose mean is the spectrum (direct DFT)', () => {
      // A power-of-two length synthesises on the spectrum's own grid.
      const n = 8192;
      const spectrum = builtinNoiseSpectrum(n, TICK, 1 * mV);
      const channels = 200;
      const noise = generateNoise(spectrum, channels, new Rng(5));
      const bins = [20, 100, 400, 900, 1500];
      let sumAmp = 0;
      let sumPower = 0;
      let sumMean = 0;
      for (let c = 0; c < channels; c++) {
        for (const k of bins) {
          let re = 0;
          let im = 0;
          for (let t = 0; t < n; t++) {
            const phase = (-2 * Math.PI * k * t) / n;
            re += noise[c * n + t] * Math.cos(phase);
            im += noise[c * n + t] * Math.sin(phase);
          }
          const a = spectrum.amplitude[k];
          // Normalise each bin by its own a_k so that bins weigh equally.
          sumAmp += Math.hypot(re, im) / a;
          sumPower += (re * re + im * im) / (a * a);
          sumMean += 1;
        }
      }
      // 1000 Rayleigh draws: 1.7 % on the mean, 3.2 % on the mean square.
      assert.ok(relativeError(sumAmp / sumMean, 1) < 0.06, `<|X|>/a = ${sumAmp / sumMean}`);
      const meanSquare = sumPower / sumMean;
      assert.ok(relativeError(meanSquare, 4 / Math.PI) < 0.12, `<|X|^2>/a^2 = ${meanSquare}`);
    });

    it('follows the input spectrum band by band', () => {
      const spectrum = builtinNoiseSpectrum(TICKS, TICK, 1 * mV);
      const noise = generateNoise(spectrum, CHANNELS, new Rng(21));
      const bands = [
        [1, 30],
        [30, 150],
        [150, 400],
        [400, 1000],
      ];
      const got = bandPowers(noise, TICKS, bands);
      const want = inputBandPowers(spectrum, bands);
      for (let b = 1; b < bands.length; b++) {
        const ratio = got[b] / got[0] / (want[b] / want[0]);
        assert.ok(relativeError(ratio, 1) < 0.1, `band ${bands[b]} kHz: ratio ${ratio}`);
      }
    });
  });

  describe('Wire-Cell noise spectra', () => {
    const spectra = parseNoiseSpectra(loadPdspJson(), 'protodune-noise-spectra-v1');
    const raw = loadPdspJson() as RawSpectrum[];

    it('reads the six ProtoDUNE-SP entries with their planes and wire lengths', () => {
      assert.equal(spectra.length, 6);
      assert.deepEqual(
        spectra.map((s) => [s.plane, s.wireLength, s.nsamples]),
        raw.map((r) => [r.plane, r.wirelen, 6000]),
      );
      assert.equal(spectra[4].constant, raw[4].const);
    });

    it('rebuilds the README spectrum and its RMS: 1.47 mV on U/V, 1.27 mV on W', () => {
      const cases = [
        { planeIndex: 0, entry: 0, readme: 1.47 * mV },
        { planeIndex: 1, entry: 2, readme: 1.47 * mV },
        { planeIndex: 2, entry: 4, readme: 1.27 * mV },
      ];
      for (const { planeIndex, entry, readme } of cases) {
        const length = raw[entry].wirelen;
        const spectrum = wireCellNoiseSpectrum(spectra, planeIndex, length, TICKS, TICK);
        const grid = readmeGrid(raw[entry], TICKS, TICK);
        for (const k of [0, 1, 100, 777, 1499, 2000, 3000]) {
          assert.ok(relativeError(spectrum.amplitude[k], grid[k]) < 1e-9, `bin ${k}`);
        }
        const formula = readmeRms(grid);
        assert.ok(relativeError(expectedNoiseRms(spectrum), formula) < 1e-9);
        // The README quotes two decimals.
        assert.ok(Math.abs(formula - readme) < 0.006 * mV, `plane ${planeIndex}: ${formula / mV}`);
      }
    });

    it('generates noise whose RMS is the README formula', () => {
      for (const [planeIndex, entry] of [
        [0, 0],
        [2, 4],
      ]) {
        const length = raw[entry].wirelen;
        const spectrum = wireCellNoiseSpectrum(spectra, planeIndex, length, TICKS, TICK);
        const noise = generateNoise(spectrum, CHANNELS, new Rng(3, planeIndex));
        const want = readmeRms(readmeGrid(raw[entry], TICKS, TICK));
        const got = rms(noise);
        assert.ok(relativeError(got, want) < RMS_TOLERANCE, `plane ${planeIndex}: ${got / mV} mV`);
      }
    });

    it('follows the file spectrum: low/mid/high band power ratios', () => {
      const spectrum = wireCellNoiseSpectrum(spectra, 0, 7500, TICKS, TICK);
      const noise = generateNoise(spectrum, CHANNELS, new Rng(8));
      // 500 kHz and up holds only the `const` floor.
      const bands = [
        [150, 450],
        [10, 150],
        [600, 1000],
      ];
      const got = bandPowers(noise, TICKS, bands);
      const want = inputBandPowers(spectrum, bands);
      for (let b = 1; b < bands.length; b++) {
        const ratio = got[b] / got[0] / (want[b] / want[0]);
        assert.ok(relativeError(ratio, 1) < 0.1, `band ${bands[b]} kHz: ratio ${ratio}`);
      }
    });

    it('interpolates linearly in wire length and clamps outside the range', () => {
      const entry = (wirelen: number, amp: number) => ({
        plane: 0,
        wirelen,
        gain: 2.243e-12,
        shaping: 2200,
        period: 500,
        nsamples: 100,
        const: 0,
        freqs: [0, 0.001],
        amps: [amp, amp],
      });
      const file = parseNoiseSpectra([entry(1000, 1), entry(2000, 3)], 'synthetic');
      const scale = Math.sqrt(400 / 100);
      const at = (length: number) => wireCellNoiseSpectrum(file, 0, length, 400, TICK).amplitude[7];
      assert.ok(Math.abs(at(1500) - 2 * scale) < 1e-12);
      assert.ok(Math.abs(at(1250) - 1.5 * scale) < 1e-12);
      assert.ok(Math.abs(at(500) - 1 * scale) < 1e-12);
      assert.ok(Math.abs(at(9000) - 3 * scale) < 1e-12);
    });

    it('names the source, the entry and the key in validation errors', () => {
      const good = raw[0];
      const cases: [unknown, RegExp][] = [
        [{}, /^src\.json: expected a non-empty list/],
        [[good, { ...good, amps: 'x' }], /^src\.json: entry 1: "amps" must be a list/],
        [[{ ...good, const: null }], /^src\.json: entry 0: "const" must be a finite number/],
        [[{ ...good, freqs: good.freqs.slice(1) }], /entry 0: "freqs" and "amps" must have/],
        [[raw[1], raw[0]], /entry 1: "wirelen" must not decrease within plane 0/],
        [[{ ...good, plane: 1.5 }], /entry 0: "plane" must be an integer/],
      ];
      for (const [json, message] of cases) {
        assert.throws(
          () => parseNoiseSpectra(json, 'src.json'),
          (err: unknown) => {
            assert.ok(err instanceof FileFormatError);
            assert.match(err.message, message);
            return true;
          },
        );
      }
      const onlyW = parseNoiseSpectra([raw[4]], 'w.json');
      assert.throws(
        () => wireCellNoiseSpectrum(onlyW, 0, 7000, TICKS, TICK),
        (err: unknown) =>
          err instanceof ConfigError && /w\.json: no noise spectrum for plane 0/.test(err.message),
      );
    });
  });

  describe('random draws', () => {
    const spectrum = builtinNoiseSpectrum(TICKS, TICK, 1 * mV);

    it('repeats with the same seed and changes with another', () => {
      const a = generateNoise(spectrum, 4, new Rng(42));
      const b = generateNoise(spectrum, 4, new Rng(42));
      const c = generateNoise(spectrum, 4, new Rng(43));
      assert.deepEqual(a, b);
      let same = 0;
      for (let i = 0; i < a.length; i++) if (a[i] === c[i]) same++;
      assert.ok(same < a.length / 100, `${same} equal samples`);
    });

    it('gives each channel its own draws, whatever the channel count', () => {
      const five = generateNoise(spectrum, 5, new Rng(7));
      const six = generateNoise(spectrum, 6, new Rng(7));
      assert.deepEqual(five, six.subarray(0, 5 * TICKS));
      assert.ok(rms(five, 4 * TICKS, 5 * TICKS) > 0.5 * mV, 'the odd last channel has noise');
    });

    it('makes channels uncorrelated, including the two sharing an FFT', () => {
      const noise = generateNoise(spectrum, CHANNELS, new Rng(9));
      // Pooled correlation of channels (2i, 2i + 1) and (2i + 1, 2i + 2).
      for (const offset of [0, 1]) {
        let xy = 0;
        let xx = 0;
        let yy = 0;
        for (let c = offset; c + 1 < CHANNELS; c += 2) {
          for (let t = 0; t < TICKS; t++) {
            const x = noise[c * TICKS + t];
            const y = noise[(c + 1) * TICKS + t];
            xy += x * y;
            xx += x * x;
            yy += y * y;
          }
        }
        // ~3e4 independent products: standard deviation ~0.006.
        const r = xy / Math.sqrt(xx * yy);
        assert.ok(Math.abs(r) < 0.04, `offset ${offset}: r = ${r}`);
      }
    });

    it('gives one channel samples far apart in time that are uncorrelated', () => {
      const noise = generateNoise(spectrum, 20, new Rng(10));
      let lag0 = 0;
      let lag500 = 0;
      for (let c = 0; c < 20; c++) {
        for (let t = 0; t + 500 < TICKS; t++) {
          const x = noise[c * TICKS + t];
          lag0 += x * x;
          lag500 += x * noise[c * TICKS + t + 500];
        }
      }
      assert.ok(Math.abs(lag500 / lag0) < 0.1, `autocorrelation at 250 us: ${lag500 / lag0}`);
    });

    it('rejects a spectrum of the wrong length and a bad channel count', () => {
      const bad = { ticks: 100, tick: TICK, amplitude: new Float64Array(10) };
      assert.throws(() => generateNoise(bad, 1, new Rng(1)), /51 bins, got 10/);
      assert.throws(() => generateNoise(spectrum, -1, new Rng(1)), /channels/);
    });
  });
});

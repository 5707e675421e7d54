/**
 * Rasterisation: spreads each drifted electron cloud over impact positions
 * (1/`impactsPerWire` of a wire pitch) and ticks, ready for the field
 * response.
 *
 * Input: drifted depos at the response plane [mm, ns, electrons] with their
 * diffusion widths. Output: an `ImpactCharge` for one plane (sim/impact.ts):
 * electrons per (wire, impact bin, tick). Each cloud is a 2D Gaussian in
 * (pitch, time) cut at `nSigma`; a bin gets the Gaussian's integral over it
 * (differences of the error function), renormalised over the cut window so
 * that every electron inside the plane and the frame is kept.
 *
 * Left out on purpose: statistical fluctuation of how a cloud's electrons
 * share the bins (the cloud's total is already fluctuated by ionisation and
 * attachment), and charge outside the plane's wires or the frame's ticks,
 * which is dropped.
 */
import type { DriftedDepos } from './deposits.js';
import type { Detector, WirePlane } from './detector.js';
import { firstWirePitch, pitchCoordinate } from './detector.js';
import type { ImpactCharge } from './impact.js';
import { normalCdf } from './erf.js';
import { us } from './units.js';

export interface RasterConfig {
  /** Impact positions per wire pitch. */
  readonly impactsPerWire: number;
  /** Gaussian cut-off, in standard deviations. */
  readonly nSigma: number;
  /** Time of the first tick of the frame. */
  readonly readoutStartUs: number;
}

export const DEFAULT_RASTER: RasterConfig = {
  impactsPerWire: 10,
  nSigma: 3,
  readoutStartUs: 0,
};

/** Bins a plane's share of the drifted depos; see the file header. */
export function rasterise(
  depos: DriftedDepos,
  detector: Detector,
  plane: WirePlane,
  cfg: RasterConfig,
): ImpactCharge {
  const binWidth = plane.pitch / cfg.impactsPerWire;
  const pitchEdge = firstWirePitch(plane) - 0.5 * plane.pitch;
  const bins = plane.channels * cfg.impactsPerWire;
  const ticks = detector.ticks;
  const rows = new Map<number, Float32Array>();
  const pitchAxis = { origin: pitchEdge, width: binWidth, bins };
  const timeAxis = { origin: cfg.readoutStartUs * us, width: detector.tick, bins: ticks };

  for (let i = 0; i < depos.count; i++) {
    const p = pitchCoordinate(plane, depos.y[i], depos.z[i]);
    const wp = gaussianBins(pitchAxis, p, depos.sigmaTransverse[i], cfg.nSigma);
    const wt = gaussianBins(timeAxis, depos.t[i], depos.sigmaTime[i], cfg.nSigma);
    if (wp.first < 0 || wt.first < 0) continue;
    const q = depos.electrons[i];
    for (let b = 0; b < wp.weights.length; b++) {
      const share = q * wp.weights[b];
      if (share === 0) continue;
      const row = rowFor(rows, wp.first + b, ticks);
      for (let k = 0; k < wt.weights.length; k++) {
        row[wt.first + k] += share * wt.weights[k];
      }
    }
  }
  return { wires: plane.channels, impactsPerWire: cfg.impactsPerWire, ticks, rows };
}

interface Axis {
  readonly origin: number;
  readonly width: number;
  readonly bins: number;
}

interface BinWeights {
  /** First bin index, or -1 when the window misses the axis. */
  readonly first: number;
  /** Normalised weights of bins first, first + 1, ... */
  readonly weights: Float64Array;
}

const MISSED: BinWeights = { first: -1, weights: new Float64Array(0) };

/**
 * Shares of a Gaussian (mean, sigma) over the bins of an axis, within
 * +-nSigma and clipped to the axis; they sum to 1 over the full window, and
 * less where the window is clipped.
 */
export function gaussianBins(axis: Axis, mean: number, sigma: number, nSigma: number): BinWeights {
  const lo = (mean - nSigma * sigma - axis.origin) / axis.width;
  const hi = (mean + nSigma * sigma - axis.origin) / axis.width;
  const first = Math.floor(lo);
  const last = Math.floor(hi);
  if (last < 0 || first >= axis.bins) return MISSED;
  if (sigma <= 0 || first === last) {
    const bin = Math.floor((mean - axis.origin) / axis.width);
    if (bin < 0 || bin >= axis.bins) return MISSED;
    return { first: bin, weights: Float64Array.of(1) };
  }

  const shares = new Float64Array(last - first + 1);
  const cdfLo = normalCdf(-nSigma);
  const total = normalCdf(nSigma) - cdfLo;
  let previous = cdfLo;
  for (let b = 0; b < shares.length; b++) {
    const edge = axis.origin + (first + b + 1) * axis.width;
    const cdf = b === shares.length - 1 ? normalCdf(nSigma) : normalCdf((edge - mean) / sigma);
    shares[b] = (cdf - previous) / total;
    previous = cdf;
  }

  const start = Math.max(0, first);
  const end = Math.min(axis.bins - 1, last);
  return { first: start, weights: shares.subarray(start - first, end - first + 1) };
}

function rowFor(rows: Map<number, Float32Array>, key: number, ticks: number): Float32Array {
  let row = rows.get(key);
  if (!row) {
    row = new Float32Array(ticks);
    rows.set(key, row);
  }
  return row;
}

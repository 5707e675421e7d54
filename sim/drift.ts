/**
 * Drift: carries each electron cloud from where it was made to the
 * response plane, which sits a fixed distance in front of the collection
 * plane (`Detector.responsePlane`). From there on the field response takes
 * over.
 *
 * Input: depos [mm, ns, electrons]. Output: drifted depos at the response
 * plane: arrival time t + (x - x_rp) / v, electrons attenuated by
 * attachment exp(-t_drift / lifetime) (a binomial draw when fluctuations
 * are on), and Gaussian widths from diffusion, sigma = sqrt(2 D t_drift):
 * longitudinal (stated as a time, sigma_L / v) and transverse (a length).
 *
 * Left out on purpose: space charge and field distortions (the field is
 * uniform), and the drift between the response plane and the wires, which
 * the field response already contains. Depos on the far side of the
 * response plane (x < x_rp) or outside the active volume are dropped.
 */
import type { Depos, DriftedDepos } from './deposits.js';
import type { Detector } from './detector.js';
import type { Rng } from './random.js';
import { cm, mm, ms, s, us } from './units.js';

/** The drift stage's configuration, as it appears in JSON. */
export interface DriftConfig {
  readonly speedMmPerUs: number;
  /** Electron lifetime; 0 turns attachment off. */
  readonly lifetimeMs: number;
  readonly diffusionLongitudinalCm2PerS: number;
  readonly diffusionTransverseCm2PerS: number;
  /** Binomial attachment instead of the mean. */
  readonly fluctuate: boolean;
}

/** Liquid argon at 500 V/cm (DESIGN.md; Li et al., NIM A 816 (2016)). */
export const DEFAULT_DRIFT: DriftConfig = {
  speedMmPerUs: 1.6,
  lifetimeMs: 8,
  diffusionLongitudinalCm2PerS: 7.2,
  diffusionTransverseCm2PerS: 12.0,
  fluctuate: true,
};

/** The config in units.ts units. */
export function driftParameters(cfg: DriftConfig) {
  return {
    speed: (cfg.speedMmPerUs * mm) / us,
    lifetime: cfg.lifetimeMs > 0 ? cfg.lifetimeMs * ms : Infinity,
    diffusionLongitudinal: (cfg.diffusionLongitudinalCm2PerS * cm * cm) / s,
    diffusionTransverse: (cfg.diffusionTransverseCm2PerS * cm * cm) / s,
  };
}

/** Drift time from x to the response plane [ns]. */
export function driftTime(detector: Detector, cfg: DriftConfig, x: number): number {
  return (x - detector.responsePlane) / driftParameters(cfg).speed;
}

/** Moves depos to the response plane; see the file header for the contract. */
export function drift(depos: Depos, detector: Detector, cfg: DriftConfig, rng: Rng): DriftedDepos {
  const { speed, lifetime, diffusionLongitudinal, diffusionTransverse } = driftParameters(cfg);
  const keep = keptIndices(depos, detector);
  const n = keep.length;
  const out = {
    count: n,
    y: new Float64Array(n),
    z: new Float64Array(n),
    t: new Float64Array(n),
    electrons: new Float64Array(n),
    sigmaTime: new Float64Array(n),
    sigmaTransverse: new Float64Array(n),
    primary: new Int32Array(n),
  };

  for (let k = 0; k < n; k++) {
    const i = keep[k];
    const tDrift = (depos.x[i] - detector.responsePlane) / speed;
    const survival = Math.exp(-tDrift / lifetime);
    out.y[k] = depos.y[i];
    out.z[k] = depos.z[i];
    out.t[k] = depos.t[i] + tDrift;
    out.electrons[k] = cfg.fluctuate
      ? rng.binomial(Math.round(depos.electrons[i]), survival)
      : depos.electrons[i] * survival;
    out.sigmaTime[k] = Math.sqrt(2 * diffusionLongitudinal * tDrift) / speed;
    out.sigmaTransverse[k] = Math.sqrt(2 * diffusionTransverse * tDrift);
    out.primary[k] = depos.primary[i];
  }
  return out;
}

function keptIndices(depos: Depos, detector: Detector): Int32Array {
  const { x, y, z } = detector.activeVolume;
  const keep = new Int32Array(depos.count);
  let n = 0;
  for (let i = 0; i < depos.count; i++) {
    const inside =
      depos.x[i] >= Math.max(x[0], detector.responsePlane) &&
      depos.x[i] <= x[1] &&
      depos.y[i] >= y[0] &&
      depos.y[i] <= y[1] &&
      depos.z[i] >= z[0] &&
      depos.z[i] <= z[1];
    if (inside) keep[n++] = i;
  }
  return keep.subarray(0, n);
}

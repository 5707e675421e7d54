/**
 * Field response: the current induced on a wire of interest by one
 * electron drifting from the response plane to the wires, for a set of
 * drift paths per plane, in the Wire-Cell field-response schema.
 *
 * A path starts at the response plane (`origin` from the collection plane)
 * at time `tstart`, at pitch position `pitchPos` relative to the wire of
 * interest; its current [e/ns per electron] is sampled every `period`.
 * Wire-Cell sign convention: the on-wire collection path integrates to
 * about -1 electron, induction paths to about 0, and an induction current
 * is negative first. Files give paths on one side of each wire only; the
 * response is symmetric, response(-p) = response(+p).
 *
 * Two sources: `parseFieldResponse` for Wire-Cell JSON (already in our
 * units), and `builtinFieldResponse`, a parametric Shockley-Ramo model.
 * The model keeps the thin-wire grid's transparency only on average (an
 * induction plane's potentials are scaled by it, see `gridTransparency`)
 * and leaves out on purpose: field-line focusing around each wire (so an
 * electron crossing an induction plane through its own wire's strip
 * still induces about twice Garfield's on-wire peak), the faster drift
 * between the planes, charge induced before the response plane, and
 * diffusion inside the response region.
 */
import type { Detector } from './detector.js';
import { ConfigError, FileFormatError } from './errors.js';
import { mm, ns, us } from './units.js';

/** One drift path's induced current. */
export interface PathResponse {
  /** Start position along the pitch, from the wire of interest [mm]. */
  readonly pitchPos: number;
  /** Induced current per drifting electron [sample], e/ns. */
  readonly current: Float64Array;
}

/** The paths of one wire plane. */
export interface PlaneResponse {
  /** Wire-Cell plane id: 0 = U, 1 = V, 2 = W (collection). */
  readonly planeId: number;
  /** Plane position along the drift axis, from collection [mm]. */
  readonly location: number;
  /** Wire pitch [mm]. */
  readonly pitch: number;
  readonly paths: readonly PathResponse[];
}

export interface FieldResponse {
  /** Response plane distance from the collection plane [mm]. */
  readonly origin: number;
  /** Sample period of every current [ns]. */
  readonly period: number;
  /** Time of sample 0 [ns]. */
  readonly tstart: number;
  /** Nominal drift speed used to compute the paths [mm/ns]. */
  readonly speed: number;
  /** Samples per current. */
  readonly samples: number;
  readonly planes: readonly PlaneResponse[];
}

/** Throws a ConfigError unless `fr` has one plane per detector plane. */
export function checkPlaneCount(fr: FieldResponse, detector: Detector, source: string): void {
  if (fr.planes.length !== detector.planes.length) {
    throw new ConfigError(
      `${source}: field response has ${fr.planes.length} planes, ` +
        `detector ${detector.name} needs ${detector.planes.length}`,
    );
  }
}

/** The plane with Wire-Cell id `planeId`, or a ConfigError. */
export function planeById(fr: FieldResponse, planeId: number, source: string): PlaneResponse {
  const plane = fr.planes.find((p) => p.planeId === planeId);
  if (!plane) {
    const ids = fr.planes.map((p) => p.planeId).join(', ');
    throw new ConfigError(`${source}: no field-response plane ${planeId} (planes: ${ids})`);
  }
  return plane;
}

// ---------------------------------------------------------------------------
// Wire-Cell JSON

/** A period within this of a whole ns is snapped to it, as Wire-Cell does. */
const PERIOD_SNAP = 0.01 * ns;

/**
 * Converts Wire-Cell field-response JSON (`{FieldResponse: {...}}`, or the
 * bare object) into a FieldResponse. `source` names the file in errors.
 * Values are already in wiregan units; only the period is snapped.
 */
export function parseFieldResponse(json: unknown, source: string): FieldResponse {
  const top = record(json, source, 'top level');
  const fr = 'FieldResponse' in top ? record(top.FieldResponse, source, 'FieldResponse') : top;
  const planesJson = fr.planes;
  if (!Array.isArray(planesJson) || planesJson.length === 0) {
    throw new FileFormatError(source, 'FieldResponse.planes must be a non-empty list');
  }

  const planes = planesJson.map((p, i) => parsePlane(p, source, `planes[${i}]`));
  const samples = planes[0].paths[0].current.length;
  for (const plane of planes) {
    for (const [j, path] of plane.paths.entries()) {
      if (path.current.length !== samples) {
        const where = `plane ${plane.planeId} paths[${j}]`;
        const detail = `${where}: expected ${samples} current samples, got ${path.current.length}`;
        throw new FileFormatError(source, detail);
      }
    }
  }

  return {
    origin: finite(fr, 'origin', source, 'FieldResponse') * mm,
    period: snapPeriod(positive(fr, 'period', source, 'FieldResponse') * ns),
    tstart: finite(fr, 'tstart', source, 'FieldResponse') * ns,
    speed: positive(fr, 'speed', source, 'FieldResponse') * (mm / ns),
    samples,
    planes,
  };
}

function snapPeriod(period: number): number {
  const whole = Math.round(period / ns) * ns;
  return Math.abs(period - whole) < PERIOD_SNAP ? whole : period;
}

function parsePlane(json: unknown, source: string, where: string): PlaneResponse {
  const outer = record(json, source, where);
  const plane = record(outer.PlaneResponse ?? outer, source, `${where}.PlaneResponse`);
  const pathsJson = plane.paths;
  if (!Array.isArray(pathsJson) || pathsJson.length === 0) {
    throw new FileFormatError(source, `${where}.paths must be a non-empty list`);
  }
  return {
    planeId: finite(plane, 'planeid', source, where),
    location: finite(plane, 'location', source, where) * mm,
    pitch: positive(plane, 'pitch', source, where) * mm,
    paths: pathsJson.map((p, j) => parsePath(p, source, `${where}.paths[${j}]`)),
  };
}

function parsePath(json: unknown, source: string, where: string): PathResponse {
  const outer = record(json, source, where);
  const path = record(outer.PathResponse ?? outer, source, `${where}.PathResponse`);
  const current = record(path.current, source, `${where}.current`);
  const array = record(current.array, source, `${where}.current.array`);
  const elements = array.elements;
  if (!Array.isArray(elements) || elements.length === 0) {
    throw new FileFormatError(source, `${where}.current.array.elements must be a non-empty list`);
  }

  const samples = new Float64Array(elements.length);
  for (let k = 0; k < elements.length; k++) {
    const value = elements[k];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      const got = JSON.stringify(value);
      throw new FileFormatError(source, `${where}.current sample ${k} is not a number: ${got}`);
    }
    samples[k] = value;
  }
  return { pitchPos: finite(path, 'pitchpos', source, where) * mm, current: samples };
}

function record(value: unknown, source: string, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FileFormatError(source, `${where}: expected an object, got ${typeof value}`);
  }
  return value as Record<string, unknown>;
}

function finite(obj: Record<string, unknown>, key: string, source: string, where: string) {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const got = JSON.stringify(value);
    throw new FileFormatError(source, `${where}.${key}: expected a number, got ${got}`);
  }
  return value;
}

function positive(obj: Record<string, unknown>, key: string, source: string, where: string) {
  const value = finite(obj, key, source, where);
  if (value <= 0) {
    throw new FileFormatError(source, `${where}.${key}: expected a positive number, got ${value}`);
  }
  return value;
}

// ---------------------------------------------------------------------------
// Built-in model

/** Settings of the built-in field model; units are in the names. */
export interface BuiltinFieldConfig {
  /** Wire pitch per plane, U, V, W [mm]. */
  readonly pitchMm: readonly number[];
  /** Distance between adjacent wire planes [mm]; W is at 0. */
  readonly planeGapMm: number;
  /** Response plane distance from the collection plane [mm]. */
  readonly originMm: number;
  /** Drift speed [mm/us]. */
  readonly speedMmPerUs: number;
  /** Sample period [us] and number of samples. */
  readonly periodUs: number;
  readonly samples: number;
  /** Wires on each side of the wire of interest with paths. */
  readonly wireReach: number;
  /** Path spacing [pitch]; paths cover [n - 0.5, n] around wire n. */
  readonly pathStep: number;
  /** Reach of a plane's weighting field above it [plane gaps]. */
  readonly shieldGaps: number;
  /** Wire diameter [mm], for the induction planes' grid transparency. */
  readonly wireDiameterMm: number;
}

/** ProtoDUNE-like geometry, 100 us window at 0.1 us (DESIGN.md). */
export const DEFAULT_BUILTIN_FIELD: BuiltinFieldConfig = {
  pitchMm: [4.71, 4.71, 4.71],
  planeGapMm: 4.71,
  originMm: 100,
  speedMmPerUs: 1.6,
  periodUs: 0.1,
  samples: 1000,
  wireReach: 10,
  pathStep: 0.1,
  shieldGaps: 1,
  wireDiameterMm: 0.152, // CuBe wire of the DUNE/ProtoDUNE APAs (DUNE FD TDR vol. IV)
};

/**
 * The built-in parametric field response (Shockley-Ramo theorem).
 *
 * Each wire is a strip of width one pitch in its plane. Its weighting
 * potential is that of a strip on the face of a grounded slab: the
 * neighbouring wire planes shield it, so the slab reaches `shieldGaps`
 * plane gaps above the strip's plane (the next plane out, or a grid plane
 * above the outermost) and down to the next plane below it. In a slab of
 * height H with the strip |y| < a on one face, mapping
 * zeta = exp(pi (y + i h) / H) to the upper half plane gives
 * phi = (arg(zeta - e^{pi a/H}) - arg(zeta - e^{-pi a/H})) / pi,
 * which falls off as exp(-pi |y| / H) across wires.
 * The electron drifts straight along the drift axis at constant speed and
 * carries charge -1, so the current is -d(phi)/dt. Since phi is 0 where a
 * path starts, the on-wire collection path collects exactly one electron
 * (integral -1) and induction paths integrate to exactly 0, bipolar with
 * the negative lobe first, as in Wire-Cell files.
 *
 * Induction planes are grids of thin wires, not strips: electrons cross
 * them between the wires, where the weighting potential of the whole
 * grid is only its transparency factor (`gridTransparency`, ~0.58 for
 * ProtoDUNE), so their potentials are scaled by it. The collection
 * plane's are not: its electrons end on the wire, at potential 1.
 */
export function builtinFieldResponse(
  config: BuiltinFieldConfig = DEFAULT_BUILTIN_FIELD,
): FieldResponse {
  checkBuiltin(config);
  const planeCount = config.pitchMm.length;
  const gap = config.planeGapMm * mm;
  const planes = config.pitchMm.map((pitchMm, index) => {
    const location = (planeCount - 1 - index) * gap;
    const strip: StripGeometry = {
      location,
      pitch: pitchMm * mm,
      heightAbove: config.shieldGaps * gap,
      heightBelow: Math.min(location, gap),
    };
    const scale = location > 0 ? gridTransparency(strip, config.wireDiameterMm * mm) : 1;
    return builtinPlane(config, index, strip, scale);
  });
  return {
    origin: config.originMm * mm,
    period: config.periodUs * us,
    tstart: 0,
    speed: (config.speedMmPerUs * mm) / us,
    samples: config.samples,
    planes,
  };
}

function checkBuiltin(config: BuiltinFieldConfig): void {
  const where = 'builtin field response';
  const top = (config.pitchMm.length - 1 + config.shieldGaps) * config.planeGapMm;
  if (config.pitchMm.length === 0 || config.pitchMm.some((p) => !(p > 0))) {
    throw new ConfigError(`${where}: pitchMm must list positive pitches, got ${config.pitchMm}`);
  }
  if (!(config.planeGapMm > 0) || !(config.originMm >= top)) {
    const got = `planeGapMm ${config.planeGapMm}, originMm ${config.originMm}`;
    throw new ConfigError(`${where}: need planeGapMm > 0 and originMm >= ${top}, got ${got}`);
  }
  const positives = {
    speedMmPerUs: config.speedMmPerUs,
    periodUs: config.periodUs,
    pathStep: config.pathStep,
    shieldGaps: config.shieldGaps,
    wireDiameterMm: config.wireDiameterMm,
  };
  for (const [key, value] of Object.entries(positives)) {
    if (!(value > 0)) throw new ConfigError(`${where}: ${key} must be positive, got ${value}`);
  }
  const thinnest = Math.min(...config.pitchMm) / Math.PI;
  if (!(config.wireDiameterMm < thinnest)) {
    throw new ConfigError(
      `${where}: wireDiameterMm must be below pitch / pi = ${thinnest.toFixed(3)}, ` +
        `got ${config.wireDiameterMm}`,
    );
  }
  if (!Number.isInteger(config.samples) || config.samples < 1) {
    throw new ConfigError(`${where}: samples must be a positive integer, got ${config.samples}`);
  }
}

function builtinPlane(
  config: BuiltinFieldConfig,
  planeId: number,
  strip: StripGeometry,
  scale: number,
): PlaneResponse {
  const perHalf = Math.round(0.5 / config.pathStep);
  const paths: PathResponse[] = [];
  for (let wire = -config.wireReach; wire <= config.wireReach; wire++) {
    for (let j = 0; j <= perHalf; j++) {
      const pitchPos = (wire - 0.5 + j * config.pathStep) * strip.pitch;
      const potential = (x: number) => scale * weightingPotential(x, pitchPos, strip);
      paths.push({ pitchPos, current: driftCurrent(config, potential) });
    }
  }
  return { planeId, location: strip.location, pitch: strip.pitch, paths };
}

/**
 * Current [e/ns] of an electron (charge -1) drifting from the response
 * plane to x = 0, sample k being the mean over [k, k + 1) periods:
 * -(phi(end) - phi(start)) / period.
 */
function driftCurrent(config: BuiltinFieldConfig, potential: (x: number) => number) {
  const period = config.periodUs * us;
  const speed = (config.speedMmPerUs * mm) / us;
  const origin = config.originMm * mm;
  const current = new Float64Array(config.samples);
  let before = potential(origin);
  for (let k = 0; k < config.samples; k++) {
    const x = Math.max(origin - (k + 1) * period * speed, 0);
    const after = potential(x);
    current[k] = -(after - before) / period;
    before = after;
  }
  return current;
}

/**
 * Mean weighting potential, in its own plane, of a grid of thin wires of
 * diameter d and pitch s held at 1 between grounded planes at heights H1
 * above and H2 below: the electrostatics of a wire grid (the far field
 * of a plate at V, plus the line-charge term near the wires) gives
 * V = 1 / (1 + (s / 2 pi) (1/H1 + 1/H2) ln(s / (pi d))). ProtoDUNE-SP
 * (s = H = 4.71 mm, d = 0.152 mm) gives 0.578; Garfield's U and V paths,
 * summed over a track along the pitch, carry 0.51-0.56 e per lobe.
 */
export function gridTransparency(strip: StripGeometry, wireDiameter: number): number {
  const { pitch, heightAbove, heightBelow } = strip;
  const lineTerm = Math.log(pitch / (Math.PI * wireDiameter));
  return 1 / (1 + (pitch / (2 * Math.PI)) * (1 / heightAbove + 1 / heightBelow) * lineTerm);
}

/** A wire as a strip electrode between grounded faces [mm]. */
export interface StripGeometry {
  /** Plane position along the drift axis. */
  readonly location: number;
  /** Strip width: the wire pitch. */
  readonly pitch: number;
  /** Distance to the grounded face above and below the plane. */
  readonly heightAbove: number;
  readonly heightBelow: number;
}

/**
 * Weighting potential at drift coordinate x and pitch position y [mm] of
 * the strip centred at y = 0; zero outside its slab.
 */
export function weightingPotential(x: number, y: number, strip: StripGeometry): number {
  const above = x >= strip.location;
  const height = above ? strip.heightAbove : strip.heightBelow;
  const depth = above ? x - strip.location : strip.location - x;
  if (depth >= height) return 0;
  return slabStrip(depth, y, height, strip.pitch / 2);
}

/** Potential in a slab of height H at depth h from the strip face. */
function slabStrip(h: number, y: number, height: number, halfWidth: number): number {
  if (h <= 0) return Math.abs(y) < halfWidth ? 1 : Math.abs(y) === halfWidth ? 0.5 : 0;
  const scale = Math.PI / height;
  const modulus = Math.exp(scale * y);
  const re = modulus * Math.cos(scale * h);
  const im = modulus * Math.sin(scale * h);
  const upper = Math.atan2(im, re - Math.exp(scale * halfWidth));
  const lower = Math.atan2(im, re - Math.exp(-scale * halfWidth));
  return (upper - lower) / Math.PI;
}

/**
 * Detector geometry and readout: wire planes, channels, ticks.
 *
 * Each plane is a row of straight, parallel wires in the y-z plane. The
 * wire direction makes `wireAngle` with the vertical (y) axis; the pitch
 * direction is perpendicular to it, so a point's pitch coordinate is
 * p = z cos(angle) - y sin(angle). Wire c sits at p = (c - (N - 1) / 2) pitch:
 * the plane is centred on the detector axis. Charge whose projection falls
 * outside a plane's wires is not seen by that plane (real induction planes
 * wrap around the frame; this toy does not).
 *
 * Channels are numbered consecutively across planes: plane k's channels
 * start where plane k-1's end. The drift axis is x, with the collection
 * plane at x = 0 and the response plane at `responsePlane`.
 */
import { ConfigError } from './errors.js';
import { mm, us } from './units.js';

export interface WirePlane {
  /** `u`, `v` or `w`. */
  readonly name: string;
  /** 0, 1, 2 for u, v, w: the Wire-Cell plane id. */
  readonly index: number;
  /** Angle of the wires from the vertical [rad]. */
  readonly wireAngle: number;
  /** Wire pitch [mm]. */
  readonly pitch: number;
  readonly channels: number;
  /** Channel number of the first wire. */
  readonly firstChannel: number;
  /** ADC baseline of this plane's channels [ADC counts]. */
  readonly baselineAdc: number;
  /** Default noise RMS [ADC counts]. */
  readonly noiseRmsAdc: number;
}

export interface Detector {
  readonly name: string;
  readonly planes: readonly WirePlane[];
  /** Ticks per readout frame and the tick period [ns]. */
  readonly ticks: number;
  readonly tick: number;
  /** Distance of the response plane from the collection plane [mm]. */
  readonly responsePlane: number;
  /** Active volume, [min, max] per axis [mm]. */
  readonly activeVolume: {
    readonly x: readonly [number, number];
    readonly y: readonly [number, number];
    readonly z: readonly [number, number];
  };
}

/** Pitch coordinate of (y, z) for a plane [mm]. */
export function pitchCoordinate(plane: WirePlane, y: number, z: number): number {
  return z * Math.cos(plane.wireAngle) - y * Math.sin(plane.wireAngle);
}

/** Pitch coordinate of wire 0 of a plane [mm]. */
export function firstWirePitch(plane: WirePlane): number {
  return -0.5 * (plane.channels - 1) * plane.pitch;
}

/**
 * Length of the plane's wire through the centre of the active volume [mm]:
 * the chord of the y-z rectangle along the wire direction.
 */
export function wireLength(detector: Detector, plane: WirePlane): number {
  const height = detector.activeVolume.y[1] - detector.activeVolume.y[0];
  const width = detector.activeVolume.z[1] - detector.activeVolume.z[0];
  const cos = Math.abs(Math.cos(plane.wireAngle));
  const sin = Math.abs(Math.sin(plane.wireAngle));
  return Math.min(cos > 0 ? height / cos : Infinity, sin > 0 ? width / sin : Infinity);
}

/** Total channel count over all planes. */
export function channelCount(detector: Detector): number {
  return detector.planes.reduce((sum, plane) => sum + plane.channels, 0);
}

/** The plane with the given name, or a ConfigError listing the names. */
export function planeByName(detector: Detector, name: string): WirePlane {
  const plane = detector.planes.find((p) => p.name === name.toLowerCase());
  if (!plane) {
    const names = detector.planes.map((p) => p.name).join(', ');
    throw new ConfigError(`detector ${detector.name}: no plane "${name}" (planes: ${names})`);
  }
  return plane;
}

const PLANE_KEYS = ['name', 'wireAngleDeg', 'pitchMm', 'channels', 'baselineAdc', 'noiseRmsAdc'];
const DETECTOR_KEYS = [
  'name',
  'description',
  'planes',
  'ticks',
  'tickUs',
  'responsePlaneMm',
  'activeVolumeMm',
];

/**
 * Builds a Detector from its JSON description (see data/detectors/), in
 * which every dimensioned field names its unit. `source` names the file in
 * error messages.
 */
export function parseDetector(json: unknown, source: string): Detector {
  const obj = asRecord(json, source, 'detector');
  rejectUnknown(obj, DETECTOR_KEYS, source, 'detector');
  const planesJson = obj.planes;
  if (!Array.isArray(planesJson) || planesJson.length === 0) {
    throw new ConfigError(`${source}: "planes" must be a non-empty list`);
  }
  let firstChannel = 0;
  const planes = planesJson.map((p, index) => {
    const where = `${source}: planes[${index}]`;
    const plane = asRecord(p, source, `planes[${index}]`);
    rejectUnknown(plane, PLANE_KEYS, source, `planes[${index}]`);
    const parsed: WirePlane = {
      name: String(plane.name ?? '').toLowerCase(),
      index,
      wireAngle: (number(plane, 'wireAngleDeg', where) * Math.PI) / 180,
      pitch: positive(plane, 'pitchMm', where) * mm,
      channels: positiveInteger(plane, 'channels', where),
      firstChannel,
      baselineAdc: number(plane, 'baselineAdc', where),
      noiseRmsAdc: number(plane, 'noiseRmsAdc', where),
    };
    firstChannel += parsed.channels;
    return parsed;
  });
  const volume = asRecord(obj.activeVolumeMm, source, 'activeVolumeMm');
  return {
    name: String(obj.name ?? ''),
    planes,
    ticks: positiveInteger(obj, 'ticks', source),
    tick: positive(obj, 'tickUs', source) * us,
    responsePlane: positive(obj, 'responsePlaneMm', source) * mm,
    activeVolume: {
      x: interval(volume, 'x', source),
      y: interval(volume, 'y', source),
      z: interval(volume, 'z', source),
    },
  };
}

function asRecord(value: unknown, source: string, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${source}: ${what} must be an object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

function rejectUnknown(obj: object, known: string[], source: string, what: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new ConfigError(
        `${source}: unknown key "${key}" in ${what} (known: ${known.join(', ')})`,
      );
    }
  }
}

function number(obj: Record<string, unknown>, key: string, where: string): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigError(
      `${where}: "${key}" must be a finite number, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function positive(obj: Record<string, unknown>, key: string, where: string): number {
  const value = number(obj, key, where);
  if (value <= 0) throw new ConfigError(`${where}: "${key}" must be positive, got ${value}`);
  return value;
}

function positiveInteger(obj: Record<string, unknown>, key: string, where: string): number {
  const value = positive(obj, key, where);
  if (!Number.isInteger(value)) {
    throw new ConfigError(`${where}: "${key}" must be an integer, got ${value}`);
  }
  return value;
}

function interval(obj: Record<string, unknown>, key: string, where: string): [number, number] {
  const value = obj[key];
  const ok =
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((v) => typeof v === 'number') &&
    value[0] < value[1];
  if (!ok) {
    throw new ConfigError(
      `${where}: activeVolumeMm.${key} must be [min, max] with min < max, got ${JSON.stringify(value)}`,
    );
  }
  return [value[0] * mm, value[1] * mm];
}

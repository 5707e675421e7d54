import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A small three-plane detector (64, 64, 80 channels of ProtoDUNE pitch,
 * 1200 ticks, a 90 cm drift), as a preset JSON file, so that a whole
 * simulation run takes a fraction of a second per event.
 */
export const TINY_DETECTOR = {
  name: 'tiny',
  description: 'ProtoDUNE-SP pitches and angles, few channels, for tests',
  planes: [
    {
      name: 'u',
      wireAngleDeg: 35.7,
      pitchMm: 4.669,
      channels: 64,
      baselineAdc: 2350,
      noiseRmsAdc: 4,
    },
    {
      name: 'v',
      wireAngleDeg: -35.7,
      pitchMm: 4.669,
      channels: 64,
      baselineAdc: 2350,
      noiseRmsAdc: 4,
    },
    { name: 'w', wireAngleDeg: 0, pitchMm: 4.79, channels: 80, baselineAdc: 900, noiseRmsAdc: 3 },
  ],
  ticks: 1200,
  tickUs: 0.5,
  responsePlaneMm: 100,
  activeVolumeMm: { x: [100, 1000], y: [-150, 150], z: [-150, 150] },
};

/** Line-source overrides: three short lines per event. */
export const TINY_LINES = {
  source: { kind: 'lines' },
  lines: { lines: 3, minLengthMm: 50 },
};

/** A fresh temporary folder holding tiny-detector.json. */
export function tinyRunFolder(prefix: string): { dir: string; detector: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const detector = path.join(dir, 'tiny-detector.json');
  fs.writeFileSync(detector, JSON.stringify(TINY_DETECTOR));
  return { dir, detector };
}

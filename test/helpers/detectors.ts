import { readFileSync } from 'node:fs';
import { parseDetector, type Detector } from '../../sim/detector.js';

/** A detector preset from data/detectors/, parsed. */
export function presetDetector(name: string): Detector {
  const path = new URL(`../../data/detectors/${name}.json`, import.meta.url);
  return parseDetector(JSON.parse(readFileSync(path, 'utf8')), path.pathname);
}

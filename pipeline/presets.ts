/**
 * Detector presets: the JSON files in data/detectors/, found by name, or
 * any file with the same schema found by path.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDetector, type Detector } from '../sim/detector.js';
import { ConfigError, FileFormatError } from '../sim/errors.js';

const PRESET_DIR = fileURLToPath(new URL('../data/detectors/', import.meta.url));

/** Names of the built-in detector presets. */
export function detectorPresetNames(): string[] {
  return readdirSync(PRESET_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

/** A detector by preset name (`protodune-sp`) or by path to a JSON file. */
export function loadDetector(nameOrPath: string): Detector {
  const isPath = nameOrPath.endsWith('.json') || nameOrPath.includes('/');
  const path = isPath ? nameOrPath : join(PRESET_DIR, `${nameOrPath}.json`);
  if (!existsSync(path)) {
    if (isPath) throw new FileFormatError(path, 'detector file not found');
    const names = detectorPresetNames().join(', ');
    throw new ConfigError(
      `unknown detector "${nameOrPath}" (presets: ${names}, or a path to a .json file)`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new FileFormatError(path, `not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return parseDetector(json, path);
}

/**
 * data.json in a run folder: the tile file a run trains on and its wire
 * plane, written by the trainer when a run starts (models/trainer.ts) and
 * read by the export, which records the plane in the ONNX metadata.
 * Runs written before the file existed have none (null).
 */
import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError } from '../sim/errors.js';

/** What a run folder records of its tile file. */
export interface RunData {
  /** Absolute path of the tile file. */
  readonly tiles: string;
  /** The tile file's wire plane, null when the file records none. */
  readonly plane: string | null;
}

/** data.json in a run folder. */
export function runDataPath(runDir: string): string {
  return path.join(runDir, 'data.json');
}

/** The run's data.json, or null for runs written before it existed. */
export function readRunData(runDir: string): RunData | null {
  const file = runDataPath(runDir);
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as RunData;
  } catch (cause) {
    throw new FileFormatError(
      file,
      `cannot read the run's data record: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

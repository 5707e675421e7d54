/**
 * Debian's Python (/usr/bin/python3, where `make test` installs h5py,
 * numpy and onnx; the python3 first on PATH may be another one) and a
 * check for the modules a test reads files with.
 */
import { execFileSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

/** True when PYTHON imports h5py and numpy. */
export function hasH5py(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import h5py, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

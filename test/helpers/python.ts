/**
 * Debian's Python (/usr/bin/python3, where `make test` installs h5py,
 * numpy and onnx; the python3 first on PATH may be another one) and
 * checks for the modules a test reads or writes files with.
 */
import { execFileSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

/** True when PYTHON imports every module named, e.g. `h5py, numpy`. */
export function hasPythonModules(modules: string): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${modules}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** True when PYTHON imports h5py and numpy. */
export function hasH5py(): boolean {
  return hasPythonModules('h5py, numpy');
}

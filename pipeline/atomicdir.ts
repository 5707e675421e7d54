/**
 * Atomic output folders: a job fills a hidden temporary folder beside the
 * final path, and the folder appears at the final path only when complete
 * (`commit`, one rename). An existing folder is refused unless `force`;
 * with `force`, the old folder is renamed aside, the new one renamed into
 * place, and the old one removed, so the path always holds a complete
 * folder. `abort` removes the temporary folder.
 *
 * Left out: fsync, and clean-up of folders left by a killed process (they
 * are named `.<name>.<pid>.<random>.tmp`).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError } from '../sim/errors.js';
import type { AtomicOptions } from './atomic.js';

export interface AtomicDirectory {
  /** The final folder. */
  readonly path: string;
  /** Where the job writes until `commit`. */
  readonly tempPath: string;
  commit(): void;
  abort(): void;
}

/** Checks `target` can be written and creates its temporary sibling. */
export function beginAtomicDirectory(target: string, options: AtomicOptions = {}): AtomicDirectory {
  const force = options.force ?? false;
  const parent = path.dirname(path.resolve(target));
  if (!fs.existsSync(parent)) {
    throw new FileFormatError(target, `output folder's parent ${parent} does not exist`);
  }
  if (!force && fs.existsSync(target)) {
    throw new FileFormatError(
      target,
      'output folder exists; refusing to replace it without --force',
    );
  }
  const tempPath = sibling(target, 'tmp');
  try {
    fs.mkdirSync(tempPath);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new FileFormatError(target, `cannot write into ${parent} (${code})`, { cause });
  }

  const abort = (): void => fs.rmSync(tempPath, { recursive: true, force: true });
  const commit = (): void => {
    if (!fs.existsSync(target)) {
      fs.renameSync(tempPath, target);
      return;
    }
    if (!force) {
      abort();
      throw new FileFormatError(target, 'output folder appeared while it was being written');
    }
    const old = sibling(target, 'old');
    fs.renameSync(target, old);
    fs.renameSync(tempPath, target);
    fs.rmSync(old, { recursive: true, force: true });
  };
  return { path: target, tempPath, commit, abort };
}

function sibling(target: string, kind: string): string {
  const suffix = `${process.pid}.${randomBytes(6).toString('hex')}.${kind}`;
  return path.join(path.dirname(target), `.${path.basename(target)}.${suffix}`);
}

/**
 * Atomic output files: a writer works on a temporary file in the same
 * folder as the final path, and the file appears at the final path only
 * when it is complete (`commit`), by one rename or link. `abort` removes
 * the temporary file, so a failed or interrupted write leaves nothing
 * behind at the final path.
 *
 * An existing output is refused unless `force` is set, both when the
 * output is opened (so no work is wasted) and at commit, where the
 * no-clobber case uses a hard link, which fails atomically if another
 * writer got there first. With `force`, commit renames over the old file.
 *
 * Left out: fsync of the file and folder (a power cut may lose a committed
 * file on some file systems), and clean-up of temporary files left by a
 * killed process (they are hidden and named `.<name>.<pid>.<random>.tmp`).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError } from '../sim/errors.js';

export interface AtomicOptions {
  /** Replace an existing file at the final path (default false). */
  readonly force?: boolean;
}

/** A temporary file that becomes `path` on `commit`. */
export interface AtomicOutput {
  /** The final path. */
  readonly path: string;
  /** Where the writer writes until `commit`. */
  readonly tempPath: string;
  /** Moves the temporary file to the final path. */
  commit(): void;
  /** Removes the temporary file; safe to call more than once. */
  abort(): void;
}

/** Checks `path` can be written and returns its temporary sibling. */
export function beginAtomicOutput(target: string, options: AtomicOptions = {}): AtomicOutput {
  const force = options.force ?? false;
  checkTarget(target, force);
  const tempPath = temporaryName(target);
  probeWritable(target, tempPath);
  let done = false;

  const abort = (): void => {
    done = true;
    fs.rmSync(tempPath, { force: true });
  };
  const commit = (): void => {
    if (done) throw new FileFormatError(target, 'output already committed or aborted');
    done = true;
    try {
      moveIntoPlace(tempPath, target, force);
    } finally {
      fs.rmSync(tempPath, { force: true });
    }
  };
  return { path: target, tempPath, commit, abort };
}

/** Writes `bytes` to `path` through a temporary file. */
export async function writeFileAtomic(
  target: string,
  bytes: Uint8Array,
  options: AtomicOptions = {},
): Promise<void> {
  const output = beginAtomicOutput(target, options);
  try {
    await fs.promises.writeFile(output.tempPath, bytes, { flag: 'wx' });
    output.commit();
  } catch (error) {
    output.abort();
    throw error;
  }
}

function checkTarget(target: string, force: boolean): void {
  const folder = path.dirname(path.resolve(target));
  if (!fs.existsSync(folder)) {
    throw new FileFormatError(target, `output folder ${folder} does not exist`);
  }
  if (!force && fs.existsSync(target)) {
    throw new FileFormatError(target, 'output exists; refusing to overwrite it without --force');
  }
}

/**
 * Creates and removes the temporary file, so that a folder the user
 * cannot write into is named before any writer (HDF5 included) tries.
 */
function probeWritable(target: string, tempPath: string): void {
  try {
    fs.closeSync(fs.openSync(tempPath, 'wx'));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    const folder = path.dirname(path.resolve(target));
    throw new FileFormatError(target, `cannot write into ${folder} (${code})`, { cause });
  }
  fs.rmSync(tempPath, { force: true });
}

function temporaryName(target: string): string {
  const folder = path.dirname(target);
  const suffix = `${process.pid}.${randomBytes(6).toString('hex')}`;
  return path.join(folder, `.${path.basename(target)}.${suffix}.tmp`);
}

/** File systems without hard links answer these to `link`. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Rename (force) or hard-link (no clobber: fails with EEXIST). Where hard
 * links are not supported, checks again and renames (a small race).
 */
function moveIntoPlace(tempPath: string, target: string, force: boolean): void {
  if (force) {
    fs.renameSync(tempPath, target);
    return;
  }
  try {
    fs.linkSync(tempPath, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code && NO_LINKS.has(code) && !fs.existsSync(target)) {
      fs.renameSync(tempPath, target);
      return;
    }
    const detail =
      code === 'EEXIST'
        ? 'output appeared while it was being written; refusing to overwrite it without --force'
        : `cannot move the finished output into place (${code ?? String(error)})`;
    throw new FileFormatError(target, detail, { cause: error });
  }
}

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { readJsonFile } from '../../pipeline/jsonfile.js';
import { FileFormatError } from '../../sim/errors.js';

const REALDATA = '../shared/data/realdata';
const NOISE = `${REALDATA}/protodune-noise-spectra-v1.json.bz2`;

/** Asserts that `run` throws a FileFormatError naming `path`. */
function assertFileError(run: () => unknown, path: string, detail: RegExp): FileFormatError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof FileFormatError, `expected FileFormatError, got ${caught}`);
  assert.equal(caught.path, path);
  assert.ok(caught.message.startsWith(path), caught.message);
  assert.match(caught.message, detail);
  return caught;
}

describe('readJsonFile', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wiregan-jsonfile-'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a real bzip2 file with the values its README states', () => {
    // README: 6 spectra, gain 14 mV/fC = 2.243e-12, shaping 2200 ns.
    const spectra = readJsonFile(NOISE) as Record<string, number>[];

    assert.equal(spectra.length, 6);
    for (const spectrum of spectra) {
      assert.ok(Math.abs(spectrum.gain - 2.243e-12) < 1e-15);
      assert.equal(spectrum.shaping, 2200);
      assert.equal(spectrum.nsamples, 6000);
    }
  });

  it('reads plain JSON', () => {
    const path = join(dir, 'plain.json');
    writeFileSync(path, '{"planes": [1, 2.5, -3e-4], "name": "w"}');

    assert.deepEqual(readJsonFile(path), { planes: [1, 2.5, -3e-4], name: 'w' });
  });

  it('rejects a truncated bzip2 stream, keeping the cause', () => {
    const bytes = readFileSync(NOISE);
    for (const cut of [1, 10, 700]) {
      const path = join(dir, `cut${cut}.json.bz2`);
      writeFileSync(path, bytes.subarray(0, bytes.length - cut));

      const error = assertFileError(() => readJsonFile(path), path, /bzip2/);
      assert.ok(error.cause instanceof Error);
    }
  });

  it('rejects a corrupt bzip2 block', () => {
    const bytes = Buffer.from(readFileSync(NOISE));
    bytes[600] ^= 0xff;
    const path = join(dir, 'corrupt.json.bz2');
    writeFileSync(path, bytes);

    assertFileError(() => readJsonFile(path), path, /bzip2/);
  });

  it('rejects a .bz2 file that is not bzip2', () => {
    const path = join(dir, 'fake.json.bz2');
    writeFileSync(path, '{"a": 1}');

    assertFileError(() => readJsonFile(path), path, /not a bzip2 stream/);
  });

  it('rejects malformed JSON, keeping the SyntaxError', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{"planes": [1, 2,');

    const error = assertFileError(() => readJsonFile(path), path, /malformed JSON/);
    assert.ok(error.cause instanceof SyntaxError);
  });

  it('rejects a missing file', () => {
    const path = join(dir, 'absent.json');

    const error = assertFileError(() => readJsonFile(path), path, /cannot read/);
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOENT');
  });
});

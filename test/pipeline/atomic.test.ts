import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { beginAtomicOutput, writeFileAtomic } from '../../pipeline/atomic.js';
import { beginAtomicDirectory } from '../../pipeline/atomicdir.js';
import { FileFormatError } from '../../sim/errors.js';

describe('pipeline/atomic', () => {
  let folder: string;
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-atomic-'));
  });
  afterEach(() => {
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('writes the bytes to the final path and leaves no temporary file', async () => {
    const target = path.join(folder, 'out.bin');
    await writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...fs.readFileSync(target)], [1, 2, 3]);
    assert.deepEqual(fs.readdirSync(folder), ['out.bin']);
  });

  it('keeps the file at a temporary name in the same folder until commit', () => {
    const target = path.join(folder, 'out.bin');
    const output = beginAtomicOutput(target);
    fs.writeFileSync(output.tempPath, 'partial');
    assert.equal(path.dirname(output.tempPath), folder);
    assert.equal(fs.existsSync(target), false);
    output.commit();
    assert.equal(fs.readFileSync(target, 'utf8'), 'partial');
    assert.deepEqual(fs.readdirSync(folder), ['out.bin']);
  });

  it('refuses an existing output without force and leaves it untouched', async () => {
    const target = path.join(folder, 'out.bin');
    fs.writeFileSync(target, 'old');
    await assert.rejects(writeFileAtomic(target, new Uint8Array([9])), (error: unknown) => {
      assert.ok(error instanceof FileFormatError);
      assert.match(error.message, /out\.bin.*refusing to overwrite/);
      return true;
    });
    assert.equal(fs.readFileSync(target, 'utf8'), 'old');
    assert.deepEqual(fs.readdirSync(folder), ['out.bin']);
  });

  it('replaces an existing output with force', async () => {
    const target = path.join(folder, 'out.bin');
    fs.writeFileSync(target, 'old');
    await writeFileAtomic(target, new TextEncoder().encode('new'), { force: true });
    assert.equal(fs.readFileSync(target, 'utf8'), 'new');
  });

  it('refuses at commit an output that appeared while writing', () => {
    const target = path.join(folder, 'out.bin');
    const output = beginAtomicOutput(target);
    fs.writeFileSync(output.tempPath, 'mine');
    fs.writeFileSync(target, 'theirs');
    assert.throws(() => output.commit(), FileFormatError);
    assert.equal(fs.readFileSync(target, 'utf8'), 'theirs');
    assert.deepEqual(fs.readdirSync(folder), ['out.bin']);
  });

  it('abort removes the temporary file and nothing appears', () => {
    const target = path.join(folder, 'out.bin');
    const output = beginAtomicOutput(target);
    fs.writeFileSync(output.tempPath, 'partial');
    output.abort();
    output.abort();
    assert.deepEqual(fs.readdirSync(folder), []);
  });

  it('names a missing output folder', () => {
    const target = path.join(folder, 'missing', 'out.bin');
    assert.throws(() => beginAtomicOutput(target), /missing.*does not exist/);
  });

  it('names a folder nobody can write into before any writer tries, and leaves nothing', () => {
    // Nobody, root included, can create a file in /proc.
    assert.throws(
      () => beginAtomicOutput('/proc/events.h5'),
      (e: Error) =>
        e instanceof FileFormatError && /events\.h5: cannot write into \/proc \(E/.test(e.message),
    );
    const output = beginAtomicOutput(path.join(folder, 'probe.bin'));
    assert.deepEqual(
      fs.readdirSync(folder).filter((f) => f.includes('probe')),
      [],
      'the probe removes its temporary file',
    );
    output.abort();
  });

  it('names the folder of an output folder nobody can write into', () => {
    assert.throws(
      () => beginAtomicDirectory('/proc/report'),
      (e: Error) =>
        e instanceof FileFormatError && /report: cannot write into \/proc \(E/.test(e.message),
    );
  });
});

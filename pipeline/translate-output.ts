/**
 * The output side of translation, kept so that a killed run can resume.
 *
 * While a translation runs, its results live in a hidden folder beside the
 * output, `.<output name>.partial/`:
 * - `job.json`: the translation record (input, model and its SHA-256,
 *   tag, planes, baseline rule, tile, overlap, ...). A folder whose record
 *   differs from the current job's is refused, naming the fields.
 * - `event-<n>.h5`: one finished event, group `/<n>` with `frame_<tag>`,
 *   `channels_<tag>`, `tickinfo_<tag>` in the event-file layout, written
 *   under a temporary name and renamed once closed, so a killed run leaves
 *   whole events only (temporary leftovers are removed on resume).
 * A run that fails before finishing any event removes the folder it
 * created (see `discardIfUnused`).
 * At the end the events are copied, in ascending order, into the output
 * file through pipeline/atomic.ts (temporary name, then rename), with the
 * input's file attributes and a `translation_json` attribute (the record),
 * and the folder is removed. Resuming therefore writes the same datasets
 * as an uninterrupted run.
 *
 * Frames are float32 [channel, tick], chunked (about [64, 2048], within the
 * chunk cache) and not compressed: translated values are not integers,
 * and deflate gains ~1.1x on such data at ~25 MB/s (NOTES-stack).
 * Left out: input attributes of types other than numbers and strings
 * (listed in the record's `skippedAttributes`).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { ConfigError, FileFormatError } from '../sim/errors.js';
import { ns } from '../sim/units.js';
import { beginAtomicOutput } from './atomic.js';
import type { EventFrame } from './eventfile.js';
import {
  type H5File,
  chunkShape,
  getDataset,
  openHdf5,
  readFloat32,
  readFloat64,
  readInt32,
} from './hdf5.js';

/** Name of the output file attribute holding the translation record (JSON). */
export const TRANSLATION_ATTRIBUTE = 'translation_json';

/** What a translation did, stored with its output and compared on resume. */
export type TranslationRecord = Readonly<Record<string, unknown>>;

/** A file attribute copied from the input. */
export interface StoredAttribute {
  readonly name: string;
  readonly value: unknown;
  readonly shape: number[] | null;
  readonly dtype: string;
}

const FRAME_CHUNK = [64, 2048] as const;

/** SHA-256 of a file, hex. */
export function fileSha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Numeric and string attributes of an HDF5 file; others are named in `skipped`. */
export async function readAttributes(
  file: string,
): Promise<{ attrs: StoredAttribute[]; skipped: string[] }> {
  const h5 = await openHdf5(file, 'r');
  try {
    const attrs: StoredAttribute[] = [];
    const skipped: string[] = [];
    for (const [name, attr] of Object.entries(h5.attrs)) {
      const value = attr.value;
      const numeric =
        ArrayBuffer.isView(value) || typeof value === 'number' || typeof value === 'bigint';
      const text =
        typeof value === 'string' ||
        (Array.isArray(value) && value.every((v) => typeof v === 'string'));
      if ((numeric && typeof attr.dtype === 'string') || text) {
        attrs.push({
          name,
          value,
          shape: attr.shape,
          dtype: typeof attr.dtype === 'string' ? attr.dtype : '',
        });
      } else {
        skipped.push(name);
      }
    }
    return { attrs, skipped };
  } finally {
    h5.close();
  }
}

function writeAttribute(file: H5File, a: StoredAttribute): void {
  if (typeof a.value === 'string' || Array.isArray(a.value)) {
    file.create_attribute(a.name, a.value as string | string[]);
    return;
  }
  const data = ArrayBuffer.isView(a.value)
    ? a.value
    : scalarArray(a.value as number | bigint, a.dtype);
  file.create_attribute(a.name, data as Float64Array, a.shape ?? [], a.dtype);
}

/** A scalar attribute as a one-element array of its stored type. */
function scalarArray(value: number | bigint, dtype: string): ArrayBufferView {
  if (typeof value === 'bigint' || /[qQ]/.test(dtype)) {
    return /Q/.test(dtype)
      ? new BigUint64Array([BigInt(value)])
      : new BigInt64Array([BigInt(value)]);
  }
  return /[iIhHbB]/.test(dtype) ? new Int32Array([value]) : new Float64Array([value]);
}

/** Writes group `/<event>` with a frame's three datasets. */
function writeFrameGroup(file: H5File, event: number, frame: EventFrame): void {
  const group = file.create_group(String(event));
  const shape = [frame.channels.length, frame.ticks];
  group.create_dataset({
    name: `frame_${frame.tag}`,
    data: frame.data,
    shape,
    dtype: '<f',
    chunks: chunkShape(shape, FRAME_CHUNK, 4),
  });
  group.create_dataset({
    name: `channels_${frame.tag}`,
    data: frame.channels,
    shape: [shape[0]],
    dtype: '<i',
  });
  const [start, period, first] = frame.tickinfo;
  group.create_dataset({
    name: `tickinfo_${frame.tag}`,
    data: new Float64Array([start / ns, period / ns, first]),
    shape: [3],
    dtype: '<d',
  });
}

/** Reads group `/<event>`'s frame `tag` back. */
function readFrameGroup(file: H5File, event: number, tag: string): EventFrame {
  const frame = getDataset(file, `/${event}/frame_${tag}`);
  const [, ticks] = frame.shape!;
  const data = readFloat32(file.filename, frame);
  const channels = readInt32(file.filename, getDataset(file, `/${event}/channels_${tag}`));
  const t = readFloat64(file.filename, getDataset(file, `/${event}/tickinfo_${tag}`));
  return { tag, channels, ticks, data, tickinfo: [t[0] * ns, t[1] * ns, t[2]] };
}

export interface PartialOptions {
  /** Continue the events of an existing partial folder. */
  readonly resume: boolean;
  /** Replace an existing output (and, without resume, an existing partial folder). */
  readonly force: boolean;
}

/** The partial folder of one translation (see the file contract). */
export class PartialOutput {
  private constructor(
    readonly out: string,
    readonly folder: string,
    private readonly outTag: string,
    private readonly record: TranslationRecord,
    /** Whether this run made the folder (it did not exist, or --force replaced it). */
    private readonly created: boolean,
  ) {}

  /** The partial folder's path for output `out`. */
  static folderFor(out: string): string {
    return path.join(path.dirname(out), `.${path.basename(out)}.partial`);
  }

  /** Creates or (with resume) reopens the partial folder of `out`. */
  static open(
    out: string,
    outTag: string,
    record: TranslationRecord,
    options: PartialOptions,
  ): PartialOutput {
    if (!options.force && fs.existsSync(out)) {
      throw new FileFormatError(out, 'output exists; refusing to overwrite it without --force');
    }
    const parent = path.dirname(path.resolve(out));
    if (!fs.existsSync(parent))
      throw new FileFormatError(out, `output folder ${parent} does not exist`);
    const folder = PartialOutput.folderFor(out);
    const jobFile = path.join(folder, 'job.json');
    const created = !fs.existsSync(folder) || (!options.resume && options.force);
    if (fs.existsSync(folder)) {
      if (options.resume) {
        checkRecord(folder, jobFile, record);
      } else if (options.force) {
        fs.rmSync(folder, { recursive: true, force: true });
      } else {
        throw new FileFormatError(
          out,
          `a partial translation exists in ${folder}; pass --resume to continue it, or --force to start over`,
        );
      }
    }
    try {
      fs.mkdirSync(folder, { recursive: true });
      if (!fs.existsSync(jobFile)) fs.writeFileSync(jobFile, JSON.stringify(record, null, 2));
      for (const name of fs.readdirSync(folder)) {
        if (name.endsWith('.tmp')) fs.rmSync(path.join(folder, name), { force: true });
      }
      fs.accessSync(folder, fs.constants.W_OK);
    } catch (error) {
      if (created) fs.rmSync(folder, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new FileFormatError(out, `cannot write the partial output folder ${folder} (${code})`, {
        cause: error,
      });
    }
    return new PartialOutput(out, folder, outTag, record, created);
  }

  /**
   * Removes the folder after a failed run if this run created it and
   * finished no event in it, so that a rerun is not asked to resume;
   * a folder holding finished events, or reopened by resume, is kept.
   */
  discardIfUnused(): void {
    if (this.created && this.done().length === 0) {
      fs.rmSync(this.folder, { recursive: true, force: true });
    }
  }

  /** Events already finished, ascending. */
  done(): number[] {
    return fs
      .readdirSync(this.folder)
      .map((name) => /^event-(\d+)\.h5$/.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  /** Writes one finished event; it counts as done once this returns. */
  async writeEvent(event: number, frame: EventFrame): Promise<void> {
    const final = path.join(this.folder, `event-${event}.h5`);
    const temp = `${final}.tmp`;
    const file = await openHdf5(temp, 'w');
    try {
      writeFrameGroup(file, event, frame);
    } finally {
      file.close();
    }
    fs.renameSync(temp, final);
  }

  /**
   * Copies every finished event into the output file with `attrs` and the
   * record, moves it into place and removes the partial folder.
   */
  async assemble(attrs: readonly StoredAttribute[], force: boolean): Promise<void> {
    const output = beginAtomicOutput(this.out, { force });
    try {
      const file = await openHdf5(output.tempPath, 'w');
      try {
        for (const a of attrs) if (a.name !== TRANSLATION_ATTRIBUTE) writeAttribute(file, a);
        file.create_attribute(TRANSLATION_ATTRIBUTE, JSON.stringify(this.record));
        for (const event of this.done()) {
          const part = await openHdf5(path.join(this.folder, `event-${event}.h5`), 'r');
          try {
            writeFrameGroup(file, event, readFrameGroup(part, event, this.outTag));
          } finally {
            part.close();
          }
        }
      } finally {
        file.close();
      }
      output.commit();
    } catch (error) {
      output.abort();
      throw error;
    }
    fs.rmSync(this.folder, { recursive: true, force: true });
  }
}

function checkRecord(folder: string, jobFile: string, record: TranslationRecord): void {
  let stored: Record<string, unknown>;
  try {
    stored = JSON.parse(fs.readFileSync(jobFile, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new FileFormatError(jobFile, 'cannot read the partial translation record', {
      cause: error,
    });
  }
  const keys = new Set([...Object.keys(stored), ...Object.keys(record)]);
  const differ = [...keys].filter((k) => JSON.stringify(stored[k]) !== JSON.stringify(record[k]));
  if (differ.length > 0) {
    const detail = differ.map(
      (k) => `${k}: ${JSON.stringify(stored[k])} -> ${JSON.stringify(record[k])}`,
    );
    throw new ConfigError(
      `--resume: the partial translation in ${folder} was made with other settings ` +
        `(${detail.join('; ')}); rerun with those, or with --force to start over`,
    );
  }
}

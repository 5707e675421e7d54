/**
 * Import of the SLATS benchmark layout into a tile file and its catalog.
 *
 * Input: a folder with `<split>/fake/*.npz` (domain a, nearest-wire
 * simulation) and `<split>/real/*.npz` (domain b, multi-wire), for splits
 * `train` and `test` (either may be absent, not both), paired by file
 * name; each .npz (numpy `savez`, stored or deflated) holds one int16
 * [height, width] array, the same shape in every file. SLATS names its
 * files `sample_<event>_tile_<k>.npz`; the event number goes to the
 * catalog (-1 for other names).
 * Output: the tile file (`pipeline/tilefile.ts`), values equal to the npz
 * contents (int16 -> float32 is exact), pairs in file-name order, and the
 * catalog (`pipeline/catalog.ts`) with first_channel and first_tick -1
 * (SLATS does not record where a tile was cut).
 *
 * `testFraction` > 0 moves the pairs of a seeded fraction of the train
 * events (grouped by event number, so no event is in both splits) to test,
 * after any pairs of the input's own test split; 0 keeps the input's
 * splits as they are.
 *
 * Every failure (unpaired names, a missing domain folder, a file of
 * another dtype or shape, a corrupt zip) is a typed error naming the file,
 * and leaves nothing at the output paths.
 *
 * Left out: zip CRC checks (a corrupt deflate stream or a wrong length is
 * caught; a flipped byte inside a stored entry is not).
 */
import fs from 'node:fs';
import path from 'node:path';

import { unzipSync } from 'fflate';

import { ConfigError, FileFormatError, ShapeError } from '../sim/errors.js';
import { catalogPath, tileFigures, writeCatalog, type CatalogRow } from './catalog.js';
import { parseNpy } from './npy.js';
import { testEvents } from './tiling.js';
import { SPLITS, TileFileWriter, type Split } from './tilefile.js';

/** SLATS folder names of the two domains. */
export const SLATS_DOMAINS = { a: 'fake', b: 'real' } as const;

export interface SlatsImportJob {
  /** The SLATS folder (holding `train/`, `test/`). */
  readonly input: string;
  /** Tile file to write; the catalog goes to `catalogPath(out)`. */
  readonly out: string;
  readonly force: boolean;
  /** Fraction of train events moved to test, 0 <= f < 1. */
  readonly testFraction: number;
  readonly splitSeed: number;
  /** Wire plane recorded for the tiles (SLATS tiles are ProtoDUNE-SP U). */
  readonly plane: string;
}

export interface SlatsImportSummary {
  readonly out: string;
  readonly catalog: string;
  readonly tiles: Readonly<Record<Split, number>>;
  readonly tileHeight: number;
  readonly tileWidth: number;
}

/** One a/b pair of files. */
export interface SlatsPair {
  readonly name: string;
  readonly event: number;
  readonly a: string;
  readonly b: string;
}

/** Imports `job.input`; `onProgress(done, total)` after each pair. */
export async function importSlats(
  job: SlatsImportJob,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<SlatsImportSummary> {
  if (!(job.testFraction >= 0 && job.testFraction < 1)) {
    throw new ConfigError(`import: testFraction must be in [0, 1), got ${job.testFraction}`);
  }
  const catalog = catalogPath(job.out);
  if (!job.force && fs.existsSync(catalog)) {
    throw new FileFormatError(catalog, 'output exists; refusing to overwrite it without --force');
  }
  const splits = assignSplits(listSlats(job.input), job.testFraction, job.splitSeed);
  const total = splits.train.length + splits.test.length;
  const first = splits.train[0] ?? splits.test[0];
  const shape = readSlatsTile(first.a).shape;

  const writer = await TileFileWriter.create(
    job.out,
    {
      tileHeight: shape[0],
      tileWidth: shape[1],
      source: `slats:${job.input}`,
      plane: job.plane,
      baselineAdc: 0,
      config: { import: 'slats', testFraction: job.testFraction, splitSeed: job.splitSeed },
    },
    { force: job.force },
  );
  const rows: CatalogRow[] = [];
  try {
    for (const split of SPLITS) {
      for (const pair of splits[split]) {
        const a = checkedTile(pair.a, shape);
        const b = checkedTile(pair.b, shape);
        const base = { tile: writer.count(split), split, event: pair.event, plane: job.plane };
        rows.push({
          ...base,
          firstChannel: -1,
          firstTick: -1,
          a: tileFigures(a),
          b: tileFigures(b),
        });
        writer.add(split, a, b);
        onProgress(rows.length, total);
      }
    }
  } catch (error) {
    writer.abort();
    throw error;
  }
  const tiles = { train: writer.count('train'), test: writer.count('test') };
  writer.close();
  try {
    await writeCatalog(catalog, rows, { force: job.force });
  } catch (error) {
    fs.rmSync(job.out, { force: true });
    throw error;
  }
  return { out: job.out, catalog, tiles, tileHeight: shape[0], tileWidth: shape[1] };
}

/** The pairs of each split present in a SLATS folder, in file-name order. */
export function listSlats(folder: string): Record<Split, SlatsPair[]> {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new FileFormatError(folder, 'SLATS folder not found');
  }
  const present = fs
    .readdirSync(folder, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const unknown = present.filter((name) => !(SPLITS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    const detail = `unknown split folder(s) ${unknown.join(', ')} (expected ${SPLITS.join(', ')})`;
    throw new FileFormatError(folder, detail);
  }
  if (present.length === 0) {
    throw new FileFormatError(folder, `no split folder (expected ${SPLITS.join(' or ')})`);
  }
  const out: Record<Split, SlatsPair[]> = { train: [], test: [] };
  for (const split of SPLITS) {
    if (present.includes(split)) out[split] = listSplit(path.join(folder, split));
  }
  if (out.train.length + out.test.length === 0) {
    throw new FileFormatError(folder, 'no .npz files in any split');
  }
  return out;
}

function listSplit(folder: string): SlatsPair[] {
  const names = (domain: string): string[] => {
    const dir = path.join(folder, domain);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new FileFormatError(dir, `missing domain folder "${domain}"`);
    }
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.npz'))
      .sort();
  };
  const a = names(SLATS_DOMAINS.a);
  const b = new Set(names(SLATS_DOMAINS.b));
  const onlyA = a.filter((n) => !b.has(n));
  const onlyB = [...b].filter((n) => !a.includes(n));
  if (onlyA.length + onlyB.length > 0) {
    const list = (side: string, names: string[]) =>
      names.length ? `${names.length} only in ${side}/ (${names.slice(0, 5).join(', ')})` : '';
    const detail = [list(SLATS_DOMAINS.a, onlyA), list(SLATS_DOMAINS.b, onlyB)]
      .filter(Boolean)
      .join('; ');
    throw new FileFormatError(folder, `unpaired files: ${detail}`);
  }
  return a.map((name) => ({
    name,
    event: eventOf(name),
    a: path.join(folder, SLATS_DOMAINS.a, name),
    b: path.join(folder, SLATS_DOMAINS.b, name),
  }));
}

/** `sample_<event>_tile_<k>.npz` -> event; -1 for other names. */
export function eventOf(name: string): number {
  const match = /^sample_(\d+)_/.exec(name);
  return match ? Number(match[1]) : -1;
}

function assignSplits(
  pairs: Record<Split, SlatsPair[]>,
  fraction: number,
  seed: number,
): Record<Split, SlatsPair[]> {
  if (fraction === 0) return pairs;
  const key = (p: SlatsPair): string => (p.event >= 0 ? `e${p.event}` : `n${p.name}`);
  const groups = [...new Set(pairs.train.map(key))];
  const moved = new Set(
    testEvents(
      groups.map((_, i) => i),
      fraction,
      seed,
    ).map((i) => groups[i]),
  );
  return {
    train: pairs.train.filter((p) => !moved.has(key(p))),
    test: [...pairs.test, ...pairs.train.filter((p) => moved.has(key(p)))],
  };
}

/** The one array of a SLATS .npz: int16 [height, width]. */
export function readSlatsTile(file: string): { shape: [number, number]; data: Int16Array } {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(fs.readFileSync(file));
  } catch (error) {
    const detail = `not a readable .npz (zip) file: ${(error as Error).message}`;
    throw new FileFormatError(file, detail, { cause: error });
  }
  const names = Object.keys(entries);
  if (names.length !== 1 || !names[0].endsWith('.npy')) {
    throw new FileFormatError(file, `expected one .npy array, got [${names.join(', ')}]`);
  }
  const npy = parseNpy(entries[names[0]], `${file}:${names[0]}`);
  if (npy.descr !== '<i2' || npy.shape.length !== 2) {
    const detail = `expected int16 (<i2) [height, width], got ${npy.descr} (${npy.shape.join(', ')})`;
    throw new FileFormatError(file, detail, { dataset: names[0] });
  }
  return { shape: [npy.shape[0], npy.shape[1]], data: npy.data as Int16Array };
}

function checkedTile(file: string, shape: readonly [number, number]): Float32Array {
  const tile = readSlatsTile(file);
  if (tile.shape[0] !== shape[0] || tile.shape[1] !== shape[1]) {
    throw new ShapeError(
      `${file}: expected int16 [${shape.join(', ')}] like the first file, ` +
        `got [${tile.shape.join(', ')}]`,
    );
  }
  return Float32Array.from(tile.data);
}

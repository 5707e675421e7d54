/**
 * Piscina worker of the tile loader: reads the tiles of one batch and
 * moves the two batch buffers to the main thread (transferred, not
 * copied). Each worker thread opens its own TileFileReader on its first
 * task and keeps it; HDF5 handles are never shared between threads.
 *
 * Input: the file, the split and the tile indices of a and b ([n] each),
 * chosen by the main thread (pipeline/tileorder.ts), so the order does not
 * depend on which worker reads a batch.
 * Output: a TileBatch, a and b float32 [n, height, width].
 */
import { Piscina } from 'piscina';
import type { TileBatch } from './batches.js';
import { TileFileReader, type Split } from './tilefile.js';

export interface LoaderTask {
  readonly path: string;
  readonly split: Split;
  readonly a: Int32Array;
  readonly b: Int32Array;
}

let reader: TileFileReader | undefined;

async function readerFor(path: string): Promise<TileFileReader> {
  if (reader?.path !== path) {
    reader?.close();
    reader = undefined;
    reader = await TileFileReader.open(path);
  }
  return reader;
}

/** The batch of tiles `task.a` and `task.b` read through `source`. */
export function readTileBatch(source: TileFileReader, task: LoaderTask): TileBatch {
  return {
    a: source.readBatch(task.split, 'a', Array.from(task.a)),
    b: source.readBatch(task.split, 'b', Array.from(task.b)),
    n: task.a.length,
    height: source.tileHeight,
    width: source.tileWidth,
  };
}

export default async function loadBatch(task: LoaderTask): Promise<TileBatch> {
  const batch = readTileBatch(await readerFor(task.path), task);
  // A top-level movable: piscina posts the value with these buffers in its
  // transfer list (a movable nested inside an object would be copied).
  const movable = {
    get [Piscina.transferableSymbol]() {
      return [batch.a.buffer, batch.b.buffer];
    },
    get [Piscina.valueSymbol]() {
      return batch;
    },
  };
  return Piscina.move(movable as never) as unknown as TileBatch;
}

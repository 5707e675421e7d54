/**
 * The contract between the tile loader and training: batches of tiles of
 * both domains, handed out in an order fixed by (seed, batch number).
 *
 * A batch holds `n` tiles of domain a and `n` tiles of domain b, each
 * float32 [n, height, width] (row-major; height = channels (wires),
 * width = ticks), values baseline-subtracted ADC as stored in the tile
 * file. Unless the loader is `paired`, the a and b tiles of a batch are
 * drawn independently (unpaired sampling), so tile i of `a` and tile i of
 * `b` are in general not from the same place.
 */

/** a, b: [n, height, width] float32, baseline-subtracted ADC; a and b drawn independently (unpaired). */
export interface TileBatch {
  a: Float32Array;
  b: Float32Array;
  n: number;
  height: number;
  width: number;
}

/**
 * A stream of batches. `position` is the number of the batch the next
 * `next()` returns: `startBatch` plus the batches handed out so far, so a
 * run that records it and restarts with `startBatch = position` continues
 * the same sequence.
 */
export interface BatchSource {
  next(): Promise<TileBatch>;
  close(): Promise<void>;
  readonly position: number;
}

export interface TileLoaderOptions {
  /** Tile file (pipeline/tilefile.ts). */
  path: string;
  split: 'train' | 'test';
  /** Tiles per domain per batch, an integer >= 1. */
  batchSize: number;
  /** Integer in [0, 2^32 - 1]; fixes every epoch's permutation. */
  seed: number;
  /** Number of the first batch handed out (default 0), for resuming. */
  startBatch?: number;
  /** Worker threads reading tiles (default 1); 0 reads in this thread. */
  workers?: number;
  /** Batches requested ahead of the consumer (default 4, >= 1); pool only. */
  prefetch?: number;
  /** Keep tile i of a with tile i of b (default false), for evaluation. */
  paired?: boolean;
}

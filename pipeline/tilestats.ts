/**
 * Summary figures of a tile file, per split and domain, read in bounded
 * batches (memory does not grow with the tile count).
 *
 * Figures, for the tiles [n, height = wires, width = ticks] of one split
 * and domain:
 * - tiles: n;
 * - min, max: the value range [ADC];
 * - nonzeroFraction: pixels != 0 over all pixels of all tiles;
 * - activeWiresPerActiveTick: the signal width across wires. For each
 *   tick column of each tile that has at least one pixel != 0 (an active
 *   tick), count the wires (rows) != 0 in that column; the figure is the
 *   mean of that count over all active ticks of all tiles (pooled, not a
 *   mean of per-tile means). 0 when no tick is active;
 * Figures of an empty split are NaN (tiles 0).
 * - sum, absSum: the mean and standard deviation (population) over tiles
 *   of each tile's sum of values and of absolute values [ADC].
 * `widthRatio` per split is activeWiresPerActiveTick of b over a.
 */
import { DOMAINS, SPLITS, type Domain, type Split, type TileFileReader } from './tilefile.js';

/** Published figures of the SLATS benchmark excerpt, for comparison. */
export const SLATS_PUBLISHED = {
  /** Non-zero pixel fraction of domain a (nearest wire) and b (multi-wire). */
  nonzeroFractionA: 0.035,
  nonzeroFractionB: 0.085,
  /** Multi-wire signal width across wires over the nearest-wire one. */
  widthRatio: 2.2,
} as const;

export interface MeanStd {
  readonly mean: number;
  readonly std: number;
}

export interface DomainStats {
  readonly tiles: number;
  readonly min: number;
  readonly max: number;
  readonly nonzeroFraction: number;
  readonly activeWiresPerActiveTick: number;
  readonly sum: MeanStd;
  readonly absSum: MeanStd;
}

export interface SplitStats {
  readonly a: DomainStats;
  readonly b: DomainStats;
  /** b's activeWiresPerActiveTick over a's (NaN when a has none). */
  readonly widthRatio: number;
}

export type TileStats = Readonly<Record<Split, SplitStats>>;

/** Tiles read per batch. */
const BATCH = 64;

/** Figures of every split and domain of an open tile file. */
export function tileStats(reader: TileFileReader): TileStats {
  const out = {} as Record<Split, SplitStats>;
  for (const split of SPLITS) {
    const [a, b] = DOMAINS.map((d) => domainStats(reader, split, d));
    const ratio =
      a.activeWiresPerActiveTick > 0
        ? b.activeWiresPerActiveTick / a.activeWiresPerActiveTick
        : NaN;
    out[split] = { a, b, widthRatio: ratio };
  }
  return out;
}

/** Running totals over tiles. */
class Accumulator {
  tiles = 0;
  min = Infinity;
  max = -Infinity;
  pixels = 0;
  nonzero = 0;
  activeTicks = 0;
  activeWires = 0;
  readonly sums: number[] = [];
  readonly absSums: number[] = [];

  /** Adds one tile [height, width], row-major. */
  add(tile: Float32Array, height: number, width: number): void {
    let sum = 0;
    let absSum = 0;
    const wiresPerTick = new Int32Array(width);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const v = tile[r * width + c];
        if (v < this.min) this.min = v;
        if (v > this.max) this.max = v;
        sum += v;
        absSum += Math.abs(v);
        if (v !== 0) wiresPerTick[c]++;
      }
    }
    for (let c = 0; c < width; c++) {
      if (wiresPerTick[c] === 0) continue;
      this.activeTicks++;
      this.activeWires += wiresPerTick[c];
      this.nonzero += wiresPerTick[c];
    }
    this.tiles++;
    this.pixels += height * width;
    this.sums.push(sum);
    this.absSums.push(absSum);
  }

  result(): DomainStats {
    return {
      tiles: this.tiles,
      min: this.tiles > 0 ? this.min : NaN,
      max: this.tiles > 0 ? this.max : NaN,
      nonzeroFraction: this.pixels > 0 ? this.nonzero / this.pixels : NaN,
      activeWiresPerActiveTick:
        this.activeTicks > 0 ? this.activeWires / this.activeTicks : this.tiles > 0 ? 0 : NaN,
      sum: meanStd(this.sums),
      absSum: meanStd(this.absSums),
    };
  }
}

function domainStats(reader: TileFileReader, split: Split, domain: Domain): DomainStats {
  const { tileHeight: h, tileWidth: w } = reader;
  const size = h * w;
  const n = reader.count(split);
  const acc = new Accumulator();
  for (let first = 0; first < n; first += BATCH) {
    const end = Math.min(n, first + BATCH);
    const block = reader.readRange(split, domain, first, end); // [end - first, h, w]
    for (let k = 0; k < end - first; k++) acc.add(block.subarray(k * size, (k + 1) * size), h, w);
  }
  return acc.result();
}

function meanStd(values: readonly number[]): MeanStd {
  if (values.length === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

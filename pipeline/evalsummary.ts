/**
 * The summary of an evaluation: per source (tiles, frames), direction and
 * plane, the per-image metrics averaged with pixel-count weights (for
 * equal tiles, plain means; for frames, the pixel-pooled L1 and L2), images
 * with a NaN value left out of that value's mean. Ratios are taken of the
 * means: l1Ratio = l1 / baselineL1, below 1 when the translation is closer
 * to the truth than the input is.
 *
 * Frames get one group per plane and one over all planes (`plane` = `all`).
 */
import type { MetricsRow } from './metricstable.js';

export interface SummaryRow {
  readonly source: string;
  readonly direction: string;
  /** Plane name, `all` across planes of frames, empty for tiles. */
  readonly plane: string;
  readonly images: number;
  readonly l1: number;
  readonly baselineL1: number;
  readonly l1Ratio: number;
  readonly l2: number;
  readonly baselineL2: number;
  readonly l2Ratio: number;
  readonly chargeErrorRelative: number;
  readonly nonZeroOutput: number;
  readonly nonZeroTruth: number;
  readonly widthOutput: number;
  readonly widthTruth: number;
  readonly cycleL1: number;
}

type Averaged = Exclude<
  keyof SummaryRow,
  'source' | 'direction' | 'plane' | 'images' | 'l1Ratio' | 'l2Ratio'
>;
const AVERAGED: readonly Averaged[] = [
  'l1',
  'baselineL1',
  'l2',
  'baselineL2',
  'chargeErrorRelative',
  'nonZeroOutput',
  'nonZeroTruth',
  'widthOutput',
  'widthTruth',
  'cycleL1',
];

/** Groups rows (in first-seen order, the `all` groups last) and averages each group. */
export function summarise(rows: readonly MetricsRow[]): SummaryRow[] {
  const groups = new Map<string, MetricsRow[]>();
  const add = (key: string, row: MetricsRow) => {
    const group = groups.get(key) ?? [];
    group.push(row);
    groups.set(key, group);
  };
  for (const row of rows) add(JSON.stringify([row.source, row.direction, row.plane]), row);
  for (const row of rows) {
    if (row.source === 'frames') add(JSON.stringify([row.source, row.direction, 'all']), row);
  }
  return [...groups].map(([key, group]) => {
    const [source, direction, plane] = JSON.parse(key) as string[];
    return summariseGroup(source, direction, plane, group);
  });
}

function summariseGroup(
  source: string,
  direction: string,
  plane: string,
  rows: readonly MetricsRow[],
): SummaryRow {
  const means = {} as Record<Averaged, number>;
  for (const key of AVERAGED) means[key] = weightedMean(rows, key);
  return {
    source,
    direction,
    plane,
    images: rows.length,
    ...means,
    l1Ratio: means.l1 / means.baselineL1,
    l2Ratio: means.l2 / means.baselineL2,
  };
}

function weightedMean(rows: readonly MetricsRow[], key: Averaged): number {
  let sum = 0;
  let weight = 0;
  for (const row of rows) {
    const value = row[key];
    if (Number.isNaN(value)) continue;
    sum += value * row.pixels;
    weight += row.pixels;
  }
  return weight > 0 ? sum / weight : NaN;
}

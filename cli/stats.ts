/**
 * `wiregan stats`: per split and domain figures of a tile file (see
 * pipeline/tilestats.ts for their definitions), next to the published
 * figures of the SLATS benchmark excerpt.
 */
import type { Command } from 'commander';

import { TileFileReader } from '../pipeline/tilefile.js';
import {
  SLATS_PUBLISHED,
  tileStats,
  type DomainStats,
  type TileStats,
} from '../pipeline/tilestats.js';
import type { Logger } from './log.js';

export function registerStats(program: Command, logger: () => Logger): void {
  program
    .command('stats')
    .description('print tile counts, value range, non-zero fraction, signal width and ADC sums')
    .argument('<tiles.h5>', 'tile file (wiregan tiles or wiregan import)')
    .option('--json', 'print the figures as one JSON line instead of tables')
    .action(async (path: string, flags: { json?: boolean }) => {
      const log = logger();
      const reader = await TileFileReader.open(path);
      let stats: TileStats;
      try {
        stats = tileStats(reader);
      } finally {
        reader.close();
      }
      const text = flags.json
        ? JSON.stringify({ file: path, stats, published: SLATS_PUBLISHED })
        : [...figureTable(stats), '', ...comparisonTable(stats)].join('\n');
      process.stdout.write(`${text}\n`);
      log.debug('stats done', { file: path });
    });
}

const fixed = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const percent = (v: number): string => fixed(100 * v, 2);

/** One line per split and domain. */
function figureTable(stats: TileStats): string[] {
  const header = ['split', 'domain', 'tiles', 'min ADC', 'max ADC', 'nonzero %'];
  const sums = ['sum mean', 'sum std', '|sum| mean', '|sum| std'];
  const lines = [row([...header, 'wires/tick', ...sums])];
  for (const [split, s] of Object.entries(stats)) {
    for (const [domain, d] of [['a', s.a] as const, ['b', s.b] as const]) {
      lines.push(row([split, domain, ...figures(d)]));
    }
  }
  return lines;
}

function figures(d: DomainStats): string[] {
  return [
    String(d.tiles),
    fixed(d.min, 1),
    fixed(d.max, 1),
    percent(d.nonzeroFraction),
    fixed(d.activeWiresPerActiveTick, 2),
    fixed(d.sum.mean, 1),
    fixed(d.sum.std, 1),
    fixed(d.absSum.mean, 1),
    fixed(d.absSum.std, 1),
  ];
}

/** This file's headline figures next to the published SLATS ones. */
function comparisonTable(stats: TileStats): string[] {
  const { train, test } = stats;
  const p = SLATS_PUBLISHED;
  return [
    row(['figure', 'train', 'test', 'SLATS']),
    row([
      'nonzero % a',
      ...[train, test].map((s) => percent(s.a.nonzeroFraction)),
      percent(p.nonzeroFractionA),
    ]),
    row([
      'nonzero % b',
      ...[train, test].map((s) => percent(s.b.nonzeroFraction)),
      percent(p.nonzeroFractionB),
    ]),
    row([
      'width b / a',
      ...[train, test].map((s) => fixed(s.widthRatio, 2)),
      fixed(p.widthRatio, 2),
    ]),
  ];
}

function row(cells: readonly string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(12) : c.padStart(11))).join(' ');
}

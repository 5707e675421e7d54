/**
 * `wiregan stats`: per split and domain figures of a tile file, next to
 * the published figures of the SLATS benchmark excerpt.
 */
import type { Command } from 'commander';

import { TileFileReader } from '../pipeline/tilefile.js';
import { SLATS_PUBLISHED, tileStats, type DomainStats } from '../pipeline/tilestats.js';
import type { Logger } from './log.js';

export function registerStats(program: Command, logger: () => Logger): void {
  program
    .command('stats')
    .description('print tile counts, value range, non-zero fraction and signal width')
    .argument('<tiles.h5>', 'tile file (wiregan tiles or wiregan import)')
    .option('--json', 'print the figures as one JSON line instead of a table')
    .action(async (path: string, flags: { json?: boolean }) => {
      const log = logger();
      const reader = await TileFileReader.open(path);
      let stats;
      try {
        stats = tileStats(reader);
      } finally {
        reader.close();
      }
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ file: path, stats, published: SLATS_PUBLISHED })}\n`,
        );
        return;
      }
      const lines: string[] = [];
      const header = ['split', 'domain', 'tiles', 'min', 'max', 'nonzero %', 'wires/tick'];
      lines.push(row([...header, 'sum mean', 'sum std', '|sum| mean', '|sum| std']));
      for (const [split, s] of Object.entries(stats)) {
        for (const [domain, d] of [['a', s.a] as const, ['b', s.b] as const]) {
          lines.push(row([split, domain, ...figures(d)]));
        }
      }
      lines.push('');
      lines.push(row(['figure', 'this file (train)', 'this file (test)', 'SLATS published']));
      const pct = (v: number) => (Number.isFinite(v) ? (100 * v).toFixed(2) : '-');
      const fix = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
      const { train, test } = stats;
      const p = SLATS_PUBLISHED;
      lines.push(
        row([
          'nonzero % a',
          pct(train.a.nonzeroFraction),
          pct(test.a.nonzeroFraction),
          pct(p.nonzeroFractionA),
        ]),
      );
      lines.push(
        row([
          'nonzero % b',
          pct(train.b.nonzeroFraction),
          pct(test.b.nonzeroFraction),
          pct(p.nonzeroFractionB),
        ]),
      );
      lines.push(
        row(['width b / a', fix(train.widthRatio), fix(test.widthRatio), fix(p.widthRatio)]),
      );
      process.stdout.write(`${lines.join('\n')}\n`);
      log.debug('stats done', { file: path });
    });
}

function figures(d: DomainStats): string[] {
  const fix = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
  return [
    String(d.tiles),
    fix(d.min, 1),
    fix(d.max, 1),
    fix(100 * d.nonzeroFraction),
    fix(d.activeWiresPerActiveTick),
    fix(d.sum.mean, 1),
    fix(d.sum.std, 1),
    fix(d.absSum.mean, 1),
    fix(d.absSum.std, 1),
  ];
}

function row(cells: readonly string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(12) : c.padStart(i < 2 ? 7 : 12))).join(' ');
}

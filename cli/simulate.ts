/**
 * `wiregan simulate`: renders events in both domains into an HDF5 event
 * file with an Arrow truth table beside it.
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { combineOverrides, overrideFromAssignment } from '../sim/config.js';
import { FileFormatError } from '../sim/errors.js';
import { runSimulation, type SimulateJob } from '../pipeline/simulate.js';
import type { Logger } from './log.js';
import { collect, integer } from './flags.js';

interface SimulateFlags {
  detector: string;
  events: string;
  firstEvent: string;
  seed: string;
  source?: string;
  preset?: string;
  depoFile?: string;
  placement?: string;
  fieldResponse?: string;
  nearestFieldResponse?: string;
  noiseSpectra?: string;
  noise: boolean;
  config?: string;
  set: string[];
  workers: string;
  out: string;
  force?: boolean;
}

export function registerSimulate(program: Command, logger: () => Logger): void {
  program
    .command('simulate')
    .description('simulate events in both domains (nearest-wire A, multi-wire B) into HDF5')
    .requiredOption('-o, --out <file.h5>', 'output event file (truth goes to <file>.truth.arrow)')
    .option('-d, --detector <name|file.json>', 'detector preset or JSON file', 'protodune-sp')
    .option('-n, --events <count>', 'number of events', '10')
    .option('--first-event <number>', 'number of the first event', '0')
    .option('-s, --seed <integer>', 'random seed', '1')
    .option('--source <kind>', 'event source: particles, lines or depos')
    .option('--preset <name>', 'simulation preset from data/presets (e.g. slats)')
    .option('--depo-file <file.json[.bz2]>', 'Wire-Cell depo JSON file (source depos)')
    .option('--placement <mode>', 'depo file placement: as-is or centre')
    .option('--field-response <file>', 'Wire-Cell field response file (domain B, and A unless set)')
    .option('--nearest-field-response <file>', 'field response file for domain A')
    .option('--noise-spectra <file>', 'Wire-Cell noise spectra file')
    .option('--no-noise', 'switch noise off')
    .option('--config <file.json>', 'simulation config overrides (JSON)')
    .option('--set <key=value>', 'one config override, repeatable', collect, [])
    .option('-w, --workers <count>', 'worker threads', '1')
    .option('-f, --force', 'overwrite an existing output file')
    .action(async (flags: SimulateFlags) => {
      const log = logger();
      const job = jobFromFlags(flags);
      const bar = new SingleBar({
        format: 'simulate [{bar}] {value}/{total} events | {rate} ev/s | ETA {eta_formatted}',
        hideCursor: true,
        stream: process.stderr,
      });
      const started = performance.now();
      bar.start(job.events, 0, { rate: '0.00' });
      try {
        const summary = await runSimulation(job, (done) => {
          const seconds = (performance.now() - started) / 1000;
          bar.update(done, { rate: (done / seconds).toFixed(2) });
        });
        bar.stop();
        log.info('simulate done', {
          out: summary.eventFile,
          truth: summary.truthFile,
          events: summary.events,
          detector: summary.detector,
          elapsedS: (performance.now() - started) / 1000,
        });
      } finally {
        bar.stop();
      }
    });
}

function jobFromFlags(flags: SimulateFlags): SimulateJob {
  let overrides: Record<string, unknown> = {};
  if (flags.config) overrides = readOverrides(flags.config);
  for (const assignment of flags.set) {
    overrides = combineOverrides(overrides, overrideFromAssignment(assignment));
  }
  const direct: Record<string, unknown> = {};
  const source: Record<string, unknown> = {};
  if (flags.source) source.kind = flags.source;
  if (flags.placement) source.placement = flags.placement;
  if (Object.keys(source).length > 0) direct.source = source;
  if (!flags.noise) direct.noise = { enabled: false };
  return {
    detector: flags.detector,
    events: integer('events', flags.events, 1),
    firstEvent: integer('first-event', flags.firstEvent, 0),
    seed: integer('seed', flags.seed, 0),
    workers: integer('workers', flags.workers, 1),
    out: flags.out,
    force: Boolean(flags.force),
    preset: flags.preset,
    files: {
      depoFile: flags.depoFile,
      fieldResponse: flags.fieldResponse,
      nearestFieldResponse: flags.nearestFieldResponse,
      noiseSpectra: flags.noiseSpectra,
    },
    overrides: combineOverrides(overrides, direct),
  };
}

function readOverrides(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new FileFormatError(path, `cannot read config overrides: ${(cause as Error).message}`, {
      cause,
    });
  }
}

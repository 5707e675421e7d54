/**
 * `wiregan export runs/<name>`: writes the run's two CycleGAN generators,
 * from its newest checkpoint, as ONNX models g_ab.onnx (a -> b) and
 * g_ba.onnx (b -> a) in the run folder (or --out). Both files are
 * written under temporary names and renamed into place only when both
 * are complete; existing files are kept unless --force.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Command } from 'commander';

import { readGeneratorWeights } from '../models/checkpoint.js';
import { readRunData, runDataPath } from '../models/rundata.js';
import { generatorParameterCount } from '../models/generator-spec.js';
import { exportGeneratorOnnx } from '../models/onnx-export.js';
import { zeroResponse } from '../models/onnx-zero-response.js';
import { type AtomicOutput, beginAtomicOutput } from '../pipeline/atomic.js';
import { GENERATOR_FILES } from '../pipeline/evaluate-tiles.js';
import { ConfigError, FileFormatError } from '../sim/errors.js';
import type { Logger } from './log.js';

interface ExportFlags {
  out?: string;
  force?: boolean;
  plane?: string;
}

/** Each exported direction: checkpoint network, file name, metadata domains. */
const DIRECTIONS = [
  { network: 'gen_ab', file: GENERATOR_FILES.gab, domains: 'a->b' },
  { network: 'gen_ba', file: GENERATOR_FILES.gba, domains: 'b->a' },
] as const;

const MIB = 1024 * 1024;

/** Plane names of the detector presets (data/detectors/). */
const WIRE_PLANES = ['u', 'v', 'w'];

/**
 * The plane to record: the one the run's tile file holds (data.json), or
 * --plane for runs that do not record it; a --plane that contradicts the
 * record, or that no detector has, is refused.
 */
function exportPlane(runDir: string, asked: string | undefined): string | undefined {
  if (asked !== undefined && !WIRE_PLANES.includes(asked)) {
    throw new ConfigError(
      `--plane: expected one of ${WIRE_PLANES.join(', ')} (the plane the run was ` +
        `trained on), got "${asked}"`,
    );
  }
  const recorded = readRunData(runDir)?.plane ?? undefined;
  if (asked !== undefined && recorded !== undefined && asked !== recorded) {
    throw new ConfigError(
      `--plane ${asked}: run ${runDir} was trained on plane ${recorded} tiles ` +
        `(${runDataPath(runDir)}); expected --plane ${recorded} or none`,
    );
  }
  return asked ?? recorded;
}

export function registerExport(program: Command, logger: () => Logger): void {
  program
    .command('export')
    .description("write a run's generators as ONNX models (g_ab.onnx, g_ba.onnx)")
    .argument('<run-dir>', 'run folder with checkpoints/ (the newest checkpoint is exported)')
    .option('-o, --out <dir>', 'output folder (default: the run folder)')
    .option('-f, --force', 'replace existing ONNX files')
    .option(
      '--plane <name>',
      "wire plane stored in the metadata (default: the plane of the run's tile file)",
    )
    .action(async (runDir: string, flags: ExportFlags) => {
      const log = logger();
      if (!existsSync(runDir)) throw new FileFormatError(runDir, 'no such run folder');
      const plane = exportPlane(runDir, flags.plane);
      const outDir = flags.out ?? runDir;
      const force = Boolean(flags.force);
      const outputs = DIRECTIONS.map((d) =>
        beginAtomicOutput(path.join(outDir, d.file), { force }),
      );
      try {
        for (const [i, direction] of DIRECTIONS.entries()) {
          await exportDirection(runDir, direction, outputs[i], plane, log);
        }
        for (const output of outputs) output.commit();
      } finally {
        for (const output of outputs) output.abort();
      }
      log.info('export done', { out: outDir, files: DIRECTIONS.map((d) => d.file).join(',') });
    });
}

/** Reads one generator, builds its graph and writes it to the temporary file. */
async function exportDirection(
  runDir: string,
  direction: (typeof DIRECTIONS)[number],
  output: AtomicOutput,
  plane: string | undefined,
  log: Logger,
): Promise<void> {
  const started = performance.now();
  const { config, weights, step } = readGeneratorWeights(runDir, direction.network);
  const bytes = exportGeneratorOnnx(config, weights, {
    domains: direction.domains,
    plane,
    step,
    graphName: direction.network,
    zeroResponse: config.zeroAnchored ? await zeroResponse(config, weights) : undefined,
  });
  try {
    writeFileSync(output.tempPath, bytes, { flag: 'wx' });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new FileFormatError(output.path, `cannot write the ONNX model (${code})`, { cause });
  }
  log.info(`exported ${direction.network}`, {
    file: output.path,
    step,
    tile: config.tile.join('x'),
    parameters: generatorParameterCount(config),
    sizeMiB: bytes.byteLength / MIB,
    elapsedS: (performance.now() - started) / 1000,
  });
}

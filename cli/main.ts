/**
 * The `wiregan` command: parses flags, runs one job, reports. The only
 * place in wiregan that prints.
 */
import { Command, CommanderError } from 'commander';
import { WireganError } from '../sim/errors.js';
import { createLogger } from './log.js';
import { registerEvaluate } from './evaluate.js';
import { registerSimulate } from './simulate.js';
import { registerTiles } from './tiles.js';
import { registerStats } from './stats.js';
import { registerImport } from './import.js';
import { registerTrain } from './train.js';
import { registerPretrain } from './pretrain.js';
import { registerExport } from './export.js';
import { registerTranslate } from './translate.js';

const program = new Command()
  .name('wiregan')
  .description('Simulate, translate and evaluate liquid-argon TPC wire-plane images.')
  .option('-q, --quiet', 'only warnings and errors')
  .option('-v, --verbose', 'debug output')
  .showHelpAfterError()
  .exitOverride();

function logLevel(): number {
  const opts = program.opts<{ quiet?: boolean; verbose?: boolean }>();
  return opts.quiet ? 1 : opts.verbose ? 4 : 3;
}

registerSimulate(program, () => createLogger(logLevel()));
registerEvaluate(program, () => createLogger(logLevel()));
registerTiles(program, () => createLogger(logLevel()));
registerStats(program, () => createLogger(logLevel()));
registerImport(program, () => createLogger(logLevel()));
registerPretrain(program, () => createLogger(logLevel()));
registerTrain(program, () => createLogger(logLevel()));
registerExport(program, () => createLogger(logLevel()));
registerTranslate(program, () => createLogger(logLevel()));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (error instanceof WireganError) {
    createLogger(logLevel()).error(`${error.name}: ${error.message}`);
    process.exitCode = 2;
  } else if (fileSystemRefusal(error)) {
    // A path the file system refused: missing, not writable, read-only, full disk.
    const { path, code, syscall } = error as NodeJS.ErrnoException;
    createLogger(logLevel()).error(`FileFormatError: ${path}: cannot ${syscall} (${code})`);
    process.exitCode = 2;
  } else {
    // An unexpected failure: report it with its stack.
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    createLogger(logLevel()).error(`internal error: ${detail}`);
    process.exitCode = 1;
  }
}

/** Errors the file system gives for a path the user named (or one inside it). */
function fileSystemRefusal(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException;
  return (
    error instanceof Error &&
    typeof e.path === 'string' &&
    ['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT'].includes(
      e.code ?? '',
    )
  );
}

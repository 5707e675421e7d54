/**
 * The command layer's logger: levelled lines on stderr with key=value
 * fields, so that stdout stays free for results.
 */
import { createConsola, type ConsolaInstance } from 'consola';

export type Fields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  debug(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

/** Formats fields as `key=value` pairs, numbers rounded to 4 significant digits. */
export function formatFields(fields: Fields = {}): string {
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => {
      const text =
        typeof value === 'number' && !Number.isInteger(value)
          ? value.toPrecision(4)
          : String(value);
      return `${key}=${/\s/.test(text) ? JSON.stringify(text) : text}`;
    })
    .join(' ');
}

/** A logger at `level` 0 (errors) .. 4 (debug); 3 is the default. */
export function createLogger(level = 3): Logger {
  const consola: ConsolaInstance = createConsola({
    level,
    stderr: process.stderr,
    stdout: process.stderr,
  });
  const line = (message: string, fields?: Fields) => {
    const tail = formatFields(fields);
    return tail ? `${message} ${tail}` : message;
  };
  return {
    info: (m, f) => consola.info(line(m, f)),
    warn: (m, f) => consola.warn(line(m, f)),
    debug: (m, f) => consola.debug(line(m, f)),
    error: (m, f) => consola.error(line(m, f)),
  };
}

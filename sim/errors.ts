/**
 * The error family of wiregan. Each error names the operation, the parameter
 * or file it is about, what was expected and what was received. The original
 * error, if any, is kept in `cause`.
 */

/** Base class: every error wiregan throws on purpose is one of these. */
export class WireganError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration value or option is unknown, missing or out of range. */
export class ConfigError extends WireganError {}

/** An array has the wrong shape, length or type for the operation. */
export class ShapeError extends WireganError {}

/** A file cannot be read, is malformed, or would be overwritten. */
export class FileFormatError extends WireganError {
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown; dataset?: string },
  ) {
    const where = options?.dataset ? `${path} (dataset ${options.dataset})` : path;
    super(`${where}: ${detail}`, options);
  }
}

/** A feature that is deliberately not supported, with the reason. */
export class UnsupportedError extends WireganError {}

/**
 * An error a worker thread reported by class name and message, rebuilt as
 * that class when it is one of the message-only wiregan errors (Config,
 * Shape, Unsupported); undefined for any other class, which the caller
 * rebuilds with what it knows (a file path, the worker's role).
 */
export function rebuildWorkerError(name: string, message: string): WireganError | undefined {
  switch (name) {
    case 'ShapeError':
      return new ShapeError(message);
    case 'ConfigError':
      return new ConfigError(message);
    case 'UnsupportedError':
      return new UnsupportedError(message);
    default:
      return undefined;
  }
}

/**
 * Merging user overrides into a stage config with complete defaults.
 *
 * A config is a tree of plain objects whose leaves are numbers, strings,
 * booleans or arrays. Overrides may only name keys the defaults have, and
 * each leaf must keep the default's type: anything else is a ConfigError
 * naming the full key path. Numbers are in the units of units.ts.
 */
import { ConfigError } from './errors.js';

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Defaults with `overrides` applied; `where` names the source in errors. */
export function mergeConfig<T>(defaults: T, overrides: unknown, where: string): T {
  return mergeAt(defaults, overrides, where, '') as T;
}

function mergeAt(base: unknown, over: unknown, where: string, path: string): unknown {
  if (over === undefined) return base;
  if (isPlain(base)) {
    if (!isPlain(over)) {
      throw new ConfigError(`${where}: "${path}" must be an object, got ${JSON.stringify(over)}`);
    }
    const out: Plain = { ...base };
    for (const [key, value] of Object.entries(over)) {
      const keyPath = path ? `${path}.${key}` : key;
      if (!(key in base)) {
        const known = Object.keys(base).join(', ');
        throw new ConfigError(`${where}: unknown option "${keyPath}" (known here: ${known})`);
      }
      out[key] = mergeAt(base[key], value, where, keyPath);
    }
    return out;
  }
  const expected = Array.isArray(base) ? 'array' : typeof base;
  const received = Array.isArray(over) ? 'array' : typeof over;
  if (expected !== received) {
    throw new ConfigError(
      `${where}: "${path}" must be a ${expected}, got ${received} ${JSON.stringify(over)}`,
    );
  }
  if (typeof over === 'number' && Number.isNaN(over)) {
    throw new ConfigError(`${where}: "${path}" must be a number, got NaN`);
  }
  return over;
}

/**
 * Parses `key.path=value` into an override object; the value is JSON when
 * it parses as JSON, otherwise a string.
 */
export function overrideFromAssignment(assignment: string): Plain {
  const eq = assignment.indexOf('=');
  if (eq <= 0) {
    throw new ConfigError(`--set expects key.path=value, got "${assignment}"`);
  }
  const keys = assignment.slice(0, eq).split('.');
  const raw = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  const root: Plain = {};
  let node = root;
  keys.slice(0, -1).forEach((key) => {
    const child: Plain = {};
    node[key] = child;
    node = child;
  });
  node[keys[keys.length - 1]] = value;
  return root;
}

/** Deep-merges two override objects (the second wins). */
export function combineOverrides(a: Plain, b: Plain): Plain {
  const out: Plain = { ...a };
  for (const [key, value] of Object.entries(b)) {
    out[key] =
      isPlain(out[key]) && isPlain(value) ? combineOverrides(out[key] as Plain, value) : value;
  }
  return out;
}

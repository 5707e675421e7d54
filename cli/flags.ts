/**
 * Flag value parsers shared by the commands: each refuses a bad value
 * with a ConfigError naming the flag, the rule and the text it got.
 */
import { ConfigError } from '../sim/errors.js';

/** Commander collector for a repeatable flag. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The integer in `text`, at least `min`. */
export function integer(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`--${flag} must be an integer >= ${min}, got "${text}"`);
  }
  return value;
}

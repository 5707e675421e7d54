/**
 * The tiler's settings: which plane, the tile size and stride, the centre
 * crop, the train/test split and the signal threshold, with complete
 * defaults, presets in data/presets/tiles/<name>.json, and one check of
 * every field.
 *
 * Sizes are in pixels: channels (wires) along the tile height, ticks along
 * the width, as frames are stored [channel, tick].
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

import { mergeConfig } from '../sim/config.js';
import { ConfigError, FileFormatError } from '../sim/errors.js';

export interface TileConfig {
  /** Wire plane name in the event file header (`u`, `v`, `w`). */
  readonly plane: string;
  /** Tile height [channels] and width [ticks]. */
  readonly tileHeight: number;
  readonly tileWidth: number;
  /** Step between tile origins [channels], [ticks]; 0 = the tile size (no overlap). */
  readonly strideChannels: number;
  readonly strideTicks: number;
  /**
   * Centre crop of the plane before tiling [channels], [ticks]; 0 = the
   * whole extent. Tiles that do not fit the (cropped) extent are dropped.
   */
  readonly cropChannels: number;
  readonly cropTicks: number;
  /** Fraction of the events, 0 <= f < 1, whose tiles go to the test split. */
  readonly testFraction: number;
  /** Seed of the event permutation that picks the test events. */
  readonly splitSeed: number;
  /**
   * A tile is kept when its absolute ADC sum (baseline subtracted) is at
   * least this in both domains [ADC]; 0 keeps every tile.
   */
  readonly minSignal: number;
  /** Frame tags of domain a and domain b. */
  readonly tagA: string;
  readonly tagB: string;
}

export const DEFAULT_TILES: TileConfig = {
  plane: 'u',
  tileHeight: 256,
  tileWidth: 256,
  strideChannels: 0,
  strideTicks: 0,
  cropChannels: 0,
  cropTicks: 0,
  testFraction: 0.2,
  splitSeed: 1,
  minSignal: 0,
  tagA: 'nearest',
  tagB: 'multiwire',
};

const PRESET_DIR = fileURLToPath(new URL('../data/presets/tiles/', import.meta.url));

/** Names of the tiler presets. */
export function tilePresetNames(): string[] {
  return readdirSync(PRESET_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

/** Defaults, then the preset (if any), then overrides; checked. */
export function resolveTileConfig(
  preset: string | undefined,
  overrides: Record<string, unknown>,
): TileConfig {
  let config = DEFAULT_TILES;
  if (preset) config = mergeConfig(config, readTilePreset(preset), `tile preset ${preset}`);
  return checkTileConfig(mergeConfig(config, overrides, 'tile options'));
}

function readTilePreset(name: string): unknown {
  const path = `${PRESET_DIR}${name}.json`;
  if (!existsSync(path)) {
    const known = tilePresetNames().join(', ');
    throw new ConfigError(`unknown tile preset "${name}" (presets: ${known})`);
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new FileFormatError(path, `not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/** Throws a ConfigError naming the first bad field. */
export function checkTileConfig(config: TileConfig): TileConfig {
  const positive = ['tileHeight', 'tileWidth'] as const;
  const counts = ['strideChannels', 'strideTicks', 'cropChannels', 'cropTicks'] as const;
  for (const key of positive) {
    if (!(Number.isInteger(config[key]) && config[key] > 0)) {
      throw new ConfigError(`tiles: ${key} must be an integer > 0, got ${config[key]}`);
    }
  }
  for (const key of counts) {
    if (!(Number.isInteger(config[key]) && config[key] >= 0)) {
      throw new ConfigError(`tiles: ${key} must be an integer >= 0, got ${config[key]}`);
    }
  }
  if (!(config.testFraction >= 0 && config.testFraction < 1)) {
    throw new ConfigError(`tiles: testFraction must be in [0, 1), got ${config.testFraction}`);
  }
  if (!(config.minSignal >= 0)) {
    throw new ConfigError(`tiles: minSignal must be >= 0 ADC, got ${config.minSignal}`);
  }
  if (!Number.isSafeInteger(config.splitSeed)) {
    throw new ConfigError(`tiles: splitSeed must be an integer, got ${config.splitSeed}`);
  }
  if (config.tagA === config.tagB) {
    throw new ConfigError(`tiles: tagA and tagB must differ, both are "${config.tagA}"`);
  }
  return config;
}

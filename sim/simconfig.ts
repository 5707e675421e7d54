/**
 * The simulation's whole configuration: one typed block per stage, each
 * with complete defaults. Dimensioned fields name their unit. This is what
 * is stored, resolved, with every event file.
 */
import { DEFAULT_CONVOLVE, type ConvolveConfig } from './convolve.js';
import { DEFAULT_DIGITIZER, type DigitizerConfig } from './digitizer.js';
import { DEFAULT_DRIFT, type DriftConfig } from './drift.js';
import { DEFAULT_ELECTRONICS, type ElectronicsConfig } from './electronics.js';
import { DEFAULT_IONISATION, type IonisationConfig } from './ionisation.js';
import { DEFAULT_LINES, type LineConfig } from './lines.js';
import { DEFAULT_NOISE, type NoiseConfig } from './noise.js';
import { DEFAULT_PARTICLES, type ParticleConfig } from './particles.js';
import { DEFAULT_RASTER, type RasterConfig } from './raster.js';

/** Where an event's ionisation comes from. */
export interface SourceConfig {
  /** `particles` (the generator), `lines` (5000 e/mm) or `depos` (a file). */
  readonly kind: 'particles' | 'lines' | 'depos';
  /** Wire-Cell depo JSON file, for kind `depos`. */
  readonly depoFile: string;
  /** `as-is` or `centre` (centred in the active volume). */
  readonly placement: 'as-is' | 'centre';
}

/** Field responses of the two domains. */
export interface FieldConfig {
  /** Domain B: `builtin` or a Wire-Cell field-response file. */
  readonly multiwire: string;
  /** Domain A: `same` (B's, nearest wire only) or another file. */
  readonly nearest: string;
}

export interface SimConfig {
  readonly source: SourceConfig;
  readonly particles: ParticleConfig;
  readonly lines: LineConfig;
  readonly ionisation: IonisationConfig;
  readonly drift: DriftConfig;
  readonly raster: RasterConfig;
  readonly field: FieldConfig;
  readonly electronics: ElectronicsConfig;
  readonly convolve: ConvolveConfig;
  readonly noise: NoiseConfig;
  readonly digitizer: DigitizerConfig;
}

export const DEFAULT_SIM: SimConfig = {
  source: { kind: 'particles', depoFile: '', placement: 'centre' },
  particles: DEFAULT_PARTICLES,
  lines: DEFAULT_LINES,
  ionisation: DEFAULT_IONISATION,
  drift: DEFAULT_DRIFT,
  raster: DEFAULT_RASTER,
  field: { multiwire: 'builtin', nearest: 'same' },
  electronics: DEFAULT_ELECTRONICS,
  convolve: DEFAULT_CONVOLVE,
  noise: DEFAULT_NOISE,
  digitizer: DEFAULT_DIGITIZER,
};

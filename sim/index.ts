/**
 * The public surface of wiregan's detector simulation: the stages of the
 * chain (one file each), their configs with complete defaults, the data
 * they pass on, and the error family. Everything is pure computation
 * over typed arrays; reading files is pipeline/'s job.
 */
export * as units from './units.js';
export {
  ConfigError,
  FileFormatError,
  ShapeError,
  UnsupportedError,
  WireganError,
} from './errors.js';
export { Rng } from './random.js';
export { combineOverrides, mergeConfig, overrideFromAssignment } from './config.js';

export type { Detector, WirePlane } from './detector.js';
export {
  channelCount,
  parseDetector,
  pitchCoordinate,
  planeByName,
  wireLength,
} from './detector.js';
export type { Depos, DriftedDepos, EventDeposits, Primary, Steps } from './deposits.js';
export { DeposBuilder } from './deposits.js';

export type { Species, StepLoss } from './bethe.js';
export { betheDedx, ELECTRON, LAR, MUON, PROTON, sampleStepLoss, StoppingTable } from './bethe.js';
export type { Vec3 } from './scattering.js';
export { highlandTheta0, scatterDirection } from './scattering.js';
export type { ShowerConfig, ShowerParticle } from './showers.js';
export { DEFAULT_SHOWER, developShower } from './showers.js';
export type { GeneratedParticles, ParticleConfig } from './particles.js';
export { DEFAULT_PARTICLES, generateParticleEvent, generateParticles } from './particles.js';
export type { LineConfig } from './lines.js';
export { DEFAULT_LINES, generateLineEvent } from './lines.js';
export type { DepoPlacement } from './depofile.js';
export { depoPlacement, parseDepoFile } from './depofile.js';

export type { IonisationConfig } from './ionisation.js';
export { boxRecombination, DEFAULT_IONISATION, ionise } from './ionisation.js';
export type { DriftConfig } from './drift.js';
export { DEFAULT_DRIFT, drift, driftTime } from './drift.js';
export type { RasterConfig } from './raster.js';
export { DEFAULT_RASTER, rasterise } from './raster.js';
export type { ImpactCharge, PlaneImpactResponse } from './impact.js';

export type { BuiltinFieldConfig, FieldResponse, PlaneResponse } from './fieldresponse.js';
export {
  builtinFieldResponse,
  DEFAULT_BUILTIN_FIELD,
  gridTransparency,
  parseFieldResponse,
} from './fieldresponse.js';
export type { DomainResponses, SourcedFieldResponse } from './planeresponse.js';
export { domainResponses, planeImpactResponse } from './planeresponse.js';
export type { ElectronicsConfig } from './electronics.js';
export { DEFAULT_ELECTRONICS, electronicsResponse } from './electronics.js';
export type { ConvolveConfig, SignalFrame } from './convolve.js';
export {
  convolveMultiwire,
  convolveNearest,
  DEFAULT_CONVOLVE,
  denseFftConvolution,
} from './convolve.js';
export type { NoiseConfig, NoiseSpectrum } from './noise.js';
export {
  builtinPlaneNoiseSpectrum,
  DEFAULT_NOISE,
  expectedNoiseRms,
  generateNoise,
  parseNoiseSpectra,
  wireCellNoiseSpectrum,
} from './noise.js';
export type { DigitizerConfig } from './digitizer.js';
export { adcPerVolt, DEFAULT_DIGITIZER, digitise } from './digitizer.js';

export type { FieldConfig, SimConfig, SourceConfig } from './simconfig.js';
export { DEFAULT_SIM } from './simconfig.js';
export type { EventInputs, EventStage, PlaneFrames, SimulatedEvent, StageTimer } from './event.js';
export { simulateEvent } from './event.js';

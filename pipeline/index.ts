/**
 * The public surface of wiregan's data movement: the event file (HDF5,
 * Wire-Cell frame layout), the truth table (Arrow), JSON inputs, presets,
 * and the simulation job that ties them to sim/.
 */
export type { EventFileHeader, EventFrame, StoredHeader, StoredPlane } from './eventfile.js';
export { EventFileReader, EventFileWriter, withEventFile } from './eventfile.js';
export type { TruthRow } from './truth.js';
export { readTruth, writeTruth } from './truth.js';
export { readJsonFile } from './jsonfile.js';
export { detectorPresetNames, loadDetector } from './presets.js';
export { loadEventInputs } from './siminputs.js';
export type { SimulateJob, SimulateSummary } from './simulate.js';
export { resolveSimConfig, runSimulation, truthPath } from './simulate.js';

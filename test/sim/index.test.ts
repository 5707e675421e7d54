import assert from 'node:assert/strict';

import * as sim from '../../sim/index.js';

/** The public API of sim/: a change here is a change of the API. */
const SIM_EXPORTS = [
  'ConfigError',
  'DEFAULT_BUILTIN_FIELD',
  'DEFAULT_CONVOLVE',
  'DEFAULT_DIGITIZER',
  'DEFAULT_DRIFT',
  'DEFAULT_ELECTRONICS',
  'DEFAULT_IONISATION',
  'DEFAULT_LINES',
  'DEFAULT_NOISE',
  'DEFAULT_PARTICLES',
  'DEFAULT_RASTER',
  'DEFAULT_SHOWER',
  'DEFAULT_SIM',
  'DeposBuilder',
  'ELECTRON',
  'FileFormatError',
  'LAR',
  'MUON',
  'PROTON',
  'Rng',
  'ShapeError',
  'StoppingTable',
  'UnsupportedError',
  'WireganError',
  'adcPerVolt',
  'betheDedx',
  'boxRecombination',
  'builtinFieldResponse',
  'builtinPlaneNoiseSpectrum',
  'channelCount',
  'combineOverrides',
  'convolveMultiwire',
  'convolveNearest',
  'denseFftConvolution',
  'depoPlacement',
  'developShower',
  'digitise',
  'domainResponses',
  'drift',
  'driftTime',
  'electronicsResponse',
  'expectedNoiseRms',
  'generateLineEvent',
  'generateNoise',
  'generateParticleEvent',
  'generateParticles',
  'gridTransparency',
  'highlandTheta0',
  'ionise',
  'mergeConfig',
  'overrideFromAssignment',
  'parseDepoFile',
  'parseDetector',
  'parseFieldResponse',
  'parseNoiseSpectra',
  'pitchCoordinate',
  'planeByName',
  'planeImpactResponse',
  'rasterise',
  'sampleStepLoss',
  'scatterDirection',
  'simulateEvent',
  'units',
  'wireCellNoiseSpectrum',
  'wireLength',
];

const UNITS_EXPORTS = [
  'GeV',
  'Hz',
  'MHz',
  'MeV',
  'cm',
  'coulomb',
  'eV',
  'eplus',
  'fC',
  'g_per_cm3',
  'gram',
  'kHz',
  'kV',
  'keV',
  'm',
  'mV',
  'mm',
  'ms',
  'ns',
  's',
  'um',
  'us',
  'volt',
];

describe('sim/index: public API', () => {
  it('exports exactly the listed names', () => {
    assert.deepEqual(Object.keys(sim).sort(), SIM_EXPORTS);
  });

  it('exports the units namespace with exactly the listed units', () => {
    assert.deepEqual(Object.keys(sim.units).sort(), UNITS_EXPORTS);
    assert.equal(sim.units.cm, 10 * sim.units.mm);
  });
});

import assert from 'node:assert/strict';

import * as models from '../../models/index.js';

/** The public API of models/: a change here is a change of the API. */
const MODELS_EXPORTS = [
  'BACKEND_ORDER',
  'CycleGan',
  'DISCRIMINATOR_PRESETS',
  'GENERATOR_PRESETS',
  'InpaintingPretrainer',
  'OnnxTranslator',
  'PatchDiscriminator',
  'TRAIN_PRESETS',
  'VitUnetGenerator',
  'discriminatorWeightSpecs',
  'exportGeneratorOnnx',
  'generatorParameterCount',
  'generatorWeightSpecs',
  'initBackend',
  'linearDecayRate',
  'readCheckpoint',
  'readGeneratorWeights',
  'resolvePretrainConfig',
  'resolveTrainConfig',
  'runCycleGanTraining',
  'runPretraining',
  'warmRestartRate',
];

describe('models/index: public API', () => {
  it('exports exactly the listed names', () => {
    assert.deepEqual(Object.keys(models).sort(), MODELS_EXPORTS);
  });
});

import assert from 'node:assert/strict';

import * as pipeline from '../../pipeline/index.js';

/** The public API of pipeline/: a change here is a change of the API. */
const PIPELINE_EXPORTS = [
  'EventFileReader',
  'EventFileWriter',
  'detectorPresetNames',
  'loadDetector',
  'loadEventInputs',
  'readJsonFile',
  'readTruth',
  'resolveSimConfig',
  'runSimulation',
  'truthPath',
  'withEventFile',
  'writeTruth',
];

describe('pipeline/index: public API', () => {
  it('exports exactly the listed names', () => {
    assert.deepEqual(Object.keys(pipeline).sort(), PIPELINE_EXPORTS);
  });
});

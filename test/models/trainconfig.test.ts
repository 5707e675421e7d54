import assert from 'node:assert/strict';

import { overrideFromAssignment } from '../../sim/config.js';
import { ConfigError } from '../../sim/errors.js';
import { DISCRIMINATOR_PRESETS } from '../../models/discriminator.js';
import { GENERATOR_PRESETS } from '../../models/generator-spec.js';
import {
  TRAIN_PRESETS,
  resolvePretrainConfig,
  resolveTrainConfig,
} from '../../models/trainconfig.js';

describe('models/trainconfig', () => {
  it('paper carries the published CycleGAN settings for detector data', () => {
    const { model, constantFraction, data } = resolveTrainConfig('paper');
    assert.deepEqual(model.generator, GENERATOR_PRESETS.paper);
    assert.deepEqual(model.discriminator, DISCRIMINATOR_PRESETS.paper);
    assert.equal(model.genLr, 1e-5);
    assert.equal(model.discLr, 5e-5);
    assert.deepEqual(model.betas, [0.5, 0.99]);
    assert.equal(data.batchSize, 1);
    assert.deepEqual(
      [model.gpGamma, model.gpLambda, model.lambdaCycle, model.lambdaIdentity, model.poolSize],
      [10, 0.01, 1, 0.5, 50],
    );
    assert.equal(constantFraction, 0.5);
  });

  it('paper pre-training uses AdamW (0.9, 0.99), decay 0.05, 32-pixel patches at 0.4', () => {
    const { model } = resolvePretrainConfig('paper');
    assert.deepEqual(model.betas, [0.9, 0.99]);
    assert.equal(model.weightDecay, 0.05);
    assert.equal(model.patch, 32);
    assert.equal(model.maskProbability, 0.4);
  });

  it('every preset takes its sizes from the generator and discriminator presets', () => {
    const sizes = { paper: 'paper', small: 'small', tiny: 'tiny', 'cpu-short': 'tiny' } as const;
    const discriminators = { ...sizes, 'cpu-short': 'small' } as const;
    for (const preset of TRAIN_PRESETS) {
      const train = resolveTrainConfig(preset);
      const short = preset === 'cpu-short';
      const generator = {
        ...GENERATOR_PRESETS[sizes[preset]],
        residual: short,
        init: short ? 'fan-in' : 'normal',
        zeroAnchored: short,
      };
      assert.deepEqual(train.model.generator, generator, preset);
      const discriminator = DISCRIMINATOR_PRESETS[discriminators[preset]];
      assert.deepEqual(train.model.discriminator, discriminator, preset);
      assert.deepEqual(resolvePretrainConfig(preset).model.generator, train.model.generator);
    }
    assert.ok(resolveTrainConfig('cpu-short').model.genLr > resolveTrainConfig('tiny').model.genLr);
  });

  it('applies --set overrides by key path', () => {
    const config = resolveTrainConfig('tiny', [
      overrideFromAssignment('model.genLr=0.001'),
      overrideFromAssignment('data.crop=true'),
      overrideFromAssignment('model.generator.tile=[64,64]'),
      overrideFromAssignment('steps=40'),
    ]);
    assert.equal(config.model.genLr, 0.001);
    assert.equal(config.data.crop, true);
    assert.deepEqual(config.model.generator.tile, [64, 64]);
    assert.equal(config.model.generator.width, GENERATOR_PRESETS.tiny.width);
    assert.equal(config.steps, 40);
    const plain = resolveTrainConfig('tiny', [
      overrideFromAssignment('model.discriminator.norm=none'),
    ]);
    assert.equal(plain.model.discriminator.norm, 'none');
    assert.equal(resolveTrainConfig('tiny').steps, 1000, 'presets are not changed by overrides');
  });

  it('refuses unknown keys, wrong types, bad values and unknown presets, naming them', () => {
    const refused = (preset: string, assignment: string, pattern: RegExp) =>
      assert.throws(
        () => resolveTrainConfig(preset, [overrideFromAssignment(assignment)]),
        (e: unknown) => e instanceof ConfigError && pattern.test(e.message),
      );
    refused('tiny', 'model.genRate=1', /unknown option "model.genRate"/);
    refused('tiny', 'stepz=3', /unknown option "stepz"/);
    refused('tiny', 'model.genLr=fast', /"model.genLr" must be a number/);
    refused('tiny', 'model.genLr=2', /model.genLr must be in \(0, 1\)/);
    refused('tiny', 'steps=0', /steps must be an integer/);
    refused('tiny', 'model.generator.tile=[30,30]', /multiples of 2\^4/);
    refused('tiny', 'model.betas=[0.5]', /model.betas must be two numbers/);
    refused('tiny', 'model.discriminator.norm=batch', /norm must be one of instance, none/);
    assert.throws(() => resolveTrainConfig('huge'), /preset: expected one of paper, small/);
    assert.throws(
      () => resolvePretrainConfig('tiny', [overrideFromAssignment('model.patch=12')]),
      /model.patch must divide the tile 32 x 32/,
    );
  });
});

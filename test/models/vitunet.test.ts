import assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../../models/backend.js';
import {
  GENERATOR_PRESETS,
  type GeneratorConfig,
  generatorParameterCount,
  generatorWeightSpecs,
} from '../../models/generator-spec.js';
import { VitUnetGenerator } from '../../models/vitunet.js';
import { ShapeError } from '../../sim/errors.js';
import { Rng } from '../../sim/random.js';
import { naiveGenerator } from '../helpers/naive-nets.js';

/** A generator small enough for loop-by-loop reference computation. */
const MICRO: GeneratorConfig = {
  tile: [16, 12],
  features: [2, 3],
  width: 4,
  depth: 2,
  heads: 2,
  ffn: 6,
  fourierFeatures: 2,
  inputScale: 1 / 50,
};

/** float32 network vs float64 loops: relative to the output's largest value. */
const FORWARD_TOLERANCE = 1e-4;

function adcImage(rng: Rng, size: number): Float32Array {
  return Float32Array.from({ length: size }, () => rng.normal(0, 40));
}

/** Weights with every value random (biases, norms and ReZero too), for a demanding comparison. */
function randomWeights(gen: VitUnetGenerator, rng: Rng): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of gen.variables) {
    const sd = name.endsWith('/kernel') ? 0.5 : 0.3;
    const mean = name.endsWith('/gamma') ? 1 : 0;
    out.set(
      name,
      Float32Array.from({ length: v.size }, () => rng.normal(mean, sd)),
    );
  }
  return out;
}

function maxRelative(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / scale;
}

function forward(gen: VitUnetGenerator, x: Float32Array): Float32Array {
  const [h, w] = gen.config.tile;
  return tf.tidy(() => gen.apply(tf.tensor4d(x, [1, h, w, 1])).dataSync() as Float32Array);
}

describe('models/vitunet: the ViT-UNet generator', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('has the variables of generatorWeightSpecs, in order, with their shapes', () => {
    const gen = VitUnetGenerator.create(GENERATOR_PRESETS.tiny, { name: 'g', seed: 1 });
    try {
      const specs = generatorWeightSpecs(GENERATOR_PRESETS.tiny);
      assert.deepEqual(
        [...gen.variables].map(([name, v]) => [name, v.shape]),
        specs.map((s) => [s.name, [...s.shape]]),
      );
      assert.ok([...gen.variables.values()].every((v) => v.name.startsWith('g/')));
    } finally {
      gen.dispose();
    }
  });

  it('paper preset: ~31 M parameters, as many as its variables hold', () => {
    const count = generatorParameterCount(GENERATOR_PRESETS.paper);
    assert.ok(count > 29e6 && count < 33e6, `paper count ${count}`);
    const gen = VitUnetGenerator.create(GENERATOR_PRESETS.paper, { name: 'paper', seed: 1 });
    try {
      const held = [...gen.variables.values()].reduce((a, v) => a + v.size, 0);
      assert.equal(held, count);
    } finally {
      gen.dispose();
    }
  });

  it('initialises kernels N(0, 0.02), biases and ReZero 0, gamma 1; the same for a seed', () => {
    const a = VitUnetGenerator.create(GENERATOR_PRESETS.small, { name: 'a', seed: 5 });
    const b = VitUnetGenerator.create(GENERATOR_PRESETS.small, { name: 'a', seed: 5 });
    const c = VitUnetGenerator.create(GENERATOR_PRESETS.small, { name: 'c', seed: 6 });
    try {
      const wa = a.getWeights();
      const kernel = wa.get('enc3/conv2/kernel') as Float32Array; // 147456 values
      const mean = kernel.reduce((s, v) => s + v, 0) / kernel.length;
      const sd = Math.sqrt(kernel.reduce((s, v) => s + (v - mean) ** 2, 0) / kernel.length);
      // Standard errors: mean 0.02 / sqrt(n) ~ 5e-5, sd ~ 0.02 / sqrt(2n) ~ 4e-5.
      assert.ok(Math.abs(mean) < 3e-4 && Math.abs(sd - 0.02) < 3e-4, `mean ${mean} sd ${sd}`);
      assert.ok((wa.get('dec0/up/bias') as Float32Array).every((v) => v === 0));
      assert.ok((wa.get('vit/block1/norm2/gamma') as Float32Array).every((v) => v === 1));
      assert.deepEqual([...(wa.get('vit/block0/rezero') as Float32Array)], [0]);
      assert.deepEqual(b.getWeights(), wa);
      assert.notDeepEqual(c.getWeights().get('input/kernel'), wa.get('input/kernel'));
    } finally {
      [a, b, c].forEach((g) => g.dispose());
    }
  });

  it("'fan-in' init: kernel sd sqrt(2 / fan-in) for convolutions, 1 / sqrt(fan-in) for dense", () => {
    const gen = VitUnetGenerator.create(
      { ...GENERATOR_PRESETS.small, init: 'fan-in' },
      { name: 'fanin', seed: 5 },
    );
    try {
      const w = gen.getWeights();
      const cases: [string, number][] = [
        ['enc3/conv2/kernel', Math.sqrt(2 / (3 * 3 * 128))], // 147456 values
        ['vit/block0/attn/query/kernel', 1 / Math.sqrt(128)], // 16384 values
      ];
      for (const [name, expected] of cases) {
        const k = w.get(name) as Float32Array;
        const mean = k.reduce((s, v) => s + v, 0) / k.length;
        const sd = Math.sqrt(k.reduce((s, v) => s + (v - mean) ** 2, 0) / k.length);
        // Five standard errors of the sample sd, expected / sqrt(2n).
        const tolerance = (5 * expected) / Math.sqrt(2 * k.length);
        assert.ok(Math.abs(sd - expected) < tolerance, `${name}: sd ${sd}, expected ${expected}`);
      }
      assert.deepEqual([...(w.get('vit/block0/rezero') as Float32Array)], [0]);
    } finally {
      gen.dispose();
    }
  });

  it("keeps a tiny net's output at the input's scale with 'fan-in', not with N(0, 0.02)", () => {
    // Eight layers of fan-in 36 to 144 at sd 0.02 each scale the signal by
    // 0.1 to 0.2: the output of the tiny preset is ~1e-7 of its input.
    for (const seed of [1, 2, 3]) {
      const ratio = (init: 'normal' | 'fan-in'): number => {
        const gen = VitUnetGenerator.create(
          { ...GENERATOR_PRESETS.tiny, init },
          { name: `scale_${init}`, seed },
        );
        try {
          return tf.tidy(() => {
            const x = tf.mul(tf.randomNormal([4, 32, 32, 1], 0, 1, 'float32', seed), 50);
            const y = gen.apply(x as tf.Tensor4D);
            return Math.sqrt(tf.moments(y).variance.dataSync()[0]) / 50;
          });
        } finally {
          gen.dispose();
        }
      };
      const normal = ratio('normal');
      const fanIn = ratio('fan-in');
      assert.ok(normal < 1e-5, `seed ${seed}: N(0, 0.02) output / input ${normal}`);
      assert.ok(fanIn > 1e-2 && fanIn < 1e2, `seed ${seed}: fan-in output / input ${fanIn}`);
    }
  });

  it('zero-anchored: output(x) - output(0) of the same weights; an empty tile gives zeros', () => {
    for (const residual of [false, true]) {
      const config = { ...GENERATOR_PRESETS.tiny, init: 'fan-in' as const, residual };
      const plain = VitUnetGenerator.create(config, { name: 'plain', seed: 3 });
      const anchored = VitUnetGenerator.create(
        { ...config, zeroAnchored: true },
        { name: 'anchored', seed: 3 },
      );
      try {
        tf.tidy(() => {
          const x = tf.mul(tf.randomNormal([2, 32, 32, 1], 0, 1, 'float32', 4), 20) as tf.Tensor4D;
          const zero = tf.zeros([1, 32, 32, 1]) as tf.Tensor4D;
          const offset = plain.apply(zero).dataSync();
          assert.ok(Math.max(...offset.map(Math.abs)) > 1e-2, 'fan-in net maps zeros to zeros');
          const want = plain.apply(x).dataSync();
          const got = anchored.apply(x).dataSync();
          const n = 32 * 32;
          for (let i = 0; i < got.length; i++) {
            assert.ok(Math.abs(got[i] - (want[i] - offset[i % n])) < 1e-4, `value ${i}`);
          }
          const blank = anchored.apply(tf.zeros([2, 32, 32, 1]) as tf.Tensor4D).dataSync();
          assert.ok(blank.every((v) => v === 0));
        });
      } finally {
        plain.dispose();
        anchored.dispose();
      }
    }
  });

  it('refuses an unknown init, naming the field', () => {
    assert.throws(
      () =>
        VitUnetGenerator.create(
          { ...GENERATOR_PRESETS.tiny, init: 'he' as 'normal' },
          {
            name: 'bad',
            seed: 1,
          },
        ),
      /generator\.init: expected one of normal, fan-in, got "he"/,
    );
  });

  it('maps [n, h, w, 1] to [n, h, w, 1] for the tiny and small presets; refuses other tiles', () => {
    for (const preset of ['tiny', 'small'] as const) {
      const cfg = GENERATOR_PRESETS[preset];
      const gen = VitUnetGenerator.create(cfg, { name: preset, seed: 2 });
      try {
        const shape = tf.tidy(() => gen.apply(tf.zeros([2, ...cfg.tile, 1]) as tf.Tensor4D).shape);
        assert.deepEqual(shape, [2, ...cfg.tile, 1]);
        assert.throws(() => gen.apply(tf.zeros([1, 16, 16, 1]) as tf.Tensor4D), ShapeError);
      } finally {
        gen.dispose();
      }
    }
  });

  it(`forward equals a loop-by-loop float64 computation within ${FORWARD_TOLERANCE}`, () => {
    const rng = new Rng(11);
    const gen = VitUnetGenerator.create(MICRO, { name: 'micro', seed: 3 });
    try {
      const weights = randomWeights(gen, rng);
      gen.setWeights(weights);
      const x = adcImage(rng, 16 * 12);
      const want = naiveGenerator(MICRO, weights, x);
      const err = maxRelative(forward(gen, x), want);
      assert.ok(err < FORWARD_TOLERANCE, `relative error ${err}`);
    } finally {
      gen.dispose();
    }
  });

  it('with ReZero 0 the transformer blocks are identities (same output as depth 0)', () => {
    const rng = new Rng(12);
    const gen = VitUnetGenerator.create(MICRO, { name: 'deep', seed: 4 });
    const shallowCfg = { ...MICRO, depth: 0 };
    const shallow = VitUnetGenerator.create(shallowCfg, { name: 'shallow', seed: 4 });
    try {
      const weights = randomWeights(gen, rng);
      for (let j = 0; j < MICRO.depth; j++) weights.set(`vit/block${j}/rezero`, Float32Array.of(0));
      gen.setWeights(weights);
      shallow.setWeights(new Map([...weights].filter(([name]) => !name.includes('/block'))));
      const x = adcImage(rng, 16 * 12);
      assert.deepEqual(forward(gen, x), forward(shallow, x));

      // A non-zero ReZero makes the blocks count: the comparison can fail.
      weights.set('vit/block1/rezero', Float32Array.of(0.5));
      gen.setWeights(weights);
      assert.ok(maxRelative(forward(gen, x), forward(shallow, x)) > 1e-3);
    } finally {
      gen.dispose();
      shallow.dispose();
    }
  });

  it('setWeights refuses a missing, extra or wrongly sized weight', () => {
    const gen = VitUnetGenerator.create(MICRO, { name: 'w', seed: 1 });
    try {
      const weights = gen.getWeights();
      const missing = new Map(weights);
      missing.delete('output/bias');
      assert.throws(() => gen.setWeights(missing), /missing weight output\/bias/);
      assert.throws(
        () => gen.setWeights(new Map([...weights, ['extra/kernel', new Float32Array(1)]])),
        /unexpected weight extra\/kernel/,
      );
      const short = new Map(weights).set('input/kernel', new Float32Array(3));
      assert.throws(() => gen.setWeights(short), ShapeError);
    } finally {
      gen.dispose();
    }
  });
});

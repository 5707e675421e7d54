/**
 * CycleGAN training of UVCGAN (Zhu et al., 2017; Torbunov et al., 2023):
 * generators gen_ab (A -> B) and gen_ba (B -> A), PatchGAN discriminators
 * disc_a and disc_b, and one training step as in uvcgan:
 *
 * 1. generators (one Adam over both, betas (0.5, 0.99)):
 *      fake_b = gen_ab(real_a), rec_a = gen_ba(fake_b), idt_b = gen_ab(real_b)
 *      fake_a = gen_ba(real_b), rec_b = gen_ab(fake_a), idt_a = gen_ba(real_a)
 *      gen_ab = LSGAN(disc_b(fake_b), 1), gen_ba = LSGAN(disc_a(fake_a), 1)
 *      cycle_a = lambdaCycle L1(rec_a, real_a), cycle_b likewise
 *      idt_a = lambdaCycle lambdaIdentity L1(idt_a, real_a), idt_b likewise
 * 2. discriminators (one Adam over both), with fakes of step 1 passed
 *    through each domain's image pool:
 *      disc_a = (LSGAN(disc_a(real_a), 1) + LSGAN(disc_a(pool_a(fake_a)), 0)) / 2
 *      gp_a = gradient penalty at a per-sample mix of real_a and the pooled
 *      fake (models/losses.ts); the loss differentiated is
 *      disc_a + gp_a + disc_b + gp_b (disc_* as reported exclude gp_*).
 * L1 losses are measured on the generator's scaled images (ADC * inputScale),
 * the units the networks work in; the penalty's gradient is taken with
 * respect to the discriminator's scaled input. The batch is processed one
 * sample at a time (models/gradients.ts), losses and gradients averaged;
 * the generator loss is differentiated in four parts (the a -> b -> a
 * chain, the b -> a -> b chain, each identity term) so that no more than
 * two generator passes are held for backpropagation at once.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { TileBatch } from '../pipeline/batches.js';
import { ConfigError } from '../sim/errors.js';
import { Rng } from '../sim/random.js';
import { AdamW, type AdamWState } from './adamw.js';
import { type DiscriminatorConfig, PatchDiscriminator } from './discriminator.js';
import type { GeneratorConfig } from './generator-spec.js';
import { GradientSum } from './gradients.js';
import { ImagePool, type ImagePoolState } from './imagepool.js';
import { gradientPenalty, l1Loss, lsganLoss } from './losses.js';
import { checkBatch, sampleTensor } from './tilebatch.js';
import { VitUnetGenerator } from './vitunet.js';

export interface CycleGanConfig {
  readonly generator: GeneratorConfig;
  readonly discriminator: DiscriminatorConfig;
  /** Weight of the cycle-consistency L1 loss (uvcgan: 1). */
  readonly lambdaCycle: number;
  /** Weight of the identity loss as a fraction of lambdaCycle (uvcgan: 0.5). */
  readonly lambdaIdentity: number;
  /** Gradient penalty weight lambda (uvcgan: 0.01). */
  readonly gpLambda: number;
  /** Gradient penalty target norm gamma (uvcgan: 10). */
  readonly gpGamma: number;
  /** Fake images kept per image pool (uvcgan: 50). */
  readonly poolSize: number;
  /** Base generator rate (uvcgan: 1e-5); the step's rate is an argument. */
  readonly genLr: number;
  /** Base discriminator rate (uvcgan: 5e-5). */
  readonly discLr: number;
  /** Adam beta1, beta2 (uvcgan: 0.5, 0.99). */
  readonly betas: readonly [number, number];
}

export type CycleGanLossName =
  | 'gen_ab'
  | 'gen_ba'
  | 'cycle_a'
  | 'cycle_b'
  | 'idt_a'
  | 'idt_b'
  | 'disc_a'
  | 'disc_b'
  | 'gp_a'
  | 'gp_b';

/** Batch-mean losses of one step, named as in uvcgan. */
export type CycleGanLosses = Record<CycleGanLossName, number>;

/** Everything needed to continue training exactly, as plain data. */
export interface CycleGanState {
  /** Steps completed. */
  iteration: number;
  weights: {
    gen_ab: Map<string, Float32Array>;
    gen_ba: Map<string, Float32Array>;
    disc_a: Map<string, Float32Array>;
    disc_b: Map<string, Float32Array>;
  };
  /** Slots keyed `<network>/<weight name>`. */
  genOptimizer: AdamWState;
  discOptimizer: AdamWState;
  poolA: ImagePoolState;
  poolB: ImagePoolState;
  /** State of the generator drawing the penalty's mixing weights. */
  rng: number[];
}

/** Checks the fields the step relies on. */
function validate(cfg: CycleGanConfig): void {
  for (const key of ['lambdaCycle', 'lambdaIdentity', 'gpLambda', 'gpGamma'] as const) {
    if (!(cfg[key] >= 0)) throw new ConfigError(`model.${key}: expected >= 0, got ${cfg[key]}`);
  }
}

/** Parameters of several networks keyed `<network>/<weight name>`. */
function keyed(nets: Record<string, { variables: ReadonlyMap<string, tf.Variable> }>) {
  const out = new Map<string, tf.Variable>();
  for (const [net, model] of Object.entries(nets)) {
    for (const [name, v] of model.variables) out.set(`${net}/${name}`, v);
  }
  return out;
}

const zeroLosses = (): CycleGanLosses => ({
  gen_ab: 0,
  gen_ba: 0,
  cycle_a: 0,
  cycle_b: 0,
  idt_a: 0,
  idt_b: 0,
  disc_a: 0,
  disc_b: 0,
  gp_a: 0,
  gp_b: 0,
});

export class CycleGan {
  private iteration = 0;
  private readonly genOptimizer: AdamW;
  private readonly discOptimizer: AdamW;

  private constructor(
    readonly config: CycleGanConfig,
    readonly genAB: VitUnetGenerator,
    readonly genBA: VitUnetGenerator,
    readonly discA: PatchDiscriminator,
    readonly discB: PatchDiscriminator,
    private readonly poolA: ImagePool,
    private readonly poolB: ImagePool,
    private rng: Rng,
  ) {
    const [beta1, beta2] = config.betas;
    this.genOptimizer = new AdamW(keyed({ gen_ab: genAB, gen_ba: genBA }), { beta1, beta2 });
    this.discOptimizer = new AdamW(keyed({ disc_a: discA, disc_b: discB }), { beta1, beta2 });
  }

  /** Four fresh networks, two empty pools and the mixing generator, all from `seed`. */
  static create(cfg: CycleGanConfig, seed: number): CycleGan {
    validate(cfg);
    const seeds = new Rng(seed, 0x6c6e);
    const next = () => seeds.nextUint32();
    return new CycleGan(
      cfg,
      VitUnetGenerator.create(cfg.generator, { name: 'gen_ab', seed: next() }),
      VitUnetGenerator.create(cfg.generator, { name: 'gen_ba', seed: next() }),
      PatchDiscriminator.create(cfg.discriminator, { name: 'disc_a', seed: next() }),
      PatchDiscriminator.create(cfg.discriminator, { name: 'disc_b', seed: next() }),
      new ImagePool(cfg.poolSize, next()),
      new ImagePool(cfg.poolSize, next()),
      new Rng(next()),
    );
  }

  /** Steps completed. */
  get iterations(): number {
    return this.iteration;
  }

  /**
   * One training step on real_a and real_b [n, h, w] (ADC, unpaired):
   * the generator update, then the discriminator update. Frees every
   * intermediate tensor.
   */
  step(batch: TileBatch, lr: { gen: number; disc: number }): CycleGanLosses {
    checkBatch(batch, this.config.generator.tile, 'CycleGan.step');
    const losses = zeroLosses();
    const { fakeA, fakeB } = this.generatorStep(batch, lr.gen, losses);
    this.discriminatorStep(
      batch,
      this.poolA.query(fakeA),
      this.poolB.query(fakeB),
      lr.disc,
      losses,
    );
    for (const key of Object.keys(losses) as CycleGanLossName[]) losses[key] /= batch.n;
    this.iteration += 1;
    return losses;
  }

  /** Updates both generators; returns the fakes [h, w] made before the update. */
  private generatorStep(
    batch: TileBatch,
    lr: number,
    losses: CycleGanLosses,
  ): { fakeA: Float32Array[]; fakeB: Float32Array[] } {
    const cfg = this.config;
    const scale = cfg.generator.inputScale;
    const wCycle = cfg.lambdaCycle * scale;
    const wIdt = cfg.lambdaCycle * cfg.lambdaIdentity * scale;
    const fakeA: Float32Array[] = [];
    const fakeB: Float32Array[] = [];
    const sum = new GradientSum(this.genOptimizer.parameters);
    try {
      for (let i = 0; i < batch.n; i++) {
        const parts: Partial<Record<CycleGanLossName | 'fake_a' | 'fake_b', tf.Tensor>> = {};
        const keep = (name: CycleGanLossName | 'fake_a' | 'fake_b', t: tf.Tensor) => {
          parts[name] = tf.keep(t);
          return t;
        };
        try {
          // Four separately differentiated parts (their gradients add up to
          // the total's): the tape holds at most two generator passes.
          const realA = () => sampleTensor(batch, 'a', i);
          const realB = () => sampleTensor(batch, 'b', i);
          sum.add(() => {
            const real = realA();
            const fake = keep('fake_b', this.genAB.apply(real)) as tf.Tensor4D;
            const adversarial = keep('gen_ab', lsganLoss(this.discB.apply(fake), 1));
            const cycle = keep('cycle_a', tf.mul(l1Loss(this.genBA.apply(fake), real), wCycle));
            return tf.add(adversarial, cycle) as tf.Scalar;
          }, 1 / batch.n);
          sum.add(() => {
            const real = realB();
            const fake = keep('fake_a', this.genBA.apply(real)) as tf.Tensor4D;
            const adversarial = keep('gen_ba', lsganLoss(this.discA.apply(fake), 1));
            const cycle = keep('cycle_b', tf.mul(l1Loss(this.genAB.apply(fake), real), wCycle));
            return tf.add(adversarial, cycle) as tf.Scalar;
          }, 1 / batch.n);
          if (wIdt > 0) {
            losses.idt_a += sum.add(() => {
              const real = realA();
              return tf.mul(l1Loss(this.genBA.apply(real), real), wIdt) as tf.Scalar;
            }, 1 / batch.n);
            losses.idt_b += sum.add(() => {
              const real = realB();
              return tf.mul(l1Loss(this.genAB.apply(real), real), wIdt) as tf.Scalar;
            }, 1 / batch.n);
          }
          for (const [name, t] of Object.entries(parts)) {
            if (name === 'fake_a') fakeA.push(t.dataSync() as Float32Array);
            else if (name === 'fake_b') fakeB.push(t.dataSync() as Float32Array);
            else losses[name as CycleGanLossName] += t.dataSync()[0];
          }
        } finally {
          tf.dispose(Object.values(parts));
        }
      }
      this.genOptimizer.apply(sum.get(), lr);
    } finally {
      sum.dispose();
    }
    return { fakeA, fakeB };
  }

  /** Updates both discriminators on real images and pooled fakes [h, w]. */
  private discriminatorStep(
    batch: TileBatch,
    pooledA: Float32Array[],
    pooledB: Float32Array[],
    lr: number,
    losses: CycleGanLosses,
  ): void {
    const sum = new GradientSum(this.discOptimizer.parameters);
    try {
      for (let i = 0; i < batch.n; i++) {
        const alpha = Float32Array.of(this.rng.uniform(), this.rng.uniform());
        const parts: Partial<Record<CycleGanLossName, tf.Tensor>> = {};
        try {
          sum.add(() => {
            const a = this.discriminatorLoss(this.discA, batch, 'a', i, pooledA[i], alpha[0]);
            const b = this.discriminatorLoss(this.discB, batch, 'b', i, pooledB[i], alpha[1]);
            parts.disc_a = tf.keep(a.disc);
            parts.gp_a = tf.keep(a.gp);
            parts.disc_b = tf.keep(b.disc);
            parts.gp_b = tf.keep(b.gp);
            return tf.addN([a.disc, a.gp, b.disc, b.gp]) as tf.Scalar;
          }, 1 / batch.n);
          for (const [name, t] of Object.entries(parts)) {
            losses[name as CycleGanLossName] += t.dataSync()[0];
          }
        } finally {
          tf.dispose(Object.values(parts));
        }
      }
      this.discOptimizer.apply(sum.get(), lr);
    } finally {
      sum.dispose();
    }
  }

  private discriminatorLoss(
    disc: PatchDiscriminator,
    batch: TileBatch,
    domain: 'a' | 'b',
    i: number,
    fake: Float32Array,
    alpha: number,
  ): { disc: tf.Scalar; gp: tf.Scalar } {
    const scale = disc.config.inputScale;
    const real = tf.mul(sampleTensor(batch, domain, i), scale) as tf.Tensor4D;
    const fakeT = tf.mul(
      tf.tensor4d(fake, [1, batch.height, batch.width, 1]),
      scale,
    ) as tf.Tensor4D;
    const lossReal = lsganLoss(disc.applyScaled(real), 1);
    const lossFake = lsganLoss(disc.applyScaled(fakeT), 0);
    const gp = gradientPenalty((z) => disc.applyScaled(z), real, fakeT, Float32Array.of(alpha), {
      lambda: this.config.gpLambda,
      gamma: this.config.gpGamma,
    });
    return { disc: tf.mul(tf.add(lossReal, lossFake), 0.5), gp };
  }

  /** Everything needed to continue exactly (copies). */
  state(): CycleGanState {
    return {
      iteration: this.iteration,
      weights: {
        gen_ab: this.genAB.getWeights(),
        gen_ba: this.genBA.getWeights(),
        disc_a: this.discA.getWeights(),
        disc_b: this.discB.getWeights(),
      },
      genOptimizer: this.genOptimizer.state(),
      discOptimizer: this.discOptimizer.state(),
      poolA: this.poolA.state(),
      poolB: this.poolB.state(),
      rng: this.rng.state(),
    };
  }

  /** Continues from a `state()`; mismatched weights are a ShapeError. */
  restore(state: CycleGanState): void {
    this.genAB.setWeights(state.weights.gen_ab);
    this.genBA.setWeights(state.weights.gen_ba);
    this.discA.setWeights(state.weights.disc_a);
    this.discB.setWeights(state.weights.disc_b);
    this.genOptimizer.restore(state.genOptimizer);
    this.discOptimizer.restore(state.discOptimizer);
    this.poolA.restore(state.poolA);
    this.poolB.restore(state.poolB);
    this.rng = Rng.fromState(state.rng);
    this.iteration = state.iteration;
  }

  dispose(): void {
    this.genOptimizer.dispose();
    this.discOptimizer.dispose();
    for (const net of [this.genAB, this.genBA, this.discA, this.discB]) net.dispose();
  }
}

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
 *
 * The step also runs split by domain (models/parallel-cyclegan.ts): domain
 * a's part is the a -> b -> a chain with idt_a (gradients for both
 * generators; it needs disc_b only) and then disc_b's update on the fakes
 * fake_b it made; domain b's part mirrors it. No discriminator loss
 * depends on the other discriminator, so only the generator gradients
 * have to be added across the parts.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { TileBatch } from '../pipeline/batches.js';
import { ConfigError, ShapeError } from '../sim/errors.js';
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

/** The image domains: a (e.g. simulation) and b (e.g. data). */
export type Domain = 'a' | 'b';
const DOMAINS: readonly Domain[] = ['a', 'b'];

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

/** The terms of one domain's generator chain and of its identity loss. */
const CHAIN = {
  a: { adversarial: 'gen_ab', cycle: 'cycle_a', identity: 'idt_a' },
  b: { adversarial: 'gen_ba', cycle: 'cycle_b', identity: 'idt_b' },
} as const;

/**
 * The generator gradients of one domain's terms (models/parallel-cyclegan.ts):
 * summed over the batch's samples, each weighted 1 / n.
 */
export interface DomainGradients {
  /** Keyed `gen_ab/<weight name>` and `gen_ba/<weight name>`. */
  gradients: Map<string, Float32Array>;
  /** The chain's fakes [h, w] ADC, one per sample, made before the update. */
  fakes: Float32Array[];
  /** The chain's losses summed over the samples; the other terms 0. */
  losses: CycleGanLosses;
}

export class CycleGan {
  private iteration = 0;
  private readonly genOptimizer: AdamW;
  /** One Adam per discriminator: Adam acts per element, so this equals one over both. */
  private readonly discOptimizers: Record<Domain, AdamW>;

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
    this.discOptimizers = {
      a: new AdamW(keyed({ disc_a: discA }), { beta1, beta2 }),
      b: new AdamW(keyed({ disc_b: discB }), { beta1, beta2 }),
    };
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
    const fakes = { a: [] as Float32Array[], b: [] as Float32Array[] };
    // One sum per domain, added at the end: the order of a step split by
    // domain, so that both give the same numbers to the last bit.
    const sums = [
      new GradientSum(this.genOptimizer.parameters),
      new GradientSum(this.genOptimizer.parameters),
    ];
    const total = new Map<string, tf.Tensor>();
    try {
      for (let i = 0; i < batch.n; i++) {
        this.addGeneratorTerms(sums[0], batch, 'a', i, losses, fakes.b);
        this.addGeneratorTerms(sums[1], batch, 'b', i, losses, fakes.a);
      }
      const b = sums[1].get();
      for (const [key, a] of sums[0].get()) total.set(key, tf.add(a, b.get(key) as tf.Tensor));
      this.genOptimizer.apply(total, lr.gen);
    } finally {
      for (const sum of sums) sum.dispose();
      tf.dispose([...total.values()]);
    }
    const pooled = { a: this.poolA.query(fakes.a), b: this.poolB.query(fakes.b) };
    this.discriminatorStep(batch, pooled, lr.disc, losses);
    for (const key of Object.keys(losses) as CycleGanLossName[]) losses[key] /= batch.n;
    this.iteration += 1;
    return losses;
  }

  /**
   * The first part of a step split by domain: the generator gradients of
   * `domain`'s chain (real -> fake -> rec, judged by the other domain's
   * discriminator) and identity term, without updating anything. The
   * gradients of both domains added are the serial step's.
   */
  generatorGradients(batch: TileBatch, domain: Domain): DomainGradients {
    checkBatch(batch, this.config.generator.tile, 'CycleGan.generatorGradients');
    const losses = zeroLosses();
    const fakes: Float32Array[] = [];
    const sum = new GradientSum(this.genOptimizer.parameters);
    try {
      for (let i = 0; i < batch.n; i++)
        this.addGeneratorTerms(sum, batch, domain, i, losses, fakes);
      const gradients = new Map<string, Float32Array>();
      for (const [key, g] of sum.get()) gradients.set(key, Float32Array.from(g.dataSync()));
      return { gradients, fakes, losses };
    } finally {
      sum.dispose();
    }
  }

  /** Updates both generators with gradients keyed like `generatorGradients`' (every one required). */
  applyGeneratorGradients(gradients: ReadonlyMap<string, Float32Array>, lr: number): void {
    const tensors = new Map<string, tf.Tensor>();
    try {
      for (const [key, v] of this.genOptimizer.parameters) {
        const g = gradients.get(key);
        if (g === undefined || g.length !== v.size) {
          throw new ShapeError(
            `CycleGan.applyGeneratorGradients: ${key} expected ${v.size} values, ` +
              `got ${g?.length ?? 'none'}`,
          );
        }
        tensors.set(key, tf.tensor(g, v.shape, 'float32'));
      }
      this.genOptimizer.apply(tensors, lr);
    } finally {
      tf.dispose([...tensors.values()]);
    }
  }

  /**
   * The discriminator part of a step split by domain: passes `fakes`
   * [h, w] (the other chain's, made before the generator update) through
   * `domain`'s pool and updates `domain`'s discriminator. The penalty's
   * mixing weights of both domains are drawn, as in the serial step, so
   * that replicas keep the same random state. Returns the losses summed
   * over the samples.
   */
  discriminatorUpdate(
    batch: TileBatch,
    domain: Domain,
    fakes: readonly Float32Array[],
    lr: number,
  ): CycleGanLosses {
    checkBatch(batch, this.config.generator.tile, 'CycleGan.discriminatorUpdate');
    if (fakes.length !== batch.n) {
      throw new ShapeError(
        `CycleGan.discriminatorUpdate: expected ${batch.n} fakes, got ${fakes.length}`,
      );
    }
    const losses = zeroLosses();
    const pool = domain === 'a' ? this.poolA : this.poolB;
    this.discriminatorStep(batch, { [domain]: pool.query(fakes) }, lr, losses);
    return losses;
  }

  /**
   * Adds sample i's terms of `domain` to `sum`, weighted 1 / n: the chain
   * (a: fake_b = gen_ab(real_a), rec_a = gen_ba(fake_b), gen_ab judged by
   * disc_b; b likewise) and the identity term (a: gen_ba(real_a)). Adds
   * the losses and pushes the fake [h, w].
   */
  private addGeneratorTerms(
    sum: GradientSum,
    batch: TileBatch,
    domain: Domain,
    i: number,
    losses: CycleGanLosses,
    fakes: Float32Array[],
  ): void {
    const cfg = this.config;
    const scale = cfg.generator.inputScale;
    const wCycle = cfg.lambdaCycle * scale;
    const wIdt = cfg.lambdaCycle * cfg.lambdaIdentity * scale;
    const [forward, backward] =
      domain === 'a' ? [this.genAB, this.genBA] : [this.genBA, this.genAB];
    const judge = domain === 'a' ? this.discB : this.discA;
    const names = CHAIN[domain];
    const parts: tf.Tensor[] = [];
    try {
      sum.add(() => {
        const real = sampleTensor(batch, domain, i);
        const fake = forward.apply(real);
        const adversarial = lsganLoss(judge.apply(fake), 1);
        const cycle = tf.mul(l1Loss(backward.apply(fake), real), wCycle);
        parts.push(tf.keep(fake), tf.keep(adversarial), tf.keep(cycle));
        return tf.add(adversarial, cycle) as tf.Scalar;
      }, 1 / batch.n);
      fakes.push(parts[0].dataSync() as Float32Array);
      losses[names.adversarial] += parts[1].dataSync()[0];
      losses[names.cycle] += parts[2].dataSync()[0];
    } finally {
      tf.dispose(parts);
    }
    // Differentiated separately: the tape holds at most two generator passes.
    if (wIdt > 0) {
      losses[names.identity] += sum.add(() => {
        const real = sampleTensor(batch, domain, i);
        return tf.mul(l1Loss(backward.apply(real), real), wIdt) as tf.Scalar;
      }, 1 / batch.n);
    }
  }

  /**
   * Updates the discriminators of the domains in `pooled` on real images
   * and pooled fakes [h, w]; the mixing weights of both domains are drawn
   * for each sample (a first) whichever domains are updated.
   */
  private discriminatorStep(
    batch: TileBatch,
    pooled: Partial<Record<Domain, Float32Array[]>>,
    lr: number,
    losses: CycleGanLosses,
  ): void {
    const domains = DOMAINS.filter((d) => pooled[d] !== undefined);
    const sums = domains.map((d) => new GradientSum(this.discOptimizers[d].parameters));
    try {
      for (let i = 0; i < batch.n; i++) {
        const alpha = { a: this.rng.uniform(), b: this.rng.uniform() };
        domains.forEach((d, k) => {
          const fake = (pooled[d] as Float32Array[])[i];
          this.addDiscriminatorTerms(sums[k], batch, d, i, fake, alpha[d], losses);
        });
      }
      domains.forEach((d, k) => this.discOptimizers[d].apply(sums[k].get(), lr));
    } finally {
      for (const sum of sums) sum.dispose();
    }
  }

  /** Adds sample i's disc_<domain> + gp_<domain> to `sum`, weighted 1 / n, and to `losses`. */
  private addDiscriminatorTerms(
    sum: GradientSum,
    batch: TileBatch,
    domain: Domain,
    i: number,
    fake: Float32Array,
    alpha: number,
    losses: CycleGanLosses,
  ): void {
    const disc = domain === 'a' ? this.discA : this.discB;
    const parts: tf.Tensor[] = [];
    try {
      sum.add(() => {
        const terms = this.discriminatorLoss(disc, batch, domain, i, fake, alpha);
        parts.push(tf.keep(terms.disc), tf.keep(terms.gp));
        return tf.add(terms.disc, terms.gp) as tf.Scalar;
      }, 1 / batch.n);
      losses[`disc_${domain}`] += parts[0].dataSync()[0];
      losses[`gp_${domain}`] += parts[1].dataSync()[0];
    } finally {
      tf.dispose(parts);
    }
  }

  private discriminatorLoss(
    disc: PatchDiscriminator,
    batch: TileBatch,
    domain: Domain,
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
    const [a, b] = [this.discOptimizers.a.state(), this.discOptimizers.b.state()];
    return {
      iteration: this.iteration,
      weights: {
        gen_ab: this.genAB.getWeights(),
        gen_ba: this.genBA.getWeights(),
        disc_a: this.discA.getWeights(),
        disc_b: this.discB.getWeights(),
      },
      genOptimizer: this.genOptimizer.state(),
      // One set of slots over both discriminators, keyed `disc_a/...`, `disc_b/...`.
      discOptimizer: { step: a.step, m: new Map([...a.m, ...b.m]), v: new Map([...a.v, ...b.v]) },
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
    // Each optimiser reads the slots of its own keys.
    this.discOptimizers.a.restore(state.discOptimizer);
    this.discOptimizers.b.restore(state.discOptimizer);
    this.poolA.restore(state.poolA);
    this.poolB.restore(state.poolB);
    this.rng = Rng.fromState(state.rng);
    this.iteration = state.iteration;
  }

  dispose(): void {
    this.genOptimizer.dispose();
    for (const optimizer of Object.values(this.discOptimizers)) optimizer.dispose();
    for (const net of [this.genAB, this.genBA, this.discA, this.discB]) net.dispose();
  }
}

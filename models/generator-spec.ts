/**
 * The ViT-UNet generator's configuration and the list of its weights:
 * the one contract shared by the TF.js model (models/vitunet.ts) and the
 * ONNX export, so that a weight written by one is found by the other.
 *
 * Architecture, for input x [n, h, w, 1] (NHWC, tfjs) in ADC:
 *   z = x * inputScale
 *   input      3x3 conv 1 -> f0, LeakyReLU(0.01)
 *   enc{i}     i = 0..L-1, f = features[i], fin = f0 (i = 0) or features[i-1]
 *     conv1    3x3 conv fin -> f, LeakyReLU
 *     conv2    3x3 conv f -> f, LeakyReLU            (skip_i = output)
 *     down     2x2 stride-2 conv f -> f, LeakyReLU   ([h, w] -> [h/2, w/2])
 *   bottleneck on the [h / 2^L, w / 2^L, fL] map (fL = features[L-1]),
 *     every pixel a token, row-major: [n, hb, wb, fL] -> [n, hb * wb, fL]
 *     fourier  dense 2 -> fourierFeatures on the normalised coordinates
 *              (row, col) of each token, each in [-1, 1]
 *              (linspace(-1, 1, hb), linspace(-1, 1, wb); a size of 1 gives 0),
 *              then sin
 *     proj_in  dense (fL + fourierFeatures) -> width on concat(token, sin(...))
 *     block{j} j = 0..depth-1, pre-LayerNorm (epsilon 1e-5), ReZero:
 *              y = x + rezero * attn(norm1(x)); x = y + rezero * ffn(norm2(y))
 *       attn   query/key/value dense width -> width, `heads` heads of
 *              width / heads, softmax(q k^T / sqrt(width / heads)) v,
 *              heads concatenated in order, then out dense width -> width
 *       ffn    dense width -> ffn, GELU (exact, erf form), dense ffn -> width
 *       rezero one scalar per block, initialised to 0
 *     proj_out dense width -> fL, back to [n, hb, wb, fL]
 *   dec{i}     i = L-1..0, f = features[i], cin = fL (i = L-1) or features[i+1]
 *     up       nearest-neighbour x2, then 3x3 conv cin -> f, LeakyReLU
 *     conv1    3x3 conv on concat(up, skip_i) (up channels first) 2f -> f, LeakyReLU
 *     conv2    3x3 conv f -> f, LeakyReLU
 *   output     1x1 conv f0 -> 1, linear
 *   y = output / inputScale (ADC), or, when `residual` is set,
 *   y = x + output / inputScale: a global skip, so the network learns only
 *   the correction to its input and starts near the identity
 *   (|output| ~ 0 with N(0, 0.02) weights). The published model has no
 *   such skip (`residual` false in the `paper` preset); for data that are
 *   97 % exact zeros (noiseless SLATS) a short run of a non-residual
 *   generator leaves a 1-2 ADC floor everywhere, far worse than doing
 *   nothing, while the residual one starts at the do-nothing answer.
 *   A config without the field (older checkpoints) is not residual.
 *   With `zeroAnchored`, output is replaced by output(z) - output(0), the
 *   network's response to an all-zero tile of the same size: a tile with
 *   no charge then translates to exact zeros. Without it the biases and
 *   the positional embedding leave a response on empty input that an
 *   instance-normalised discriminator cannot see (it removes each map's
 *   mean); trained on SLATS-like tiles with Garfield responses, it grew
 *   to a +0.38 ADC offset over the 92 % empty pixels, which made the L1
 *   ratio 2.7 while the signal pixels alone were at 0.94.
 * Convolutions use bias, 'same' zero padding for 3x3 (symmetric, 1 pixel)
 * and no padding for the 2x2 stride-2 ones. No normalisation in the UNet.
 *
 * Layouts (tfjs): conv kernel [kh, kw, in, out], dense kernel [in, out],
 * bias [out], LayerNorm gamma/beta [width], rezero [] (scalar).
 */
import { ConfigError } from '../sim/errors.js';

/** Sizes of the generator; every field is a config field. */
export interface GeneratorConfig {
  /** Tile the generator is built for, [height, width], multiples of 2^L. */
  readonly tile: readonly [number, number];
  /** UNet features per level, L = features.length levels. */
  readonly features: readonly number[];
  /** Transformer width (token size inside the bottleneck). */
  readonly width: number;
  /** Number of transformer blocks. */
  readonly depth: number;
  /** Attention heads; width must be a multiple. */
  readonly heads: number;
  /** Hidden size of the feed-forward layer. */
  readonly ffn: number;
  /** Fourier features of the positional embedding. */
  readonly fourierFeatures: number;
  /** Network input = ADC * inputScale; output ADC = network output / inputScale. */
  readonly inputScale: number;
  /**
   * Output ADC = input ADC + network output / inputScale (a global skip);
   * no weight is added. Missing (configs written before it existed) = false.
   */
  readonly residual?: boolean;
  /** Kernel initialisation (models/variables.ts); missing = 'normal', N(0, 0.02). */
  readonly init?: WeightInit;
  /**
   * The network's output for an all-zero tile is subtracted from every
   * output, so that a tile without charge translates to exact zeros (no
   * weight is added). Missing = false.
   */
  readonly zeroAnchored?: boolean;
}

/** Kernel initialisations: the published N(0, 0.02), or scaled by fan-in. */
export const WEIGHT_INITS = ['normal', 'fan-in'] as const;
export type WeightInit = (typeof WEIGHT_INITS)[number];

/** Checks an `init` config field named `field` (missing = 'normal'). */
export function validateWeightInit(init: unknown, field: string): void {
  if (init !== undefined && !(WEIGHT_INITS as readonly unknown[]).includes(init)) {
    throw new ConfigError(
      `${field}: expected one of ${WEIGHT_INITS.join(', ')}, got ${JSON.stringify(init)}`,
    );
  }
}

/** One weight: its name and its shape in tfjs layout. */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Generator sizes: the published model and two for CPU work. */
export const GENERATOR_PRESETS: Readonly<Record<string, GeneratorConfig>> = {
  /** UVCGAN for LArTPC data (Torbunov et al., 2023): ~31 M parameters. */
  paper: {
    tile: [256, 256],
    features: [48, 96, 192, 384],
    width: 384,
    depth: 12,
    heads: 6,
    ffn: 1536,
    fourierFeatures: 32,
    inputScale: 1 / 50,
    residual: false,
    init: 'normal',
    zeroAnchored: false,
  },
  small: {
    tile: [128, 128],
    features: [16, 32, 64, 128],
    width: 128,
    depth: 4,
    heads: 4,
    ffn: 256,
    fourierFeatures: 16,
    inputScale: 1 / 50,
    residual: false,
    init: 'normal',
    zeroAnchored: false,
  },
  tiny: {
    tile: [32, 32],
    features: [4, 8, 8, 16],
    width: 16,
    depth: 1,
    heads: 2,
    ffn: 32,
    fourierFeatures: 4,
    inputScale: 1 / 50,
    residual: false,
    init: 'normal',
    zeroAnchored: false,
  },
};

function conv(name: string, k: number, cin: number, cout: number): WeightSpec[] {
  return [
    { name: `${name}/kernel`, shape: [k, k, cin, cout] },
    { name: `${name}/bias`, shape: [cout] },
  ];
}

function dense(name: string, cin: number, cout: number): WeightSpec[] {
  return [
    { name: `${name}/kernel`, shape: [cin, cout] },
    { name: `${name}/bias`, shape: [cout] },
  ];
}

function layerNorm(name: string, width: number): WeightSpec[] {
  return [
    { name: `${name}/gamma`, shape: [width] },
    { name: `${name}/beta`, shape: [width] },
  ];
}

/**
 * Every weight of the generator, in a fixed order, named
 * `<part>/<layer>/<kernel|bias|gamma|beta>` (e.g. `enc0/conv1/kernel`,
 * `vit/block3/attn/query/kernel`, `vit/block3/rezero`).
 */
export function generatorWeightSpecs(cfg: GeneratorConfig): WeightSpec[] {
  const f = cfg.features;
  const levels = f.length;
  const fL = f[levels - 1];
  const specs: WeightSpec[] = [...conv('input', 3, 1, f[0])];
  for (let i = 0; i < levels; i++) {
    const fin = i === 0 ? f[0] : f[i - 1];
    specs.push(...conv(`enc${i}/conv1`, 3, fin, f[i]));
    specs.push(...conv(`enc${i}/conv2`, 3, f[i], f[i]));
    specs.push(...conv(`enc${i}/down`, 2, f[i], f[i]));
  }
  specs.push(...dense('vit/fourier', 2, cfg.fourierFeatures));
  specs.push(...dense('vit/proj_in', fL + cfg.fourierFeatures, cfg.width));
  for (let j = 0; j < cfg.depth; j++) {
    const b = `vit/block${j}`;
    specs.push(...layerNorm(`${b}/norm1`, cfg.width));
    for (const part of ['query', 'key', 'value', 'out']) {
      specs.push(...dense(`${b}/attn/${part}`, cfg.width, cfg.width));
    }
    specs.push(...layerNorm(`${b}/norm2`, cfg.width));
    specs.push(...dense(`${b}/ffn/dense1`, cfg.width, cfg.ffn));
    specs.push(...dense(`${b}/ffn/dense2`, cfg.ffn, cfg.width));
    specs.push({ name: `${b}/rezero`, shape: [] });
  }
  specs.push(...dense('vit/proj_out', cfg.width, fL));
  for (let i = levels - 1; i >= 0; i--) {
    const cin = i === levels - 1 ? fL : f[i + 1];
    specs.push(...conv(`dec${i}/up`, 3, cin, f[i]));
    specs.push(...conv(`dec${i}/conv1`, 3, 2 * f[i], f[i]));
    specs.push(...conv(`dec${i}/conv2`, 3, f[i], f[i]));
  }
  specs.push(...conv('output', 1, f[0], 1));
  return specs;
}

/** Total number of parameters. */
export function generatorParameterCount(cfg: GeneratorConfig): number {
  let total = 0;
  for (const spec of generatorWeightSpecs(cfg)) {
    total += spec.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}

/**
 * Checks that a generator can be built from `config`; a ConfigError names
 * the field under `field` (e.g. `model.generator`), what it expects and
 * what it got.
 */
export function validateGeneratorConfig(config: GeneratorConfig, field = 'generator'): void {
  const positive = (name: string, value: number): void => {
    if (!(Number.isInteger(value) && value > 0)) {
      throw new ConfigError(`${field}.${name}: expected an integer > 0, got ${value}`);
    }
  };
  const levels = config.features.length;
  if (levels === 0) throw new ConfigError(`${field}.features: expected at least one level, got []`);
  config.features.forEach((f, i) => positive(`features[${i}]`, f));
  for (const key of ['width', 'heads', 'ffn', 'fourierFeatures'] as const)
    positive(key, config[key]);
  if (!(Number.isInteger(config.depth) && config.depth >= 0)) {
    throw new ConfigError(`${field}.depth: expected an integer >= 0, got ${config.depth}`);
  }
  if (config.width % config.heads !== 0) {
    throw new ConfigError(
      `${field}.width: expected a multiple of heads (${config.heads}), got ${config.width}`,
    );
  }
  if (!(Number.isFinite(config.inputScale) && config.inputScale > 0)) {
    throw new ConfigError(`${field}.inputScale: expected > 0, got ${config.inputScale}`);
  }
  validateWeightInit(config.init, `${field}.init`);
  for (const key of ['residual', 'zeroAnchored'] as const) {
    if (config[key] !== undefined && typeof config[key] !== 'boolean') {
      throw new ConfigError(`${field}.${key}: expected a boolean, got ${String(config[key])}`);
    }
  }
  const step = 2 ** levels;
  config.tile.forEach((size, axis) => {
    if (!(Number.isInteger(size) && size > 0 && size % step === 0)) {
      throw new ConfigError(
        `${field}.tile[${axis}]: expected positive multiples of 2^${levels} ` +
          `(2^L = ${step}, L = ${levels} levels), got ${size}`,
      );
    }
  });
}

/** (row, col) of each token on linspace(-1, 1, size) (0 for a size of 1): [hb * wb, 2], row-major. */
export function tokenCoordinates(hb: number, wb: number): Float32Array {
  const axis = (n: number, i: number): number => (n === 1 ? 0 : -1 + (2 * i) / (n - 1));
  const coords = new Float32Array(hb * wb * 2);
  for (let r = 0; r < hb; r++) {
    for (let c = 0; c < wb; c++) {
      coords[2 * (r * wb + c)] = axis(hb, r);
      coords[2 * (r * wb + c) + 1] = axis(wb, c);
    }
  }
  return coords;
}

/**
 * ONNX export of a ViT-UNet generator: GeneratorConfig + weights in tfjs
 * layouts (models/generator-spec.ts) -> ModelProto bytes, opset 17,
 * IR version 8, the architecture of generator-spec.ts node for node.
 *
 * Graph: input `input` float32 [N, 1, h, w] ADC (N dynamic, [h, w] =
 * config.tile) -> output `output` float32 [N, 1, h, w] ADC; NCHW inside.
 * The input scaling is part of the graph (x * inputScale first,
 * / inputScale last), and so is the global skip of a `residual` config
 * (an Add of the input to that last result), and so is the anchor of a
 * `zeroAnchored` config: a Sub of the un-anchored graph's output for an
 * all-zero tile, given as `zeroResponse` (models/onnx-zero-response.ts
 * computes it) and stored as a [1, 1, h, w] constant. Weights are converted once: conv kernels
 * [kh, kw, in, out] -> [out, in, kh, kw] (permutation [3, 2, 0, 1], no
 * flip); dense kernels [in, out] stay as MatMul operands. 3x3 convs pad
 * 1 pixel on every side, the 2x2 stride-2 ones none; upsampling is Resize
 * nearest x2 (asymmetric coordinates, floor: out[i] = in[floor(i / 2)]).
 *
 * proj_in acts on concat(token, sin(fourier(coords))); the graph splits its
 * kernel rows instead, token @ K[:fL] + (sin(...) @ K[fL:] + bias), which
 * is the same sum without broadcasting the [T, F] embedding over the batch.
 *
 * Metadata (metadata_props): tile_height, tile_width, domains, plane,
 * input_scale, config (canonical JSON), config_hash (sha256 of it), step.
 * Left out: other layouts and dynamic tile sizes (the positional
 * embedding is computed for the one tile size).
 */
import { createHash } from 'node:crypto';

import { ShapeError } from '../sim/errors.js';
import {
  type GeneratorConfig,
  generatorWeightSpecs,
  tokenCoordinates,
  validateGeneratorConfig,
} from './generator-spec.js';
import { OnnxGraphBuilder } from './onnx-graph.js';

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;
export const ONNX_PRODUCER = 'wiregan';

/** LeakyReLU slope of the UNet (generator-spec.ts). */
const LEAKY_SLOPE = 0.01;
/** LayerNorm epsilon of the transformer blocks (generator-spec.ts). */
const LAYER_NORM_EPSILON = 1e-5;

export interface OnnxExportOptions {
  /** Translation direction, e.g. "a->b" (metadata `domains`). */
  readonly domains?: string;
  /** Wire plane the generator was trained on (metadata `plane`). */
  readonly plane?: string;
  /** Training step of the weights (metadata `step`). */
  readonly step?: number;
  /** Graph name (default "generator"). */
  readonly graphName?: string;
  /**
   * ADC [h * w]: the output of the same generator without its anchor for an
   * all-zero tile; required when config.zeroAnchored, refused otherwise.
   */
  readonly zeroResponse?: Float32Array;
}

/** ModelProto bytes of the generator `config` with `weights` (tfjs layouts). */
export function exportGeneratorOnnx(
  config: GeneratorConfig,
  weights: ReadonlyMap<string, Float32Array>,
  options: OnnxExportOptions = {},
): Uint8Array {
  validateGeneratorConfig(config);
  checkWeights(config, weights);
  checkZeroResponse(config, options.zeroResponse);

  const graph = new GeneratorGraph(config, weights, options.zeroResponse);
  graph.build();

  const json = canonicalConfigJson(config);
  const metadata = new Map<string, string>([
    ['tile_height', String(config.tile[0])],
    ['tile_width', String(config.tile[1])],
    ['domains', options.domains ?? ''],
    ['plane', options.plane ?? ''],
    ['input_scale', String(config.inputScale)],
    ['config', json],
    ['config_hash', sha256(json)],
    ['step', options.step === undefined ? '' : String(options.step)],
  ]);
  return graph.builder.encode({
    graphName: options.graphName ?? 'generator',
    producerName: ONNX_PRODUCER,
    opset: ONNX_OPSET,
    irVersion: ONNX_IR_VERSION,
    metadata,
  });
}

/** JSON of the config with keys sorted, no spaces: the text that is hashed. */
export function canonicalConfigJson(config: GeneratorConfig): string {
  const sorted = Object.keys(config)
    .sort()
    .map((key) => [key, config[key as keyof GeneratorConfig]]);
  return JSON.stringify(Object.fromEntries(sorted));
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Every weight of the spec present with its length, and no other. */
function checkWeights(config: GeneratorConfig, weights: ReadonlyMap<string, Float32Array>): void {
  const specs = generatorWeightSpecs(config);
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const weight = weights.get(spec.name);
    if (weight === undefined || weight.length !== count) {
      const got = weight === undefined ? 'no such weight' : `${weight.length} values`;
      throw new ShapeError(
        `generator weight "${spec.name}": expected shape [${spec.shape}] ` +
          `(${count} values), got ${got}`,
      );
    }
  }
  const known = new Set(specs.map((s) => s.name));
  for (const name of weights.keys()) {
    if (!known.has(name)) {
      throw new ShapeError(
        `generator weight "${name}": expected no such weight in this config, got one`,
      );
    }
  }
}

function checkZeroResponse(config: GeneratorConfig, zero: Float32Array | undefined): void {
  const [h, w] = config.tile;
  if (config.zeroAnchored && zero?.length !== h * w) {
    throw new ShapeError(
      `zero-anchored export: expected a zero response of ${h} x ${w} = ${h * w} values, ` +
        `got ${zero === undefined ? 'none' : zero.length}`,
    );
  }
  if (!config.zeroAnchored && zero !== undefined) {
    throw new ShapeError('export: a zero response was given for a generator that is not anchored');
  }
}

/** The generator's nodes, emitted in the order of generator-spec.ts. */
class GeneratorGraph {
  readonly builder = new OnnxGraphBuilder();
  private readonly levels: number;

  constructor(
    private readonly config: GeneratorConfig,
    private readonly weights: ReadonlyMap<string, Float32Array>,
    private readonly zeroResponse?: Float32Array,
  ) {
    this.levels = config.features.length;
  }

  build(): void {
    const b = this.builder;
    const [h, w] = this.config.tile;
    const f = this.config.features;
    const input = b.input('input', ['N', 1, h, w]);
    const scale = b.float('input_scale', [], [this.config.inputScale]);

    let x = b.node('Mul', [input, scale], 'scaled_input');
    x = this.conv('input', x, 3, 1, f[0], true);
    const skips: string[] = [];
    for (let i = 0; i < this.levels; i++) {
      const fin = i === 0 ? f[0] : f[i - 1];
      x = this.conv(`enc${i}/conv1`, x, 3, fin, f[i], true);
      x = this.conv(`enc${i}/conv2`, x, 3, f[i], f[i], true);
      skips.push(x);
      x = this.conv(`enc${i}/down`, x, 2, f[i], f[i], true);
    }
    x = this.bottleneck(x);
    for (let i = this.levels - 1; i >= 0; i--) {
      const cin = i === this.levels - 1 ? f[this.levels - 1] : f[i + 1];
      x = this.upsample(`dec${i}/up`, x);
      x = this.conv(`dec${i}/up`, x, 3, cin, f[i], true);
      x = b.node('Concat', [x, skips[i]], `dec${i}/concat`, { axis: { i: 1 } });
      x = this.conv(`dec${i}/conv1`, x, 3, 2 * f[i], f[i], true);
      x = this.conv(`dec${i}/conv2`, x, 3, f[i], f[i], true);
    }
    x = this.conv('output', x, 1, f[0], 1, false);
    const last = this.zeroResponse !== undefined ? 'unanchored_output' : 'output';
    if (this.config.residual) {
      const correction = b.node('Div', [x, scale], 'correction');
      b.node('Add', [input, correction], last);
    } else {
      b.node('Div', [x, scale], last);
    }
    if (this.zeroResponse !== undefined) {
      const zero = b.float('zero_response', [1, 1, h, w], this.zeroResponse);
      b.node('Sub', [last, zero], 'output');
    }
    b.output('output', ['N', 1, h, w]);
  }

  /** [N, cin, h, w] -> [N, cout, h', w']: 3x3 'same', 2x2 stride 2 or 1x1. */
  private conv(name: string, x: string, k: number, cin: number, cout: number, act: boolean) {
    const b = this.builder;
    const kernel = b.float(
      `${name}/kernel`,
      [cout, cin, k, k],
      convKernel(this.weight(`${name}/kernel`), k, cin, cout),
    );
    const bias = b.float(`${name}/bias`, [cout], this.weight(`${name}/bias`));
    const strided = k === 2;
    const pad = k === 3 ? 1 : 0;
    const y = b.node('Conv', [x, kernel, bias], `${name}/conv`, {
      kernel_shape: { ints: [k, k] },
      strides: { ints: strided ? [2, 2] : [1, 1] },
      pads: { ints: [pad, pad, pad, pad] },
    });
    return act ? b.node('LeakyRelu', [y], `${name}/act`, { alpha: { f: LEAKY_SLOPE } }) : y;
  }

  /** Nearest-neighbour x2: [N, c, h, w] -> [N, c, 2h, 2w]. */
  private upsample(name: string, x: string): string {
    const scales = this.builder.float(`${name}/scales`, [4], [1, 1, 2, 2]);
    return this.builder.node('Resize', [x, '', scales], `${name}/resize`, {
      mode: { s: 'nearest' },
      coordinate_transformation_mode: { s: 'asymmetric' },
      nearest_mode: { s: 'floor' },
    });
  }

  /** The transformer on [N, fL, hb, wb] -> [N, fL, hb, wb]. */
  private bottleneck(x: string): string {
    const b = this.builder;
    const cfg = this.config;
    const fL = cfg.features[this.levels - 1];
    const hb = cfg.tile[0] / 2 ** this.levels;
    const wb = cfg.tile[1] / 2 ** this.levels;

    // [N, fL, hb, wb] -> [N, fL, T] -> [N, T, fL], T = hb * wb row-major.
    const flat = b.node('Reshape', [x, b.int64('vit/tokens_shape', [0, fL, -1])], 'vit/flat');
    let t = b.node('Transpose', [flat], 'vit/tokens', { perm: { ints: [0, 2, 1] } });

    t = this.embed(t, hb, wb);
    for (let j = 0; j < cfg.depth; j++) t = this.block(`vit/block${j}`, t);
    t = this.dense('vit/proj_out', t, cfg.width, fL);

    // [N, T, fL] -> [N, fL, T] -> [N, fL, hb, wb].
    const back = b.node('Transpose', [t], 'vit/untokens', { perm: { ints: [0, 2, 1] } });
    const shape = b.int64('vit/map_shape', [0, fL, hb, wb]);
    return b.node('Reshape', [back, shape], 'vit/map');
  }

  /** proj_in(concat(tokens, sin(fourier(coords)))): [N, T, fL] -> [N, T, width]. */
  private embed(tokens: string, hb: number, wb: number): string {
    const b = this.builder;
    const cfg = this.config;
    const fL = cfg.features[this.levels - 1];
    const ff = cfg.fourierFeatures;

    // coords [T, 2] = (row, col) on linspace(-1, 1) -> sin(coords @ Wf + bf) [T, F].
    const coords = b.float('vit/coords', [hb * wb, 2], tokenCoordinates(hb, wb));
    const phase = this.dense('vit/fourier', coords, 2, ff);
    const fourier = b.node('Sin', [phase], 'vit/fourier/sin');

    // proj_in kernel [fL + F, width] split by rows: tokens first, then the embedding.
    const kernel = this.weight('vit/proj_in/kernel');
    const tokenRows = kernel.subarray(0, fL * cfg.width);
    const fourierRows = kernel.subarray(fL * cfg.width);
    const kt = b.float('vit/proj_in/kernel_tokens', [fL, cfg.width], tokenRows);
    const kf = b.float('vit/proj_in/kernel_fourier', [ff, cfg.width], fourierRows);
    const bias = b.float('vit/proj_in/bias', [cfg.width], this.weight('vit/proj_in/bias'));
    const position = b.node('MatMul', [fourier, kf], 'vit/proj_in/position');
    const offset = b.node('Add', [position, bias], 'vit/proj_in/offset');
    const projected = b.node('MatMul', [tokens, kt], 'vit/proj_in/tokens');
    return b.node('Add', [projected, offset], 'vit/proj_in/out');
  }

  /** Pre-LayerNorm ReZero block: [N, T, width] -> [N, T, width]. */
  private block(name: string, x: string): string {
    const b = this.builder;
    const rezero = b.float(`${name}/rezero`, [], this.weight(`${name}/rezero`));

    const attn = this.attention(`${name}/attn`, this.layerNorm(`${name}/norm1`, x));
    const attnScaled = b.node('Mul', [attn, rezero], `${name}/attn/rezero`);
    const y = b.node('Add', [x, attnScaled], `${name}/attn/residual`);

    const ffn = this.feedForward(`${name}/ffn`, this.layerNorm(`${name}/norm2`, y));
    const ffnScaled = b.node('Mul', [ffn, rezero], `${name}/ffn/rezero`);
    return b.node('Add', [y, ffnScaled], `${name}/ffn/residual`);
  }

  private layerNorm(name: string, x: string): string {
    const b = this.builder;
    const gamma = b.float(`${name}/gamma`, [this.config.width], this.weight(`${name}/gamma`));
    const beta = b.float(`${name}/beta`, [this.config.width], this.weight(`${name}/beta`));
    return b.node('LayerNormalization', [x, gamma, beta], `${name}/out`, {
      axis: { i: -1 },
      epsilon: { f: LAYER_NORM_EPSILON },
    });
  }

  /** Multi-head self-attention: [N, T, width] -> [N, T, width]. */
  private attention(name: string, x: string): string {
    const b = this.builder;
    const { width, heads } = this.config;
    const dh = width / heads;
    const split = b.int64(`${name}/heads_shape`, [0, -1, heads, dh]);

    // [N, T, width] -> [N, T, heads, dh] -> [N, heads, T, dh] (keys [N, heads, dh, T]).
    const perHead = (part: string, perm: number[]): string => {
      const y = this.dense(`${name}/${part}`, x, width, width);
      const r = b.node('Reshape', [y, split], `${name}/${part}/heads`);
      return b.node('Transpose', [r], `${name}/${part}/transposed`, { perm: { ints: perm } });
    };
    const q = perHead('query', [0, 2, 1, 3]);
    const k = perHead('key', [0, 2, 3, 1]);
    const v = perHead('value', [0, 2, 1, 3]);

    // softmax(q k^T / sqrt(dh)) v: [N, heads, T, T] then [N, heads, T, dh].
    const root = b.float(`${name}/sqrt_dh`, [], [Math.sqrt(dh)]);
    const logits = b.node('MatMul', [q, k], `${name}/logits`);
    const scaled = b.node('Div', [logits, root], `${name}/logits_scaled`);
    const weights = b.node('Softmax', [scaled], `${name}/softmax`, { axis: { i: -1 } });
    const mixed = b.node('MatMul', [weights, v], `${name}/mixed`);

    // [N, heads, T, dh] -> [N, T, heads, dh] -> [N, T, width], heads in order.
    const back = b.node('Transpose', [mixed], `${name}/merged`, { perm: { ints: [0, 2, 1, 3] } });
    const joined = b.int64(`${name}/joined_shape`, [0, -1, width]);
    const concat = b.node('Reshape', [back, joined], `${name}/concat`);
    return this.dense(`${name}/out`, concat, width, width);
  }

  /** dense1, exact GELU 0.5 x (1 + erf(x / sqrt 2)), dense2. */
  private feedForward(name: string, x: string): string {
    const b = this.builder;
    const { width, ffn } = this.config;
    const hidden = this.dense(`${name}/dense1`, x, width, ffn);
    const sqrt2 = b.float(`${name}/sqrt2`, [], [Math.SQRT2]);
    const one = b.float(`${name}/one`, [], [1]);
    const half = b.float(`${name}/half`, [], [0.5]);
    const erf = b.node(
      'Erf',
      [b.node('Div', [hidden, sqrt2], `${name}/gelu/div`)],
      `${name}/gelu/erf`,
    );
    const gate = b.node('Add', [erf, one], `${name}/gelu/add`);
    const product = b.node('Mul', [hidden, gate], `${name}/gelu/mul`);
    const gelu = b.node('Mul', [product, half], `${name}/gelu/out`);
    return this.dense(`${name}/dense2`, gelu, ffn, width);
  }

  /** x [..., cin] @ kernel [cin, cout] + bias [cout]. */
  private dense(name: string, x: string, cin: number, cout: number): string {
    const b = this.builder;
    const kernel = b.float(`${name}/kernel`, [cin, cout], this.weight(`${name}/kernel`));
    const bias = b.float(`${name}/bias`, [cout], this.weight(`${name}/bias`));
    const product = b.node('MatMul', [x, kernel], `${name}/matmul`);
    return b.node('Add', [product, bias], `${name}/out`);
  }

  private weight(name: string): Float32Array {
    return this.weights.get(name) as Float32Array;
  }
}

/** tfjs conv kernel [k, k, cin, cout] -> ONNX [cout, cin, k, k] (perm [3, 2, 0, 1]). */
function convKernel(tf: Float32Array, k: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(tf.length);
  for (let ky = 0; ky < k; ky++) {
    for (let kx = 0; kx < k; kx++) {
      for (let i = 0; i < cin; i++) {
        const src = ((ky * k + kx) * cin + i) * cout;
        for (let o = 0; o < cout; o++) {
          out[((o * cin + i) * k + ky) * k + kx] = tf[src + o];
        }
      }
    }
  }
  return out;
}

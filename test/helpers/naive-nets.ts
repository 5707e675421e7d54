/**
 * Plain-JavaScript, float64, loop-by-loop versions of the generator and the
 * discriminator, written from the text of models/generator-spec.ts and
 * models/discriminator.ts: the independent reference for their tfjs
 * forward passes. One image at a time, [h, w, c] row-major.
 */
import type { GeneratorConfig } from '../../models/generator-spec.js';
import { erf } from '../../sim/erf.js';

export interface Image {
  h: number;
  w: number;
  c: number;
  data: Float64Array;
}

type Weights = ReadonlyMap<string, Float32Array>;

const image = (h: number, w: number, c: number): Image => ({
  h,
  w,
  c,
  data: new Float64Array(h * w * c),
});

/** Convolution, kernel [k, k, cin, cout], zero padding `pad` before (and as needed after). */
export function conv(
  x: Image,
  kernel: Float32Array,
  bias: Float32Array | undefined,
  k: number,
  cout: number,
  stride: number,
  pad: number,
  outH: number,
  outW: number,
): Image {
  const y = image(outH, outW, cout);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      for (let co = 0; co < cout; co++) {
        let s = bias ? bias[co] : 0;
        for (let ky = 0; ky < k; ky++) {
          const iy = oy * stride + ky - pad;
          if (iy < 0 || iy >= x.h) continue;
          for (let kx = 0; kx < k; kx++) {
            const ix = ox * stride + kx - pad;
            if (ix < 0 || ix >= x.w) continue;
            for (let ci = 0; ci < x.c; ci++) {
              s +=
                x.data[(iy * x.w + ix) * x.c + ci] * kernel[((ky * k + kx) * x.c + ci) * cout + co];
            }
          }
        }
        y.data[(oy * outW + ox) * cout + co] = s;
      }
    }
  }
  return y;
}

function map(x: Image, f: (v: number) => number): Image {
  return { ...x, data: x.data.map(f) };
}

const leaky = (slope: number) => (v: number) => (v > 0 ? v : slope * v);

/** Rows of a [t, cin] matrix times kernel [cin, cout] plus bias. */
function denseRows(
  x: Float64Array,
  t: number,
  cin: number,
  kernel: Float32Array,
  bias: Float32Array,
): Float64Array {
  const cout = bias.length;
  const y = new Float64Array(t * cout);
  for (let r = 0; r < t; r++) {
    for (let o = 0; o < cout; o++) {
      let s = bias[o];
      for (let i = 0; i < cin; i++) s += x[r * cin + i] * kernel[i * cout + o];
      y[r * cout + o] = s;
    }
  }
  return y;
}

function layerNormRows(
  x: Float64Array,
  t: number,
  c: number,
  gamma: Float32Array,
  beta: Float32Array,
): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < t; r++) {
    let mean = 0;
    for (let i = 0; i < c; i++) mean += x[r * c + i] / c;
    let variance = 0;
    for (let i = 0; i < c; i++) variance += (x[r * c + i] - mean) ** 2 / c;
    for (let i = 0; i < c; i++) {
      y[r * c + i] = ((x[r * c + i] - mean) / Math.sqrt(variance + 1e-5)) * gamma[i] + beta[i];
    }
  }
  return y;
}

function block(
  x: Float64Array,
  t: number,
  cfg: GeneratorConfig,
  w: (n: string) => Float32Array,
): Float64Array {
  const width = cfg.width;
  const dh = width / cfg.heads;
  const dense = (v: Float64Array, cin: number, name: string) =>
    denseRows(v, t, cin, w(`${name}/kernel`), w(`${name}/bias`));
  const rezero = w('rezero')[0];

  const n1 = layerNormRows(x, t, width, w('norm1/gamma'), w('norm1/beta'));
  const q = dense(n1, width, 'attn/query');
  const k = dense(n1, width, 'attn/key');
  const v = dense(n1, width, 'attn/value');
  const joined = new Float64Array(t * width);
  for (let hd = 0; hd < cfg.heads; hd++) {
    for (let i = 0; i < t; i++) {
      const scores = new Float64Array(t);
      for (let j = 0; j < t; j++) {
        let s = 0;
        for (let d = 0; d < dh; d++) s += q[i * width + hd * dh + d] * k[j * width + hd * dh + d];
        scores[j] = s / Math.sqrt(dh);
      }
      const max = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - max));
      const total = e.reduce((a, b) => a + b, 0);
      for (let d = 0; d < dh; d++) {
        let s = 0;
        for (let j = 0; j < t; j++) s += (e[j] / total) * v[j * width + hd * dh + d];
        joined[i * width + hd * dh + d] = s;
      }
    }
  }
  const attn = dense(joined, width, 'attn/out');
  const y = x.map((val, i) => val + rezero * attn[i]);

  const n2 = layerNormRows(y, t, width, w('norm2/gamma'), w('norm2/beta'));
  const hidden = dense(n2, width, 'ffn/dense1').map((u) => 0.5 * u * (1 + erf(u / Math.SQRT2)));
  const ffn = dense(hidden, cfg.ffn, 'ffn/dense2');
  return y.map((val, i) => val + rezero * ffn[i]);
}

/** The generator on one image x [h, w] ADC -> [h, w] ADC. */
export function naiveGenerator(
  cfg: GeneratorConfig,
  weights: Weights,
  x: Float32Array,
): Float64Array {
  const w = (name: string) => weights.get(name) as Float32Array;
  const act = leaky(0.01);
  const [h0, w0] = cfg.tile;
  const c3 = (v: Image, name: string, cout: number) =>
    map(conv(v, w(`${name}/kernel`), w(`${name}/bias`), 3, cout, 1, 1, v.h, v.w), act);
  const f = cfg.features;

  let v: Image = { h: h0, w: w0, c: 1, data: Float64Array.from(x, (a) => a * cfg.inputScale) };
  v = c3(v, 'input', f[0]);
  const skips: Image[] = [];
  for (let i = 0; i < f.length; i++) {
    v = c3(v, `enc${i}/conv1`, f[i]);
    v = c3(v, `enc${i}/conv2`, f[i]);
    skips.push(v);
    v = map(
      conv(v, w(`enc${i}/down/kernel`), w(`enc${i}/down/bias`), 2, f[i], 2, 0, v.h / 2, v.w / 2),
      act,
    );
  }

  const t = v.h * v.w;
  const fL = v.c;
  const F = cfg.fourierFeatures;
  const tokens = new Float64Array(t * (fL + F));
  for (let r = 0; r < v.h; r++) {
    for (let c = 0; c < v.w; c++) {
      const i = r * v.w + c;
      const coord = Float64Array.of(
        v.h === 1 ? 0 : -1 + (2 * r) / (v.h - 1),
        v.w === 1 ? 0 : -1 + (2 * c) / (v.w - 1),
      );
      const emb = denseRows(coord, 1, 2, w('vit/fourier/kernel'), w('vit/fourier/bias'));
      for (let j = 0; j < fL; j++) tokens[i * (fL + F) + j] = v.data[i * fL + j];
      for (let j = 0; j < F; j++) tokens[i * (fL + F) + fL + j] = Math.sin(emb[j]);
    }
  }
  let z = denseRows(tokens, t, fL + F, w('vit/proj_in/kernel'), w('vit/proj_in/bias'));
  for (let j = 0; j < cfg.depth; j++) z = block(z, t, cfg, (n) => w(`vit/block${j}/${n}`));
  v = { ...v, data: denseRows(z, t, cfg.width, w('vit/proj_out/kernel'), w('vit/proj_out/bias')) };

  for (let i = f.length - 1; i >= 0; i--) {
    const up = image(v.h * 2, v.w * 2, v.c);
    for (let r = 0; r < up.h; r++) {
      for (let c = 0; c < up.w; c++) {
        for (let ch = 0; ch < v.c; ch++)
          up.data[(r * up.w + c) * v.c + ch] = v.data[((r >> 1) * v.w + (c >> 1)) * v.c + ch];
      }
    }
    v = c3(up, `dec${i}/up`, f[i]);
    const cat = image(v.h, v.w, 2 * f[i]);
    for (let p = 0; p < v.h * v.w; p++) {
      for (let ch = 0; ch < f[i]; ch++) {
        cat.data[p * 2 * f[i] + ch] = v.data[p * f[i] + ch];
        cat.data[p * 2 * f[i] + f[i] + ch] = skips[i].data[p * f[i] + ch];
      }
    }
    v = c3(cat, `dec${i}/conv1`, f[i]);
    v = c3(v, `dec${i}/conv2`, f[i]);
  }
  const out = conv(v, w('output/kernel'), w('output/bias'), 1, 1, 1, 0, v.h, v.w);
  return out.data.map((a) => a / cfg.inputScale);
}

/**
 * The PatchGAN on one image x [h, w] ADC -> scores [ph, pw]; norm 'none':
 * no instance norms, every convolution with its bias.
 */
export function naiveDiscriminator(
  features: readonly number[],
  inputScale: number,
  weights: Weights,
  x: Float32Array,
  h: number,
  w: number,
  norm: 'instance' | 'none' = 'instance',
): Image {
  const wt = (name: string) => weights.get(name) as Float32Array;
  const sizes = [1, ...features, 1];
  const strides = [2, 2, 2, 1, 1];
  let v: Image = { h, w, c: 1, data: Float64Array.from(x, (a) => a * inputScale) };
  for (let i = 0; i < 5; i++) {
    const plain = i === 0 || i === 4 || norm === 'none';
    const oh = Math.floor((v.h + 2 - 4) / strides[i]) + 1;
    const ow = Math.floor((v.w + 2 - 4) / strides[i]) + 1;
    v = conv(
      v,
      wt(`conv${i}/kernel`),
      plain ? wt(`conv${i}/bias`) : undefined,
      4,
      sizes[i + 1],
      strides[i],
      1,
      oh,
      ow,
    );
    if (!plain) {
      const gamma = wt(`norm${i}/gamma`);
      const beta = wt(`norm${i}/beta`);
      const hw = v.h * v.w;
      for (let ch = 0; ch < v.c; ch++) {
        let mean = 0;
        for (let p = 0; p < hw; p++) mean += v.data[p * v.c + ch] / hw;
        let variance = 0;
        for (let p = 0; p < hw; p++) variance += (v.data[p * v.c + ch] - mean) ** 2 / hw;
        for (let p = 0; p < hw; p++) {
          const u = (v.data[p * v.c + ch] - mean) / Math.sqrt(variance + 1e-5);
          v.data[p * v.c + ch] = u * gamma[ch] + beta[ch];
        }
      }
    }
    if (i < 4) v = map(v, leaky(0.2));
  }
  return v;
}

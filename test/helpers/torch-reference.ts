/**
 * The PyTorch reference generator (bench/reference/vitunet_torch.py) run
 * by Debian's python3-torch: writes a weight file it reads (safetensors
 * layout, tfjs names and layouts, the config in the metadata), runs a
 * forward pass on raw float32 tiles, and exports torch's own ONNX graph.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { type GeneratorConfig, generatorWeightSpecs } from '../../models/generator-spec.js';
import { hasPythonModules, PYTHON } from './python.js';

const SCRIPT = 'bench/reference/vitunet_torch.py';

export const NO_TORCH =
  'python3-torch is not installed for /usr/bin/python3 (apt-get install python3-torch)';

/** True when /usr/bin/python3 can import torch and numpy. */
export function hasPythonTorch(): boolean {
  return hasPythonModules('torch, numpy');
}

/**
 * Writes `weights` to `path`: u64 LE header length, JSON header
 * {name: {dtype: "F32", shape, data_offsets}, __metadata__: {config}},
 * then the float32 LE data in the header's order.
 */
export function writeWeightFile(
  path: string,
  config: GeneratorConfig,
  weights: ReadonlyMap<string, Float32Array>,
): void {
  const shapes = new Map(generatorWeightSpecs(config).map((s) => [s.name, s.shape]));
  const header: Record<string, unknown> = { __metadata__: { config: JSON.stringify(config) } };
  let offset = 0;
  for (const [name, values] of weights) {
    header[name] = {
      dtype: 'F32',
      shape: shapes.get(name),
      data_offsets: [offset, offset + 4 * values.length],
    };
    offset += 4 * values.length;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const file = Buffer.alloc(8 + json.length + offset);
  file.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(file, 8);
  let at = 8 + json.length;
  for (const values of weights.values()) {
    for (let i = 0; i < values.length; i++, at += 4) file.writeFloatLE(values[i], at);
  }
  writeFileSync(path, file);
}

/** The reference output [n, 1, h, w] for tiles [n, 1, h, w] (ADC in and out). */
export function torchForward(dir: string, weightPath: string, tiles: Float32Array): Float32Array {
  const input = join(dir, 'torch-input.f32');
  const output = join(dir, 'torch-output.f32');
  writeFileSync(input, tiles);
  execFileSync(
    PYTHON,
    [SCRIPT, 'forward', '--weights', weightPath, '--input', input, '--output', output],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const bytes = readFileSync(output);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
}

/** torch.onnx.export of the reference at opset 17 into `out`. */
export function torchExport(weightPath: string, out: string): void {
  execFileSync(PYTHON, [SCRIPT, 'export', '--weights', weightPath, '--out', out], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * The zero response of a zero-anchored generator (generator-spec.ts): the
 * output, in ADC, of the same network without its anchor for one all-zero
 * tile, [h * w]. The ONNX export subtracts it as a constant; it is
 * computed here by running the un-anchored export once in onnxruntime, so
 * that the constant comes from the graph it corrects.
 */
import * as ort from 'onnxruntime-node';

import type { GeneratorConfig } from './generator-spec.js';
import { exportGeneratorOnnx } from './onnx-export.js';

/** Output ADC [h * w] of `config` without its anchor for an all-zero [h, w] tile. */
export async function zeroResponse(
  config: GeneratorConfig,
  weights: ReadonlyMap<string, Float32Array>,
): Promise<Float32Array> {
  const [h, w] = config.tile;
  const bytes = exportGeneratorOnnx({ ...config, zeroAnchored: false }, weights);
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  try {
    const input = new ort.Tensor('float32', new Float32Array(h * w), [1, 1, h, w]);
    const { output } = await session.run({ input });
    return Float32Array.from(output.data as Float32Array);
  } finally {
    await session.release();
  }
}

/**
 * A `Translator` over an exported generator in ONNX, run by
 * onnxruntime-node on the CPU.
 *
 * The model has one input named `input`, float32 [n, 1, h, w] with h and w
 * fixed and n dynamic, and one output of the same shape; both are
 * baseline-subtracted ADC. The tile size is read from the input's declared
 * shape. Left out: GPU execution providers and models with other layouts
 * (they are refused with the shape that was found).
 */
import { existsSync } from 'node:fs';

import * as ort from 'onnxruntime-node';

import { ConfigError, FileFormatError, ShapeError } from '../sim/errors.js';
import type { Translator } from './translator.js';

/** Name of the generator's input in exported models. */
export const INPUT_NAME = 'input';

export interface OnnxTranslatorOptions {
  /** Threads inside one operator; 0 lets onnxruntime choose (default), else >= 1. */
  readonly intraOpThreads?: number;
  /** onnxruntime execution providers, best first (default: its CPU provider). */
  readonly executionProviders?: readonly string[];
}

export class OnnxTranslator implements Translator {
  private closed = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly path: string,
    readonly tileHeight: number,
    readonly tileWidth: number,
  ) {}

  /** Loads `path` and checks its input and output are [n, 1, h, w] float32. */
  static async open(path: string, options: OnnxTranslatorOptions = {}): Promise<OnnxTranslator> {
    const threads = options.intraOpThreads ?? 0;
    if (!(Number.isInteger(threads) && threads >= 0)) {
      throw new ConfigError(`intraOpThreads must be an integer >= 0, got ${threads}`);
    }
    if (!existsSync(path)) throw new FileFormatError(path, 'no such ONNX model file');

    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, {
        intraOpNumThreads: threads,
        ...(options.executionProviders && { executionProviders: [...options.executionProviders] }),
      });
    } catch (cause) {
      throw new FileFormatError(path, `cannot load the ONNX model: ${(cause as Error).message}`, {
        cause,
      });
    }
    try {
      const [h, w] = checkSignature(path, session);
      return new OnnxTranslator(session, path, h, w);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  async translate(tiles: Float32Array, n: number): Promise<Float32Array> {
    if (this.closed) throw new ConfigError(`${this.path}: translate after close`);
    const size = this.tileHeight * this.tileWidth;
    if (!(Number.isInteger(n) && n > 0) || tiles.length !== n * size) {
      throw new ShapeError(
        `${this.path}: translate expected [n, h, w] = [${n}, ${this.tileHeight}, ` +
          `${this.tileWidth}] (${n * size} values), got ${tiles.length} values`,
      );
    }

    // [n, h, w] -> [n, 1, h, w]: the same memory.
    const input = new ort.Tensor('float32', tiles, [n, 1, this.tileHeight, this.tileWidth]);
    const results = await this.session.run({ [INPUT_NAME]: input });
    const output = results[this.session.outputNames[0]];
    try {
      if (output.type !== 'float32' || output.data.length !== n * size) {
        throw new ShapeError(
          `${this.path}: expected a float32 output of [${n}, 1, ${this.tileHeight}, ` +
            `${this.tileWidth}], got ${output.type} [${output.dims}]`,
        );
      }
      // [n, 1, h, w] -> [n, h, w]: copied out of the onnxruntime tensor.
      return Float32Array.from(output.data as Float32Array);
    } finally {
      output.dispose();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}

/** [h, w] from an input declared [n, 1, h, w] float32 and a float32 output. */
function checkSignature(path: string, session: ort.InferenceSession): [number, number] {
  if (session.inputNames.length !== 1 || session.inputNames[0] !== INPUT_NAME) {
    const names = session.inputNames.join(', ');
    throw new FileFormatError(path, `expected one input named "${INPUT_NAME}", got [${names}]`);
  }
  if (session.outputNames.length !== 1) {
    throw new FileFormatError(path, `expected one output, got ${session.outputNames.length}`);
  }
  const input = session.inputMetadata[0];
  const shape = input.isTensor ? input.shape : [];
  const [, c, h, w] = shape;
  const fixed = typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0;
  if (!input.isTensor || input.type !== 'float32' || shape.length !== 4 || c !== 1 || !fixed) {
    const got = input.isTensor ? `${input.type} [${shape}]` : 'a non-tensor value';
    throw new FileFormatError(
      path,
      `expected input float32 [n, 1, h, w], h and w fixed, got ${got}`,
    );
  }
  const output = session.outputMetadata[0];
  const [, , oh, ow] = output.isTensor ? output.shape : [];
  const declared = typeof oh === 'number' && typeof ow === 'number';
  if (!output.isTensor || output.type !== 'float32' || (declared && (oh !== h || ow !== w))) {
    const got = output.isTensor ? `${output.type} [${output.shape}]` : 'a non-tensor value';
    throw new FileFormatError(path, `expected output float32 [n, 1, ${h}, ${w}], got ${got}`);
  }
  return [h as number, w as number];
}

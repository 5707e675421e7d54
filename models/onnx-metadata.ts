/**
 * The metadata of an exported generator (ONNX `metadata_props`, written
 * by models/onnx-export.ts): tile size, translation direction (`domains`,
 * e.g. "a->b"), wire plane, input scaling, config and its hash, step.
 *
 * Models from elsewhere may carry none of it; callers check only the keys
 * that are present. The whole model is decoded (onnx-proto), which takes
 * about a second for the published 130 MB generator.
 */
import fs from 'node:fs';

import onnxProto from 'onnx-proto';

import { FileFormatError } from '../sim/errors.js';

const { onnx } = onnxProto;

/** metadata_props of the ONNX model at `path`, key -> value. */
export function readOnnxMetadata(path: string): Map<string, string> {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(fs.readFileSync(path));
  } catch (cause) {
    throw new FileFormatError(path, `not a readable ONNX model: ${(cause as Error).message}`, {
      cause,
    });
  }
  return new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
}

/** The domain a model translates into ("a->b" -> "b"), or null when unrecorded. */
export function targetDomain(metadata: ReadonlyMap<string, string>): string | null {
  const domains = metadata.get('domains');
  const match = domains === undefined ? null : /^\s*(\w+)\s*->\s*(\w+)\s*$/.exec(domains);
  return match ? match[2] : null;
}

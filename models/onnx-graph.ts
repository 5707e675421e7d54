/**
 * A small builder of ONNX models over onnx-proto (protobufjs with the
 * official ONNX schema): named float32 and int64 initializers, nodes of
 * the default domain, float32 graph inputs and outputs with symbolic or
 * fixed dimensions, and string metadata. `encode` returns the ModelProto
 * bytes.
 *
 * Every tensor name is unique in the graph; reusing one is a ConfigError,
 * so that a typo cannot silently rewire the graph. Float initializers are
 * written as little-endian raw data, as the ONNX format requires.
 * Left out: other element types, subgraphs, functions, training info.
 */
import onnxProto from 'onnx-proto';

import { ConfigError } from '../sim/errors.js';

const { onnx } = onnxProto;

/** An attribute value, tagged like the ONNX AttributeProto field it fills. */
export type OnnxAttribute =
  | { readonly f: number }
  | { readonly i: number }
  | { readonly s: string }
  | { readonly ints: readonly number[] };

/** A graph input or output dimension: fixed size or a symbolic name. */
export type OnnxDim = number | string;

export interface OnnxModelInfo {
  readonly graphName: string;
  readonly producerName: string;
  readonly opset: number;
  readonly irVersion: number;
  /** Stored as metadata_props, in insertion order. */
  readonly metadata: ReadonlyMap<string, string>;
}

export class OnnxGraphBuilder {
  private readonly names = new Set<string>();
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];

  /** Declares a float32 graph input of shape `dims`; returns its name. */
  input(name: string, dims: readonly OnnxDim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Declares the existing tensor `name` a float32 graph output of shape `dims`. */
  output(name: string, dims: readonly OnnxDim[]): void {
    if (!this.names.has(name)) throw new ConfigError(`ONNX graph output "${name}" is not produced`);
    this.outputs.push(valueInfo(name, dims));
  }

  /** A float32 initializer [dims] from row-major `values`; returns its name. */
  float(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (values.length !== count) {
      throw new ConfigError(
        `ONNX initializer "${name}": expected [${dims}] (${count} values), got ${values.length}`,
      );
    }
    this.claim(name);
    this.initializers.push({
      name,
      dataType: onnx.TensorProto.DataType.FLOAT,
      dims: [...dims],
      rawData: littleEndianFloat32(values),
    });
    return name;
  }

  /** An int64 initializer of shape [values.length]; returns its name. */
  int64(name: string, values: readonly number[]): string {
    this.claim(name);
    this.initializers.push({
      name,
      dataType: onnx.TensorProto.DataType.INT64,
      dims: [values.length],
      int64Data: [...values],
    });
    return name;
  }

  /**
   * A node `op(inputs) -> output` of the default domain; an empty input
   * name marks an omitted optional input. Returns `output`.
   */
  node(
    op: string,
    inputs: readonly string[],
    output: string,
    attributes: Readonly<Record<string, OnnxAttribute>> = {},
  ): string {
    for (const input of inputs) {
      if (input !== '' && !this.names.has(input)) {
        throw new ConfigError(`ONNX node ${op} -> "${output}": unknown input "${input}"`);
      }
    }
    this.claim(output);
    this.nodes.push({
      name: output,
      opType: op,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return output;
  }

  /** The ModelProto bytes. */
  encode(info: OnnxModelInfo): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: info.irVersion,
      producerName: info.producerName,
      opsetImport: [{ domain: '', version: info.opset }],
      metadataProps: [...info.metadata].map(([key, value]) => ({ key, value })),
      graph: {
        name: info.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private claim(name: string): void {
    if (name === '' || this.names.has(name)) {
      throw new ConfigError(`ONNX tensor name "${name}" is empty or already used`);
    }
    this.names.add(name);
  }
}

function valueInfo(name: string, dims: readonly OnnxDim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

function attribute(name: string, value: OnnxAttribute): onnxProto.onnx.IAttributeProto {
  const types = onnx.AttributeProto.AttributeType;
  if ('f' in value) return { name, type: types.FLOAT, f: value.f };
  if ('i' in value) return { name, type: types.INT, i: value.i };
  if ('s' in value) return { name, type: types.STRING, s: new TextEncoder().encode(value.s) };
  return { name, type: types.INTS, ints: [...value.ints] };
}

/** float32 values as little-endian bytes, whatever the platform's byte order. */
function littleEndianFloat32(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return bytes;
}

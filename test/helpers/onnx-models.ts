/**
 * Tiny ONNX models for tests, written by Debian's python3-onnx:
 * y = scale * x + offset over an input [N, 1, h, w] float32.
 */
import { execFileSync } from 'node:child_process';

import { hasPythonModules, PYTHON } from './python.js';

const SCRIPT = `
import sys, onnx
from onnx import helper, TensorProto
path, h, w, scale, offset, name = sys.argv[1:7]
h, w = int(h), int(w)
x = helper.make_tensor_value_info(name, TensorProto.FLOAT, ['N', 1, h, w])
y = helper.make_tensor_value_info('output', TensorProto.FLOAT, ['N', 1, h, w])
consts = [helper.make_tensor('scale', TensorProto.FLOAT, [], [float(scale)]),
          helper.make_tensor('offset', TensorProto.FLOAT, [], [float(offset)])]
nodes = [helper.make_node('Mul', [name, 'scale'], ['scaled']),
         helper.make_node('Add', ['scaled', 'offset'], ['output'])]
graph = helper.make_graph(nodes, 'affine', [x], [y], initializer=consts)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
model.ir_version = 8
helper.set_model_props(model, {'tile_height': str(h), 'tile_width': str(w)})
onnx.checker.check_model(model, full_check=True)
onnx.save(model, path)
`;

/** True when /usr/bin/python3 can import onnx (Debian python3-onnx). */
export function hasPythonOnnx(): boolean {
  return hasPythonModules('onnx');
}

export const NO_ONNX = 'python3-onnx is not installed for /usr/bin/python3 (make pydeps)';

/** Writes y = scale * x + offset for tiles h x w to `path`. */
export function writeAffineModel(
  path: string,
  h: number,
  w: number,
  scale: number,
  offset: number,
  inputName = 'input',
): void {
  const args = [path, h, w, scale, offset, inputName].map(String);
  execFileSync(PYTHON, ['-c', SCRIPT, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

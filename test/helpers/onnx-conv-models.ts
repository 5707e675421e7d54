/**
 * Non-pointwise ONNX models for translation tests, written by Debian's
 * python3-onnx:
 * - a 3x3 box blur (Conv, weights 1/9, zero padding 1) over an input
 *   [N, 1, h, w]: y[i, j] = mean of x over the 3x3 neighbourhood, zeros
 *   outside the tile, so a tile's edge pixels differ from a blur of the
 *   whole frame;
 * - a 2x2 average pool (stride 2) declared [N, 1, h, w] in and with free
 *   output dims, returning [N, 1, h/2, w/2]: a model whose output is the
 *   wrong size.
 */
import { execFileSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import sys, onnx
from onnx import helper, TensorProto
kind, path, h, w = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
x = helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', 1, h, w])
if kind == 'blur':
    y = helper.make_tensor_value_info('output', TensorProto.FLOAT, ['N', 1, h, w])
    k = helper.make_tensor('kernel', TensorProto.FLOAT, [1, 1, 3, 3], [1.0 / 9] * 9)
    nodes = [helper.make_node('Conv', ['input', 'kernel'], ['output'], pads=[1, 1, 1, 1])]
    inits = [k]
else:
    y = helper.make_tensor_value_info('output', TensorProto.FLOAT, ['N', 1, 'oh', 'ow'])
    nodes = [helper.make_node('AveragePool', ['input'], ['output'], kernel_shape=[2, 2], strides=[2, 2])]
    inits = []
graph = helper.make_graph(nodes, kind, [x], [y], initializer=inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
model.ir_version = 8
onnx.checker.check_model(model, full_check=True)
onnx.save(model, path)
`;

/** Writes the 3x3 box blur for tiles h x w to `path`. */
export function writeBoxBlurModel(path: string, h: number, w: number): void {
  execFileSync(PYTHON, ['-c', SCRIPT, 'blur', path, String(h), String(w)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Writes a model taking [N, 1, h, w] and returning [N, 1, h/2, w/2]. */
export function writeHalvingModel(path: string, h: number, w: number): void {
  execFileSync(PYTHON, ['-c', SCRIPT, 'pool', path, String(h), String(w)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** The 3x3 box blur of a whole frame [rows, cols] with zeros outside it. */
export function boxBlur(frame: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const [rr, cc] = [r + dr, c + dc];
          if (rr >= 0 && rr < rows && cc >= 0 && cc < cols) s += frame[rr * cols + cc];
        }
      }
      out[r * cols + c] = s / 9;
    }
  }
  return out;
}

/**
 * Choosing the TensorFlow.js backend that training and inference run on.
 *
 * Best first: `tensorflow-gpu` (@tensorflow/tfjs-node-gpu, CUDA),
 * `tensorflow` (@tensorflow/tfjs-node), `wasm` (@tensorflow/tfjs-backend-wasm,
 * SIMD, with the training kernels of models/wasm-kernels.ts), `cpu` (plain
 * JavaScript, for small correctness tests only). The native packages are
 * optional dependencies: a failed import means "not available". Left out:
 * wasm threads (tfjs disables them in Node).
 */
import { createRequire } from 'node:module';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { register as registerCjsLoader } from 'tsx/cjs/api';

import { ConfigError } from '../sim/errors.js';
import { registerComparisonGradients, registerWasmTrainingKernels } from './wasm-kernels.js';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** Backends in order of preference, best first. */
export const BACKEND_ORDER: readonly BackendName[] = [
  'tensorflow-gpu',
  'tensorflow',
  'wasm',
  'cpu',
];

/** The npm package that provides each native backend. */
const NATIVE_PACKAGES: Partial<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

/** tfjs's own name for a backend: both native packages register 'tensorflow'. */
function tfjsName(name: BackendName): string {
  return name === 'tensorflow-gpu' ? 'tensorflow' : name;
}

/**
 * Registers tfjs-core's gradient functions, which its Node bundle leaves
 * out. They ship only as ES modules with extensionless imports, which
 * Node's ES loader refuses; they are loaded through require with tsx's
 * CommonJS loader (a dependency of the project) for the time of the call.
 * Gradients live in a registry global to the process, so this copy's
 * registrations serve the bundle's engine.
 */
function registerAllGradients(): void {
  if (tf.getGradient('Sum') !== undefined) return;
  const unregister = registerCjsLoader();
  try {
    createRequire(import.meta.url)('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  } finally {
    unregister();
  }
}

let nativeLoaded: BackendName | undefined;

/** Tries to make `name` the active backend; returns the reason when it cannot. */
async function tryBackend(name: BackendName): Promise<string | undefined> {
  const pkg = NATIVE_PACKAGES[name];
  if (pkg !== undefined) {
    if (nativeLoaded !== undefined && nativeLoaded !== name) {
      return `${nativeLoaded} is already loaded in this process`;
    }
    try {
      await import(pkg);
      nativeLoaded = name;
    } catch (cause) {
      return `cannot import ${pkg}: ${(cause as Error).message.split('\n')[0]}`;
    }
  }
  // Production mode: fewer checks and no console notices from the backends.
  tf.enableProdMode();
  registerAllGradients();
  if (name === 'wasm') registerWasmTrainingKernels();
  try {
    const ok = await tf.setBackend(tfjsName(name));
    if (!ok) return `tfjs could not initialise the ${name} backend`;
  } catch (cause) {
    return (cause as Error).message;
  }
  await tf.ready();
  registerComparisonGradients();
  return undefined;
}

/**
 * Loads the forced backend, or the best that loads, and returns which one
 * runs. A forced backend that cannot load is a ConfigError naming it and
 * the reason.
 */
export async function initBackend(forced?: BackendName): Promise<BackendName> {
  if (forced !== undefined) {
    if (!BACKEND_ORDER.includes(forced)) {
      throw new ConfigError(`backend: expected one of ${BACKEND_ORDER.join(', ')}, got ${forced}`);
    }
    const reason = await tryBackend(forced);
    if (reason !== undefined) {
      throw new ConfigError(`backend ${forced} is not available: ${reason}`);
    }
    return forced;
  }
  const reasons: string[] = [];
  for (const name of BACKEND_ORDER) {
    const reason = await tryBackend(name);
    if (reason === undefined) return name;
    reasons.push(`${name}: ${reason}`);
  }
  throw new ConfigError(`no TensorFlow.js backend loads (${reasons.join('; ')})`);
}

/**
 * Opens an exported generator (ONNX) as a `Translator` on the chosen
 * device and thread layout:
 * - cpu, `workers` >= 1: a pool of worker threads, each with a 1-thread
 *   session (pipeline/translate-pool.ts), the default with 2 workers;
 * - cpu, `workers` = 0: one session in this thread with `threads`
 *   intra-op threads (models/onnx-translator.ts);
 * - cuda: one session with onnxruntime's CUDA execution provider. Only
 *   where onnxruntime-node's CUDA provider libraries are installed (its
 *   install step with `--onnxruntime-node-install=cuda12`; this project
 *   skips it by default); otherwise a ConfigError says so, before any
 *   work.
 *
 * The model must take and return float32 [n, 1, h, w], h and w fixed, n
 * free (checked by OnnxTranslator.open for every device).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { readOnnxMetadata, targetDomain } from '../models/onnx-metadata.js';
import { OnnxTranslator } from '../models/onnx-translator.js';
import type { Translator } from '../models/translator.js';
import { ConfigError } from '../sim/errors.js';
import { PoolTranslator } from './translate-pool.js';

export type Device = 'cpu' | 'cuda';
export const DEVICES: readonly Device[] = ['cpu', 'cuda'];

export interface TranslatorOptions {
  readonly device: Device;
  /** Worker threads with a 1-thread session each; 0 = one session here. */
  readonly workers: number;
  /** Intra-op threads of the in-thread session (workers = 0); 0 = onnxruntime's choice. */
  readonly threads: number;
  /** Domain the output is labelled as; must be the model's recorded target, if any. */
  readonly domain?: string;
  /** Plane asked for (a name, `all` or `auto`); a named one must be the model's recorded plane, if any. */
  readonly plane?: string;
  /** The model's metadata when the caller has read it already (models/onnx-metadata.ts). */
  readonly metadata?: ReadonlyMap<string, string>;
}

/** The install hint for the CUDA execution provider. */
export const CUDA_INSTALL_HINT =
  'the CUDA libraries are not installed: reinstall onnxruntime-node with ' +
  '`npm install onnxruntime-node --onnxruntime-node-install=cuda12` on a machine with CUDA 12';

export async function openTranslator(
  model: string,
  options: TranslatorOptions,
): Promise<Translator> {
  const { device, workers, threads } = options;
  if (!DEVICES.includes(device)) {
    throw new ConfigError(`--device must be one of ${DEVICES.join(', ')}, got "${device}"`);
  }
  if (!(Number.isInteger(workers) && workers >= 0 && Number.isInteger(threads) && threads >= 0)) {
    throw new ConfigError(
      `workers and threads must be integers >= 0, got ${workers} and ${threads}`,
    );
  }
  const metadata = options.metadata ?? (existsSync(model) ? readOnnxMetadata(model) : undefined);
  if (metadata) checkModelMetadata(model, metadata, options);
  if (device === 'cuda') return openCudaTranslator(model);
  if (workers > 0) return PoolTranslator.open(model, workers);
  return OnnxTranslator.open(model, { intraOpThreads: threads });
}

/**
 * Refuses a model whose recorded direction (metadata `domains`) ends in
 * another domain than the output is labelled with, or whose recorded
 * plane differs from a named `--plane`: both would write a mislabelled
 * file. Models without the metadata pass.
 */
function checkModelMetadata(
  model: string,
  metadata: ReadonlyMap<string, string>,
  options: TranslatorOptions,
): void {
  const target = targetDomain(metadata);
  if (options.domain !== undefined && target !== null && target !== options.domain) {
    throw new ConfigError(
      `${model} translates ${metadata.get('domains')}, but --domain is ${options.domain}: ` +
        `expected --domain ${target} (or the other generator of the run)`,
    );
  }
  const plane = metadata.get('plane');
  const asked = options.plane;
  if (plane && asked !== undefined && asked !== 'all' && asked !== 'auto' && asked !== plane) {
    throw new ConfigError(
      `${model} was trained on plane ${plane}, but --plane is ${asked}: expected --plane ${plane}`,
    );
  }
}

/** True when onnxruntime-node's CUDA provider library is on disk. */
export function cudaProviderInstalled(): boolean {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  const folder = path.join(
    path.dirname(entry),
    '..',
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
  );
  return existsSync(path.join(folder, 'libonnxruntime_providers_cuda.so'));
}

/**
 * One session on the CUDA execution provider: the model is first checked
 * on the CPU (a bad file is a FileFormatError), then a provider that does
 * not load is a ConfigError with the install hint.
 */
async function openCudaTranslator(model: string): Promise<Translator> {
  await (await OnnxTranslator.open(model, { intraOpThreads: 1 })).close();
  if (!cudaProviderInstalled()) {
    throw new ConfigError(
      `--device cuda: onnxruntime-node has no CUDA provider; ${CUDA_INSTALL_HINT}`,
    );
  }
  try {
    return await OnnxTranslator.open(model, { executionProviders: ['cuda'] });
  } catch (cause) {
    const reason = (cause as Error).message.split('\n')[0];
    throw new ConfigError(
      `--device cuda: the CUDA provider did not load (${reason}); ${CUDA_INSTALL_HINT}`,
      { cause },
    );
  }
}

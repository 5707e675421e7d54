/**
 * Entry of a plain worker thread (node:worker_threads, not piscina) whose
 * code is written in TypeScript: registers tsx's ESM hooks in this thread,
 * then loads the module whose file URL is `workerData.module`; that module
 * talks to its parent through `parentPort` itself.
 *
 * Node 20 does not apply `--import tsx` given in a worker's `execArgv`
 * (pipeline/tsxworker.mjs does the same for piscina workers).
 */
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);

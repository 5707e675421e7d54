/**
 * Piscina worker entry for a handler written in TypeScript: registers
 * tsx's ESM hooks in this worker thread, then loads the module whose file
 * URL is `workerData.module` and exports its default handler.
 *
 * Node 20 does not apply `--import tsx` given in a worker's `execArgv`,
 * and piscina's fallback (tsx's CommonJS hook) cannot load a module that
 * imports an ESM-only package such as h5wasm; registering here works for
 * both.
 */
import { workerData } from 'piscina';
import { register } from 'tsx/esm/api';

register();
const handler = await import(workerData.module);

export default handler.default;

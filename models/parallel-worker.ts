/**
 * The worker thread of ParallelCycleGan (models/parallel-cyclegan.ts): a
 * full CycleGan replica and one domain's part of every step, driven by
 * request messages from the training thread, one at a time in arrival
 * order. Each request has an id; each reply carries it, with either the
 * value or the error's name and message.
 *
 * `gradients` replies with the generator gradients of the domain's terms,
 * then, before the next request is read, updates the discriminator that
 * judged them (the other domain's) on the fakes just made; `apply` adds
 * the summed gradients to the generators and replies with that update's
 * losses. Typed arrays in replies are transferred, not copied.
 */
import { parentPort } from 'node:worker_threads';

import type { TileBatch } from '../pipeline/batches.js';
import { initBackend, type BackendName } from './backend.js';
import {
  CycleGan,
  type CycleGanConfig,
  type CycleGanLosses,
  type CycleGanState,
  type Domain,
} from './cyclegan.js';
import { transferables } from './parallel-cyclegan.js';
import { VitUnetTranslator } from './vitunet-translator.js';

export type WorkerRequest =
  | { method: 'init'; backend: BackendName; config: CycleGanConfig; seed: number; domain: Domain }
  | { method: 'gradients'; batch: TileBatch; discLr: number }
  | { method: 'apply'; gradients: Map<string, Float32Array>; genLr: number }
  | { method: 'state' }
  | { method: 'restore'; state: CycleGanState }
  | { method: 'setGenerators'; weights: Map<string, Float32Array> }
  | { method: 'translate'; which: 'gab' | 'gba'; tiles: Float32Array; n: number };

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; name: string; message: string };

const port = parentPort!;
let gan: CycleGan | undefined;
let domain: Domain = 'a';
/** The losses of the discriminator update that followed the last `gradients`, or its error. */
let discriminator: { losses: CycleGanLosses } | { error: unknown } | undefined;

const other = (d: Domain): Domain => (d === 'a' ? 'b' : 'a');

function reply(id: number, value: unknown): void {
  port.postMessage({ id, ok: true, value } satisfies WorkerReply, transferables(value));
}

async function handle(id: number, request: WorkerRequest): Promise<void> {
  if (request.method === 'init') {
    await initBackend(request.backend);
    gan = CycleGan.create(request.config, request.seed);
    domain = request.domain;
    return reply(id, null);
  }
  if (gan === undefined) throw new Error(`${request.method} before init`);
  switch (request.method) {
    case 'gradients': {
      const { gradients, fakes, losses } = gan.generatorGradients(request.batch, domain);
      reply(id, { gradients, losses });
      try {
        const update = gan.discriminatorUpdate(request.batch, other(domain), fakes, request.discLr);
        discriminator = { losses: update };
      } catch (error) {
        discriminator = { error };
      }
      return;
    }
    case 'apply': {
      const done = discriminator;
      discriminator = undefined;
      if (done === undefined) throw new Error('apply without gradients');
      if ('error' in done) throw done.error;
      gan.applyGeneratorGradients(request.gradients, request.genLr);
      return reply(id, done.losses);
    }
    case 'state':
      return reply(id, gan.state());
    case 'restore':
      gan.restore(request.state);
      return reply(id, null);
    case 'setGenerators':
      gan.genAB.setWeights(request.weights);
      gan.genBA.setWeights(request.weights);
      return reply(id, null);
    case 'translate': {
      const generator = request.which === 'gab' ? gan.genAB : gan.genBA;
      const tiles = await new VitUnetTranslator(generator).translate(request.tiles, request.n);
      return reply(id, tiles);
    }
  }
}

let queue = Promise.resolve();
port.on('message', ({ id, request }: { id: number; request: WorkerRequest }) => {
  queue = queue.then(() =>
    handle(id, request).catch((error: unknown) => {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ id, ok: false, name, message } satisfies WorkerReply);
    }),
  );
});

/**
 * Piscina worker of the translator pool: each worker thread opens the
 * ONNX model once (a 1-thread onnxruntime session) and translates the
 * tiles it is sent. The tile buffer arrives transferred and the result
 * goes back transferred.
 *
 * Input: model path, tiles float32 [n, h, w], n. Output: the translated
 * tiles [n, h, w], or the error's class name and message (typed errors do
 * not survive the thread boundary; the pool rebuilds them).
 */
import { Piscina } from 'piscina';

import { OnnxTranslator } from '../models/onnx-translator.js';

export interface TranslateTask {
  readonly model: string;
  readonly tiles: Float32Array;
  readonly n: number;
}

export type TranslateReply =
  | { readonly ok: true; readonly tiles: Float32Array }
  | { readonly ok: false; readonly name: string; readonly message: string };

let translator: Promise<OnnxTranslator> | undefined;
let modelPath: string | undefined;

async function translatorFor(model: string): Promise<OnnxTranslator> {
  if (modelPath !== model) {
    await (await translator?.catch(() => undefined))?.close();
    modelPath = model;
    translator = OnnxTranslator.open(model, { intraOpThreads: 1 });
  }
  return translator!;
}

export default async function translateTiles(task: TranslateTask): Promise<TranslateReply> {
  try {
    const tiles = await (await translatorFor(task.model)).translate(task.tiles, task.n);
    const reply = { ok: true as const, tiles };
    const movable = {
      get [Piscina.transferableSymbol]() {
        return [tiles.buffer];
      },
      get [Piscina.valueSymbol]() {
        return reply;
      },
    };
    return Piscina.move(movable as never) as unknown as TranslateReply;
  } catch (error) {
    const e = error as Error;
    return { ok: false, name: e.name ?? 'Error', message: e.message ?? String(error) };
  }
}

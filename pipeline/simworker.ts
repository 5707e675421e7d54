/**
 * Piscina worker of `runSimulation`: renders one event per task. The
 * run-wide inputs (field responses, noise spectra, depos) are built once
 * per worker, on its first task, and kept for the run.
 */
import { Piscina } from 'piscina';
import type { SimulatedEvent } from '../sim/event.js';
import { simulateEvent, type EventInputs } from '../sim/event.js';
import type { SimConfig } from '../sim/simconfig.js';
import { loadDetector } from './presets.js';
import { loadEventInputs } from './siminputs.js';

export interface SimulateTask {
  readonly detector: string;
  readonly config: SimConfig;
  readonly seed: number;
  readonly event: number;
}

let cached: { key: string; inputs: EventInputs } | undefined;

function inputsFor(task: SimulateTask): EventInputs {
  const key = JSON.stringify([task.detector, task.config]);
  if (cached?.key !== key) {
    cached = { key, inputs: loadEventInputs(loadDetector(task.detector), task.config) };
  }
  return cached.inputs;
}

export default function simulateTask(task: SimulateTask) {
  const result: SimulatedEvent = simulateEvent(inputsFor(task), task.seed, task.event);
  const buffers = result.planes.flatMap((p) => [p.nearest.buffer, p.multiwire.buffer]);
  // The frames' buffers move to the main thread instead of being copied.
  const transferable = {
    get [Piscina.transferableSymbol]() {
      return buffers;
    },
    get [Piscina.valueSymbol]() {
      return result;
    },
  };
  return Piscina.move(transferable as never) as unknown as SimulatedEvent;
}

/**
 * Piscina worker of `runSimulation`: renders one event per task. The
 * run-wide inputs (field responses, noise spectra, depos) are loaded and
 * checked once in the main thread and travel with each task: they are a
 * few MB of typed arrays, cloned in about a millisecond.
 */
import { Piscina } from 'piscina';
import type { SimulatedEvent } from '../sim/event.js';
import { simulateEvent, type EventInputs } from '../sim/event.js';

export interface SimulateTask {
  readonly inputs: EventInputs;
  readonly seed: number;
  readonly event: number;
}

export default function simulateTask(task: SimulateTask) {
  const result: SimulatedEvent = simulateEvent(task.inputs, task.seed, task.event);
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

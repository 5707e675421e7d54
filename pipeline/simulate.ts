/**
 * The simulation job: resolves the config, renders events (in this thread
 * or in a piscina pool) and writes them, in event order, to an HDF5 event
 * file with an Arrow truth table beside it. Both outputs appear only when
 * complete.
 */
import { Piscina } from 'piscina';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mergeConfig } from '../sim/config.js';
import type { Detector } from '../sim/detector.js';
import { ConfigError, FileFormatError, WireganError } from '../sim/errors.js';
import { simulateEvent, type EventInputs, type SimulatedEvent } from '../sim/event.js';
import { DEFAULT_SIM, type SimConfig } from '../sim/simconfig.js';
import { EventFileWriter, type EventFrame } from './eventfile.js';
import { loadDetector } from './presets.js';
import { loadEventInputs } from './siminputs.js';
import type { SimulateTask } from './simworker.js';
import { writeTruth, type TruthRow } from './truth.js';

export interface SimulateJob {
  /** Detector preset name or JSON path. */
  readonly detector: string;
  readonly events: number;
  readonly firstEvent: number;
  readonly seed: number;
  /** Worker threads; 1 renders in this thread. */
  readonly workers: number;
  /** Event file path; the truth goes to `truthPath(out)`. */
  readonly out: string;
  readonly force: boolean;
  /** Simulation preset (data/presets/<name>.json), applied before overrides. */
  readonly preset?: string;
  /** Input files; each, when given, overrides the config's. */
  readonly files: {
    readonly depoFile?: string;
    readonly fieldResponse?: string;
    readonly nearestFieldResponse?: string;
    readonly noiseSpectra?: string;
  };
  /** Config overrides, checked against DEFAULT_SIM. */
  readonly overrides: Record<string, unknown>;
}

export interface SimulateSummary {
  readonly eventFile: string;
  readonly truthFile: string;
  readonly events: number;
  readonly detector: string;
}

/** `events.h5` -> `events.truth.arrow`. */
export function truthPath(eventFile: string): string {
  return eventFile.replace(/(\.h5|\.hdf5)?$/, '.truth.arrow');
}

/** The config of a job: defaults, then preset, files and overrides. */
export function resolveSimConfig(job: SimulateJob): SimConfig {
  let config = DEFAULT_SIM;
  if (job.preset) config = mergeConfig(config, readPreset(job.preset), `preset ${job.preset}`);
  config = mergeConfig(config, job.overrides, 'config overrides');
  const { depoFile, fieldResponse, nearestFieldResponse, noiseSpectra } = job.files;
  if (noiseSpectra && !config.noise.enabled) {
    const why = job.preset ? `the ${job.preset} preset or the overrides` : 'the overrides';
    throw new ConfigError(
      `--noise-spectra ${noiseSpectra}: noise is switched off by ${why} (--no-noise or ` +
        'noise.enabled = false), so the spectra would be ignored; drop the file or set ' +
        'noise.enabled=true',
    );
  }
  return mergeConfig(
    config,
    {
      source: depoFile ? { kind: 'depos', depoFile } : undefined,
      field: { multiwire: fieldResponse, nearest: nearestFieldResponse },
      noise: noiseSpectra ? { source: noiseSpectra } : undefined,
    },
    'input files',
  );
}

/** Runs the job; `onProgress(done)` is called after each written event. */
export async function runSimulation(
  job: SimulateJob,
  onProgress: (done: number) => void = () => {},
): Promise<SimulateSummary> {
  checkJob(job);
  const detector = loadDetector(job.detector);
  const config = resolveSimConfig(job);
  const truthFile = truthPath(job.out);
  refuseExisting([job.out, truthFile], job.force);
  const inputs = loadEventInputs(detector, config);

  const header = { detector, config, seed: job.seed, version: packageVersion() };
  const writer = await EventFileWriter.create(job.out, header, { force: job.force });
  const render = job.workers > 1 ? pooledRenderer(job, inputs) : inlineRenderer(job, inputs);
  const truth: TruthRow[] = [];
  try {
    let done = 0;
    for await (const result of render.events()) {
      writer.writeEvent(result.event, eventFrames(detector, result));
      result.primaries.forEach((p, index) => truth.push({ ...p, event: result.event, index }));
      onProgress(++done);
    }
    await writeTruth(truthFile, truth, { force: job.force });
  } catch (error) {
    writer.abort();
    throw error;
  } finally {
    await render.close();
  }
  try {
    writer.close();
  } catch (error) {
    // No truth table without its event file.
    rmSync(truthFile, { force: true });
    throw error;
  }
  return { eventFile: job.out, truthFile, events: job.events, detector: detector.name };
}

function checkJob(job: SimulateJob): void {
  const minimum = { events: 1, firstEvent: 0, seed: 0, workers: 1 } as const;
  for (const [key, min] of Object.entries(minimum)) {
    const value = job[key as keyof typeof minimum];
    if (!Number.isSafeInteger(value) || value < min) {
      throw new ConfigError(`simulate: ${key} must be an integer >= ${min}, got ${value}`);
    }
  }
}

/** Refuses to start when an output exists, unless `force`. */
function refuseExisting(paths: string[], force: boolean): void {
  if (force) return;
  for (const path of paths) {
    if (existsSync(path)) {
      throw new FileFormatError(path, 'output exists; pass --force to overwrite it');
    }
  }
}

interface Renderer {
  events(): AsyncGenerator<SimulatedEvent>;
  close(): Promise<void>;
}

function eventNumbers(job: SimulateJob): number[] {
  return Array.from({ length: job.events }, (_, i) => job.firstEvent + i);
}

function inlineRenderer(job: SimulateJob, inputs: EventInputs): Renderer {
  return {
    async *events() {
      for (const event of eventNumbers(job)) yield simulateEvent(inputs, job.seed, event);
    },
    close: async () => {},
  };
}

/**
 * Renders in a pool, at most two tasks per worker in flight, and yields
 * the results in event order whatever order they finish in. A worker's
 * failure is reported as a WireganError naming the event.
 */
function pooledRenderer(job: SimulateJob, inputs: EventInputs): Renderer {
  const pool = new Piscina({
    filename: fileURLToPath(new URL('./simworker.ts', import.meta.url)),
    maxThreads: job.workers,
    minThreads: job.workers,
    execArgv: ['--import', import.meta.resolve('tsx')],
  });
  const run = (event: number): Promise<SimulatedEvent> => {
    const task: SimulateTask = { inputs, seed: job.seed, event };
    const result = pool.run(task).catch((error: unknown) => {
      const detail = error instanceof Error ? error.message : String(error);
      throw new WireganError(`simulate: event ${event} failed in a worker: ${detail}`, {
        cause: error,
      });
    });
    // Awaited in event order below; a later failure must not go unhandled.
    result.catch(() => {});
    return result;
  };
  return {
    async *events() {
      const pending: Promise<SimulatedEvent>[] = [];
      const numbers = eventNumbers(job);
      let next = 0;
      const refill = () => {
        while (next < numbers.length && pending.length < 2 * job.workers) {
          pending.push(run(numbers[next++]));
        }
      };
      refill();
      while (pending.length > 0) {
        const result = await pending.shift()!;
        refill();
        yield result;
      }
    },
    close: () => pool.destroy(),
  };
}

function eventFrames(detector: Detector, result: SimulatedEvent): EventFrame[] {
  const tickinfo = [0, detector.tick, 0] as const;
  const frame = (tag: string, pick: 'nearest' | 'multiwire'): EventFrame => {
    const ticks = detector.ticks;
    const channels = result.planes.reduce((n, p) => n + p.plane.channels, 0);
    const data = new Float32Array(channels * ticks);
    const numbers = new Int32Array(channels);
    let row = 0;
    for (const p of result.planes) {
      data.set(p[pick], row * ticks);
      for (let c = 0; c < p.plane.channels; c++) numbers[row + c] = p.plane.firstChannel + c;
      row += p.plane.channels;
    }
    return { tag, channels: numbers, ticks, data, tickinfo };
  };
  return [frame('nearest', 'nearest'), frame('multiwire', 'multiwire')];
}

function readPreset(name: string): unknown {
  const path = fileURLToPath(new URL(`../data/presets/${name}.json`, import.meta.url));
  if (!existsSync(path)) throw new ConfigError(`unknown simulation preset "${name}"`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

function packageVersion(): string {
  const path = fileURLToPath(new URL('../package.json', import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/**
 * The simulation job: resolves the config, renders events (in this thread
 * or in a piscina pool) and writes them, in event order, to an HDF5 event
 * file with an Arrow truth table beside it. Both outputs appear only when
 * complete.
 */
import { Piscina } from 'piscina';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mergeConfig } from '../sim/config.js';
import type { Detector } from '../sim/detector.js';
import { ConfigError, FileFormatError } from '../sim/errors.js';
import { simulateEvent, type SimulatedEvent } from '../sim/event.js';
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
  const detector = loadDetector(job.detector);
  const config = resolveSimConfig(job);
  const header = { detector, config, seed: job.seed, version: packageVersion() };
  const truthFile = truthPath(job.out);
  if (existsSync(truthFile) && !job.force) {
    throw new FileFormatError(truthFile, 'exists; pass --force to overwrite');
  }
  const writer = await EventFileWriter.create(job.out, header, { force: job.force });
  const truth: TruthRow[] = [];
  try {
    const render =
      job.workers > 1 ? pooledRenderer(job, config) : inlineRenderer(job, detector, config);
    let done = 0;
    for await (const result of render.events()) {
      writer.writeEvent(result.event, eventFrames(detector, result));
      result.primaries.forEach((p, index) => truth.push({ ...p, event: result.event, index }));
      onProgress(++done);
    }
    await render.close();
    await writeTruth(truthFile, truth, { force: job.force });
  } catch (error) {
    writer.abort();
    throw error;
  }
  writer.close();
  return { eventFile: job.out, truthFile, events: job.events, detector: detector.name };
}

interface Renderer {
  events(): AsyncGenerator<SimulatedEvent>;
  close(): Promise<void>;
}

function eventNumbers(job: SimulateJob): number[] {
  return Array.from({ length: job.events }, (_, i) => job.firstEvent + i);
}

function inlineRenderer(job: SimulateJob, detector: Detector, config: SimConfig): Renderer {
  const inputs = loadEventInputs(detector, config);
  return {
    async *events() {
      for (const event of eventNumbers(job)) yield simulateEvent(inputs, job.seed, event);
    },
    close: async () => {},
  };
}

/**
 * Renders in a pool, at most two tasks per worker in flight, and yields
 * the results in event order whatever order they finish in.
 */
function pooledRenderer(job: SimulateJob, config: SimConfig): Renderer {
  const pool = new Piscina({
    filename: fileURLToPath(new URL('./simworker.ts', import.meta.url)),
    maxThreads: job.workers,
    minThreads: job.workers,
    execArgv: ['--import', import.meta.resolve('tsx')],
  });
  const task = (event: number): SimulateTask => ({
    detector: job.detector,
    config,
    seed: job.seed,
    event,
  });
  return {
    async *events() {
      const pending: Promise<SimulatedEvent>[] = [];
      const numbers = eventNumbers(job);
      let next = 0;
      const refill = () => {
        while (next < numbers.length && pending.length < 2 * job.workers) {
          pending.push(pool.run(task(numbers[next++])));
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

/**
 * Simulation speed: one ProtoDUNE-SP event (3 planes, both domains, 10
 * muons, noise on) against the bare FFT cost of its convolutions, and the
 * throughput of the worker pool with 1 and 2 workers.
 *
 * - Event: `simulateEvent` on one core, after one warm-up event; the
 *   median of `EVENTS` events, with the median time of each stage.
 * - Bare FFT: for every plane, `denseFftConvolution` of a full frame
 *   [wires, ticks] with a kernel of 2 x 10 + 1 wires (domain B) and of
 *   one wire (domain A): the textbook dense 2D FFT convolution, with no
 *   impact positions, no raster, noise or digitiser.
 * - Pool: `POOL_EVENTS` events rendered by pipeline/simworker.ts in a
 *   piscina pool of 1 and of 2 threads (rendering only, no file I/O),
 *   and the time to write one event (both tags) to an HDF5 event file.
 * Targets: event <= 2 x bare FFT, under 10 s on one core.
 *
 * Times are wall time and, for the single-thread parts, also this
 * process's CPU time (user + system), which other load on a shared
 * machine disturbs much less; the load average is printed with them.
 *
 * Run: node --import tsx bench/simulate.bench.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';

import { EventFileWriter, type EventFrame } from '../pipeline/eventfile.js';
import { loadDetector } from '../pipeline/presets.js';
import { loadEventInputs } from '../pipeline/siminputs.js';
import type { SimulateTask } from '../pipeline/simworker.js';
import { denseFftConvolution } from '../sim/convolve.js';
import { simulateEvent, type EventInputs, type SimulatedEvent } from '../sim/event.js';
import { DEFAULT_SIM, type SimConfig } from '../sim/simconfig.js';

const EVENTS = 3;
const POOL_EVENTS = 4;
const SEED = 1;
const WIRE_REACH = 10;

const CONFIG: SimConfig = {
  ...DEFAULT_SIM,
  particles: { ...DEFAULT_SIM.particles, muons: 10, protons: 0, electrons: 0, photons: 0 },
};

/** CPU time of this process so far [ms]. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
}

/** Median event time and median per-stage time [ms], events 1..EVENTS. */
function timeEvents(inputs: EventInputs) {
  simulateEvent(inputs, SEED, 0);
  const totals: number[] = [];
  const cpu: number[] = [];
  const stages = new Map<string, number[]>();
  for (let event = 1; event <= EVENTS; event++) {
    const perStage = new Map<string, number>();
    const started = performance.now();
    const cpuStarted = cpuMs();
    simulateEvent(inputs, SEED, event, (stage, ms) => {
      perStage.set(stage, (perStage.get(stage) ?? 0) + ms);
    });
    totals.push(performance.now() - started);
    cpu.push(cpuMs() - cpuStarted);
    for (const [stage, ms] of perStage) stages.set(stage, [...(stages.get(stage) ?? []), ms]);
  }
  const stageMs = Object.fromEntries([...stages].map(([s, v]) => [s, median(v)]));
  return { eventMs: median(totals), eventCpuMs: median(cpu), stageMs };
}

/** Median over 3 runs of the dense FFT convolutions of all planes [ms]. */
function timeBareFft(inputs: EventInputs) {
  const { detector } = inputs;
  const runs: number[] = [];
  const cpu: number[] = [];
  const perPlane: Record<string, number[]> = {};
  for (let run = 0; run < 3; run++) {
    let total = 0;
    const cpuStarted = cpuMs();
    for (const plane of detector.planes) {
      const length = inputs.responses[plane.index].b.length;
      const frame = new Float32Array(plane.channels * detector.ticks).fill(1);
      const kernelB = new Float32Array((2 * WIRE_REACH + 1) * length).fill(1e-3);
      const kernelA = new Float32Array(length).fill(1e-3);
      const started = performance.now();
      denseFftConvolution(frame, plane.channels, detector.ticks, kernelB, WIRE_REACH);
      denseFftConvolution(frame, plane.channels, detector.ticks, kernelA, 0);
      const ms = performance.now() - started;
      (perPlane[plane.name] ??= []).push(ms);
      total += ms;
    }
    runs.push(total);
    cpu.push(cpuMs() - cpuStarted);
  }
  const planes = Object.fromEntries(Object.entries(perPlane).map(([k, v]) => [k, median(v)]));
  return { fftMs: median(runs), fftCpuMs: median(cpu), perPlane: planes };
}

/** Events per second of a pool of `threads` rendering POOL_EVENTS events. */
async function poolRate(inputs: EventInputs, threads: number): Promise<number> {
  const pool = new Piscina({
    filename: fileURLToPath(new URL('../pipeline/simworker.ts', import.meta.url)),
    minThreads: threads,
    maxThreads: threads,
    execArgv: ['--import', import.meta.resolve('tsx')],
  });
  try {
    const task = (event: number): SimulateTask => ({ inputs, seed: SEED, event });
    // Warm every thread up (module load, JIT) before timing.
    await Promise.all(Array.from({ length: threads }, (_, k) => pool.run(task(100 + k))));
    const started = performance.now();
    const runs: Promise<SimulatedEvent>[] = [];
    for (let event = 0; event < POOL_EVENTS; event++) runs.push(pool.run(task(event)));
    await Promise.all(runs);
    return POOL_EVENTS / ((performance.now() - started) / 1000);
  } finally {
    await pool.destroy();
  }
}

/** Time to write one event's two frames (deflate on) to a new file [ms]. */
async function timeWrite(inputs: EventInputs): Promise<number> {
  const { detector, config } = inputs;
  const result = simulateEvent(inputs, SEED, 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wiregan-bench-'));
  try {
    const header = { detector, config, seed: SEED, version: 'bench' };
    const started = performance.now();
    const writer = await EventFileWriter.create(path.join(dir, 'events.h5'), header);
    writer.writeEvent(0, frames(inputs, result));
    writer.close();
    return performance.now() - started;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function frames(inputs: EventInputs, result: SimulatedEvent): EventFrame[] {
  const ticks = inputs.detector.ticks;
  const channels = Int32Array.from(
    result.planes.flatMap((p) =>
      Array.from({ length: p.plane.channels }, (_, c) => p.plane.firstChannel + c),
    ),
  );
  return (['nearest', 'multiwire'] as const).map((tag) => {
    const data = new Float32Array(channels.length * ticks);
    let offset = 0;
    for (const p of result.planes) {
      data.set(p[tag], offset);
      offset += p[tag].length;
    }
    return { tag, channels, ticks, data, tickinfo: [0, inputs.detector.tick, 0] as const };
  });
}

async function main(): Promise<void> {
  const detector = loadDetector('protodune-sp');
  const inputs = loadEventInputs(detector, CONFIG);
  const { eventMs, eventCpuMs, stageMs } = timeEvents(inputs);
  const { fftMs, fftCpuMs, perPlane } = timeBareFft(inputs);
  const writeMs = await timeWrite(inputs);
  const rate1 = await poolRate(inputs, 1);
  const rate2 = await poolRate(inputs, 2);

  const ratio = eventMs / fftMs;
  const cpuRatio = eventCpuMs / fftCpuMs;
  const load = os.loadavg()[0];
  const row = (name: string, value: string) => console.log(`${name.padEnd(34)} ${value}`);
  row('event (3 planes, A+B, 10 muons)', `${(eventMs / 1000).toFixed(2)} s`);
  for (const [stage, ms] of Object.entries(stageMs))
    row(`  ${stage}`, `${(ms / 1000).toFixed(2)} s`);
  row('bare dense FFT convolutions', `${(fftMs / 1000).toFixed(2)} s`);
  for (const [plane, ms] of Object.entries(perPlane))
    row(`  plane ${plane} (B + A)`, `${(ms / 1000).toFixed(2)} s`);
  row('event / bare FFT, wall', `${ratio.toFixed(2)} (target <= 2)`);
  row(
    'event CPU, bare FFT CPU',
    `${(eventCpuMs / 1000).toFixed(2)} s, ${(fftCpuMs / 1000).toFixed(2)} s`,
  );
  row('event / bare FFT, CPU time', `${cpuRatio.toFixed(2)} (target <= 2)`);
  row('write one event (HDF5, deflate)', `${(writeMs / 1000).toFixed(2)} s`);
  row('pool, 1 worker', `${rate1.toFixed(3)} events/s`);
  row('pool, 2 workers', `${rate2.toFixed(3)} events/s`);
  const cpus = os.availableParallelism();
  row('pool speed-up, 2 vs 1', `${(rate2 / rate1).toFixed(2)} (${cpus} CPUs)`);
  row('load average (1 min) at the end', load.toFixed(2));
  console.log(
    JSON.stringify({
      bench: 'simulate',
      detector: detector.name,
      eventS: eventMs / 1000,
      stageS: Object.fromEntries(Object.entries(stageMs).map(([k, v]) => [k, v / 1000])),
      bareFftS: fftMs / 1000,
      eventCpuS: eventCpuMs / 1000,
      bareFftCpuS: fftCpuMs / 1000,
      eventOverFft: ratio,
      eventOverFftCpu: cpuRatio,
      eventUnder10s: eventMs < 10000,
      eventWithin2xFft: cpuRatio <= 2,
      writeEventS: writeMs / 1000,
      poolEventsPerS: { 1: rate1, 2: rate2 },
      poolSpeedup: rate2 / rate1,
      cpus: os.availableParallelism(),
      loadAverage: load,
    }),
  );
}

await main();

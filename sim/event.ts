/**
 * One event, rendered in both domains: the driver of the simulation chain.
 *
 * source -> ionisation -> drift -> rasterisation, once; then, per plane,
 * the field response twice (A: nearest wire, B: multi-wire), one noise
 * realisation added to both, and the digitiser. Every random number is
 * drawn from the event's own stream, before the domains part, so A and B
 * differ only by the induction physics.
 *
 * Output: per plane, ADC frames [channel, tick] with the baseline kept (as
 * Wire-Cell's `orig` frames), and the truth of the event's primaries.
 */
import { convolveMultiwire, convolveNearest } from './convolve.js';
import type { EventDeposits, Primary } from './deposits.js';
import type { Detector, WirePlane } from './detector.js';
import { digitise } from './digitizer.js';
import { drift } from './drift.js';
import { generateLineEvent } from './lines.js';
import { generateNoise, type NoiseSpectrum } from './noise.js';
import { generateParticleEvent } from './particles.js';
import type { DomainResponses } from './planeresponse.js';
import { Rng } from './random.js';
import { rasterise } from './raster.js';
import { ConfigError } from './errors.js';
import type { SimConfig } from './simconfig.js';

/** Everything an event needs that is loaded or computed once per run. */
export interface EventInputs {
  readonly detector: Detector;
  readonly config: SimConfig;
  /** Per plane, in plane order. */
  readonly responses: readonly DomainResponses[];
  /** Per plane; null when noise is off. */
  readonly noise: readonly NoiseSpectrum[] | null;
  /** The depos of a depo file, for source `depos`. */
  readonly depoEvent: EventDeposits | null;
}

export interface PlaneFrames {
  readonly plane: WirePlane;
  /** ADC [channel, tick], domain A and domain B. */
  readonly nearest: Float32Array;
  readonly multiwire: Float32Array;
}

export interface SimulatedEvent {
  readonly event: number;
  readonly planes: PlaneFrames[];
  readonly primaries: Primary[];
}

/** Stages of `simulateEvent`, as `onStage` names them. */
export type EventStage =
  'deposits' | 'drift' | 'raster' | 'convolve-b' | 'convolve-a' | 'noise' | 'digitise';

/** Elapsed wall time of one stage call [ms], for profiling. */
export type StageTimer = (stage: EventStage, elapsedMs: number) => void;

/**
 * Renders event number `event` of a run seeded with `seed`; `onStage`,
 * when given, receives the wall time of each stage call.
 */
export function simulateEvent(
  inputs: EventInputs,
  seed: number,
  event: number,
  onStage?: StageTimer,
): SimulatedEvent {
  const { detector, config } = inputs;
  const timed = stageClock(onStage);
  const rng = Rng.forEvent(seed, event);
  const deposits = timed('deposits', () => eventDeposits(inputs, rng));
  const drifted = timed('drift', () => drift(deposits.depos, detector, config.drift, rng));

  const planes = detector.planes.map((plane) => {
    const charge = timed('raster', () => rasterise(drifted, detector, plane, config.raster));
    const response = inputs.responses[plane.index];
    const { convolve } = config;
    const signalB = timed('convolve-b', () => convolveMultiwire(charge, response.b, convolve));
    const signalA = timed('convolve-a', () => convolveNearest(charge, response.a, convolve));
    charge.rows.clear();
    if (inputs.noise) {
      const spectrum = inputs.noise[plane.index];
      timed('noise', () => {
        const noise = generateNoise(spectrum, plane.channels, rng);
        addInPlace(signalA, noise);
        addInPlace(signalB, noise);
      });
    }
    return timed('digitise', () => ({
      plane,
      nearest: digitise(signalA, plane.baselineAdc, config.digitizer),
      multiwire: digitise(signalB, plane.baselineAdc, config.digitizer),
    }));
  });
  return { event, planes, primaries: deposits.primaries };
}

/** Runs a stage, reporting its wall time when a timer is given. */
function stageClock(onStage: StageTimer | undefined) {
  return <T>(stage: EventStage, run: () => T): T => {
    if (!onStage) return run();
    const started = performance.now();
    const result = run();
    onStage(stage, performance.now() - started);
    return result;
  };
}

function eventDeposits(inputs: EventInputs, rng: Rng): EventDeposits {
  const { detector, config } = inputs;
  switch (config.source.kind) {
    case 'particles':
      return generateParticleEvent(detector, config.particles, config.ionisation, rng);
    case 'lines':
      return generateLineEvent(detector, config.lines, rng);
    case 'depos':
      if (!inputs.depoEvent) throw new ConfigError('source "depos" needs source.depoFile');
      return inputs.depoEvent;
  }
}

function addInPlace(target: Float32Array, addend: Float32Array): void {
  for (let i = 0; i < target.length; i++) target[i] += addend[i];
}

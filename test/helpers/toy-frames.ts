/**
 * Toy event files for evaluation tests: three planes of 5, 5 and 7
 * channels (baselines 2350, 2350, 900 ADC), 300 ticks, frame values from a
 * formula of (kind, event, channel, tick) on top of the baselines.
 */
import { EventFileWriter, type EventFrame } from '../../pipeline/eventfile.js';
import type { Detector, WirePlane } from '../../sim/detector.js';
import { mm, us } from '../../sim/units.js';

export const TICKS = 300;

function plane(name: string, index: number, firstChannel: number, channels: number): WirePlane {
  const baselineAdc = name === 'w' ? 900 : 2350;
  return {
    name,
    index,
    wireAngle: 0,
    pitch: 5 * mm,
    channels,
    firstChannel,
    baselineAdc,
    noiseRmsAdc: 3,
  };
}
/** Planes of 5, 5 and 7 channels, baselines 2350, 2350, 900 ADC. */
const DETECTOR: Detector = {
  name: 'toy',
  planes: [plane('u', 0, 0, 5), plane('v', 1, 5, 5), plane('w', 2, 10, 7)],
  ticks: TICKS,
  tick: 0.5 * us,
  responsePlane: 100 * mm,
  activeVolume: { x: [0, 100], y: [-50, 50], z: [-50, 50] },
};
export const CHANNELS = 17;

/** Baseline-subtracted value of a frame kind at (channel, tick). */
export function signal(kind: number, event: number, channel: number, tick: number): number {
  const v = ((channel * 13 + tick * 7 + kind * 3 + event) % 17) - 8;
  return Math.abs(v) < 3 ? 0 : v;
}
const baselineOf = (channel: number) => (channel >= 10 ? 900 : 2350);

export function frame(tag: string, kind: number, event: number, channels = CHANNELS): EventFrame {
  const data = new Float32Array(channels * TICKS);
  for (let c = 0; c < channels; c++) {
    for (let t = 0; t < TICKS; t++) data[c * TICKS + t] = baselineOf(c) + signal(kind, event, c, t);
  }
  const numbers = Int32Array.from({ length: channels }, (_, c) => c);
  return { tag, channels: numbers, ticks: TICKS, data, tickinfo: [0, 0.5 * us, 0] };
}

export async function writeEvents(
  file: string,
  events: number[],
  frames: (e: number) => EventFrame[],
  seed = 1,
) {
  const header = { detector: DETECTOR, config: {}, seed, version: 'test' };
  const writer = await EventFileWriter.create(file, header, { deflateLevel: 0 });
  for (const e of events) writer.writeEvent(e, frames(e));
  writer.close();
}

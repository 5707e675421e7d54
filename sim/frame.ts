/**
 * Readout frames: one plane's samples as a flat row-major array
 * `[channel, tick]`, so channel c's waveform is
 * `data.subarray(c * ticks, (c + 1) * ticks)`.
 */

export interface PlaneFrame {
  /** Channel numbers of the rows, in row order. */
  readonly channels: Int32Array;
  readonly ticks: number;
  /** Samples `[channel, tick]`, row-major; units depend on the stage. */
  readonly data: Float32Array;
}

/** A zero frame for consecutive channels starting at `firstChannel`. */
export function emptyFrame(firstChannel: number, channels: number, ticks: number): PlaneFrame {
  const numbers = new Int32Array(channels);
  for (let c = 0; c < channels; c++) numbers[c] = firstChannel + c;
  return { channels: numbers, ticks, data: new Float32Array(channels * ticks) };
}

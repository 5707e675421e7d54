/**
 * The two arrays that meet in the field-response convolution.
 *
 * Impact positions: each wire's pitch cell [-pitch/2, +pitch/2) is split
 * into `impactsPerWire` equal bins; impact i of a wire is the bin centred at
 * offset (i + 0.5) / impactsPerWire - 0.5 pitches from the wire. Charge is
 * binned on (wire, impact, tick); a plane's responses are tabulated for the
 * same impact bins.
 *
 * Time: charge tick k holds electrons arriving at the response plane in
 * [start + k tick, start + (k + 1) tick). Response sample j is the signal j
 * ticks after arrival. So the signal on tick k + j gets charge(k) x
 * response(j): the convolution is linear (no wrap-around), and whatever
 * falls past the last tick of the frame is dropped.
 */

/** Ionisation electrons on impact positions, for one plane. */
export interface ImpactCharge {
  /** Wires of the plane (rows of the output frame). */
  readonly wires: number;
  readonly impactsPerWire: number;
  readonly ticks: number;
  /**
   * Sparse rows: key wire * impactsPerWire + impact, value the electron
   * count per tick [tick] (non-negative). Rows without charge are absent.
   */
  readonly rows: Map<number, Float32Array>;
}

/**
 * The response of one plane to one drifting electron, including the
 * electronics, sampled at the tick period, in volts per electron (units.ts
 * voltage). A positive electron count gives Wire-Cell's signs: collection
 * pulses positive, induction bipolar with the positive lobe first.
 */
export interface PlaneImpactResponse {
  /** Neighbours on each side: offsets -wireReach .. +wireReach. */
  readonly wireReach: number;
  readonly impactsPerWire: number;
  /** Samples per waveform, at the tick period. */
  readonly length: number;
  /**
   * Multi-wire responses `[offset + wireReach, impact, sample]`, row-major:
   * the signal seen on wire w + offset from one electron at impact `impact`
   * of wire w (path pitch position = impact offset - offset pitches).
   */
  readonly waveforms: Float32Array;
  /**
   * Nearest-wire response `[sample]`: the wire's own (offset 0) response
   * averaged over its impact positions; domain A uses only this.
   */
  readonly nearest: Float32Array;
}

/** Pitch offset of impact bin `impact` from its wire, in pitches. */
export function impactOffset(impact: number, impactsPerWire: number): number {
  return (impact + 0.5) / impactsPerWire - 0.5;
}

/** The multi-wire waveform for (offset, impact) as a view. */
export function responseWaveform(
  response: PlaneImpactResponse,
  offset: number,
  impact: number,
): Float32Array {
  const row = (offset + response.wireReach) * response.impactsPerWire + impact;
  return response.waveforms.subarray(row * response.length, (row + 1) * response.length);
}

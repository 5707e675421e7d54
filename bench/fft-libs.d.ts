/**
 * Types for ndarray and ndarray-fft, which only bench/fft.bench.ts uses
 * (kissfft-js is typed in sim/kissfft-js.d.ts).
 */

declare module 'ndarray' {
  interface NdArray {
    readonly shape: number[];
    readonly data: Float64Array | Float32Array;
  }
  function ndarray(data: Float64Array | Float32Array, shape?: number[]): NdArray;
  export default ndarray;
}

declare module 'ndarray-fft' {
  import type ndarray from 'ndarray';
  /** In-place complex FFT of (x, y) = (re, im); dir +1 forward, -1 inverse. */
  function fft(dir: 1 | -1, x: ReturnType<typeof ndarray>, y: ReturnType<typeof ndarray>): void;
  export default fft;
}

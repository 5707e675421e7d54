/**
 * Types for kissfft-js (KissFFT compiled to asm.js by emscripten), the
 * members sim/fft.ts and bench/fft.bench.ts use. All transforms are float32
 * and unscaled; results are views into the module heap, valid until the
 * plan's next call.
 */
declare module 'kissfft-js' {
  namespace kiss {
    /** Complex plan; data interleaved `[re, im]` x size. */
    class FFT {
      constructor(size: number);
      forward(input: Float32Array): Float32Array;
      dispose(): void;
    }
    /** Real plan (even size): spectrum `[re, im]` x (size / 2 + 1). */
    class FFTR {
      constructor(size: number);
      forward(input: Float32Array): Float32Array;
      inverse(spectrum: Float32Array | Float64Array): Float32Array;
      dispose(): void;
    }
  }
  export = kiss;
}

/**
 * Fast Fourier transforms for the field-response convolution.
 *
 * Library: kissfft-js (KissFFT, mixed radix 2/3/4/5, compiled to asm.js).
 * bench/fft.bench.ts, 2-core machine, Node 20, microseconds per transform:
 *
 *   transform              kissfft-js     fft.js (radix 4)  ndarray-fft
 *   real fwd, 200+312        2.8 (512)      4.6 (512)        19 (512)
 *   real inv, 200+312        2.8            8.0 (complex)     -
 *   real fwd, 6000+200      47 (6250)      96 (8192)        490 (8192)
 *   real inv, 6000+200      46            166 (complex)       -
 *   complex, 800+20         12 (864)       12 (1024)         39 (1024)
 *   complex, 3456+20        52 (3600)      55 (4096)        198 (4096)
 *
 * kissfft-js is the fastest in every role: it has a real inverse (fft.js
 * has none, so it pays a full complex transform), and mixed radix sizes
 * waste less padding than the next power of two. Its arithmetic is float32,
 * which is the precision of the frames anyway. Two quirks are handled here:
 * its complex `inverse` is broken (it is done as conj(fft(conj(x)))), and
 * its asm.js heap is a fixed 16 MiB, so plans are disposed by their owner.
 */

import kiss from 'kissfft-js';

/** Smallest even 2^a 3^b 5^c >= n: the sizes KissFFT handles fastest. */
export function fftSize(n: number): number {
  for (let m = Math.max(2, n); ; m++) {
    if (m % 2 !== 0) continue;
    let r = m;
    for (const p of [2, 3, 5]) while (r % p === 0) r /= p;
    if (r === 1) return m;
  }
}

/**
 * Real transform of `size` points (even). Spectra are interleaved
 * `[re, im]` x (size / 2 + 1). Unscaled: inverse(forward(x)) = size * x.
 * Returned arrays are views into the library heap, valid until the next
 * call on this plan; copy what must outlive it.
 */
export class RealFft {
  private readonly plan: kiss.FFTR;

  constructor(readonly size: number) {
    this.plan = new kiss.FFTR(size);
  }

  /** input [size] -> spectrum [size / 2 + 1, 2] (view). */
  forward(input: Float32Array): Float32Array {
    return this.plan.forward(input);
  }

  /** spectrum [size / 2 + 1, 2] -> size x signal [size] (view). */
  inverse(spectrum: Float32Array | Float64Array): Float32Array {
    return this.plan.inverse(spectrum);
  }

  dispose(): void {
    this.plan.dispose();
  }
}

/**
 * Complex transform of `size` points, interleaved `[re, im]` x size, in
 * place. Unscaled: inverse(forward(x)) = size * x.
 */
export class ComplexFft {
  private readonly plan: kiss.FFT;

  constructor(readonly size: number) {
    this.plan = new kiss.FFT(size);
  }

  /** data [size, 2] -> its transform, written back into data. */
  forward(data: Float32Array): void {
    data.set(this.plan.forward(data));
  }

  /** Inverse as conj(forward(conj(data))), written back into data. */
  inverse(data: Float32Array): void {
    for (let k = 1; k < data.length; k += 2) data[k] = -data[k];
    data.set(this.plan.forward(data));
    for (let k = 1; k < data.length; k += 2) data[k] = -data[k];
  }

  dispose(): void {
    this.plan.dispose();
  }
}

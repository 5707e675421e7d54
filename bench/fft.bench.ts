/**
 * FFT library comparison on the sizes the field-response convolution uses.
 *
 * Time axis (real transforms): a frame of 6000 (ProtoDUNE) or 9600
 * (MicroBooNE) ticks plus a ~200-sample response, and the short blocks of
 * the blocked convolution (sim/convolve.ts). Wire axis (complex
 * transforms): 800-3456 wires plus 20 neighbours. fft.js and ndarray-fft
 * get the next power of two; kissfft-js (mixed radix) the next 2-3-5-smooth
 * size. Prints a table (microseconds per transform) and a final JSON line.
 *
 * Run: node --import tsx bench/fft.bench.ts
 */

import FFT from 'fft.js';
import kiss from 'kissfft-js';
import ndarray from 'ndarray';
import ndfft from 'ndarray-fft';

interface Case {
  library: string;
  kind: 'real-forward' | 'real-inverse' | 'complex';
  /** Length the transform needs (signal + padding). */
  needed: number;
  /** Length actually transformed. */
  size: number;
  run: () => void;
}

interface Row {
  library: string;
  kind: string;
  needed: number;
  size: number;
  usPerTransform: number;
}

/** Smallest 2^a 3^b 5^c >= n. */
function smooth235(n: number): number {
  for (let m = n; ; m++) {
    let r = m;
    for (const p of [2, 3, 5]) while (r % p === 0) r /= p;
    if (r === 1) return m;
  }
}

function pow2(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

function randomArray(n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37) + (i % 7) * 0.1;
  return a;
}

function fftjsCases(needed: number, complex: boolean): Case[] {
  const size = pow2(needed);
  const f = new FFT(size);
  const input = randomArray(complex ? 2 * size : size);
  const out = new Float64Array(2 * size);
  const back = new Float64Array(2 * size);
  if (complex) {
    return [
      { library: 'fft.js', kind: 'complex', needed, size, run: () => f.transform(out, input) },
    ];
  }
  f.realTransform(out, input);
  f.completeSpectrum(out);
  return [
    {
      library: 'fft.js',
      kind: 'real-forward',
      needed,
      size,
      run: () => f.realTransform(out, input),
    },
    // fft.js has no real inverse: a complex inverse of the full spectrum.
    {
      library: 'fft.js',
      kind: 'real-inverse',
      needed,
      size,
      run: () => f.inverseTransform(back, out),
    },
  ];
}

function kissCases(needed: number, complex: boolean): Case[] {
  const size = smooth235(needed);
  if (complex) {
    const f = new kiss.FFT(size);
    const input = Float32Array.from(randomArray(2 * size));
    return [{ library: 'kissfft-js', kind: 'complex', needed, size, run: () => f.forward(input) }];
  }
  const f = new kiss.FFTR(size);
  const input = Float32Array.from(randomArray(size));
  const spectrum = Float32Array.from(f.forward(input));
  return [
    { library: 'kissfft-js', kind: 'real-forward', needed, size, run: () => f.forward(input) },
    { library: 'kissfft-js', kind: 'real-inverse', needed, size, run: () => f.inverse(spectrum) },
  ];
}

/** ndarray-fft has only complex transforms; a real one is a complex one. */
function ndarrayCases(needed: number, complex: boolean): Case[] {
  const size = pow2(needed);
  const re = ndarray(randomArray(size), [size]);
  const im = ndarray(new Float64Array(size), [size]);
  const kind = complex ? 'complex' : 'real-forward';
  return [{ library: 'ndarray-fft', kind, needed, size, run: () => ndfft(1, re, im) }];
}

/** Median of 5 rounds of ~60 ms each, in microseconds per call. */
function timeCase(c: Case): number {
  for (let i = 0; i < 20; i++) c.run();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    let calls = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 60) {
      for (let i = 0; i < 10; i++) c.run();
      calls += 10;
    }
    rounds.push(((performance.now() - t0) * 1000) / calls);
  }
  return rounds.sort((a, b) => a - b)[2];
}

function allCases(): Case[] {
  const timeLengths = [512, 6000 + 200, 9600 + 200];
  const wireLengths = [800 + 20, 3456 + 20];
  const cases: Case[] = [];
  for (const make of [fftjsCases, kissCases, ndarrayCases]) {
    for (const n of timeLengths) cases.push(...make(n, false));
    for (const n of wireLengths) cases.push(...make(n, true));
  }
  return cases;
}

function main(): void {
  const rows: Row[] = allCases().map((c) => ({
    library: c.library,
    kind: c.kind,
    needed: c.needed,
    size: c.size,
    usPerTransform: Number(timeCase(c).toFixed(2)),
  }));
  console.log('library      kind          needed   size   us/transform');
  for (const r of rows) {
    const cols = [
      r.library.padEnd(12),
      r.kind.padEnd(13),
      String(r.needed).padStart(6),
      String(r.size).padStart(6),
      r.usPerTransform.toFixed(1).padStart(12),
    ];
    console.log(cols.join(' '));
  }
  console.log(JSON.stringify({ bench: 'fft', unit: 'us per transform', rows }));
}

main();

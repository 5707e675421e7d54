/**
 * Ionisation in the detector, as flat struct-of-arrays tables.
 *
 * `Steps` are energy deposits of charged particles (before recombination):
 * one entry per step, with the step's energy loss and length, so that the
 * ionisation stage can evaluate dE/dx. `Depos` are clouds of ionisation
 * electrons (after recombination): the unit every later stage works on.
 * Positions are in the detector frame: x along the drift (0 at the
 * collection plane, growing into the active volume), y up, z along the
 * beam. Every value is in the units of `units.ts`.
 */

/** Energy deposits: entry i is one step of one particle. */
export interface Steps {
  readonly count: number;
  /** Mid-point of the step [mm] and its time [ns]. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly z: Float64Array;
  readonly t: Float64Array;
  /** Energy lost in the step [MeV] and the step length [mm]. */
  readonly energy: Float64Array;
  readonly length: Float64Array;
  /** Index of the primary particle the step belongs to. */
  readonly primary: Int32Array;
}

/** Ionisation electron clouds: entry i is one point-like deposit. */
export interface Depos {
  readonly count: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly z: Float64Array;
  readonly t: Float64Array;
  /** Number of ionisation electrons (a positive count, not rounded). */
  readonly electrons: Float64Array;
  /** Index of the primary particle the deposit belongs to. */
  readonly primary: Int32Array;
}

/** Electron clouds at the response plane, after drift and diffusion. */
export interface DriftedDepos {
  readonly count: number;
  /** Transverse position [mm] (the response plane is at fixed x). */
  readonly y: Float64Array;
  readonly z: Float64Array;
  /** Arrival time at the response plane [ns]. */
  readonly t: Float64Array;
  /** Electrons that survived attachment. */
  readonly electrons: Float64Array;
  /** Longitudinal diffusion width, as a time [ns]. */
  readonly sigmaTime: Float64Array;
  /** Transverse diffusion width, as a length [mm]. */
  readonly sigmaTransverse: Float64Array;
  readonly primary: Int32Array;
}

/** The truth about one primary particle of an event. */
export interface Primary {
  /** `mu-`, `mu+`, `proton`, `e-`, `gamma`, `line`, `depo-file` ... */
  readonly kind: string;
  /** Start and end points [mm], and start time [ns]. */
  readonly start: readonly [number, number, number];
  readonly end: readonly [number, number, number];
  readonly time: number;
  /** Kinetic energy at the start [MeV] (0 where not defined). */
  readonly energy: number;
  /** Energy deposited by it and its secondaries [MeV]. */
  readonly depositedEnergy: number;
  /** Ionisation electrons it left, after recombination. */
  readonly electrons: number;
}

/** What an event source returns: depos ready to drift, and their truth. */
export interface EventDeposits {
  readonly depos: Depos;
  readonly primaries: Primary[];
}

const COLUMNS = ['x', 'y', 'z', 't'] as const;

/** Appends deposits one at a time and hands out a compact `Depos`. */
export class DeposBuilder {
  private size = 0;
  private cols: Record<(typeof COLUMNS)[number] | 'electrons', Float64Array>;
  private primaries: Int32Array;

  constructor(capacity = 1024) {
    this.cols = {
      x: new Float64Array(capacity),
      y: new Float64Array(capacity),
      z: new Float64Array(capacity),
      t: new Float64Array(capacity),
      electrons: new Float64Array(capacity),
    };
    this.primaries = new Int32Array(capacity);
  }

  get count(): number {
    return this.size;
  }

  push(x: number, y: number, z: number, t: number, electrons: number, primary: number): void {
    if (this.size === this.primaries.length) this.grow();
    const i = this.size++;
    this.cols.x[i] = x;
    this.cols.y[i] = y;
    this.cols.z[i] = z;
    this.cols.t[i] = t;
    this.cols.electrons[i] = electrons;
    this.primaries[i] = primary;
  }

  build(): Depos {
    const n = this.size;
    return {
      count: n,
      x: this.cols.x.slice(0, n),
      y: this.cols.y.slice(0, n),
      z: this.cols.z.slice(0, n),
      t: this.cols.t.slice(0, n),
      electrons: this.cols.electrons.slice(0, n),
      primary: this.primaries.slice(0, n),
    };
  }

  private grow(): void {
    const capacity = 2 * this.primaries.length;
    for (const key of [...COLUMNS, 'electrons'] as const) {
      const next = new Float64Array(capacity);
      next.set(this.cols[key]);
      this.cols[key] = next;
    }
    const primaries = new Int32Array(capacity);
    primaries.set(this.primaries);
    this.primaries = primaries;
  }
}

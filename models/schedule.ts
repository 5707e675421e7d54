/**
 * Learning-rate schedules: pure functions of the training step (the
 * number of steps completed before the one the rate is for, from 0).
 *
 * - constant then linear decay (CycleGAN, UVCGAN): the base rate for the
 *   first `constantSteps`, then a straight line that reaches 0 at
 *   `totalSteps`:
 *     lr(s) = base * (1 - max(0, s - constantSteps) / (totalSteps - constantSteps))
 * - cosine annealing with warm restarts (SGDR, Loshchilov and Hutter,
 *   2017): cycle i lasts T_i = T0 * Tmult^i steps; within a cycle, at
 *   step t_cur from its start,
 *     lr = min + (base - min) * (1 + cos(pi * t_cur / T_i)) / 2
 *   and the rate jumps back to `base` when a cycle ends.
 */
import { ConfigError } from '../sim/errors.js';

export interface LinearDecaySchedule {
  readonly base: number;
  readonly totalSteps: number;
  /** Steps at the base rate before the decay starts, in [0, totalSteps). */
  readonly constantSteps: number;
}

/** The rate for step `step` of a constant-then-linear-decay schedule. */
export function linearDecayRate(schedule: LinearDecaySchedule, step: number): number {
  const { base, totalSteps, constantSteps } = schedule;
  const decaySteps = totalSteps - constantSteps;
  if (!(constantSteps >= 0 && decaySteps > 0)) {
    throw new ConfigError(
      `linear decay: constantSteps must be in [0, totalSteps = ${totalSteps}), got ${constantSteps}`,
    );
  }
  const factor = 1 - Math.max(0, step - constantSteps) / decaySteps;
  return base * Math.max(0, factor);
}

export interface WarmRestartSchedule {
  readonly base: number;
  /** Rate at the end of each cycle (default 0). */
  readonly min?: number;
  /** Length of the first cycle in steps, T0 >= 1. */
  readonly restartSteps: number;
  /** Growth of the cycle length after each restart, an integer >= 1. */
  readonly restartMult: number;
}

/** The rate for step `step` of cosine annealing with warm restarts. */
export function warmRestartRate(schedule: WarmRestartSchedule, step: number): number {
  const { base, restartSteps, restartMult } = schedule;
  const min = schedule.min ?? 0;
  if (!(Number.isInteger(restartSteps) && restartSteps >= 1)) {
    throw new ConfigError(
      `warm restarts: restartSteps must be an integer >= 1, got ${restartSteps}`,
    );
  }
  if (!(Number.isInteger(restartMult) && restartMult >= 1)) {
    throw new ConfigError(`warm restarts: restartMult must be an integer >= 1, got ${restartMult}`);
  }

  let cycle = restartSteps;
  let position = step;
  if (restartMult === 1) {
    position = step % restartSteps;
  } else {
    while (position >= cycle) {
      position -= cycle;
      cycle *= restartMult;
    }
  }
  return min + ((base - min) * (1 + Math.cos((Math.PI * position) / cycle))) / 2;
}

/**
 * Inpainting pre-training as a run: the InpaintingPretrainer of
 * models/inpainting.ts driven by the loop of models/trainer.ts, with
 * cosine annealing and warm restarts (T0 = model.restartSteps,
 * Tmult = model.restartMult) from model.lr towards 0. Checkpoints hold
 * one network, `generator`, which `wiregan train --init` loads into both
 * CycleGAN generators; the history has one loss column, `loss`.
 */
import { InpaintingPretrainer, type InpaintingState } from './inpainting.js';
import { warmRestartRate } from './schedule.js';
import type { PretrainConfig } from './trainconfig.js';
import { runTraining, type Learner, type TrainingEvent, type TrainingSummary } from './trainer.js';
import { withShapes } from './train-run.js';

export interface PretrainRunOptions {
  readonly config: PretrainConfig;
  readonly data: string;
  readonly runDir: string;
  readonly resume?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: TrainingEvent) => void;
}

/** Pre-trains (or resumes pre-training) a generator. */
export function runPretraining(options: PretrainRunOptions): Promise<TrainingSummary> {
  return runTraining({
    kind: 'inpainting',
    config: options.config,
    data: options.data,
    runDir: options.runDir,
    resume: options.resume ?? false,
    createLearner: () => inpaintingLearner(options.config),
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/** An InpaintingPretrainer with its warm-restart schedule. */
export function inpaintingLearner(config: PretrainConfig): Learner {
  const pretrainer = InpaintingPretrainer.create(config.model, config.seed);
  const { lr, restartSteps, restartMult } = config.model;
  const rates = (step: number) => ({
    gen: warmRestartRate({ base: lr, restartSteps, restartMult }, step),
  });

  return {
    lossNames: ['loss'],
    step: (batch, step) => pretrainer.step(batch, rates(step).gen),
    rates,
    snapshot: () => {
      const state = pretrainer.state();
      const generator = withShapes(state.weights, pretrainer.generator.variables);
      return { networks: new Map([['generator', generator]]), state };
    },
    restore: (state) => pretrainer.restore(state as InpaintingState),
    dispose: () => pretrainer.dispose(),
  };
}

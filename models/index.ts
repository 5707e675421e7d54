/**
 * The public surface of wiregan's models: the tile translators, the
 * generator's architecture and weight names, the networks in
 * TensorFlow.js, their training (CycleGAN and inpainting pre-training)
 * and the choice of TensorFlow.js backend.
 */
export type { Translator } from './translator.js';
export { OnnxTranslator } from './onnx-translator.js';
export type { OnnxExportOptions } from './onnx-export.js';
export { exportGeneratorOnnx } from './onnx-export.js';

export type { GeneratorConfig, WeightSpec } from './generator-spec.js';
export {
  GENERATOR_PRESETS,
  generatorParameterCount,
  generatorWeightSpecs,
} from './generator-spec.js';

export type { BackendName } from './backend.js';
export { BACKEND_ORDER, initBackend } from './backend.js';

export { VitUnetGenerator } from './vitunet.js';
export type { DiscriminatorConfig } from './discriminator.js';
export {
  DISCRIMINATOR_PRESETS,
  PatchDiscriminator,
  discriminatorWeightSpecs,
} from './discriminator.js';

export type { CycleGanConfig, CycleGanLosses, CycleGanState } from './cyclegan.js';
export { CycleGan } from './cyclegan.js';
export type { InpaintingConfig, InpaintingState } from './inpainting.js';
export { InpaintingPretrainer } from './inpainting.js';
export type { AdamWState } from './adamw.js';
export type { ImagePoolState } from './imagepool.js';

export type { GeneratorName } from './checkpoint.js';
export { readCheckpoint, readGeneratorWeights } from './checkpoint.js';
export { linearDecayRate, warmRestartRate } from './schedule.js';
export type { PretrainConfig, TrainConfig } from './trainconfig.js';
export { TRAIN_PRESETS, resolvePretrainConfig, resolveTrainConfig } from './trainconfig.js';
export type { TrainingEvent, TrainingSummary } from './trainer.js';
export { runCycleGanTraining } from './train-run.js';
export { runPretraining } from './pretrain-run.js';

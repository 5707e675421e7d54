/**
 * Evaluation during training: both generators of a CycleGAN run, as they
 * are at a given step, over the first K paired test tiles of a tile file,
 * scored by L1 against the true partner with the do-nothing translation
 * as the yardstick.
 *
 * For K tile pairs (a, b) [K, h, w] (baseline-subtracted ADC):
 *   baseline_l1     = mean |a - b|            [ADC per pixel]
 *   l1_a_to_b       = mean |G_ab(a) - b|      [ADC per pixel]
 *   l1_ratio_a_to_b = l1_a_to_b / baseline_l1
 *   l1_ratio_b_to_a = mean |G_ba(b) - a| / baseline_l1
 * (mean |a - b| is also the baseline of the b -> a direction; the ratios
 * are NaN when a = b on all K tiles). A ratio
 * below 1 means the translation is closer to the truth than its input.
 * Tiles of another size than the generators' are translated as small
 * frames of overlapping, blended model tiles (pipeline/tiled-translator.ts),
 * exactly as `wiregan evaluate` scores them. The K tile pairs are read
 * once and held ([2, K, h, w] float32). The rows go to a score history
 * (pipeline/historywriter.ts layout: step, elapsed_s, one column per
 * score), rewritten whole at each row. Left out: the cycle errors and the
 * descriptive metrics of `wiregan evaluate` (they would double the cost).
 */
import { ConfigError, FileFormatError } from '../sim/errors.js';
import { HistoryWriter } from '../pipeline/historywriter.js';
import { TiledTranslator } from '../pipeline/tiled-translator.js';
import { TileFileReader } from '../pipeline/tilefile.js';
import type { EvalConfig } from './trainconfig.js';
import type { Translator } from './translator.js';

/** Columns of eval-history.arrow, in order. */
export const EVAL_COLUMNS = [
  'l1_ratio_a_to_b',
  'l1_ratio_b_to_a',
  'l1_a_to_b',
  'baseline_l1',
] as const;

export type EvalScores = Record<(typeof EVAL_COLUMNS)[number], number>;

/** Model-tile overlap when file tiles are larger than the generator's (as `wiregan evaluate`). */
const TILE_OVERLAP = 0.25;

/** Model tiles per generator call. */
const MODEL_BATCH = 64;

export class TrainingEvaluator {
  private constructor(
    readonly path: string,
    readonly tiles: number,
    readonly tileHeight: number,
    readonly tileWidth: number,
    /** [K, h, w] each. */
    private readonly realA: Float32Array,
    private readonly realB: Float32Array,
    readonly baselineL1: number,
  ) {}

  /** Reads the first `tiles` pairs of the test split of `path` (fewer when it has fewer). */
  static async open(path: string, tiles: number): Promise<TrainingEvaluator> {
    if (!(Number.isInteger(tiles) && tiles >= 1)) {
      throw new ConfigError(`eval.tiles must be an integer >= 1, got ${tiles}`);
    }
    const reader = await TileFileReader.open(path);
    try {
      const k = Math.min(tiles, reader.count('test'));
      if (k === 0) {
        throw new FileFormatError(path, 'the test split has no tiles to evaluate on', {
          dataset: 'test/a',
        });
      }
      const a = reader.readRange('test', 'a', 0, k);
      const b = reader.readRange('test', 'b', 0, k);
      const h = reader.tileHeight;
      const w = reader.tileWidth;
      return new TrainingEvaluator(path, k, h, w, a, b, meanAbsDiff(a, b));
    } finally {
      reader.close();
    }
  }

  /** Scores gen_ab and gen_ba; the translators stay open. */
  async evaluate(gab: Translator, gba: Translator): Promise<EvalScores> {
    const fakeB = await this.fit(gab).translate(this.realA, this.tiles);
    const fakeA = await this.fit(gba).translate(this.realB, this.tiles);
    const l1AB = meanAbsDiff(fakeB, this.realB);
    const l1BA = meanAbsDiff(fakeA, this.realA);
    const base = this.baselineL1;
    return {
      l1_ratio_a_to_b: l1AB / base,
      l1_ratio_b_to_a: l1BA / base,
      l1_a_to_b: l1AB,
      baseline_l1: base,
    };
  }

  /** The model itself when it takes the file's tiles, else a tiling wrapper (not closed). */
  private fit(model: Translator): Translator {
    if (model.tileHeight === this.tileHeight && model.tileWidth === this.tileWidth) return model;
    const image = [this.tileHeight, this.tileWidth] as const;
    return new TiledTranslator(model, { image, overlap: TILE_OVERLAP, batch: MODEL_BATCH });
  }
}

/** mean |x - y| over all values. */
function meanAbsDiff(x: Float32Array, y: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i] - y[i]);
  return sum / x.length;
}

/** Scoring during a run: the held-out tiles, the translators and the score history. */
export interface Evaluation {
  readonly every: number;
  readonly evaluator: TrainingEvaluator;
  readonly translators: { readonly gab: Translator; readonly gba: Translator };
  readonly history: HistoryWriter;
}

/**
 * A run's evaluation, or null when `config` asks for none (no data or
 * every = 0) or there are no translators; the score history at
 * `historyPath` keeps its rows up to `resumedStep`.
 */
export async function openEvaluation(
  config: EvalConfig | undefined,
  translators: Evaluation['translators'] | undefined,
  historyPath: string,
  resumedStep: number,
): Promise<Evaluation | null> {
  if (!config || config.data === '' || config.every === 0 || !translators) return null;
  const evaluator = await TrainingEvaluator.open(config.data, config.tiles);
  const history = HistoryWriter.resume(historyPath, EVAL_COLUMNS, resumedStep);
  return { every: config.every, evaluator, translators, history };
}

/** Scores the generators after `step` steps and records the row; returns the scores and the time taken. */
export async function evaluateAt(
  evaluation: Evaluation,
  step: number,
  elapsedS: number,
): Promise<{ scores: EvalScores; tiles: number; evalS: number }> {
  const started = performance.now();
  const { gab, gba } = evaluation.translators;
  const scores = await evaluation.evaluator.evaluate(gab, gba);
  evaluation.history.append(step, elapsedS, scores);
  await evaluation.history.flush();
  const evalS = (performance.now() - started) / 1000;
  return { scores, tiles: evaluation.evaluator.tiles, evalS };
}

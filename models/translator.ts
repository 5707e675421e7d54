/**
 * The contract of a tile translator: a generator that turns tiles of one
 * domain into tiles of the other, at the one tile size it was trained on.
 *
 * Tiles are float32 [n, h, w], row-major, h = wires (channels), w = ticks,
 * baseline-subtracted ADC in and out (any input scaling lives inside the
 * model). Implementations: `OnnxTranslator` (models/onnx-translator.ts).
 */
export interface Translator {
  /** Tile height h (wires) the model accepts. */
  readonly tileHeight: number;
  /** Tile width w (ticks) the model accepts. */
  readonly tileWidth: number;
  /** Translates n tiles [n, h, w] ADC into n tiles [n, h, w] ADC. */
  translate(tiles: Float32Array, n: number): Promise<Float32Array>;
  /** Releases the model; the translator cannot be used afterwards. */
  close(): Promise<void>;
}

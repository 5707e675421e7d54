/**
 * Wire-plane images as PNG: an image [h, w] (rows = wires, columns =
 * ticks) coloured on a symmetric-log scale, a horizontal colour bar for
 * that scale, and max-abs pooling to shrink a full frame for display.
 *
 * Pixels are drawn top row = first wire, left column = first tick, each
 * value as `pixelScale` x `pixelScale` screen pixels. Encoding is pngjs
 * (8-bit RGBA). Labels are left to the page that shows the image.
 */
import { PNG } from 'pngjs';

import { ConfigError, ShapeError } from '../sim/errors.js';
import { checkScale, diverging, normalise, type SymlogScale } from './colormap.js';

/** One image, row-major [h, w]. */
export interface Image2d {
  readonly data: Float32Array;
  readonly h: number;
  readonly w: number;
}

/** Encodes `image` on `scale`; the PNG is (w * pixelScale) x (h * pixelScale). */
export function imageToPng(image: Image2d, scale: SymlogScale, pixelScale = 1): Buffer {
  const { data, h, w } = checkImage(image);
  checkScale(scale);
  if (!(Number.isInteger(pixelScale) && pixelScale >= 1)) {
    throw new ConfigError(`imageToPng: pixelScale must be an integer >= 1, got ${pixelScale}`);
  }
  const png = new PNG({ width: w * pixelScale, height: h * pixelScale });
  for (let row = 0; row < h * pixelScale; row++) {
    const r = Math.floor(row / pixelScale);
    for (let col = 0; col < w * pixelScale; col++) {
      const colour = diverging(normalise(data[r * w + Math.floor(col / pixelScale)], scale));
      setPixel(png, col, row, colour);
    }
  }
  return PNG.sync.write(png);
}

/** A colour bar from -vmax (left) to +vmax (right), `width` x `height` pixels. */
export function colourbarPng(width: number, height: number): Buffer {
  if (!(Number.isInteger(width) && width >= 2 && Number.isInteger(height) && height >= 1)) {
    throw new ConfigError(
      `colourbarPng: expected width >= 2 and height >= 1, got ${width} x ${height}`,
    );
  }
  const png = new PNG({ width, height });
  for (let col = 0; col < width; col++) {
    const colour = diverging((2 * col) / (width - 1) - 1);
    for (let row = 0; row < height; row++) setPixel(png, col, row, colour);
  }
  return PNG.sync.write(png);
}

/**
 * Shrinks [h, w] by blocks of fh x fw, keeping in each block the value of
 * largest |x| (with its sign), so that narrow peaks survive. The result is
 * [ceil(h / fh), ceil(w / fw)]; edge blocks are partial.
 */
export function maxAbsPool(image: Image2d, fh: number, fw: number): Image2d {
  const { data, h, w } = checkImage(image);
  for (const [name, f] of [
    ['fh', fh],
    ['fw', fw],
  ] as const) {
    if (!(Number.isInteger(f) && f >= 1)) {
      throw new ConfigError(`maxAbsPool: ${name} must be an integer >= 1, got ${f}`);
    }
  }
  const [ph, pw] = [Math.ceil(h / fh), Math.ceil(w / fw)];
  const out = new Float32Array(ph * pw);
  for (let r = 0; r < h; r++) {
    const base = Math.floor(r / fh) * pw;
    for (let c = 0; c < w; c++) {
      const v = data[r * w + c];
      const k = base + Math.floor(c / fw);
      if (Math.abs(v) > Math.abs(out[k])) out[k] = v;
    }
  }
  return { data: out, h: ph, w: pw };
}

/** The largest |x| over some images, or `fallback` when all are zero. */
export function maxAbs(images: readonly Float32Array[], fallback = 1): number {
  let m = 0;
  for (const x of images) for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m > 0 ? m : fallback;
}

function setPixel(png: PNG, x: number, y: number, colour: readonly number[]): void {
  const i = (y * png.width + x) * 4;
  png.data[i] = colour[0];
  png.data[i + 1] = colour[1];
  png.data[i + 2] = colour[2];
  png.data[i + 3] = 255;
}

function checkImage(image: Image2d): Image2d {
  const { data, h, w } = image;
  if (!(Number.isInteger(h) && h > 0 && Number.isInteger(w) && w > 0) || data.length !== h * w) {
    throw new ShapeError(
      `image: expected [h, w] = [${h}, ${w}] (${h * w} values), got ${data.length}`,
    );
  }
  return image;
}

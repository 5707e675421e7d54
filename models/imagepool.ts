/**
 * The image pool of CycleGAN (Shrivastava et al., 2017; pix2pix/CycleGAN
 * and uvcgan code): discriminators see a mix of the newest fakes and older
 * ones. Until the pool holds `capacity` images each query image is stored
 * and returned; afterwards, with probability 0.5, a random stored image is
 * returned and replaced by the query image, else the query image itself.
 * A capacity of 0 returns every image unchanged. Images are Float32Arrays
 * of any fixed layout (here [h, w] ADC); the random draws come from a
 * seeded generator whose state, with the images, is the pool's state.
 */
import { ConfigError } from '../sim/errors.js';
import { Rng } from '../sim/random.js';

export interface ImagePoolState {
  capacity: number;
  images: Float32Array[];
  rng: number[];
}

export class ImagePool {
  private images: Float32Array[] = [];
  private rng: Rng;

  constructor(
    readonly capacity: number,
    seed: number,
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 0)) {
      throw new ConfigError(`poolSize: expected an integer >= 0, got ${capacity}`);
    }
    this.rng = new Rng(seed);
  }

  /** Number of images stored. */
  get size(): number {
    return this.images.length;
  }

  /** One image out per image in; stored images are copies. */
  query(batch: readonly Float32Array[]): Float32Array[] {
    if (this.capacity === 0) return [...batch];
    return batch.map((image) => {
      if (this.images.length < this.capacity) {
        this.images.push(Float32Array.from(image));
        return image;
      }
      if (this.rng.uniform() > 0.5) {
        const k = this.rng.integer(this.capacity);
        const stored = this.images[k];
        this.images[k] = Float32Array.from(image);
        return stored;
      }
      return image;
    });
  }

  state(): ImagePoolState {
    return {
      capacity: this.capacity,
      images: this.images.map((x) => Float32Array.from(x)),
      rng: this.rng.state(),
    };
  }

  restore(state: ImagePoolState): void {
    if (state.capacity !== this.capacity || state.images.length > this.capacity) {
      throw new ConfigError(
        `image pool: expected capacity ${this.capacity}, got a state of capacity ` +
          `${state.capacity} holding ${state.images.length} images`,
      );
    }
    this.images = state.images.map((x) => Float32Array.from(x));
    this.rng = Rng.fromState(state.rng);
  }
}

/**
 * @file Seeded random numbers (xoroshiro128+ from pure-rand). Every random choice in dlnlab goes
 * through an `Rng` built from the seed in the run's config, so a run is reproducible bit for bit.
 */
import { xoroshiro128plus, xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { JumpableRandomGenerator } from "pure-rand/types/JumpableRandomGenerator";

/** A seeded generator of uniforms and standard normals (Box–Muller; the spare normal is cached). */
export class Rng {
  private gen: JumpableRandomGenerator;
  private spare: number | null = null;

  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }

  /** An independent stream: this generator jumped 2^64 draws ahead (this one is unchanged). */
  fork(): Rng {
    const child = Object.create(Rng.prototype) as Rng;
    const gen = xoroshiro128plusFromState(this.gen.getState());
    gen.jump();
    child.gen = gen;
    child.spare = null;
    // Advance the parent as well so that successive forks differ.
    this.gen.jump();
    return child;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number {
    return uniformFloat64(this.gen);
  }

  /** Standard normal N(0, 1). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fill `out` with N(0, std²) draws and return it. */
  fillNormal(out: Float64Array, std = 1): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = std * this.normal();
    return out;
  }
}

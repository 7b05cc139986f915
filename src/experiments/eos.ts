/**
 * @file Edge-of-Stability diagnostics of one run, accumulated on the full record stream (before any
 * thinning): does the top-mode residual flip sign at every step while λ_max > 2/η (paper App. E.5),
 * does the variance of the gradient-flow leaf coordinates shrink over every pair of steps then, and is
 * it conserved once λ_max < 2/η (docs/theory.md §6)?
 */
import type { TrajectoryRecord } from "../engine/types.js";

/** Summary of the EoS phase of one run (top mode). */
export interface EosStats {
  /** Record stride in steps at the end (odd, so that a sign flip at every step shows between records). */
  stride: number;
  /** Records with λ_max > 2/η_t whose successor was recorded. */
  samples: number;
  /** Fraction of those after which r_1 changed sign. */
  alternation: number;
  /** Two-record pairs (2·stride steps) starting at a record with λ_max > 2/η_t. */
  pairs: number;
  /** Fraction of those pairs in which Var_k(z_k) decreased. */
  contraction: number;
  /** Var_k(z_k) at the first record with λ_max > 2/η_t, and at the end. */
  leafStart: number;
  leafEnd: number;
  /** Two-record pairs after the last record with λ_max > 2/η_t. */
  postPairs: number;
  /** Largest |ΔVar|/Var over those pairs. */
  postChange: number;
  /** First and last step with λ_max > 2/η_t (null when never). */
  first: number | null;
  last: number | null;
}

/** Population variance of the top-mode leaf coordinates (NaN when any is undefined). */
export function leafVariance(r: TrajectoryRecord): number {
  const z = r.leaf.map((row) => row[0]!);
  if (z.some((x) => !Number.isFinite(x))) return Number.NaN;
  const m = z.reduce((a, b) => a + b, 0) / z.length;
  return z.reduce((a, b) => a + (b - m) ** 2, 0) / z.length;
}

/** Streams records (in step order, equally spaced) and accumulates `EosStats`. */
export class EosTracker {
  private prev: TrajectoryRecord[] = []; // the last two records
  private pendingFlip: TrajectoryRecord | null = null;
  private pendingPair: TrajectoryRecord[] = []; // above-threshold records awaiting their +2 partner
  private post: number[] = [];
  private stats = { samples: 0, flips: 0, pairs: 0, contracts: 0, leafStart: Number.NaN, first: null as number | null, last: null as number | null };
  private stride = 0;
  private lastRecord: TrajectoryRecord | null = null;

  /** Feed the next record. */
  push(r: TrajectoryRecord): void {
    const p1 = this.prev[this.prev.length - 1];
    if (p1 && this.stride === 0) this.stride = r.step - p1.step;
    if (p1 && r.step - p1.step !== this.stride) {
      // A new stride (the record schedule grew) or the final record of an early stop: no pair
      // statistics across the change; continue with the new spacing.
      this.stride = r.step - p1.step;
      this.prev = [];
      this.pendingFlip = null;
      this.pendingPair = [];
    }
    if (this.pendingFlip) {
      this.stats.samples++;
      if (this.pendingFlip.residual[0]! * r.residual[0]! < 0) this.stats.flips++;
      this.pendingFlip = null;
    }
    const v = leafVariance(r);
    const p2 = this.prev.length === 2 ? this.prev[0]! : null;
    if (p2) {
      const v0 = leafVariance(p2);
      if (this.pendingPair.length > 0 && this.pendingPair[0] === p2) {
        this.pendingPair.shift();
        if (Number.isFinite(v0) && Number.isFinite(v)) {
          this.stats.pairs++;
          if (v < v0) this.stats.contracts++;
        }
      } else if (Number.isFinite(v0) && Number.isFinite(v) && v0 > 0 && p2.step > (this.stats.last ?? -Infinity)) {
        this.post.push(Math.abs(v - v0) / v0);
      }
    }
    const lam = r.sharpness?.[0];
    if (lam !== undefined && Number.isFinite(r.lr) && (lam * r.lr) / 2 > 1) {
      if (this.stats.first === null) {
        this.stats.first = r.step;
        this.stats.leafStart = v;
      }
      this.stats.last = r.step;
      this.pendingFlip = r;
      this.pendingPair.push(r);
      this.post = []; // only pairs after the last above-threshold record count as "after the EoS"
    }
    this.prev.push(r);
    if (this.prev.length > 2) this.prev.shift();
    this.lastRecord = r;
  }

  /** The statistics so far. */
  result(): EosStats {
    const s = this.stats;
    return {
      stride: this.stride,
      samples: s.samples,
      alternation: s.samples > 0 ? s.flips / s.samples : Number.NaN,
      pairs: s.pairs,
      contraction: s.pairs > 0 ? s.contracts / s.pairs : Number.NaN,
      leafStart: s.leafStart,
      leafEnd: this.lastRecord ? leafVariance(this.lastRecord) : Number.NaN,
      postPairs: this.post.length,
      postChange: this.post.length > 0 ? Math.max(...this.post) : Number.NaN,
      first: s.first,
      last: s.last,
    };
  }
}

/**
 * @file Seeded linearly separable data through the origin (docs/theory.md §9): two Gaussian clusters at
 * ±mean·u* around a random unit direction u*, with every point kept only if its signed distance
 * y·u*ᵀx to the hyperplane u*ᵀx = 0 is at least `margin` (rejection sampling). The data are then
 * separable with margin ≥ `margin` along u*; the max-margin direction is usually a different one.
 */
import type { Rng } from "../rng.js";

/** What defines a separable data set. */
export interface SeparableDataSpec {
  /** Number of points n (labels alternate +1, −1, +1, …). */
  points: number;
  /** Distance of the cluster centres from the origin along u* (default 1). */
  mean: number;
  /** Standard deviation of the isotropic Gaussian clusters (default 1). */
  spread: number;
  /** Smallest signed distance y·u*ᵀx kept (> 0; rejection sampling). */
  margin: number;
}

/** A data set: n points of dimension d as the rows of X, labels ±1, and the direction u* used to draw it. */
export interface SeparableData {
  n: number;
  d: number;
  /** n×d row-major: x_i is row i. */
  X: Float64Array;
  /** Labels y_i ∈ {+1, −1}. */
  y: Float64Array;
  /** The unit direction u* the clusters were drawn around. */
  direction: Float64Array;
}

/** Draw a separable data set of dimension d; throws a RangeError when the margin rejects almost every draw. */
export function separableData(d: number, spec: SeparableDataSpec, rng: Rng): SeparableData {
  const { points: n, mean, spread, margin } = spec;
  if (!(Number.isInteger(n) && n >= 2)) throw new RangeError(`classifier.data.points: must be an integer >= 2, got ${n}`);
  if (!(margin > 0)) throw new RangeError(`classifier.data.margin: must be > 0, got ${margin}`);
  const u = new Float64Array(d);
  let norm = 0;
  while (norm === 0) {
    for (let j = 0; j < d; j++) u[j] = rng.normal();
    norm = Math.hypot(...u);
  }
  for (let j = 0; j < d; j++) u[j] /= norm;
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  const x = new Float64Array(d);
  const maxDraws = 10_000 * n;
  let draws = 0;
  for (let i = 0; i < n; i++) {
    const label = i % 2 === 0 ? 1 : -1;
    for (;;) {
      if (++draws > maxDraws) {
        throw new RangeError(`classifier.data.margin: ${margin} rejects almost every point (mean ${mean}, spread ${spread}); use a smaller margin or a larger mean`);
      }
      let along = 0;
      for (let j = 0; j < d; j++) {
        x[j] = label * mean * u[j]! + spread * rng.normal();
        along += x[j]! * u[j]!;
      }
      if (label * along >= margin) break;
    }
    X.set(x, i * d);
    y[i] = label;
  }
  return { n, d, X, y, direction: u };
}

/**
 * @file The whole Hessian of a model as a dense matrix, column by column from its exact HVP
 * (H e_j), for tests that compare Lanczos with a dense eigendecomposition.
 */

/** A model with an exact Hessian-vector product at the θ of its last `evaluate()`. */
export interface HvpModel {
  readonly nParams: number;
  evaluate(): number;
  hvp(v: ArrayLike<number>, out: Float64Array): void;
}

/** H (n×n, row-major) at the current θ, H[i·n + j] = (H e_j)_i; not symmetrised (its asymmetry is rounding). */
export function denseHessian(model: HvpModel): Float64Array {
  const n = model.nParams;
  model.evaluate();
  const H = new Float64Array(n * n);
  const e = new Float64Array(n);
  const col = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    model.hvp(e, col);
    for (let i = 0; i < n; i++) H[i * n + j] = col[i]!;
  }
  return H;
}

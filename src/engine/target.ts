/**
 * @file Targets Y = U diag(σ) Vᵀ (docs/theory.md §2): given singular values in the identity basis, in a
 * seeded random orthogonal basis (symmetric U = V, or general U ≠ V), or an explicit matrix.
 */
import { frobenius, identity, randomOrthogonal, svd } from "./linalg/dense.js";
import type { Rng } from "./rng.js";

/** How the target's singular vectors are chosen. */
export type TargetBasis = "identity" | "symmetric" | "general";

/** What the user specifies about the target. */
export interface TargetSpec {
  /** Singular values σ_1 ≥ … (any order is accepted and sorted), padded with zeros to the width. */
  sigma?: readonly number[];
  /** Basis of the singular vectors when `sigma` is given; default "identity". */
  basis?: TargetBasis;
  /** An explicit d×d target as rows; its SVD supplies U, σ, V. Exclusive with `sigma`. */
  matrix?: readonly (readonly number[])[];
}

/** A target with its SVD; all matrices d×d row-major. */
export interface Target {
  readonly d: number;
  /** Y = U diag(σ) Vᵀ. */
  readonly Y: Float64Array;
  /** Left singular vectors as columns (u_i = column i). */
  readonly U: Float64Array;
  /** Right singular vectors as columns (v_i = column i). */
  readonly V: Float64Array;
  /** Singular values, decreasing, length d. */
  readonly sigma: Float64Array;
  /** True when U = V = I, so the SVS set is the set of diagonal layers. */
  readonly isIdentityBasis: boolean;
  /** ½‖Y‖²_F, the loss at F = 0; the scale of the loss tolerances. */
  readonly halfNormSq: number;
}

/** Build the target; `rng` is used only for random bases. */
export function createTarget(width: number, spec: TargetSpec, rng: Rng): Target {
  const d = width;
  if (spec.matrix) {
    const flat = new Float64Array(d * d);
    spec.matrix.forEach((row, i) => row.forEach((x, j) => (flat[i * d + j] = x)));
    const { u, s, v } = svd(d, flat);
    const Y = flat;
    const hn = frobenius(Y);
    return { d, Y, U: u, V: v, sigma: s, isIdentityBasis: false, halfNormSq: 0.5 * hn * hn };
  }
  const sigma = new Float64Array(d);
  const given = [...(spec.sigma ?? [])].sort((a, b) => b - a);
  given.forEach((x, i) => (sigma[i] = x));
  const basis = spec.basis ?? "identity";
  let U: Float64Array;
  let V: Float64Array;
  if (basis === "identity") {
    U = identity(d);
    V = identity(d);
  } else if (basis === "symmetric") {
    U = randomOrthogonal(d, rng);
    V = U;
  } else {
    U = randomOrthogonal(d, rng);
    V = randomOrthogonal(d, rng);
  }
  // Y = U diag(σ) Vᵀ, Y_ab = Σ_i U_ai σ_i V_bi.
  const Y = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      let acc = 0;
      for (let i = 0; i < d; i++) acc += U[a * d + i] * sigma[i] * V[b * d + i];
      Y[a * d + b] = acc;
    }
  }
  let half = 0;
  for (const x of sigma) half += 0.5 * x * x;
  return { d, Y, U, V, sigma, isIdentityBasis: basis === "identity", halfNormSq: half };
}

/// <reference path="./quadprog.d.ts" />
/**
 * @file The hard-margin SVM through the origin (docs/theory.md §9): the max-margin direction that gradient
 * descent on a deep linear classifier turns to. Solved as the primal QP min ½‖w‖² s.t. y_i wᵀx_i ≥ 1
 * (no bias: the network has none) by quadprog (Goldfarb–Idnani's dual active-set method), which also
 * returns the dual multipliers α_i; the KKT residuals of (w, α) are reported so a caller can see that
 * the solution is optimal, not just feasible.
 */
import quadprog from "quadprog";

/** Points (rows of the n×d matrix X) with labels ±1. */
export interface LabelledPoints {
  n: number;
  d: number;
  X: Float64Array;
  y: Float64Array;
}

/** KKT residuals of a hard-margin solution (all 0 at the exact optimum). */
export interface KktResiduals {
  /** max_i max(0, 1 − y_i wᵀx_i): primal feasibility. */
  primal: number;
  /** max_i max(0, −α_i): dual feasibility. */
  dual: number;
  /** ‖w − Σ_i α_i y_i x_i‖ / ‖w‖: stationarity of the Lagrangian. */
  stationarity: number;
  /** max_i |α_i (y_i wᵀx_i − 1)| / max_i α_i: complementary slackness. */
  complementarity: number;
}

/** The hard-margin SVM solution. */
export interface MaxMarginSolution {
  /** The minimum-norm w with y_i wᵀx_i ≥ 1 for every i. */
  w: Float64Array;
  /** w/‖w‖: the max-margin direction. */
  direction: Float64Array;
  /** Geometric margin γ = 1/‖w‖ = max over unit u of min_i y_i uᵀx_i. */
  margin: number;
  /** Dual multipliers α_i ≥ 0 (w = Σ_i α_i y_i x_i). */
  alpha: Float64Array;
  /** Indices of the support vectors (α_i > 10⁻⁹ max α). */
  support: number[];
  kkt: KktResiduals;
}

/**
 * Solve min ½‖w‖² s.t. y_i wᵀx_i ≥ 1 with quadprog (D = I, d = 0, A = [y_i x_i] column by column,
 * b0 = 1). Throws a RangeError when the points are not linearly separable through the origin.
 */
export function maxMarginDirection(data: LabelledPoints): MaxMarginSolution {
  const { n, d, X, y } = data;
  // quadprog is 1-indexed: row and column 0 are placeholders.
  const Dmat: number[][] = [[]];
  const dvec: number[] = [0];
  const Amat: number[][] = [[]];
  for (let j = 1; j <= d; j++) {
    const row = [0];
    for (let k = 1; k <= d; k++) row.push(j === k ? 1 : 0);
    Dmat.push(row);
    dvec.push(0);
    const a = [0];
    for (let i = 0; i < n; i++) a.push(y[i]! * X[i * d + j - 1]!);
    Amat.push(a);
  }
  const bvec = [0, ...new Array<number>(n).fill(1)];
  const res = quadprog.solveQP(Dmat, dvec, Amat, bvec, 0);
  if (res.message) {
    const what = /inconsistent/.test(res.message) ? "the points are not linearly separable through the origin" : res.message;
    throw new RangeError(`classifier.data: no max-margin solution (${what})`);
  }
  const w = Float64Array.from({ length: d }, (_, j) => res.solution[j + 1]!);
  const alpha = Float64Array.from({ length: n }, (_, i) => res.Lagrangian[i + 1]!);
  const norm = Math.hypot(...w);
  if (!(norm > 0) || !Number.isFinite(norm)) throw new RangeError("classifier.data: no max-margin solution (the points are not linearly separable through the origin)");
  const direction = w.map((x) => x / norm);
  const kkt = kktResiduals(data, w, alpha);
  const amax = Math.max(...alpha);
  const support = [...alpha.keys()].filter((i) => alpha[i]! > 1e-9 * amax);
  return { w, direction, margin: 1 / norm, alpha, support, kkt };
}

/** KKT residuals of a candidate (w, α) for min ½‖w‖² s.t. y_i wᵀx_i ≥ 1. */
export function kktResiduals(data: LabelledPoints, w: ArrayLike<number>, alpha: ArrayLike<number>): KktResiduals {
  const { n, d, X, y } = data;
  let primal = 0;
  let dual = 0;
  let comp = 0;
  let amax = 0;
  const combo = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let j = 0; j < d; j++) m += X[i * d + j]! * w[j]!;
    m *= y[i]!;
    primal = Math.max(primal, 1 - m);
    dual = Math.max(dual, -alpha[i]!);
    comp = Math.max(comp, Math.abs(alpha[i]! * (m - 1)));
    amax = Math.max(amax, alpha[i]!);
    for (let j = 0; j < d; j++) combo[j] += alpha[i]! * y[i]! * X[i * d + j]!;
  }
  let diff = 0;
  let wn = 0;
  for (let j = 0; j < d; j++) {
    diff += (w[j]! - combo[j]!) ** 2;
    wn += w[j]! ** 2;
  }
  return {
    primal: Math.max(0, primal),
    dual: Math.max(0, dual),
    stationarity: Math.sqrt(diff) / Math.sqrt(wn),
    complementarity: amax > 0 ? comp / amax : comp,
  };
}

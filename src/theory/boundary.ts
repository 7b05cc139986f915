/**
 * @file Predicted stopping boundary of large-step GD (docs/theory.md §4, paper Appendix E.6, eq. 69): GD
 * first follows gradient flow to the end point of its initial leaf, then, while the sharpness
 * exceeds 2/η, drifts across GF leaves toward the flattest allocation and stops at the first leaf
 * whose zero-loss sharpness is 2/η. Exact for K = 2; two approximations of the drift path for K > 2.
 */
import { optimalAllocation } from "./allocation.js";
import { centredLeaf, defaultInitScales, gradientFlowEndpoint, initialLeaf, leafCoordinate, zeroLossOnLeaf } from "./leaves.js";
import { brentRoot } from "./roots.js";
import { centralFlowPrediction } from "./central.js";
import { marginalTerm, modeTerm, pathwayTerm, singlePathSharpnesses } from "./sharpness.js";
import * as check from "./validate.js";
import { stabilityWindow } from "./windows.js";

/** How the end point is found for K > 2 (K = 2 is exact either way, and equals the central-flow end point). */
export type BoundaryApproximation =
  | "central-flow" // default: the end point of the reduced central flow of GD (docs/theory.md §11), no approximation of the path
  | "leaf-ray" // approximation, docs/theory.md §4: straight ray in centred leaf coordinates from the flattest leaf to the initial one
  | "drift-flow"; // approximation: integrate the second-order GD leaf drift dc/dρ = f'(s(c)) − mean f'(s(c)) (see leafDriftRate)

/** How `stoppingBoundary` obtained its point. */
export type BoundaryMethod =
  | "exact" // K = 2: the split on the dominant branch with λ = 2/η
  | "central-flow"
  | "leaf-ray"
  | "drift-flow"
  | "gf-endpoint"; // the GF end point is already stable (λ ≤ 2/η): no Edge-of-Stability phase

/** Predicted final state of large-step GD in one mode. */
export interface StoppingBoundary {
  /** Predicted final per-pathway coefficients s_k (Σ_k s_k = σ). */
  s: number[];
  /** Sharpness of s: 2/η, except for method "gf-endpoint" (then ≤ 2/η). */
  sharpness: number;
  method: BoundaryMethod;
  /** Leaf-ray parameter τ ∈ [0, 1] (0 = flattest leaf, 1 = initial leaf) for "leaf-ray"; 1 for "gf-endpoint"; else null. */
  tau: number | null;
  /** Index (0-based) of the originally dominant pathway: argmax_k (s_k^GF − s_k^*). */
  dominant: number;
  /** GF end point from the init scales (the state before the Edge-of-Stability phase). */
  gfEndpoint: number[];
  /** The optimal (flattest) allocation the drift heads toward. */
  optimum: number[];
  /** End-to-end init scales used (given or `defaultInitScales`). */
  initScales: number[];
}

/** Options of `stoppingBoundary`. */
export interface BoundaryOptions {
  /** End-to-end init scales α_k > 0 (per-layer a_k = α_k^{1/L_k}); default `defaultInitScales(K)`. */
  initScales?: readonly number[];
  /** End-point model for K > 2; default "central-flow" (docs/theory.md §11); "leaf-ray" and "drift-flow" are approximations. */
  approximation?: BoundaryApproximation;
  /** Predict also for η ≥ η_WCR (still below 2/λ_bal), where the transient may flip a sign; default false. */
  allowAboveWcr?: boolean;
}

/**
 * Predicted stopping boundary of GD with step η = `lr` for one mode of target σ > 0.
 * - K = 2 (exact): along the branch from the dominant pathway's single-path minimum to the
 *   flattest allocation s*, λ is convex with its minimum at s*, hence monotone, so s_d ∈ [s*_d, σ]
 *   solving `L_d s_d^{2−2/L_d} + L_o (σ−s_d)^{2−2/L_o} = 2/η` is unique; for homogeneous depth the
 *   dominant pathway keeps the larger share. Dominant d = argmax_k (s_k^GF − s*_k): the largest
 *   init scale for homogeneous depth (pathway 1 under the default init), the shallower pathway
 *   under equal tiny init.
 * - K > 2, "central-flow" (default): the end point of the reduced central flow from the init scales
 *   (`centralFlowPrediction`): it slides along λ = 2/η to the zero-loss point; within 1e-13 of the exact K = 2 split (test/theory/boundary.test.ts).
 * - K > 2, "leaf-ray" (approximation): centred leaves c(τ) = c* + τ(c₀ − c*), c₀ of the init and c* of s*
 *   (c* = 0, the balanced leaf, for homogeneous depth); τ is the largest in [0, 1] whose zero-loss
 *   point has λ = 2/η (64-point scan from τ = 1 down, then Brent). Needs every s*_k > 0.
 * - K > 2, "drift-flow" (approximation): from c₀ integrate dc/dρ = f'(s(c)) − mean_k f'(s(c)) (the (ηr)² leaf
 *   drift of one GD step, `leafDriftRate`; λ decreases along it) until λ(s(c)) = 2/η. Adaptive RK4,
 *   step-doubling error ≤ 1e-9·σ in s.
 * If λ(s^GF) ≤ 2/η the GF end point is returned (method "gf-endpoint").
 * Throws RangeError naming `lr` when η ≤ 2/λ_single of the dominant pathway, η ≥ 2/λ_bal, or
 * (unless `allowAboveWcr`) η ≥ η_WCR; naming `depths` for K < 2.
 * @example stoppingBoundary([4, 4], 1, 0.625).s // ≈ [0.7925, 0.2075]
 */
export function stoppingBoundary(
  depths: readonly number[], sigma: number, lr: number, opts: BoundaryOptions = {},
): StoppingBoundary {
  check.depths("depths", depths);
  check.positive("sigma", sigma);
  check.positive("lr", lr);
  const K = depths.length;
  if (K < 2) throw new RangeError(`depths: the stopping boundary needs at least 2 pathways, got ${K}`);
  const initScales = [...(opts.initScales ?? defaultInitScales(K))];
  const approximation = opts.approximation ?? "central-flow";
  if (approximation !== "central-flow" && approximation !== "leaf-ray" && approximation !== "drift-flow") {
    throw new RangeError(`approximation: expected "central-flow", "leaf-ray" or "drift-flow", got ${String(approximation)}`);
  }
  const window = stabilityWindow(depths, sigma);
  const optimum = optimalAllocation(depths, sigma).s;
  const gfEndpoint = gradientFlowEndpoint(depths, sigma, initScales);
  let dominant = 0;
  for (let k = 1; k < K; k++) {
    if (gfEndpoint[k]! - optimum[k]! > gfEndpoint[dominant]! - optimum[dominant]!) dominant = k;
  }
  const lambdaD = singlePathSharpnesses(depths, sigma)[dominant]!;
  const Ld = depths[dominant]!;
  const fmt = (x: number) => x.toPrecision(6);
  if (lr <= 2 / lambdaD) {
    throw new RangeError(
      `lr: ${lr} is at or below 2/λ_single = ${fmt(2 / lambdaD)} of the dominant pathway ${dominant + 1} (depth ${Ld}): ` +
        "its single-path minimum is stable, so GD ends near the gradient-flow end point (no re-balancing)",
    );
  }
  if (lr >= window.etaBalanced) {
    throw new RangeError(
      `lr: ${lr} is at or above 2/λ_bal = ${fmt(window.etaBalanced)}: even the flattest minimum is unstable ` +
        "(persistent oscillation or divergence, no stopping boundary)",
    );
  }
  if (!opts.allowAboveWcr && lr >= window.etaWcr) {
    throw new RangeError(
      `lr: ${lr} is at or above η_WCR = ${fmt(window.etaWcr)} (c_L = ${fmt(window.cL)}, depth ${Math.min(...depths)}): ` +
        "the dominant pathway may cross 0 during the transient (allow it explicitly to predict anyway)",
    );
  }
  const target = 2 / lr;
  const result = (s: number[], method: BoundaryMethod, tau: number | null): StoppingBoundary => ({
    s, sharpness: modeTerm(depths, s), method, tau, dominant, gfEndpoint, optimum, initScales,
  });
  const gfLambda = modeTerm(depths, gfEndpoint);
  if (gfLambda <= target) {
    return result(gfEndpoint, "gf-endpoint", 1);
  }
  if (K === 2) {
    const o = 1 - dominant;
    const Lo = depths[o]!;
    const excess = (x: number) => pathwayTerm(Ld, x) + pathwayTerm(Lo, sigma - x) - target;
    const x = brentRoot(excess, optimum[dominant]!, sigma).x;
    const s = [0, 0];
    s[dominant] = x;
    s[o] = sigma - x;
    return result(s, "exact", null);
  }
  if (approximation === "central-flow") {
    const p = centralFlowPrediction(depths, sigma, lr, { initScales });
    return result(p.s, "central-flow", null);
  }
  const c0 = centredLeaf(initialLeaf(depths, initScales));
  if (approximation === "drift-flow") {
    return result(driftFlowStop(depths, sigma, c0, target), "drift-flow", null);
  }
  const { s, tau } = leafRayStop(depths, sigma, optimum, c0, target);
  return result(s, "leaf-ray", tau);
}

/** Leaf-ray stop: largest τ ∈ [0, 1] with λ(zero-loss point of c* + τ(c₀ − c*)) = target. */
function leafRayStop(
  depths: readonly number[], sigma: number, optimum: readonly number[], c0: readonly number[], target: number,
): { s: number[]; tau: number } {
  const empty = optimum.flatMap((x, k) => (x > 0 ? [] : [k + 1]));
  if (empty.length > 0) {
    throw new RangeError(
      `depths: the leaf-ray approximation needs every pathway active at the optimal allocation; pathways ` +
        `${empty.join(",")} carry 0 there (depth-1/depth-2 corner of docs/theory.md §3); use the drift-flow approximation`,
    );
  }
  const cStar = centredLeaf(depths.map((L, k) => leafCoordinate(L, Math.pow(optimum[k]!, 1 / L))));
  const pointAt = (tau: number) => zeroLossOnLeaf(depths, sigma, cStar.map((c, k) => c + tau * (c0[k]! - c))).s;
  const excess = (tau: number) => modeTerm(depths, pointAt(tau)) - target;
  // The drift comes from τ = 1 (excess > 0 there) and stops at the first leaf that is stable.
  const scanPoints = 64;
  let hi = 1;
  let lo = 0;
  for (let j = 1; j <= scanPoints; j++) {
    const tau = 1 - j / scanPoints;
    lo = tau;
    if (excess(tau) <= 0) break;
    hi = tau;
  }
  const tau = brentRoot(excess, lo, hi).x;
  return { s: pointAt(tau), tau };
}

/**
 * Drift-flow stop: integrate dc/dρ = f'(s(c)) − mean f'(s(c)) from c₀ (adaptive RK4 with step
 * doubling on the zero-loss point s(c)) until λ(s(c)) falls to `target`, then locate the crossing
 * inside the last step by Brent on the step length.
 */
function driftFlowStop(depths: readonly number[], sigma: number, c0: readonly number[], target: number): number[] {
  const K = depths.length;
  const sOf = (c: readonly number[]) => zeroLossOnLeaf(depths, sigma, c).s;
  const rhs = (c: readonly number[]) => {
    const s = sOf(c);
    const m = depths.map((L, k) => marginalTerm(L, Math.max(s[k]!, 0)));
    const mean = m.reduce((acc, x) => acc + x, 0) / K;
    return m.map((x) => x - mean);
  };
  const axpy = (c: readonly number[], h: number, d: readonly number[]) => c.map((x, k) => x + h * d[k]!);
  const rk4 = (c: readonly number[], h: number, k1 = rhs(c)) => {
    const k2 = rhs(axpy(c, h / 2, k1));
    const k3 = rhs(axpy(c, h / 2, k2));
    const k4 = rhs(axpy(c, h, k3));
    return c.map((x, k) => x + (h / 6) * (k1[k]! + 2 * k2[k]! + 2 * k3[k]! + k4[k]!));
  };
  const excess = (c: readonly number[]) => modeTerm(depths, sOf(c)) - target;
  const tol = 1e-9 * sigma;
  let c = [...c0];
  let d = rhs(c);
  let h = 1e-3 / Math.max(...d.map(Math.abs));
  for (let step = 0; step < 100_000; step++) {
    const full = rk4(c, h, d);
    const half = rk4(c, h / 2, d);
    const two = rk4(half, h / 2);
    const sFull = sOf(full);
    const sTwo = sOf(two);
    const err = Math.max(...sFull.map((x, k) => Math.abs(x - sTwo[k]!)));
    if (err > tol) {
      h /= 2;
      continue;
    }
    if (excess(two) <= 0) {
      // Continuous path through the accepted half steps, ending exactly at `two`.
      const from = c;
      const d0 = d;
      const hh = h / 2;
      const path = (x: number) => (x === 0 ? from : x <= hh ? rk4(from, x, d0) : rk4(half, x - hh));
      return sOf(path(brentRoot((x) => excess(path(x)), 0, h).x));
    }
    c = two;
    d = rhs(c);
    if (err < tol / 32) h *= 2;
  }
  throw new Error("driftFlowStop: no stop within 100000 steps (please report: λ decreases along the flow)");
}

/**
 * @file Sharpness of zero-loss points on the depth-balanced SVS manifold (docs/theory.md §3, paper
 * Theorem 4.2 / Appendix D): mode i contributes λ_i = Σ_k L_k |s_{k,i}|^{2−2/L_k} and the
 * full-matrix sharpness is max_i λ_i. Depths 1 and 2 are evaluated exactly (1 and 2|s|).
 */
import * as check from "./validate.js";

/**
 * Contribution of one pathway of depth L carrying s to its mode's Hessian eigenvalue:
 * `L |s|^{2−2/L}` (= a^{2(L−1)}·L with s = a^L). Exact edge cases: L = 1 → 1 (also at s = 0: a
 * depth-1 pathway's Jacobian is 1 whatever it carries), L = 2 → 2|s|. Dimensionless curvature.
 * @example pathwaySharpness(4, 0.25) // 4·0.25^1.5 = 0.5
 */
export function pathwaySharpness(L: number, s: number): number {
  check.depth("depth", L);
  check.finite("s", s);
  return pathwayTerm(L, s);
}

/** Unchecked body of pathwaySharpness (module-internal: not re-exported from index; callers validate). */
export function pathwayTerm(L: number, s: number): number {
  if (L === 1) return 1;
  if (L === 2) return 2 * Math.abs(s);
  return L * Math.pow(Math.abs(s), 2 - 2 / L);
}

/**
 * Marginal sharpness d/ds (L s^{2−2/L}) = `2(L−1) s^{1−2/L}` for s ≥ 0 (the KKT gradient of §3).
 * Exact edge cases: L = 1 → 0, L = 2 → 2 (constant), L > 2 → 0 at s = 0.
 * @example marginalSharpness(4, 0.25) // 2·3·0.25^0.5 = 3
 */
export function marginalSharpness(L: number, s: number): number {
  check.depth("depth", L);
  check.nonNegative("s", s);
  return marginalTerm(L, s);
}

/** Unchecked body of marginalSharpness (module-internal). */
export function marginalTerm(L: number, s: number): number {
  if (L === 1) return 0;
  if (L === 2) return 2;
  return 2 * (L - 1) * Math.pow(s, 1 - 2 / L);
}

/**
 * Hessian eigenvalue of one mode at a zero-loss point: `λ = Σ_k L_k |s_k|^{2−2/L_k}` for the
 * per-pathway coefficients s_k of that mode (any allocation, not only optimal ones).
 * @example modeSharpness([4, 4], [0.7, 0.3]) // 4(0.7^1.5 + 0.3^1.5) ≈ 2.99992
 */
export function modeSharpness(depths: readonly number[], s: readonly number[]): number {
  check.depths("depths", depths);
  check.list("s", s, depths.length);
  return modeTerm(depths, s);
}

/** Unchecked body of modeSharpness (module-internal). */
export function modeTerm(depths: readonly number[], s: ArrayLike<number>): number {
  let lambda = 0;
  for (let k = 0; k < depths.length; k++) lambda += pathwayTerm(depths[k]!, s[k]!);
  return lambda;
}

/** Per-mode and overall sharpness of a multi-mode zero-loss point. */
export interface SharpnessReport {
  /** λ_i = Σ_k L_k |s_{k,i}|^{2−2/L_k} for each mode i. */
  perMode: number[];
  /** max_i λ_i: the full-matrix sharpness λ_max(∇²ℒ) (cross-mode directions are never larger, §3). */
  overall: number;
}

/**
 * Sharpness of a zero-loss point given `s[k][i]` (pathway k, mode i; every row the same length d ≥ 1):
 * per mode `λ_i = Σ_k L_k |s_{k,i}|^{2−2/L_k}`, overall `max_i λ_i`.
 * @example sharpness([4, 4], [[0.7, 0.2], [0.3, 0.1]]).overall // λ of mode 0 ≈ 2.99992
 */
export function sharpness(depths: readonly number[], s: readonly (readonly number[])[]): SharpnessReport {
  check.depths("depths", depths);
  if (s.length !== depths.length) throw new RangeError(`s: expected ${depths.length} rows (one per pathway), got ${s.length}`);
  const d = s[0]!.length;
  if (d === 0) throw new RangeError("s: expected at least one mode per pathway");
  s.forEach((row, k) => check.list(`s[${k}]`, row, d, check.finite, "modes"));
  const perMode: number[] = [];
  for (let i = 0; i < d; i++) perMode.push(modeTerm(depths, s.map((row) => row[i]!)));
  return { perMode, overall: Math.max(...perMode) };
}

/**
 * Sharpness of the single-path (winner-takes-all) minimum of a homogeneous network, K pathways of
 * depth L, target σ: `λ_single = L σ^{2−2/L}` (the idle pathways add 0), except L = 1 where each of
 * the K depth-1 pathways adds 1: λ_single = K. `pathways` defaults to 1 (a lone chain).
 * @example singlePathSharpness(4, 1) // 4
 */
export function singlePathSharpness(L: number, sigma: number, pathways = 1): number {
  check.depth("depth", L);
  check.nonNegative("sigma", sigma);
  check.depth("pathways", pathways);
  return L === 1 ? pathways : pathwayTerm(L, sigma);
}

/**
 * Sharpness of the equal split s_k = σ/K of a homogeneous network (the flattest allocation for
 * L > 2, §3 Jensen): `λ_bal = L K^{2/L−1} σ^{2−2/L}`; L = 2 → 2σ, L = 1 → K (exactly).
 * @example balancedSharpness(4, 1, 2) // 4/√2 ≈ 2.8284
 */
export function balancedSharpness(L: number, sigma: number, pathways: number): number {
  check.depth("depth", L);
  check.nonNegative("sigma", sigma);
  check.depth("pathways", pathways);
  if (L === 1) return pathways;
  if (L === 2) return 2 * sigma;
  return pathways * pathwayTerm(L, sigma / pathways);
}

/**
 * Reduction factor λ_bal / λ_single of a homogeneous network: `K^{2/L−1}` for L ≥ 2 (= 1 at L = 2,
 * decreasing in K and L for L > 2), and exactly 1 for L = 1 (every allocation has sharpness K).
 * Independent of σ > 0.
 * @example reductionFactor(4, 2) // 2^{−1/2} ≈ 0.7071
 */
export function reductionFactor(L: number, pathways: number): number {
  check.depth("depth", L);
  check.depth("pathways", pathways);
  if (L <= 2) return 1;
  return Math.pow(pathways, 2 / L - 1);
}

/**
 * Sharpness of each single-path minimum of a (possibly heterogeneous) network: entry k is λ at
 * s = σ e_k, i.e. `L_k σ^{2−2/L_k}` plus 1 for every other depth-1 pathway (exact accounting).
 * @example singlePathSharpnesses([2, 4], 1) // [2, 4]
 */
export function singlePathSharpnesses(depths: readonly number[], sigma: number): number[] {
  check.depths("depths", depths);
  check.nonNegative("sigma", sigma);
  const idle = depths.filter((L) => L === 1).length;
  return depths.map((L) => (L === 1 ? idle : idle + pathwayTerm(L, sigma)));
}

/**
 * @file The flattest zero-loss allocation of one mode over pathways of any depths (docs/theory.md §3,
 * paper Theorem 4.2 and its heterogeneous-depth extension): minimise Σ_k L_k s_k^{2−2/L_k} subject
 * to Σ_k s_k = σ, s_k ≥ 0, by its KKT conditions and a 1-D root solve in log μ.
 */
import { brentRoot } from "./roots.js";
import { marginalTerm, modeTerm } from "./sharpness.js";
import * as check from "./validate.js";

/** The optimal allocation of one mode and its certificate. */
export interface Allocation {
  /** s_k ≥ 0 per pathway, Σ_k s_k = σ. Where optima form an interval (see `free`), the equal split among `free`. */
  s: number[];
  /** Its sharpness Σ_k L_k s_k^{2−2/L_k}: the smallest over all feasible allocations. */
  sharpness: number;
  /** KKT multiplier μ: every pathway with s_k > 0 has marginal 2(L_k−1) s_k^{1−2/L_k} = μ, idle ones ≥ μ. */
  mu: number;
  /** Pathways whose individual shares are not unique (≥ 2 depth-1 pathways, or ≥ 2 depth-2 ones at μ = 2); their total is. */
  free: number[];
}

/**
 * Flattest allocation `argmin Σ_k L_k s_k^{2−2/L_k}` s.t. `Σ_k s_k = σ`, `s_k ≥ 0`, σ ≥ 0.
 *
 * Objective terms are convex: constant 1 (L = 1), linear 2s (L = 2), strictly convex L s^p with
 * p = 2 − 2/L ∈ (1, 2) (L > 2). So KKT is necessary and sufficient: there is μ with
 * f_k'(s_k) = μ where s_k > 0 and f_k'(0) ≥ μ where s_k = 0, marginals f_k' = 0 (L = 1),
 * 2 (L = 2), 2(L−1)s^{1−2/L} (L > 2, rising from 0 at s = 0 to ∞). Which pathways are active:
 * - some L_k = 1: μ = 0. Every L ≥ 2 pathway has f'(0) ≥ 0 = μ, and an L > 2 pathway at μ = 0 has
 *   s = 0; the objective is then #depth-1, its floor, reached only with all L ≥ 2 shares 0. The
 *   depth-1 pathways share σ arbitrarily (constant terms): we return the equal split (`free` lists them when there are ≥ 2).
 * - else some L_k = 2, deep ones (L > 2) with s_k(μ) = (μ/(2(L_k−1)))^{L_k/(L_k−2)}, S₂ = Σ_deep s_k(2):
 *   if σ ≤ S₂, μ ≤ 2 solves Σ_deep s_k(μ) = σ and depth-2 pathways stay at 0 (f'(0) = 2 ≥ μ);
 *   if σ > S₂, μ = 2 (a depth-2 pathway is active, so μ = its constant marginal), the deep ones take
 *   s_k(2) and the depth-2 pathways share σ − S₂ arbitrarily (linear, equal slopes): equal split.
 * - else (all L_k > 2): every pathway is active when σ > 0, since an idle one would need
 *   f'(0) = 0 ≥ μ while an active one has μ = f'(s) > 0; μ solves Σ_k s_k(μ) = σ (increasing in μ).
 * Deep shares are unique by strict convexity. σ = 0 gives s = 0 (μ = 0).
 * The root solve runs in t = log μ on the bracket [min_k t_k(σ/K), min_k t_k(σ)], t_k(x) the t at
 * which s_k alone equals x, to machine precision (relative error of μ and s_k ≲ 1e-15).
 * @example optimalAllocation([4, 4], 1).s // [0.5, 0.5]
 */
export function optimalAllocation(depths: readonly number[], sigma: number): Allocation {
  check.depths("depths", depths);
  check.nonNegative("sigma", sigma);
  const K = depths.length;
  const s = new Array<number>(K).fill(0);
  const idx = (L: (d: number) => boolean) => depths.flatMap((d, k) => (L(d) ? [k] : []));
  const ones = idx((d) => d === 1);
  const twos = idx((d) => d === 2);
  const deep = idx((d) => d > 2);
  const done = (mu: number, free: number[]): Allocation => ({ s, sharpness: modeTerm(depths, s), mu, free });

  if (ones.length > 0) {
    for (const k of ones) s[k] = sigma / ones.length;
    return done(0, ones.length > 1 ? ones : []);
  }
  if (sigma === 0) return done(0, []);
  if (twos.length > 0) {
    let s2 = 0;
    for (const k of deep) s2 += deepShare(depths[k]!, Math.log(2));
    if (deep.length === 0 || sigma > s2) {
      for (const k of deep) s[k] = deepShare(depths[k]!, Math.log(2));
      for (const k of twos) s[k] = (sigma - s2) / twos.length;
      return done(2, twos.length > 1 ? twos : []);
    }
  }
  if (deep.every((k) => depths[k] === depths[deep[0]!])) {
    // Equal deep depths: the equal split solves KKT exactly (no rounding from the root solve).
    for (const k of deep) s[k] = sigma / deep.length;
    return done(marginalTerm(depths[deep[0]!]!, sigma / deep.length), []);
  }
  // All shares on the deep pathways, μ from Σ_deep s_k(μ) = σ.
  const logSigma = Math.log(sigma);
  const tAt = (k: number, logX: number) => {
    const L = depths[k]!;
    return Math.log(2 * (L - 1)) + (logX * (L - 2)) / L;
  };
  let tLo = Infinity;
  let tHi = Infinity;
  for (const k of deep) {
    tLo = Math.min(tLo, tAt(k, logSigma - Math.log(deep.length)));
    tHi = Math.min(tHi, tAt(k, logSigma));
  }
  // log Σ_k s_k(e^t) − log σ, increasing in t; log-sum-exp keeps tiny and huge σ finite.
  const g = (t: number) => {
    let mx = -Infinity;
    for (const k of deep) mx = Math.max(mx, logDeepShare(depths[k]!, t));
    let sum = 0;
    for (const k of deep) sum += Math.exp(logDeepShare(depths[k]!, t) - mx);
    return mx + Math.log(sum) - logSigma;
  };
  // Widen by a hair: the ends are exact only in real arithmetic (g(tHi) can round to −1e-14).
  const pad = 1e-9 * (1 + Math.abs(tLo) + Math.abs(tHi));
  const t = brentRoot(g, tLo - pad, tHi + pad).x;
  for (const k of deep) s[k] = deepShare(depths[k]!, t);
  return done(Math.exp(t), []);
}

/** log s_k(μ) = L/(L−2) · (log μ − log(2(L−1))) for a pathway of depth L > 2, at t = log μ. */
function logDeepShare(L: number, t: number): number {
  return (L / (L - 2)) * (t - Math.log(2 * (L - 1)));
}

/** s_k(μ) = (μ/(2(L−1)))^{L/(L−2)} at t = log μ. */
function deepShare(L: number, t: number): number {
  return Math.exp(logDeepShare(L, t));
}

/**
 * Sharpness of the flattest allocation, `min Σ_k L_k s_k^{2−2/L_k}` over Σ s_k = σ, s ≥ 0
 * (= λ_bal = L K^{2/L−1} σ^{2−2/L} for homogeneous depth L > 2).
 * @example allocationSharpness([2, 4, 6], 1) // ≈ 1.8544 (the depth-2 pathway carries 80%)
 */
export function allocationSharpness(depths: readonly number[], sigma: number): number {
  return optimalAllocation(depths, sigma).sharpness;
}

/**
 * Largest violation of the KKT conditions of `optimalAllocation`, relative to max(μ, 1) (and to σ
 * for the constraint): max over |Σ s − σ|/σ, |f_k'(s_k) − μ| (s_k > 0), (μ − f_k'(0))₊ (s_k = 0),
 * and (−s_k)₊. 0 for an exact KKT point; used by tests and as a runtime certificate.
 */
export function kktResidual(depths: readonly number[], sigma: number, s: readonly number[], mu: number): number {
  check.depths("depths", depths);
  check.list("s", s, depths.length);
  const scale = Math.max(mu, 1);
  let sum = 0;
  let worst = 0;
  for (let k = 0; k < depths.length; k++) {
    const sk = s[k]!;
    sum += sk;
    worst = Math.max(worst, -sk / Math.max(sigma, 1e-300));
    const m = marginalTerm(depths[k]!, Math.max(sk, 0));
    worst = Math.max(worst, sk > 0 ? Math.abs(m - mu) / scale : (mu - m) / scale);
  }
  worst = Math.max(worst, sigma > 0 ? Math.abs(sum - sigma) / sigma : Math.abs(sum));
  return worst;
}

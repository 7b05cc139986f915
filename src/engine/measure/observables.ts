/**
 * @file Observables derived from the mode coefficients s[k][i] (docs/theory.md §6): balance index,
 * balancing gap, and gradient-flow leaf coordinates.
 */
import type { System } from "../dynamics/systems.js";

/**
 * Balance index (Σ_k s_k)² / (K Σ_k s_k²) ∈ [1/K, 1] of one mode: 1 = equal split, 1/K = one pathway.
 * Scale-free, so tiny (1e-300) or huge coefficients whose squares under- or overflow are first divided
 * by the largest |s_k|; NaN only where it is undefined: every s_k = 0 (or a non-finite s_k).
 */
export function balanceIndex(s: ArrayLike<number>): number {
  let sum = 0;
  let sq = 0;
  for (let k = 0; k < s.length; k++) {
    sum += s[k];
    sq += s[k] * s[k];
  }
  // The plain sums serve every ordinary case (and keep its rounding); sums near the subnormal range (which
  // lose digits before reaching 0) or near overflow are rescaled.
  if (sq > 1e-280 && sq < 1e280) return (sum * sum) / (s.length * sq);
  let m = 0;
  for (let k = 0; k < s.length; k++) m = Math.max(m, Math.abs(s[k]));
  if (!(m > 0) || !Number.isFinite(m)) return Number.NaN;
  sum = 0;
  sq = 0;
  for (let k = 0; k < s.length; k++) {
    const x = s[k] / m;
    sum += x;
    sq += x * x;
  }
  return (sum * sum) / (s.length * sq);
}

/**
 * Normalised balance (K·BI − 1)/(K − 1) ∈ [0, 1] of one mode, BI the `balanceIndex`: 0 = one pathway
 * carries the mode, 1 = equal split (the phase diagram's scale; NaN for K = 1 or s = 0).
 */
export function normalisedBalance(s: ArrayLike<number>): number {
  const K = s.length;
  return K < 2 ? Number.NaN : (K * balanceIndex(s) - 1) / (K - 1);
}

/** Balancing gap Var_k(s_k) (population variance over the K pathways) of one mode. */
export function balancingGap(s: ArrayLike<number>): number {
  const K = s.length;
  let mean = 0;
  for (let k = 0; k < K; k++) mean += s[k];
  mean /= K;
  let v = 0;
  for (let k = 0; k < K; k++) v += (s[k] - mean) ** 2;
  return v / K;
}

/**
 * Per-layer scalar a = s^{1/L} of a depth-balanced pathway (real root: negative s is allowed for odd
 * L; NaN for even L).
 */
export function layerScalar(s: number, L: number): number {
  if (s >= 0) return Math.pow(s, 1 / L);
  return L % 2 === 1 ? -Math.pow(-s, 1 / L) : Number.NaN;
}

/**
 * GF leaf coordinate of a depth-L pathway with layer scalar a (docs/theory.md §6): z = a^{2−L}/(L−2) for
 * L > 2, −log a for L = 2, −a for L = 1; NaN where undefined (a ≤ 0 for L ≥ 2). Under gradient flow
 * dz/dt = r for every pathway of a mode. The theory's checked `leafCoordinate` uses this formula.
 */
export function leafValue(L: number, a: number): number {
  if (L === 1) return -a;
  if (!(a > 0)) return Number.NaN;
  if (L === 2) return -Math.log(a);
  return Math.pow(a, 2 - L) / (L - 2);
}

/**
 * Centre of a period-2 oscillation at a run's final state: the mean of its mode coefficients `s`
 * (s[k][i], measured at the system's current state) and those after one more GD step of size `eta`.
 * Steps the system (call it once the run is over); NaN where the final loss is not finite.
 */
export function periodTwoCentre(sys: System, eta: number, s: readonly (readonly number[])[], finalLoss: number): number[][] {
  if (!Number.isFinite(finalLoss)) return s.map((row) => row.map(() => Number.NaN));
  sys.step(eta);
  sys.evaluate();
  const next = new Float64Array(sys.K * sys.d);
  sys.coefficients(next);
  return s.map((row, k) => row.map((x, i) => (x + next[k * sys.d + i]!) / 2));
}

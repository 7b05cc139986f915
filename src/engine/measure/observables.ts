/**
 * @file Observables derived from the mode coefficients s[k][i] (docs/theory.md §6): balance index,
 * balancing gap, and gradient-flow leaf coordinates.
 */

/** Balance index (Σ_k s_k)² / (K Σ_k s_k²) ∈ [1/K, 1] of one mode: 1 = equal split, 1/K = one pathway. */
export function balanceIndex(s: ArrayLike<number>): number {
  let sum = 0;
  let sq = 0;
  for (let k = 0; k < s.length; k++) {
    sum += s[k];
    sq += s[k] * s[k];
  }
  return sq === 0 ? Number.NaN : (sum * sum) / (s.length * sq);
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

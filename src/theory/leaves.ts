/**
 * @file Gradient-flow leaves (docs/theory.md §6, paper Appendix E.3): under GF every pathway's leaf
 * coordinate z_k obeys dz_k/dt = r, so z − mean(z) is conserved and the initial leaf fixes the GF end
 * point. GD breaks the conservation at second order in ηr, which is what boundary.ts builds on.
 */
import { leafValue } from "../engine/measure/observables.js";
import { brentRoot, walkUntil } from "./roots.js";
import { marginalTerm } from "./sharpness.js";
import * as check from "./validate.js";

/**
 * GF leaf coordinate of a per-layer scalar a > 0 of a depth-L pathway: `z = a^{2−L}/(L−2)` (L > 2),
 * `z = −log a` (L = 2), `z = −a` (L = 1, any finite a). Under GF, dz/dt = r (the mode residual).
 * @example leafCoordinate(4, 0.2) // 0.2^{−2}/2 = 12.5
 */
export function leafCoordinate(L: number, a: number): number {
  check.depth("depth", L);
  if (L === 1) return -check.finite("a", a);
  check.positive("a", a);
  return leafValue(L, a);
}

/**
 * End-to-end coefficient s = a^L of the point with leaf coordinate z (inverse of leafCoordinate):
 * `((L−2)z)^{−L/(L−2)}` for z > 0 and +∞ for z ≤ 0 (L > 2; GF blows up there), `e^{−2z}` (L = 2),
 * `−z` (L = 1).
 * @example shareFromLeaf(4, 12.5) // 0.2^4 = 0.0016
 */
export function shareFromLeaf(L: number, z: number): number {
  check.depth("depth", L);
  check.finite("z", z);
  return shareOf(L, z);
}

function shareOf(L: number, z: number): number {
  if (L === 1) return -z;
  if (L === 2) return Math.exp(-2 * z);
  if (!(z > 0)) return Infinity;
  return Math.exp((-L / (L - 2)) * Math.log((L - 2) * z));
}

/**
 * Leaf coordinates z_k of the depth-balanced point with end-to-end init scales α_k > 0, per-layer
 * scalars a_k = α_k^{1/L_k} (the paper's initialisation, docs/theory.md §2).
 * @example initialLeaf([4, 4], [0.0016, 0.00130321]) // [12.5, 13.85…]
 */
export function initialLeaf(depths: readonly number[], initScales: readonly number[]): number[] {
  check.depths("depths", depths);
  check.list("initScales", initScales, depths.length, check.positive);
  return depths.map((L, k) => {
    const z = leafValue(L, Math.pow(initScales[k]!, 1 / L));
    if (!Number.isFinite(z)) {
      throw new RangeError(`initScales[${k}]: leaf coordinate overflows (α^{(2−L)/L} too large for depth ${L}); use a larger scale`);
    }
    return z;
  });
}

/** Centred leaf `c = z − mean(z)`: the GF-conserved part of the leaf coordinates. */
export function centredLeaf(z: readonly number[]): number[] {
  if (z.length === 0) throw new RangeError("z: expected at least one leaf coordinate");
  z.forEach((x, k) => check.finite(`z[${k}]`, x));
  const mean = z.reduce((acc, x) => acc + x, 0) / z.length;
  return z.map((x) => x - mean);
}

/** The zero-loss point of a GF leaf. */
export interface LeafPoint {
  /** s_k = share of z_k = c_k + m, with Σ_k s_k = σ. */
  s: number[];
  /** The common shift m. */
  shift: number;
}

/**
 * Zero-loss point of the GF leaf through offsets c (any vector; only differences matter): the
 * common shift m with `Σ_k s_k(c_k + m) = σ`, σ > 0, s_k the share of leaf coordinate c_k + m
 * (`shareFromLeaf`). Σ_k s_k is decreasing in m, so m is unique. With pathways deeper than 2 the
 * shift is solved as m = m₀ + e^u, m₀ = max_{L_k>2}(−c_k) (where the first deep share blows up),
 * so the smallest deep z keeps full relative precision.
 * @example zeroLossOnLeaf([4, 4], 1, [0, 0]).s // [0.5, 0.5]
 */
export function zeroLossOnLeaf(depths: readonly number[], sigma: number, c: readonly number[]): LeafPoint {
  check.depths("depths", depths);
  check.positive("sigma", sigma);
  check.list("c", c, depths.length);
  return leafPoint(depths, sigma, c);
}

function leafPoint(depths: readonly number[], sigma: number, c: readonly number[]): LeafPoint {
  const K = depths.length;
  let m0 = -Infinity;
  for (let k = 0; k < K; k++) if (depths[k]! > 2) m0 = Math.max(m0, -c[k]!);
  // Deep pathways: the pathway attaining m0 has z = (c_k + m0) + e^u with c_k + m0 = 0 exactly.
  const shiftOf = m0 === -Infinity ? (u: number) => u : (u: number) => m0 + Math.exp(u);
  const zOf = (k: number, u: number) => (m0 === -Infinity ? c[k]! + u : c[k]! + m0 + Math.exp(u));
  const excess = (u: number) => {
    let total = 0;
    for (let k = 0; k < K; k++) total += shareOf(depths[k]!, zOf(k, u));
    return total - sigma;
  };
  // excess is decreasing in u: walk outward from 0 until it changes sign.
  const e0 = excess(0);
  let lo: number;
  let hi: number;
  if (e0 === 0) {
    lo = 0;
    hi = 0;
  } else if (e0 > 0) {
    [lo, hi] = walkUntil(0, (u) => 2 * u + 1, (u) => excess(u) <= 0);
  } else {
    [hi, lo] = walkUntil(0, (u) => 2 * u - 1, (u) => excess(u) >= 0);
  }
  const u = lo === hi ? lo : brentRoot(excess, lo, hi).x;
  return { s: depths.map((L, k) => shareOf(L, zOf(k, u))), shift: shiftOf(u) };
}

/**
 * Gradient-flow end point from end-to-end init scales α_k: the zero-loss point of the initial leaf
 * (GF keeps z_k − z_j fixed, docs/theory.md §6). For L > 2 and tiny α the largest-α (or shallowest)
 * pathway takes nearly all of σ (winner-takes-all); depth-2 pathways keep their ratio s_k/s_j.
 * @example gradientFlowEndpoint([4, 4], 1, [0.0016, 0.00130321]) // ≈ [0.9285, 0.0715]
 */
export function gradientFlowEndpoint(depths: readonly number[], sigma: number, initScales: readonly number[]): number[] {
  check.positive("sigma", sigma);
  return leafPoint(depths, sigma, initialLeaf(depths, initScales)).s;
}

/**
 * Default end-to-end init scales for K pathways: `α_k = 10⁻⁶ · 0.9^{k−1}` (k = 1…K): tiny, with
 * pathway 1 slightly largest, so that GF ends near pathway 1's (or, for heterogeneous depths, the
 * shallowest pathway's) single-path minimum for every depth ≥ 3 without overflowing the leaf
 * coordinates up to depth ~10⁴.
 */
export function defaultInitScales(K: number): number[] {
  check.depth("pathways", K);
  return Array.from({ length: K }, (_, k) => 1e-6 * Math.pow(0.9, k));
}

/**
 * Second-order drift of the leaf coordinates under one GD step (why GD leaves its GF leaf): from
 * a_k ← a_k − η r a_k^{L_k−1}, `Δz_k = η r + (η r)² · ¼ f_k'(s_k) + O((η r)³)` with f_k' the marginal
 * sharpness 2(L_k−1)s_k^{1−2/L_k} (exact 0 for L = 1, ½ for L = 2). Returns ¼ f_k'(s_k) per pathway:
 * the cross-leaf drift per unit (η r)². Its centred part vanishes exactly at the flattest allocation.
 * @example leafDriftRate([4, 4], [0.81, 0.19]) // [¼·6·0.9, ¼·6·√0.19] ≈ [1.35, 0.654]
 */
export function leafDriftRate(depths: readonly number[], s: readonly number[]): number[] {
  check.depths("depths", depths);
  check.list("s", s, depths.length, check.nonNegative);
  return depths.map((L, k) => marginalTerm(L, s[k]!) / 4);
}

/**
 * @file The deep-chain map and its worst-case-return (WCR) ceiling (docs/theory.md §5, paper Section 6
 * and Appendix F): one pathway of depth L carrying a mode, x ← x − η(x^L − y)x^{L−1}, and the
 * largest normalised step c_L for which every overshoot returns into (0, 1) without crossing 0.
 */
import { brentRoot, walkUntil } from "./roots.js";
import * as check from "./validate.js";

/**
 * One GD step of the deep chain of depth L with target y: `x ← x − η (x^L − y) x^{L−1}`
 * (fixed point x* = y^{1/L}; per-layer scalar x, end-to-end value x^L).
 * @example chainStep(0.5, 4, 1, 0.1) // 0.5 + 0.1·0.9375·0.125 = 0.51171875
 */
export function chainStep(x: number, L: number, y: number, lr: number): number {
  check.finite("x", x);
  check.depth("depth", L);
  check.finite("y", y);
  check.finite("lr", lr);
  return x - lr * (Math.pow(x, L) - y) * Math.pow(x, L - 1);
}

/**
 * Normalised deep-chain map `g_h(z) = z − (h/L)(z^L − 1) z^{L−1}`, z = x/x*, h = η L x*^{2L−2} =
 * η λ_single(y). Overshoot from below 1 starts at h = 1; linear stability of z = 1 ends at h = 2.
 * @example chainMap(0.5, 2, 3) // 0.5 + 1.5·0.75·0.5 = 1.0625
 */
export function chainMap(z: number, L: number, h: number): number {
  check.finite("z", z);
  check.depth("depth", L);
  check.finite("h", h);
  return z - (h / L) * (Math.pow(z, L) - 1) * Math.pow(z, L - 1);
}

/** The worst overshoot of g_h from (0, 1). */
export interface WorstOvershoot {
  /** Maximiser z* ∈ (0, 1) of g_h, root of (h/L)((2L−1)z^{2L−2} − (L−1)z^{L−2}) = 1 (0⁺ for L = 1). */
  z: number;
  /** M(h) = g_h(z*) = max_{z∈(0,1)} g_h(z) (> 1 when h > 1; a supremum for L = 1). */
  overshoot: number;
  /** g_h(M(h)): the image of the worst overshoot; two-step return holds iff it is > 0. */
  returned: number;
}

/**
 * Worst overshoot `M(h) = max_{z∈(0,1)} g_h(z)` of the normalised chain map for h > 1, its
 * maximiser and its image g_h(M). The maximiser is unique (g_h' = 1 − (h/L)z^{L−2}((2L−1)z^L −
 * (L−1)) has one zero in (0, 1) for h > 1) and is found by a bracketed solve in
 * v = (2L−1)z^L − (L−1) ∈ (0, L), where z^{L−2}v = L/h. L = 1: g_h is linear and decreasing on
 * (0, 1) for h > 1, so M = h is the supremum at z → 0⁺.
 * @example worstOvershoot(2, 3).z // √(5/9) ≈ 0.7454
 */
export function worstOvershoot(L: number, h: number): WorstOvershoot {
  check.depth("depth", L);
  check.finite("h", h);
  if (!(h > 1)) throw new RangeError(`h: the chain overshoots only for h > 1, got ${h}`);
  const map = (z: number) => z - (h / L) * (Math.pow(z, L) - 1) * Math.pow(z, L - 1);
  if (L === 1) return { z: 0, overshoot: h, returned: map(h) };
  // φ(v) = log(h z^{L−2} v / L), increasing in v, −∞ at v = 0 and log h > 0 at v = L.
  const phi = (v: number) => {
    const logU = Math.log1p((v - L) / (2 * L - 1)); // log z^L
    return Math.log(h / L) + ((L - 2) / L) * logU + Math.log(v);
  };
  const v = brentRoot(phi, 0, L).x;
  const z = Math.exp(Math.log1p((v - L) / (2 * L - 1)) / L);
  const overshoot = map(z);
  return { z, overshoot, returned: map(overshoot) };
}

/** log(e^x − 1) for x > 0 without overflow; −∞ for x ≤ 0. */
function logExpm1(x: number): number {
  if (!(x > 0)) return -Infinity;
  return x > 36 ? x + Math.log1p(-Math.exp(-x)) : Math.log(Math.expm1(x));
}

/**
 * Worst-case-return constant `c_L`: the unique h > 1 with g_h(M(h)) = 0 (docs/theory.md §5), so for
 * h < c_L every overshoot of the normalised chain returns into (0, 1) in one more step, and for
 * h > c_L the worst one crosses 0. c_2 = 3√3 − 2; c_L > 2, increasing in L (≈ logarithmically).
 * L = 1: the map is linear and the sup-overshoot h returns positive iff h < 2, so c_1 = 2.
 *
 * Solved in v = (2L−1)u − (L−1), u = z*^L, as in Appendix F: for v ∈ (0, L) the maximiser condition
 * gives h = L/(z^{L−2} v) and M = w = z(1 + (L−v)/((2L−1)v)); the return condition g_h(w) = 0 is
 * F(v) = log((h/L)(w^L − 1)w^{L−2}) = (L−2)log(w/z) − log v + log(e^{L log w} − 1) = 0, evaluated in
 * logs (no overflow of w^{2L}), F → +∞ as v → 0⁺ and −∞ at v = L. Brent to machine precision in v;
 * relative accuracy of c_L ≈ 1e-14 for L up to 10⁶.
 * @example wcrConstant(2) // 3√3 − 2 ≈ 3.196152
 */
export function wcrConstant(L: number): number {
  check.depth("depth", L);
  if (L === 1) return 2;
  const q = (v: number) => Math.log1p((L - v) / ((2 * L - 1) * v)); // log(w/z)
  const logU = (v: number) => Math.log1p((v - L) / (2 * L - 1));
  const F = (v: number) => (L - 2) * q(v) - Math.log(v) + logExpm1(logU(v) + L * q(v));
  // F(L) = −∞; halve v from L until F > 0 to get a finite-valued bracket.
  const [hiV, loV] = walkUntil(L, (v) => v / 2, (v) => F(v) > 0);
  const v = brentRoot(F, loV, hiV).x;
  return (L / v) * Math.exp((-(L - 2) / L) * logU(v));
}

/**
 * WCR step ceiling for a chain of depth L carrying target σ: `η_WCR = c_L / λ_single(σ)` with the
 * chain's own curvature λ_single = L σ^{2−2/L} (σ > 0). Units of η (step size).
 * @example wcrStep(2, 1) // (3√3 − 2)/2 ≈ 1.598076
 */
export function wcrStep(L: number, sigma: number): number {
  check.depth("depth", L);
  check.positive("sigma", sigma);
  const lambda = L === 1 ? 1 : L === 2 ? 2 * sigma : L * Math.pow(sigma, 2 - 2 / L);
  return wcrConstant(L) / lambda;
}

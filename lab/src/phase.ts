/**
 * @file Geometry of the K = 2 phase portrait in the (s₁, s₂) plane of the top mode (docs/theory.md §3–§6):
 * the zero-loss line s₁ + s₂ = σ, the level set λ(s) = 2/η of the zero-loss sharpness formula (the
 * stability boundary) and the gradient-flow leaf through the initialisation. Curves are polylines
 * with x and y arrays, ready for a chart. DOM-free.
 */
import { modeSharpness, shareFromLeaf, initialLeaf } from "../../src/theory/index.js";

/** A polyline. */
export interface Curve {
  x: number[];
  y: number[];
}

/** The zero-loss line s₁ + s₂ = σ between the axes. */
export function zeroLossLine(sigma: number): Curve {
  return { x: [0, sigma], y: [sigma, 0] };
}

/**
 * The curve λ(s₁, s₂) = Σ_k L_k |s_k|^{2−2/L_k} = level in the quadrant s ≥ 0, by bisection along
 * `n` rays from the origin (λ is non-decreasing along each ray, so the crossing is unique). Empty
 * when the level is below λ(0) (e.g. depth-1 pathways add a constant 1) or never reached.
 */
export function sharpnessLevelSet(depths: readonly [number, number], level: number, n = 181): Curve {
  const out: Curve = { x: [], y: [] };
  if (!(level > 0) || modeSharpness(depths, [0, 0]) >= level) return out;
  for (let j = 0; j < n; j++) {
    const theta = (j / (n - 1)) * (Math.PI / 2);
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    const lam = (r: number) => modeSharpness(depths, [r * c, r * s]);
    let hi = 1;
    while (lam(hi) < level && hi < 1e12) hi *= 2;
    if (lam(hi) < level) continue;
    let lo = 0;
    // 60 halvings of [0, hi]: relative position error 2^-60, far below a pixel.
    for (let it = 0; it < 60; it++) {
      const mid = 0.5 * (lo + hi);
      if (lam(mid) < level) lo = mid;
      else hi = mid;
    }
    out.x.push(hi * c);
    out.y.push(hi * s);
  }
  return out;
}

/**
 * The gradient-flow leaf through the depth-balanced init with end-to-end scales α (docs/theory.md §6):
 * z_k = z_k(0) − u for u ≥ 0, mapped back to shares s_k. It runs from the init until Σ_k s_k reaches
 * `reach`·σ (beyond the zero-loss line, so the crossing shows), with `n` points spaced evenly in
 * the larger share so that the long stretch near the origin does not take them all.
 */
export function gradientFlowLeaf(depths: readonly [number, number], initScales: readonly [number, number], sigma: number, reach = 1.25, n = 240): Curve {
  const z0 = initialLeaf(depths, initScales);
  const at = (u: number) => [shareFromLeaf(depths[0], z0[0]! - u), shareFromLeaf(depths[1], z0[1]! - u)] as const;
  const total = (u: number) => {
    const [a, b] = at(u);
    return a + b;
  };
  // Σ s is increasing in u (each share is increasing in −z): bracket then bisect the end.
  const goal = reach * sigma;
  let hi = 1e-9;
  while (!(total(hi) >= goal) && hi < 1e12) hi *= 2;
  let lo = 0;
  for (let it = 0; it < 80; it++) {
    const mid = 0.5 * (lo + hi);
    if (total(mid) < goal) lo = mid;
    else hi = mid;
  }
  const uEnd = lo;
  const out: Curve = { x: [], y: [] };
  // Points evenly spaced in max share: invert u ↦ max(s) (increasing) by bisection per point.
  const big = (u: number) => Math.max(...at(u));
  const bigStart = big(0);
  const bigEnd = big(uEnd);
  for (let j = 0; j < n; j++) {
    const target = bigStart + ((bigEnd - bigStart) * j) / (n - 1);
    let a = 0;
    let b = uEnd;
    for (let it = 0; it < 60; it++) {
      const mid = 0.5 * (a + b);
      if (big(mid) < target) a = mid;
      else b = mid;
    }
    const [s1, s2] = at(j === n - 1 ? uEnd : b);
    if (Number.isFinite(s1) && Number.isFinite(s2)) {
      out.x.push(s1);
      out.y.push(s2);
    }
  }
  return out;
}

/**
 * @file Deep-chain map and the worst-case-return constant c_L (docs/theory.md §5): the closed form at
 * L = 2, monotonicity in L, and the knife edge checked by iterating the map (and the engine's
 * reduced GD step) from the worst start found by an independent maximiser.
 */
import { describe, expect, it } from "vitest";
import { balancedGdStep } from "../../src/engine/dynamics/reduced.js";
import { chainMap, chainStep, wcrConstant, wcrStep, worstOvershoot } from "../../src/theory/index.js";
import { expectAllClose } from "../helpers/allclose.js";

/**
 * max of g_h on (0, 1), independent of worstOvershoot: a 2000-point grid brackets the maximiser,
 * then plain bisection on the sign of g_h'(z) = 1 − (h/L)((2L−1)z^{2L−2} − (L−1)z^{L−2}) locates it
 * to adjacent doubles, so M = g_h(z*) is accurate to rounding even for L = 1000 (sharp maximum).
 */
function maximiseMap(L: number, h: number): { z: number; m: number } {
  const g = (z: number) => chainMap(z, L, h);
  const dg = (z: number) => 1 - (h / L) * ((2 * L - 1) * Math.pow(z, 2 * L - 2) - (L - 1) * Math.pow(z, L - 2));
  let best = 1;
  const n = 2000;
  for (let i = 1; i < n; i++) if (g(i / n) > g(best / n)) best = i;
  let a = (best - 1) / n;
  let b = Math.min(best + 1, n) / n;
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (a + b);
    if (mid === a || mid === b) break;
    if (dg(mid) > 0) a = mid;
    else b = mid;
  }
  const z = 0.5 * (a + b);
  return { z, m: g(z) };
}

const DEPTHS = [2, 3, 4, 5, 10, 20, 100, 1000];

describe("wcrConstant", () => {
  it("c_2 = 3√3 − 2 (to 1e-12 relative)", () => {
    expectAllClose(wcrConstant(2), 3 * Math.sqrt(3) - 2, { rtol: 1e-12 }, "c_2");
  });

  it("c_1 = 2: the depth-1 chain is linear and returns iff h < 2", () => {
    expect(wcrConstant(1)).toBe(2);
  });

  it("is > 2 and strictly increasing for every L from 2 to 1000, and stays finite far beyond", () => {
    let prev = 2;
    for (let L = 2; L <= 1000; L++) {
      const c = wcrConstant(L);
      expect(c, `c_${L}`).toBeGreaterThan(prev);
      prev = c;
    }
    for (const L of [10_000, 100_000, 1_000_000]) {
      const c = wcrConstant(L);
      expect(c, `c_${L}`).toBeGreaterThan(prev);
      prev = c;
    }
  });

  it("is the knife edge: just below c_L the worst overshoot returns into (0,1), just above it crosses 0", () => {
    for (const L of DEPTHS) {
      const c = wcrConstant(L);
      // ±1e-10 relative, the accuracy required of c_L: g_h(M(h)) moves by ~1e-10·h·|∂g/∂h| ≈ 1e-10 there,
      // far above its rounding (~1e-15), so the sign test certifies |c_L error| < 1e-10·c_L.
      for (const [h, returns] of [[c * (1 - 1e-10), true], [c * (1 + 1e-10), false]] as const) {
        const { z, m } = maximiseMap(L, h);
        expect(m, `L=${L}: the worst start overshoots`).toBeGreaterThan(1);
        const next = chainMap(m, L, h);
        if (returns) {
          expect(next, `L=${L}, h=c(1−1e-10)`).toBeGreaterThan(0);
          expect(next).toBeLessThan(1);
        } else {
          expect(next, `L=${L}, h=c(1+1e-10)`).toBeLessThan(0);
        }
        // Same two steps with the engine's exact reduced GD (one pathway, σ = 2): x* = σ^{1/L},
        // η = h/λ_single(σ). First iterate to 1e-9 (rescaling by x* costs ~L ulps); the second
        // iterate's sign is checked one decade further out (±1e-9), where it exceeds that rounding.
        const sigma = 2;
        const xStar = Math.pow(sigma, 1 / L);
        const eta = h / (L * Math.pow(sigma, 2 - 2 / L));
        const a = new Float64Array([z * xStar]);
        const spec = { depths: [L], sigma: new Float64Array([sigma]) };
        const res = new Float64Array(1);
        balancedGdStep(a, spec, eta, res);
        expectAllClose(a[0]! / xStar, m, { rtol: 1e-9 }, `L=${L} first step (map vs engine)`);
        const eta2 = (c * (returns ? 1 - 1e-9 : 1 + 1e-9)) / (L * Math.pow(sigma, 2 - 2 / L));
        const a2 = new Float64Array([maximiseMap(L, c * (returns ? 1 - 1e-9 : 1 + 1e-9)).z * xStar]);
        balancedGdStep(a2, spec, eta2, res);
        balancedGdStep(a2, spec, eta2, res);
        expect(a2[0]! > 0, `L=${L} engine second step sign`).toBe(returns);
      }
    }
  });

  it("agrees with the worst overshoot of the independent maximiser at h = c_L", () => {
    for (const L of DEPTHS) {
      const c = wcrConstant(L);
      const w = worstOvershoot(L, c);
      const ref = maximiseMap(L, c);
      // Both locate z* to a few ulps (bisection vs Brent in another variable): 1e-12 on z* and M.
      expectAllClose(w.overshoot, ref.m, { rtol: 1e-12 }, `M(c_${L})`);
      expectAllClose(w.z, ref.z, { rtol: 1e-12 }, `z*(c_${L})`);
      expect(Math.abs(w.returned)).toBeLessThan(1e-9); // g(M(c_L)) = 0 at the constant
    }
  });
});

describe("chain map and worst overshoot", () => {
  it("worstOvershoot at L = 2 matches z*² = (1 + 2/h)/3 and M = z*(h + 2)/3", () => {
    for (const h of [1.5, 2, 3, 5]) {
      const w = worstOvershoot(2, h);
      const z = Math.sqrt((1 + 2 / h) / 3);
      expectAllClose([w.z, w.overshoot], [z, (z * (h + 2)) / 3], { rtol: 1e-14 }, `h=${h}`);
    }
  });

  it("chainStep in physical units equals the normalised map", () => {
    const L = 5;
    const y = 0.7;
    const eta = 0.9;
    const xStar = Math.pow(y, 1 / L);
    const h = eta * L * Math.pow(xStar, 2 * L - 2);
    expectAllClose(chainStep(0.6 * xStar, L, y, eta) / xStar, chainMap(0.6, L, h), { rtol: 1e-14 }, "normalisation");
  });

  it("η_WCR = c_L / (L σ^{2−2/L}) and bad input throws", () => {
    expectAllClose(wcrStep(4, 2), wcrConstant(4) / (4 * Math.pow(2, 1.5)), { rtol: 1e-15 }, "η_WCR");
    expect(() => wcrConstant(0)).toThrow(/^depth/);
    expect(() => worstOvershoot(4, 0.5)).toThrow(/^h/);
    expect(() => wcrStep(4, 0)).toThrow(/^sigma/);
  });
});

/**
 * @file Sharpness of allocations (docs/theory.md §3): closed forms, exact depth-1/depth-2 cases, and a
 * cross-check against the Hessian of the reduced loss computed by finite differences.
 */
import { describe, expect, it } from "vitest";
import {
  balancedSharpness, marginalSharpness, modeSharpness, pathwaySharpness, reductionFactor, sharpness,
  singlePathSharpness, singlePathSharpnesses,
} from "../../src/theory/index.js";
import { expectAllClose } from "../helpers/allclose.js";

// A few ulps: each value is one pow and a handful of products/sums.
const ULPS = { rtol: 8 * Number.EPSILON };

describe("pathway and mode sharpness", () => {
  it("evaluates L|s|^{2−2/L} with exact depth 1 and 2", () => {
    expect(pathwaySharpness(1, 0)).toBe(1);
    expect(pathwaySharpness(1, 0.37)).toBe(1);
    expect(pathwaySharpness(2, 0.37)).toBe(0.74);
    expect(pathwaySharpness(4, 0.25)).toBe(0.5); // 4·0.25^1.5, exact in binary
    expect(pathwaySharpness(4, 0)).toBe(0);
    expectAllClose(pathwaySharpness(3, 0.7), 3 * Math.cbrt(0.7 ** 4), ULPS, "L=3");
  });

  it("equals L·a^{2(L−1)} for s = a^L, also for odd L and a < 0", () => {
    for (const [L, a] of [[3, -0.6], [5, 0.8], [7, -1.1], [4, 0.9]] as const) {
      expectAllClose(pathwaySharpness(L, a ** L), L * a ** (2 * (L - 1)), { rtol: 32 * Number.EPSILON }, `L=${L} a=${a}`);
    }
  });

  it("marginal sharpness is the derivative 2(L−1)s^{1−2/L}, exact 0 and 2 for depths 1 and 2", () => {
    expect(marginalSharpness(1, 0.4)).toBe(0);
    expect(marginalSharpness(2, 0)).toBe(2);
    expect(marginalSharpness(5, 0)).toBe(0);
    expect(marginalSharpness(4, 0.25)).toBe(3);
    // Central difference: truncation O(h²) ≈ 1e-10 and rounding ε/h ≈ 1e-11 → 1e-8 relative.
    for (const L of [3, 4, 7, 20]) {
      const s = 0.43;
      const h = 1e-5;
      const fd = (pathwaySharpness(L, s + h) - pathwaySharpness(L, s - h)) / (2 * h);
      expectAllClose(marginalSharpness(L, s), fd, { rtol: 1e-8 }, `L=${L}`);
    }
  });

  it("mode sharpness equals λ_max of the reduced-loss Hessian at a zero-loss point", () => {
    // Loss ½(Σ_k Π_l σ_{k,l} − σ)² over per-layer scalars; at a zero-loss point the Hessian is JJᵀ
    // (rank one), so λ_max = ‖J‖². J by central differences of the end-to-end map (h = 1e-6:
    // error ≈ h² + ε/h ≈ 1e-10 relative → 1e-8 tolerance).
    const depths = [1, 2, 3, 5];
    const s = [0.3, 0.2, 0.35, 0.15];
    const layers = depths.map((L, k) => new Array<number>(L).fill(Math.pow(s[k]!, 1 / L)));
    let norm2 = 0;
    const h = 1e-6;
    layers.forEach((ls) => {
      ls.forEach((_, l) => {
        const prod = (delta: number) => ls.reduce((p, x, m) => p * (m === l ? x + delta : x), 1);
        const g = (prod(h) - prod(-h)) / (2 * h);
        norm2 += g * g;
      });
    });
    expectAllClose(modeSharpness(depths, s), norm2, { rtol: 1e-8 }, "λ vs ‖J‖²");
  });

  it("reports per-mode and overall sharpness", () => {
    const r = sharpness([4, 4], [[0.7, 0.2], [0.3, 0.1]]);
    expectAllClose(r.perMode, [4 * (0.7 ** 1.5 + 0.3 ** 1.5), 4 * (0.2 ** 1.5 + 0.1 ** 1.5)], ULPS, "perMode");
    expect(r.overall).toBe(r.perMode[0]);
  });
});

describe("single-path and balanced sharpness", () => {
  it("λ_single = Lσ^{2−2/L}, λ_bal = L K^{2/L−1} σ^{2−2/L}, ratio K^{2/L−1}", () => {
    for (const L of [3, 4, 6, 20]) {
      for (const K of [2, 3, 5]) {
        const sigma = 1.7;
        const single = singlePathSharpness(L, sigma, K);
        const bal = balancedSharpness(L, sigma, K);
        expectAllClose(single, L * sigma ** (2 - 2 / L), ULPS, "λ_single");
        expectAllClose(bal, L * K ** (2 / L - 1) * sigma ** (2 - 2 / L), { rtol: 16 * Number.EPSILON }, "λ_bal");
        expectAllClose(bal / single, reductionFactor(L, K), { rtol: 16 * Number.EPSILON }, "ratio");
        // λ_bal is the sharpness of the equal split.
        expectAllClose(bal, modeSharpness(new Array(K).fill(L), new Array(K).fill(sigma / K)), ULPS, "equal split");
      }
    }
  });

  it("reduction factor is 1 at L = 2, decreasing in K and L for L > 2", () => {
    expect(reductionFactor(2, 7)).toBe(1);
    expect(reductionFactor(1, 7)).toBe(1);
    expect(reductionFactor(4, 2)).toBeCloseTo(Math.SQRT1_2, 15);
    expect(reductionFactor(4, 3)).toBeLessThan(reductionFactor(4, 2));
    expect(reductionFactor(6, 2)).toBeLessThan(reductionFactor(4, 2));
  });

  it("handles depth 1 exactly: every allocation of K depth-1 pathways has sharpness K", () => {
    expect(singlePathSharpness(1, 2.5, 3)).toBe(3);
    expect(balancedSharpness(1, 2.5, 3)).toBe(3);
    expect(modeSharpness([1, 1, 1], [2.5, 0, 0])).toBe(3);
    expect(singlePathSharpnesses([1, 4, 1], 1)).toEqual([2, 6, 2]);
  });

  it("rejects bad input with RangeErrors naming the argument", () => {
    expect(() => modeSharpness([4, 0], [1, 1])).toThrow(/^depths\[1\]/);
    expect(() => modeSharpness([4, 2.5], [1, 1])).toThrow(/^depths\[1\]/);
    expect(() => modeSharpness([4, 4], [1])).toThrow(/^s: expected 2 values/);
    expect(() => modeSharpness([4, 4], [1, Number.NaN])).toThrow(/^s\[1\]/);
    expect(() => singlePathSharpness(4, -1)).toThrow(/^sigma/);
    expect(() => modeSharpness([], [])).toThrow(/^depths/);
  });
});

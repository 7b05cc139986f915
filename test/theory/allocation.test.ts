/**
 * @file Flattest allocation (docs/theory.md §3): KKT certificate, optimality against random feasible
 * allocations (property test), closed-form corners for depths 1 and 2, and μ against a plain
 * bisection written independently here.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocationSharpness, kktResidual, modeSharpness, optimalAllocation } from "../../src/theory/index.js";
import { expectAllClose } from "../helpers/allclose.js";

/** μ by 200 plain bisection steps on Σ_k (μ/(2(L_k−1)))^{L_k/(L_k−2)} = σ (all L_k > 2). */
function bisectMu(depths: number[], sigma: number): number {
  const total = (mu: number) => depths.reduce((acc, L) => acc + Math.pow(mu / (2 * (L - 1)), L / (L - 2)), 0);
  let lo = 0;
  let hi = 1;
  while (total(hi) < sigma) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (total(mid) < sigma) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

describe("optimalAllocation", () => {
  it("is the exact equal split for homogeneous depth", () => {
    for (const L of [1, 2, 3, 4, 20]) {
      for (const K of [1, 2, 3, 7]) {
        const a = optimalAllocation(new Array(K).fill(L), 1.3);
        expect(a.s).toEqual(new Array(K).fill(1.3 / K));
      }
    }
  });

  it("solves μ to 1e-12 relative (vs an independent bisection) and every s_k to 1e-12", () => {
    for (const [depths, sigma] of [[[3, 5, 7], 1], [[3, 6], 0.01], [[4, 100, 1000], 3], [[3, 20], 1e-6], [[5, 9, 13, 40], 50]] as [number[], number][]) {
      const a = optimalAllocation(depths, sigma);
      const mu = bisectMu(depths, sigma);
      // 1e-12: the brief's accuracy target (actual agreement ~1e-15: both solve to adjacent doubles).
      expectAllClose(a.mu, mu, { rtol: 1e-12 }, `μ for ${depths}`);
      const s = depths.map((L) => Math.pow(mu / (2 * (L - 1)), L / (L - 2)));
      expectAllClose(a.s, s, { rtol: 1e-12 }, `s for ${depths}`);
    }
  });

  it("handles the depth-2 corner: μ = 2, deep shares (L−1)^{−L/(L−2)}, depth-2 pathways share the rest", () => {
    const a = optimalAllocation([2, 4], 1);
    expectAllClose(a.s, [8 / 9, 1 / 9], { rtol: 4 * Number.EPSILON }, "[2,4]");
    expect(a.mu).toBe(2);
    expect(a.free).toEqual([]); // a single depth-2 pathway: its share σ − S₂ is unique
    const b = optimalAllocation([2, 4, 2, 6], 1);
    const deep = [1 / 9, Math.pow(1 / 5, 1.5)];
    const rest = (1 - deep[0]! - deep[1]!) / 2;
    expectAllClose(b.s, [rest, deep[0]!, rest, deep[1]!], { rtol: 8 * Number.EPSILON }, "[2,4,2,6]");
    expect(b.free).toEqual([0, 2]);
    // Below S₂ = Σ_deep s_k(2) the depth-2 pathways stay idle and μ < 2.
    const c = optimalAllocation([2, 4], 0.05);
    expect(c.s[0]).toBe(0);
    expect(c.s[1]).toBe(0.05);
    expect(c.mu).toBeLessThan(2);
  });

  it("handles depth 1 exactly: all of σ on the depth-1 pathways, sharpness = their count", () => {
    expect(optimalAllocation([1, 4], 2).free).toEqual([]);
    const a = optimalAllocation([1, 4, 1, 2], 2);
    expect(a.s).toEqual([1, 0, 1, 0]);
    expect(a.sharpness).toBe(2);
    expect(a.mu).toBe(0);
    expect(a.free).toEqual([0, 2]);
  });

  it("σ = 0 gives the zero allocation", () => {
    expect(optimalAllocation([3, 5], 0).s).toEqual([0, 0]);
    expect(optimalAllocation([3, 5], 0).sharpness).toBe(0);
  });

  it("gives shallow pathways the largest share at σ = 1 and deep ones more than zero (depths 3,5,7)", () => {
    const { s } = optimalAllocation([3, 5, 7], 1);
    expect(s[0]).toBeGreaterThan(s[1]!);
    expect(s[1]).toBeGreaterThan(s[2]!);
    expect(s[2]).toBeGreaterThan(0);
  });

  it("satisfies KKT to 1e-12 and beats random feasible allocations (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 6, maxLength: 6 }),
        (depths, sigma, weights) => {
          const a = optimalAllocation(depths, sigma);
          // KKT residual relative to max(μ, 1) and σ: 1e-12 (rounding of a few pows and sums).
          expect(kktResidual(depths, sigma, a.s, a.mu)).toBeLessThan(1e-12);
          const w = depths.map((_, k) => weights[k]!);
          const total = w.reduce((x, y) => x + y, 0);
          if (total === 0) return;
          const random = w.map((x) => (sigma * x) / total);
          // Optimal ≤ any feasible allocation, up to 1e-12 relative rounding in both sharpness sums.
          expect(a.sharpness).toBeLessThanOrEqual(modeSharpness(depths, random) * (1 + 1e-12) + 1e-300);
        },
      ),
      { numRuns: 300, seed: 20260 },
    );
  });

  it("stays finite and KKT-exact for extreme σ (log-space solve)", () => {
    for (const sigma of [1e-200, 1e200]) {
      const a = optimalAllocation([3, 50], sigma);
      expect(kktResidual([3, 50], sigma, a.s, a.mu)).toBeLessThan(1e-12);
    }
  });

  it("allocationSharpness is the optimum's sharpness; bad input throws RangeError", () => {
    expect(allocationSharpness([4, 4], 1)).toBeCloseTo(4 / Math.SQRT2, 14);
    expect(() => optimalAllocation([4, 4], -1)).toThrow(/^sigma/);
    expect(() => optimalAllocation([4, 0], 1)).toThrow(/^depths\[1\]/);
    expect(() => optimalAllocation([4, 4], Infinity)).toThrow(/^sigma/);
  });
});

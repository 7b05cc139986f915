/**
 * @file Step-size thresholds (docs/theory.md §4–§5): closed forms, and that exact reduced-dynamics runs
 * switch behaviour where the thresholds say (single-path stability, balanced stability, rank-k).
 */
import { describe, expect, it } from "vitest";
import { balancedGdStep } from "../../src/engine/dynamics/reduced.js";
import {
  allocationSharpness, gradientFlowEndpoint, modeSharpness, rebalancedRank, stabilityThreshold, stabilityWindow, wcrConstant,
} from "../../src/theory/index.js";
import { expectAllClose } from "../helpers/allclose.js";

/** Exact reduced GD (docs/theory.md §2) from per-layer init a[k] (same in every mode); returns s[k][i] and the last loss. */
function runReduced(depths: number[], sigma: number[], lr: number, perLayer: number[], steps: number) {
  const d = sigma.length;
  const spec = { depths, sigma: new Float64Array(sigma) };
  const a = new Float64Array(depths.length * d);
  perLayer.forEach((x, k) => a.fill(x, k * d, (k + 1) * d)); // state a[k·d + i]
  const residual = new Float64Array(d);
  let loss = Number.NaN;
  for (let t = 0; t < steps; t++) loss = balancedGdStep(a, spec, lr, residual);
  const s = depths.map((L, k) => sigma.map((_, i) => Math.pow(a[k * d + i]!, L)));
  return { s, loss };
}

const EXACT = { rtol: 4 * Number.EPSILON };

describe("stabilityWindow", () => {
  it("homogeneous K = 2, L = 4, σ = 1: (1/2, 1/√2), η_WCR = c_4/4", () => {
    const w = stabilityWindow([4, 4], 1);
    expect(w.etaSingle).toBe(0.5);
    expectAllClose(w.etaBalanced, Math.SQRT1_2, EXACT, "etaBalanced");
    expectAllClose(w.etaWcr, wcrConstant(4) / 4, EXACT, "etaWcr");
    expect([w.lower, w.upper, w.binding, w.empty]).toEqual([0.5, w.etaBalanced, "balanced", false]);
  });

  it("heterogeneous: etaSingle from the sharpest single path, etaBalanced from the optimum, etaWcr from the shallowest", () => {
    const w = stabilityWindow([3, 5, 7], 2);
    expectAllClose(w.etaSingle, 2 / (7 * 2 ** (12 / 7)), EXACT, "2/max λ_k");
    expectAllClose(w.etaSinglePerPathway, [3, 5, 7].map((L) => 2 / (L * 2 ** (2 - 2 / L))), EXACT, "per pathway");
    expectAllClose(w.etaBalanced, 2 / allocationSharpness([3, 5, 7], 2), EXACT, "2/λ_bal");
    expectAllClose(w.etaWcr, wcrConstant(3) / (3 * 2 ** (4 / 3)), EXACT, "c_3/λ_single,3");
  });

  it("is empty for homogeneous depth 2 (λ_bal = λ_single) and WCR-bound for deep wide networks", () => {
    expect(stabilityWindow([2, 2, 2], 1).empty).toBe(true);
    // K = 8, L = 4: 2/λ_bal = 2·8^{1/2}/4 ≈ 1.41 exceeds η_WCR = c_4/4 ≈ 0.99.
    const w = stabilityWindow(new Array(8).fill(4), 1);
    expect(w.binding).toBe("wcr");
    expect(w.upper).toBe(w.etaWcr);
  });

  it("stabilityThreshold is 2/λ", () => {
    expect(stabilityThreshold(4)).toBe(0.5);
    expect(stabilityThreshold(0)).toBe(Infinity);
  });
});

describe("thresholds vs reduced-dynamics runs", () => {
  // K = 2, L = 4, σ = 1, per-layer init (0.05, 0.0475): tiny enough that GF ends ~0.9995 on pathway 1.
  const depths = [4, 4];
  const init = [0.05, 0.0475];
  const w = stabilityWindow(depths, 1);
  const gf = gradientFlowEndpoint(depths, 1, init.map((a) => a ** 4));

  it("2/λ_single: 3% below, GD ends at the GF end point; 3% above, it re-balances to λ ≤ 2/η", () => {
    const below = runReduced(depths, [1], 0.97 * w.etaSingle, init, 30_000);
    // GD vs GF end point at η = 0.97·2/λ: O(η²) leaf drift during the transient, measured 6e-5.
    expectAllClose(below.s[0]![0]!, gf[0]!, { atol: 5e-4 }, "s_1 below 2/λ_single");
    const lr = 1.03 * w.etaSingle;
    const above = runReduced(depths, [1], lr, init, 30_000);
    expect(above.s[0]![0]!).toBeLessThan(gf[0]! - 0.01); // measured drop 0.022
    expect(modeSharpness(depths, [above.s[0]![0]!, above.s[1]![0]!])).toBeLessThanOrEqual(2 / lr);
    expect(above.loss).toBeLessThan(1e-20);
  });

  it("2/λ_bal: 2% below, GD converges; 2% above, it oscillates forever (period 2, no zero-loss limit)", () => {
    expect(runReduced(depths, [1], 0.98 * w.etaBalanced, init, 30_000).loss).toBeLessThan(1e-20);
    const above = runReduced(depths, [1], 1.02 * w.etaBalanced, init, 30_000);
    expect(above.loss).toBeGreaterThan(1e-4); // measured 4e-3, unchanged from 2e4 to 1e5 steps
    expectAllClose(above.s[0]![0]!, above.s[1]![0]!, { rtol: 1e-9 }, "balanced oscillation");
  });

  it("2/λ_bal of a heterogeneous network (depths 3,5,7): 3% below converges, 3% above does not", () => {
    const wh = stabilityWindow([3, 5, 7], 1);
    const init3 = [0.2, 0.2, 0.2];
    expect(runReduced([3, 5, 7], [1], 0.97 * wh.etaBalanced, init3, 100_000).loss).toBeLessThan(1e-20);
    expect(runReduced([3, 5, 7], [1], 1.03 * wh.etaBalanced, init3, 100_000).loss).toBeGreaterThan(1e-4);
  });

  it("rank-k: a step re-balances exactly the modes with λ_single(σ_i) > 2/η", () => {
    // K = 3, L = 4, σ = (1, 0.85, 0.5): onsets 0.5, 0.638, 1.414; 2/λ_bal(σ_1) = 0.866.
    const L3 = [4, 4, 4];
    const sigma = [1, 0.85, 0.5];
    const init3 = [0.05, 0.0475, 0.045];
    const gfShare = sigma.map((s) => gradientFlowEndpoint(L3, s, init3.map((a) => a ** 4))[0]! / s);
    for (const [lr, expected] of [[0.45, 0], [0.6, 1], [0.75, 2]] as const) {
      const r = rebalancedRank(L3, sigma, lr);
      expect(r.rank, `lr=${lr}`).toBe(expected);
      expect(r.admissible).toBe(true);
      const run = runReduced(L3, sigma, lr, init3, 30_000);
      expect(run.loss).toBeLessThan(1e-20);
      sigma.forEach((s, i) => {
        const share = run.s[0]![i]! / s;
        if (i < expected) {
          // Re-balanced: the dominant share drops well below its GF value (measured ≥ 0.14).
          expect(share, `lr=${lr} mode ${i + 1} re-balanced`).toBeLessThan(gfShare[i]! - 0.05);
          expect(modeSharpness(L3, run.s.map((row) => row[i]!)) * lr).toBeLessThanOrEqual(2);
        } else {
          // Not re-balanced: within 1e-3 of the GF share (measured 1e-4).
          expectAllClose(share, gfShare[i]!, { atol: 1e-3 }, `lr=${lr} mode ${i + 1} stays single-path`);
        }
      });
    }
  });
});

describe("rebalancedRank", () => {
  it("reports onsets 2/λ_single(σ_i), the ceilings and admissibility", () => {
    const r = rebalancedRank([4, 4], [1, 0.6, 0.3, 0], 0.6);
    expectAllClose(r.onset.slice(0, 3), [1, 0.6, 0.3].map((s) => 2 / (4 * s ** 1.5)), EXACT, "onset");
    expect(r.onset[3]).toBe(Infinity);
    expect(r.rebalanced).toEqual([true, false, false, false]);
    expect(rebalancedRank([4, 4], [1], 0.8)).toMatchObject({ rank: 1, belowBalanced: false, admissible: false });
  });

  it("rejects heterogeneous depths, unsorted spectra and bad steps", () => {
    expect(() => rebalancedRank([4, 5], [1], 0.6)).toThrow(/^depths/);
    expect(() => rebalancedRank([4, 4], [0.5, 1], 0.6)).toThrow(/^sigma/);
    expect(() => rebalancedRank([4, 4], [1], 0)).toThrow(/^lr/);
    expect(() => rebalancedRank([4, 4], [0], 0.6)).toThrow(/^sigma\[0\]/);
  });
});

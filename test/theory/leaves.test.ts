/**
 * @file Gradient-flow leaves (docs/theory.md §6): coordinates and their inverse, conservation of the
 * centred leaf along an integrated gradient flow, the GF end point, and the second-order GD drift.
 */
import { describe, expect, it } from "vitest";
import { balancedFlowRhs } from "../../src/engine/dynamics/reduced.js";
import {
  centredLeaf, defaultInitScales, gradientFlowEndpoint, initialLeaf, leafCoordinate, leafDriftRate, marginalSharpness,
  shareFromLeaf, zeroLossOnLeaf,
} from "../../src/theory/index.js";
import { expectAllClose } from "../helpers/allclose.js";

/** Classical RK4 on the engine's GF vector field da/dt = −r a^{L−1} (balanced layout, one mode). */
function integrateFlow(depths: number[], sigma: number, a0: number[], T: number, dt: number, onStep?: (a: Float64Array) => void) {
  const spec = { depths, sigma: new Float64Array([sigma]) };
  const K = depths.length;
  let a = Float64Array.from(a0);
  const k1 = new Float64Array(K), k2 = new Float64Array(K), k3 = new Float64Array(K), k4 = new Float64Array(K);
  const tmp = new Float64Array(K);
  const axpy = (h: number, d: Float64Array) => { for (let k = 0; k < K; k++) tmp[k] = a[k]! + h * d[k]!; return tmp; };
  for (let t = 0; t < T; t += dt) {
    balancedFlowRhs(a, spec, k1);
    balancedFlowRhs(axpy(dt / 2, k1), spec, k2);
    balancedFlowRhs(axpy(dt / 2, k2), spec, k3);
    balancedFlowRhs(axpy(dt, k3), spec, k4);
    const next = new Float64Array(K);
    for (let k = 0; k < K; k++) next[k] = a[k]! + (dt / 6) * (k1[k]! + 2 * k2[k]! + 2 * k3[k]! + k4[k]!);
    a = next;
    onStep?.(a);
  }
  return a;
}

describe("leaf coordinates", () => {
  it("z = a^{2−L}/(L−2), −log a, −a, inverted by shareFromLeaf (s = a^L)", () => {
    expect(leafCoordinate(4, 0.2)).toBeCloseTo(12.5, 12);
    expect(leafCoordinate(2, Math.E)).toBe(-1);
    expect(leafCoordinate(1, 0.3)).toBe(-0.3);
    for (const [L, a] of [[1, 0.4], [2, 0.3], [3, 0.05], [7, 0.9], [50, 0.97]] as const) {
      // Round trip through exp/log: a few ulps times L/(L−2) → 1e-13.
      expectAllClose(shareFromLeaf(L, leafCoordinate(L, a)), a ** L, { rtol: 1e-13 }, `L=${L}`);
    }
    expect(shareFromLeaf(4, 0)).toBe(Infinity);
    expect(shareFromLeaf(4, -1)).toBe(Infinity);
  });

  it("the centred leaf is conserved by gradient flow and the flow ends at the leaf's zero-loss point", () => {
    for (const [depths, perLayer] of [[[4, 4], [0.2, 0.19]], [[2, 3, 5], [0.3, 0.35, 0.5]], [[1, 4], [0.1, 0.3]]] as [number[], number[]][]) {
      const alpha = perLayer.map((a, k) => a ** depths[k]!);
      const c0 = centredLeaf(initialLeaf(depths, alpha));
      let worst = 0;
      const a = integrateFlow(depths, 1, perLayer, 80, 2e-3, (x) => {
        const c = centredLeaf(depths.map((L, k) => leafCoordinate(L, x[k]!)));
        worst = Math.max(worst, ...c.map((v, k) => Math.abs(v - c0[k]!)));
      });
      // RK4 with dt = 2e-3: local error ~dt⁵·|z'''|, accumulated ≪ 1e-8 (measured ≤ 1e-10).
      expect(worst, `${depths}: max drift of the centred leaf`).toBeLessThan(1e-8);
      expectAllClose(depths.map((L, k) => a[k]! ** L), gradientFlowEndpoint(depths, 1, alpha), { atol: 1e-8 }, `${depths}: GF end point`);
    }
  });

  it("reproduces docs/theory.md's reference GF end point for per-layer init (0.2, 0.19) near (0.92, 0.08)", () => {
    const s = gradientFlowEndpoint([4, 4], 1, [0.2 ** 4, 0.19 ** 4]);
    expectAllClose(s, [0.9285, 0.0715], { atol: 1e-4 }, "GF end point");
  });

  it("zeroLossOnLeaf: Σ s = σ, the balanced leaf gives the equal split, only differences matter", () => {
    expectAllClose(zeroLossOnLeaf([4, 4, 4], 1.5, [0, 0, 0]).s, [0.5, 0.5, 0.5], { rtol: 1e-14 }, "balanced");
    const p = zeroLossOnLeaf([2, 3, 6], 2, [0.3, -1, 4]);
    const q = zeroLossOnLeaf([2, 3, 6], 2, [10.3, 9, 14]);
    expectAllClose(p.s.reduce((x, y) => x + y, 0), 2, { rtol: 1e-14 }, "Σ s");
    expectAllClose(p.s, q.s, { rtol: 1e-12 }, "shift invariance");
    expectAllClose(q.shift - p.shift, -10, { rtol: 1e-12 }, "shift");
  });
});

describe("leafDriftRate", () => {
  it("is the (ηr)² coefficient of one GD step's leaf change: Δz = ηr + (ηr)²·f'(s)/4 + O((ηr)³)", () => {
    for (const [L, a] of [[2, 0.7], [3, 0.6], [4, 0.8], [9, 0.95]] as const) {
      const er = 1e-4; // η·r
      const next = a - er * a ** (L - 1);
      const dz = leafCoordinate(L, next) - leafCoordinate(L, a);
      const rate = (dz - er) / (er * er);
      // Next term is O(ηr) relative: 1e-4·(L-dependent constant) → 1e-2 is safe, measured ≤ 4e-4·L.
      expectAllClose(rate, leafDriftRate([L], [a ** L])[0]!, { rtol: 1e-2 }, `L=${L}`);
    }
    expect(leafDriftRate([1, 2], [0.3, 0.3])).toEqual([0, 0.5]);
    expect(leafDriftRate([4], [0.25])[0]).toBe(marginalSharpness(4, 0.25) / 4);
  });
});

describe("defaultInitScales", () => {
  it("is 1e-6·0.9^{k−1}", () => {
    expectAllClose(defaultInitScales(3), [1e-6, 9e-7, 8.1e-7], { rtol: 1e-15 }, "defaults");
  });
  it("initialLeaf rejects non-positive scales and overflowing leaves", () => {
    expect(() => initialLeaf([4, 4], [1e-3, 0])).toThrow(/^initScales\[1\]/);
    expect(() => initialLeaf([1000], [5e-324])).toThrow(/^initScales\[0\]: leaf coordinate overflows/);
  });
});

/**
 * Saddle escape (docs/theory.md §10): the bottleneck initialisation, the event-located gradient-flow escape
 * time against the exact escape time of the deep chain (itself checked against the closed form of the
 * two-layer chain), GD's escape time converging to GF's, the exact conservation of the norm imbalances
 * for linear networks and the norm-imbalance identity for smooth activations (against an independent
 * forward pass), and the universality classes against the activations' own values near 0.
 */
import { describe, expect, it } from "vitest";
import { MlpSystem } from "../../src/engine/dynamics/systems.js";
import { DormandPrince } from "../../src/engine/dynamics/ode.js";
import { createTarget } from "../../src/engine/target.js";
import { Rng } from "../../src/engine/rng.js";
import { getActivation, type ActivationName } from "../../src/engine/mlp/activations.js";
import { initializeBottleneck, type BottleneckInit } from "../../src/engine/saddle/init.js";
import { flowEscapeTime, gdEscapeTime } from "../../src/engine/saddle/escape.js";
import { Simulation } from "../../src/engine/simulate.js";
import { RunConfigSchema, resolveRunConfig } from "../../src/config/schema.js";
import { activationClass, chainEscapeTime, leadingEscapeTime, logEscapeSlope } from "../../src/theory/saddle.js";
import { expectAllClose } from "../helpers/allclose.js";

/** A one-pathway MLP of depth L with square hidden layers, target σ·I_d (every mode the same chain). */
function network(act: ActivationName, L: number, d: number, init: Omit<BottleneckInit, "type" | "scale"> & { scale?: number }, seed = 0, h = d): MlpSystem {
  const target = createTarget(d, { sigma: new Array<number>(d).fill(1) }, new Rng(0));
  const rng = new Rng(seed);
  const sys = new MlpSystem([L], target, { activation: act, hidden: [h], bias: false }, rng.fork());
  initializeBottleneck(sys.model, { type: "bottleneck", scale: 1, ...init }, rng.fork());
  return sys;
}

const firstLayers = (r: number) => Array.from({ length: r }, (_, j) => j + 1);

describe("bottleneck initialisation", () => {
  it("identity base: ones on the diagonal times scale, the listed layers times ε", () => {
    const sys = network("linear", 4, 3, { epsilon: 0.01, layers: [2, 3], base: "identity", scale: 2 });
    const m = sys.model;
    const diag = (l: number) => [0, 1, 2].map((i) => m.weight(0, l)[i * 3 + i]);
    expect(diag(0)).toEqual([2, 2, 2]);
    expect(diag(1)).toEqual([0.02, 0.02, 0.02]);
    expect(diag(2)).toEqual([0.02, 0.02, 0.02]);
    expect(diag(3)).toEqual([2, 2, 2]);
    expect(Array.from(m.weight(0, 1)).filter((x) => x !== 0)).toHaveLength(3);
  });

  it("the small layers are the same draw multiplied by ε (He and orthogonal bases); orthogonal draws have orthonormal columns", () => {
    for (const base of ["he", "orthogonal"] as const) {
      const a = network("tanh", 3, 2, { epsilon: 1, base }, 5, 5);
      const b = network("tanh", 3, 2, { epsilon: 1e-3, layers: [1, 3], base }, 5, 5);
      for (let l = 0; l < 3; l++) {
        const f = l === 1 ? 1 : 1e-3;
        expectAllClose(b.model.weight(0, l), a.model.weight(0, l).map((x) => f * x), { rtol: 1e-15 }, `${base} layer ${l + 1}`);
      }
    }
    const o = network("linear", 3, 2, { epsilon: 1, base: "orthogonal" }, 1, 5).model.weight(0, 0); // 5×2
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
      let s = 0;
      for (let r = 0; r < 5; r++) s += o[r * 2 + i]! * o[r * 2 + j]!;
      expectAllClose(s, i === j ? 1 : 0, { atol: 1e-14 }, `QᵀQ[${i}][${j}]`);
    }
    expect(() => network("linear", 3, 2, { epsilon: 0.1, layers: [4], base: "identity" })).toThrow(/mlp\.init\.layers: layer 4 does not exist/);
  });
});

describe("theory: escape time of the deep chain", () => {
  it("depth 2 with both layers small: the closed form of the logistic-type flow", () => {
    // p = x², dp/dt = 2p(σ − p): p(t) = σ/(1 + (σ/p₀ − 1)e^{−2σt}); the loss ½(σ − p)² halves at p*.
    const sigma = 1.7;
    for (const eps of [0.3, 0.01, 1e-4]) {
      const p0 = eps * eps;
      const pStar = sigma - Math.sqrt(0.5) * (sigma - p0);
      const exact = Math.log((sigma / p0 - 1) / (sigma / pStar - 1)) / (2 * sigma);
      expectAllClose(chainEscapeTime({ depth: 2, small: 2, epsilon: eps, sigma, fraction: 0.5 }), exact, { rtol: 1e-12 }, `ε = ${eps}`);
    }
  });

  it("approaches the leading-order law ε^{−(r−2)}/((r−2)σg) and, for r = 2, the slope 1/(σg) in ln(1/ε)", () => {
    const base = { depth: 6, sigma: 1, fraction: 0.5, gain: 0.5 };
    // Relative corrections: the O(1) transit (ε^{r−2}) and the growth of the big layers, ∫x^{3−r}dx/∫x^{1−r}dx:
    // ε for r = 3, ε² ln(1/ε) for r = 4, ε² for r = 5. Their ratio over a decade of ε, within 5%.
    const expected: Record<number, number> = { 3: 10, 4: (100 * Math.log(1e3)) / Math.log(1e4), 5: 100 };
    for (const small of [3, 4, 5]) {
      const c = (eps: number) => Math.abs(chainEscapeTime({ ...base, small, epsilon: eps }) / leadingEscapeTime({ ...base, small, epsilon: eps }) - 1);
      expectAllClose(c(1e-3) / c(1e-4), expected[small]!, { rtol: 0.05 }, `decay of the correction, r = ${small}`);
      expect(c(1e-4)).toBeLessThan(1e-3);
    }
    const t1 = chainEscapeTime({ ...base, small: 2, epsilon: 1e-6 });
    const t2 = chainEscapeTime({ ...base, small: 2, epsilon: 1e-7 });
    expectAllClose((t2 - t1) / Math.log(10), logEscapeSlope(base), { rtol: 1e-9 }, "dτ/d ln(1/ε)");
    expect(() => leadingEscapeTime({ ...base, small: 2, epsilon: 0.1 })).toThrow(/r >= 3/);
  });
});

describe("gradient-flow escape time", () => {
  it("linear network on the identity base = the exact chain (ODE rtol 1e-10: 1e-8 relative)", () => {
    for (const [r, eps] of [[2, 0.01], [3, 0.003], [4, 0.01], [5, 0.03], [6, 0.1]] as const) {
      const sys = network("linear", 6, 3, { epsilon: eps, layers: firstLayers(r), base: "identity" });
      const res = flowEscapeTime(sys, { fraction: 0.5, tMax: 1e12 });
      expect(res.reason).toBeNull();
      expectAllClose(res.time!, chainEscapeTime({ depth: 6, small: r, epsilon: eps, sigma: 1, fraction: 0.5 }), { rtol: 1e-8 }, `r = ${r}, ε = ${eps}`);
      // The state is left at τ: the loss there is the threshold.
      expectAllClose(sys.evaluate(), res.threshold, { rtol: 1e-8 }, "loss at τ");
    }
  });

  it("locates τ when the plateau lasts 10¹⁵ and the drop O(1) (time kept as a two-part sum)", () => {
    const sys = network("linear", 6, 1, { epsilon: 1e-4, base: "identity" });
    const res = flowEscapeTime(sys, { fraction: 0.5, tMax: 1e20 });
    expectAllClose(res.time!, chainEscapeTime({ depth: 6, small: 6, epsilon: 1e-4, sigma: 1, fraction: 0.5 }), { rtol: 1e-8 }, "τ ≈ 2.5e15");
    expect(res.evaluations).toBeLessThan(20_000);
  });

  it("reports no escape before tMax, and samples monotonically decreasing loss", () => {
    const sys = network("tanh", 5, 2, { epsilon: 0.01, layers: firstLayers(4), base: "identity" });
    const seen: number[] = [];
    const res = flowEscapeTime(sys, { fraction: 0.5, tMax: 100, onSample: (_t, loss) => seen.push(loss) });
    expect(res.time).toBeNull();
    expect(res.reason).toMatch(/no escape by t = 100/);
    for (let j = 1; j < seen.length; j++) expect(seen[j]!).toBeLessThanOrEqual(seen[j - 1]!);
  });

  it("small-step GD escapes at the GF time with a first-order error in η", () => {
    const make = () => network("linear", 6, 2, { epsilon: 0.03, layers: firstLayers(3), base: "identity" });
    const tau = flowEscapeTime(make(), { fraction: 0.5, tMax: 1e6 }).time!;
    const err = [0.04, 0.02, 0.01].map((lr) => Math.abs(gdEscapeTime(make(), { fraction: 0.5, lr, maxSteps: 1e6 }).time! - tau));
    // Halving η halves the error (first order) within 10%.
    expectAllClose([err[0]! / err[1]!, err[1]! / err[2]!], [2, 2], { rtol: 0.1 }, "error ratios");
    expect(err[2]! / tau).toBeLessThan(0.01);
  });
});

describe("norm imbalances Δ_l = ‖W_{l+1}‖²_F − ‖W_l‖²_F", () => {
  const imbalances = (sys: MlpSystem) => {
    const n = new Float64Array(sys.model.depths[0]!);
    sys.model.layerNorms(n);
    return Array.from({ length: n.length - 1 }, (_, l) => n[l + 1]! ** 2 - n[l]! ** 2);
  };

  it("are conserved by gradient flow of a linear network (rectangular He layers; to the ODE tolerance)", () => {
    const sys = network("linear", 4, 3, { epsilon: 0.3, layers: [1, 2], base: "he" }, 2, 6);
    const before = imbalances(sys);
    const y = Float64Array.from(sys.state);
    new DormandPrince(y.length, (_t, yy, dy) => sys.flowRhs(yy, dy), { rtol: 1e-11, atol: 1e-13 }).integrate(y, 0, 50);
    sys.state.set(y);
    expect(sys.evaluate()).toBeLessThan(0.5 * 1.5); // it moved
    expectAllClose(imbalances(sys), before, { atol: 1e-8 }, "Δ_l");
  });

  for (const act of ["tanh", "gelu", "swish", "sin"] as const) {
    it(`evolve by the identity dΔ_l/dt = −2⟨E_l, ψ(Z_l)⟩, ψ = φ − zφ' (${act}; independent forward pass)`, () => {
      const d = 3;
      const h = 5;
      const L = 4;
      const sys = network(act, L, d, { epsilon: 0.7, layers: [1], base: "he" }, 3, h);
      const m = sys.model;
      sys.evaluate();
      // dΔ_l/dt under GF = −2⟨W_{l+1}, G_{l+1}⟩ + 2⟨W_l, G_l⟩ from the model's gradient.
      const dot = (l: number) => {
        const W = m.weight(0, l);
        const o = m.layerShape(0, l).weightOffset;
        let s = 0;
        for (let j = 0; j < W.length; j++) s += W[j]! * m.grad[o + j]!;
        return s;
      };
      const fromGrad = Array.from({ length: L - 1 }, (_, l) => -2 * dot(l + 1) + 2 * dot(l));
      // Independent: forward pass Z_l = W_l H_{l−1} (H_0 = I), backward δ, E_l = W_{l+1}ᵀ δ_{l+1}.
      const phi = getActivation(act);
      const shape = (l: number) => m.layerShape(0, l);
      const mul = (A: Float64Array, ra: number, ca: number, B: number[], cb: number) =>
        Array.from({ length: ra * cb }, (_, k) => {
          const i = Math.floor(k / cb);
          const j = k % cb;
          let s = 0;
          for (let c = 0; c < ca; c++) s += A[i * ca + c]! * B[c * cb + j]!;
          return s;
        });
      const Z: number[][] = [];
      const H: number[][] = [Array.from({ length: d * d }, (_, k) => (Math.floor(k / d) === k % d ? 1 : 0))];
      for (let l = 0; l < L; l++) {
        const { rows, cols } = shape(l);
        Z.push(mul(m.weight(0, l), rows, cols, H[l]!, d));
        H.push(l < L - 1 ? Z[l]!.map((z) => phi.value(z)) : Z[l]!);
      }
      const R = Z[L - 1]!.map((z, k) => z - (Math.floor(k / d) === k % d ? 1 : 0));
      const delta: number[][] = new Array(L);
      delta[L - 1] = R;
      const E: number[][] = new Array(L);
      for (let l = L - 2; l >= 0; l--) {
        const { rows: up, cols: upc } = shape(l + 1);
        const W = m.weight(0, l + 1);
        E[l] = Array.from({ length: upc * d }, (_, k) => {
          const i = Math.floor(k / d);
          const j = k % d;
          let s = 0;
          for (let r = 0; r < up; r++) s += W[r * upc + i]! * delta[l + 1]![r * d + j]!;
          return s;
        });
        delta[l] = E[l]!.map((e, k) => e * phi.d1(Z[l]![k]!));
      }
      const fromIdentity = Array.from({ length: L - 1 }, (_, l) => -2 * E[l]!.reduce((s, e, k) => s + e * (phi.value(Z[l]![k]!) - Z[l]![k]! * phi.d1(Z[l]![k]!)), 0));
      // Two routes to the same numbers: rounding only.
      expectAllClose(fromGrad, fromIdentity, { rtol: 1e-10, atol: 1e-14 }, "dΔ_l/dt");
      expect(Math.max(...fromIdentity.map(Math.abs))).toBeGreaterThan(1e-6); // the identity is not trivially 0
    });
  }
});

describe("universality classes", () => {
  it("the order k of ψ(z) = φ(z) − zφ'(z) matches the activations' own values near 0 (log₂ ψ(2z)/ψ(z) within 0.01)", () => {
    for (const name of ["tanh", "erf", "sin", "gelu", "swish"] as const) {
      const phi = getActivation(name);
      const psi = (z: number) => phi.value(z) - z * phi.d1(z);
      const z = 1e-3;
      const order = Math.log2(psi(2 * z) / psi(z));
      expect(Math.abs(order - activationClass(name).order), name).toBeLessThan(0.01);
      expectAllClose(phi.d1(0), activationClass(name).gain, { rtol: 1e-14 }, `${name}: φ'(0)`);
    }
    const lin = getActivation("linear");
    expect(lin.value(0.3) - 0.3 * lin.d1(0.3)).toBe(0);
    expect(activationClass("linear").order).toBe(Infinity);
    expect(() => activationClass("softplus")).toThrow(/no class known/);
  });
});

describe("bottleneck runs from a config (dlnlab run --model mlp --epsilon … --small-layers …)", () => {
  it("builds the same network as initializeBottleneck and stops at the escape with stop.lossFraction", () => {
    const spec = resolveRunConfig(RunConfigSchema.parse({
      model: "mlp", width: 3, depths: [6], target: { sigma: [1, 1, 1] },
      mlp: { activation: "linear", hidden: 3, init: { type: "bottleneck", epsilon: 0.01, layers: [1, 2, 3] } },
      dynamics: "flow", lr: 1, steps: 1000, record: { every: 1 }, stop: { lossFraction: 0.5 }, sharpness: { every: 0 },
    }));
    const sim = new Simulation(spec);
    const direct = network("linear", 6, 3, { epsilon: 0.01, layers: [1, 2, 3], base: "identity" });
    expect(Array.from(sim.system.state)).toEqual(Array.from(direct.state));
    sim.advance(Number.MAX_SAFE_INTEGER);
    expect(sim.status).toBe("converged");
    expect(sim.stopInfo!.reason).toMatch(/0\.5 × the initial loss \(escape from the plateau\)/);
    // Checked at every unit of time: stops at the first integer time past τ.
    const tau = chainEscapeTime({ depth: 6, small: 3, epsilon: 0.01, sigma: 1, fraction: 0.5 });
    expect(sim.time).toBe(Math.ceil(tau));
  });
});

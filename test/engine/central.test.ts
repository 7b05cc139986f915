/**
 * The central flow (docs/theory.md §11): ∇S in closed form (reduced) and from HVP differences (full
 * matrices, MLP) against finite differences of S and against each other; the event-located phase
 * switch; the flow equals gradient flow below the edge; x against GD's measured oscillation amplitude;
 * full-matrix and reduced central flows agree; the CSV round trip of the central columns.
 */
import { describe, expect, it } from "vitest";
import { CentralFlow, ReducedEdgeModel, WeightEdgeModel, modeSharpnessGradient } from "../../src/engine/dynamics/central.js";
import { DormandPrince } from "../../src/engine/dynamics/ode.js";
import { balancedGdStep } from "../../src/engine/dynamics/reduced.js";
import { Simulation } from "../../src/engine/simulate.js";
import type { MlpSystem, FullSystem } from "../../src/engine/dynamics/systems.js";
import { RunConfigSchema, resolveRunConfig } from "../../src/config/schema.js";
import { csvHeader, csvRow, parseTrajectoryCsv, trajectoryColumns } from "../../src/data/trajectory.js";
import { Rng } from "../../src/engine/rng.js";
import { expectAllClose } from "../helpers/allclose.js";

const spec = (over: Record<string, unknown>) => resolveRunConfig(RunConfigSchema.parse(over));

/** Central difference of f along v with step h (error O(h²) × third derivative of f). */
function fd(f: (y: Float64Array) => number, y: Float64Array, v: ArrayLike<number>, h: number): number {
  const p = Float64Array.from(y, (x, i) => x + h * v[i]!);
  const m = Float64Array.from(y, (x, i) => x - h * v[i]!);
  return (f(p) - f(m)) / (2 * h);
}

describe("∇S of the reduced SVS dynamics (closed form)", () => {
  it("matches central differences of the exact block's top eigenvalue, per layer and balanced, away from zero loss", () => {
    const rng = new Rng(3);
    for (const depths of [[4, 4], [3, 5, 7], [1, 2, 4], [20, 20]]) {
      const nl = depths.reduce((a, b) => a + b, 0);
      const sigma = Float64Array.from([1]);
      for (const layout of ["layers", "balanced"] as const) {
        const m = new ReducedEdgeModel({ depths, sigma }, layout);
        const y = new Float64Array(layout === "layers" ? nl : depths.length);
        // Layer scalars near the re-balancing regime, r ≠ 0 (the residual term of ∂H/∂x is exercised).
        let base = 0;
        depths.forEach((L, k) => {
          const a = Math.pow(k === 0 ? 0.62 : 0.2 + 0.1 * k, 1 / L);
          if (layout === "balanced") y[k] = a;
          else for (let l = 0; l < L; l++) y[base + l] = a * (1 + 0.05 * rng.normal());
          base += L;
        });
        const G = m.edge(y, 0, 1).G[0]!;
        const S = (z: Float64Array) => m.edge(z, 0, 0).values[0]!;
        for (let c = 0; c < y.length; c++) {
          const e = new Float64Array(y.length);
          e[c] = 1;
          // Balanced layout: G is the per-layer rate, so dS/da_k = L_k G_k.
          const exact = layout === "balanced" ? depths[c]! * G[c]! : G[c]!;
          // h = 1e-5: truncation ~1e-10·S''' , rounding ~1e-16·S/h ~ 1e-11: 1e-7 relative + 1e-8 absolute is safe.
          expectAllClose(exact, fd(S, y, e, 1e-5), { rtol: 1e-7, atol: 1e-8 }, `depths ${depths} ${layout} ∂S/∂y_${c}`);
        }
      }
    }
  });

  it("the polynomial formula equals uᵀ(∂H/∂x_c)u by brute force (depth 4 and 5, random u)", () => {
    const rng = new Rng(8);
    const depths = [4, 5];
    const n = 9;
    const x = Float64Array.from({ length: n }, () => 0.5 + 0.5 * rng.uniform());
    const u = Float64Array.from({ length: n }, () => rng.normal());
    const r = 0.3;
    const out = new Float64Array(n);
    modeSharpnessGradient(depths, x, u, r, out);
    // Brute force: H(x) = JJᵀ + rM with r held fixed as a function of x (r(x) = Σ_k Π x − σ); differentiate
    // uᵀH(x)u numerically with σ adjusted so r(x) = 0.3 at the base point.
    const prodExcept = (xs: Float64Array, base: number, L: number, skip: number[]) => {
      let p = 1;
      for (let l = 0; l < L; l++) if (!skip.includes(l)) p *= xs[base + l]!;
      return p;
    };
    const sumProd = (xs: Float64Array) => prodExcept(xs, 0, 4, []) + prodExcept(xs, 4, 5, []);
    const sigma = sumProd(x) - r;
    const quad = (xs: Float64Array) => {
      const rr = sumProd(xs) - sigma;
      const J = new Float64Array(n);
      let val = 0;
      let base = 0;
      for (const L of depths) {
        for (let l = 0; l < L; l++) J[base + l] = prodExcept(xs, base, L, [l]);
        for (let l = 0; l < L; l++) for (let m = 0; m < L; m++) if (l !== m) val += u[base + l]! * u[base + m]! * rr * prodExcept(xs, base, L, [l, m]);
        base += L;
      }
      let ju = 0;
      for (let a = 0; a < n; a++) ju += J[a]! * u[a]!;
      return val + ju * ju;
    };
    for (let c = 0; c < n; c++) {
      const e = new Float64Array(n);
      e[c] = 1;
      // Same third-derivative contraction two ways; 1e-6 relative covers the h = 1e-5 central difference.
      expectAllClose(out[c]!, fd(quad, x, e, 1e-5), { rtol: 1e-6, atol: 1e-9 }, `∂(uᵀHu)/∂x_${c}`);
    }
  });
});

describe("∇S of full matrices and MLPs (differences of exact HVPs)", () => {
  it("full-matrix DLN in the SVS set: D³ℒ[u, u, ·] equals the reduced closed form on the diagonal entries and vanishes elsewhere", () => {
    // σ = (1, 0.6) puts the top eigenvalue in mode 1's block (2.386; pair blocks ≤ 2.11, mode 0 1.77 here).
    const sim = new Simulation(spec({
      width: 2, depths: [3, 2], target: { sigma: [1, 0.6] }, init: { type: "svs-layers", scales: [[0.9, 0.8, 0.85], [0.5, 0.45]] },
      lr: 0.5, steps: 0, dynamics: "full",
    }));
    const sys = sim.system as FullSystem;
    const em = new WeightEdgeModel(sys.model, 1, new Rng(1));
    const y = Float64Array.from(sys.state);
    const ev = em.edge(y, 0, 1);
    const G = ev.G[0]!;
    // Reduced reference: mode 1's block.
    const red = new ReducedEdgeModel({ depths: [3, 2], sigma: Float64Array.from([1, 0.6]) }, "layers");
    const x = Float64Array.from([0.9, 0.9, 0.8, 0.8, 0.85, 0.85, 0.5, 0.5, 0.45, 0.45]); // x[(o_k + l)·d + i]
    const rev = red.edge(x, 1, 1);
    expectAllClose(ev.values[0]!, rev.values[0]!, { rtol: 1e-10 }, "S full vs reduced block");
    const d = 2;
    let worstOff = 0;
    for (let layer = 0; layer < 5; layer++) {
      const o = layer * d * d;
      // Richardson differences: O(ε⁴) = 1e-16 truncation, rounding ~1e-16/ε ≈ 1e-12 of |Hu|.
      expectAllClose(G[o + 3]!, rev.G[0]![layer * d + 1]!, { rtol: 1e-8, atol: 1e-9 }, `layer ${layer} entry (1,1)`);
      for (const j of [0, 1, 2]) worstOff = Math.max(worstOff, Math.abs(G[o + j]!));
    }
    expect(worstOff, "no third derivative along off-diagonal or other-mode entries").toBeLessThan(1e-9);
  });

  it("tanh MLP from a Gaussian init: ⟨∇S, v⟩ matches central differences of S along random directions", () => {
    const sim = new Simulation(spec({
      model: "mlp", width: 3, depths: [3, 2], target: { sigma: [1, 0.6, 0.3], basis: "general" },
      mlp: { activation: "tanh", hidden: [5, 4], init: { type: "gaussian", std: 0.5 } }, lr: 0.1, steps: 0, seed: 2,
    }));
    const sys = sim.system as MlpSystem;
    const em = new WeightEdgeModel(sys.model, 2, new Rng(5));
    const y = Float64Array.from(sys.state);
    const ev = em.edge(y, 0, 1);
    expect(ev.values[0]! - ev.values[1]!, "a simple top eigenvalue (S differentiable)").toBeGreaterThan(1e-3 * ev.values[0]!);
    const G = ev.G[0]!;
    const rng = new Rng(9);
    const S = (z: Float64Array) => em.edge(z, 0, 0).values[0]!;
    for (let trial = 0; trial < 3; trial++) {
      const v = new Float64Array(y.length);
      rng.fillNormal(v);
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += G[i]! * v[i]!;
      // h = 1e-4 on |v| ~ √n: O(h²) truncation ~1e-7 relative; Lanczos tol 1e-11 on S: 1e-6 relative.
      expectAllClose(dot, fd(S, y, v, 1e-4), { rtol: 1e-5, atol: 1e-7 }, `⟨∇S, v⟩ trial ${trial}`);
    }
  });
});

describe("the event-located phase switch", () => {
  it("stops exactly where the event turns non-negative (y' = y, event y − 2 at t = ln 2)", () => {
    const ode = new DormandPrince(1, (_t, y, dy) => { dy[0] = y[0]!; }, { rtol: 1e-10, atol: 1e-12 });
    const y = Float64Array.from([1]);
    const t = ode.integrate(y, 0, 5, (_t, z) => z[0]! - 2);
    // Dense output of order 4 with rtol 1e-10 steps: 1e-8 on t and y.
    expectAllClose(t, Math.LN2, { atol: 1e-8 }, "event time");
    expectAllClose(y[0]!, 2, { rtol: 1e-8 }, "state at the event");
  });

  it("enters the edge exactly at S = 2/η and holds S there (reduced K = 2)", () => {
    const m = new ReducedEdgeModel({ depths: [4, 4], sigma: Float64Array.from([1]) }, "balanced");
    const flow = new CentralFlow(m, { lr: 0.625 });
    const y = Float64Array.from([0.2, 0.19]);
    flow.settle(y);
    expect(flow.active(0)).toBe(0);
    let entered = -1;
    for (let t = 0; t < 200 && entered < 0; t++) {
      flow.advance(y, t, t + 1);
      if (flow.active(0) > 0) entered = t;
    }
    expect(entered).toBeGreaterThan(0);
    for (let t = entered + 1; t < entered + 100; t++) {
      flow.advance(y, t, t + 1);
      flow.evaluate(y);
      // The relaxation (τ = 20 steps) holds S to the solver's tolerance: 1e-7 relative.
      expectAllClose(flow.values[0]![0]!, 3.2, { rtol: 1e-7 }, `S at step ${t + 1}`);
      expect(flow.x(0)[0]!).toBeGreaterThan(0);
    }
  });
});

describe("the central flow against gradient flow and GD", () => {
  it("equals gradient flow below the edge (η < 2/λ_single: never reaches 2/η)", () => {
    const base = { width: 2, depths: [4, 4], target: { sigma: [1, 0.5] }, init: { type: "svs", scales: [0.0016, 0.0013] }, lr: 0.3, steps: 600, record: { every: 100 }, flow: { system: "reduced", rtol: 1e-11, atol: 1e-14 } };
    const gf = new Simulation(spec({ ...base, dynamics: "flow" }));
    const cf = new Simulation(spec({ ...base, dynamics: "central" }));
    gf.advance(Number.MAX_SAFE_INTEGER);
    cf.advance(Number.MAX_SAFE_INTEGER);
    expect(cf.records.length).toBe(gf.records.length);
    cf.records.forEach((r, j) => {
      expect(r.central!.edge, `step ${r.step} stable`).toBe(0);
      // Same vector field, both at rtol 1e-11: 1e-8 absolute on O(1) coefficients.
      expectAllClose(r.s, gf.records[j]!.s, { atol: 1e-8 }, `s at step ${r.step}`);
    });
  });

  it("x matches GD's squared oscillation amplitude along u at GD's two-step average once GD self-stabilised (K = 2, L = 4, η = 0.625)", () => {
    const depths = [4, 4];
    const lr = 0.625;
    const sp = { depths, sigma: Float64Array.from([1]) };
    const m = new ReducedEdgeModel(sp, "balanced");
    const a = Float64Array.from([0.2, 0.19]);
    const res = new Float64Array(1);
    const hist: Float64Array[] = [];
    for (let t = 0; t < 80; t++) {
      hist.push(Float64Array.from(a));
      balancedGdStep(a, sp, lr, res);
    }
    hist.push(Float64Array.from(a));
    for (const t of [30, 40, 60]) {
      const a0 = hist[t]!;
      const a1 = hist[t + 1]!;
      const bar = Float64Array.from(a0, (v, k) => (v + a1[k]!) / 2);
      const u = new Float64Array(8);
      m.modeTop(bar, 0, u);
      let along = 0;
      let o = 0;
      depths.forEach((L, k) => {
        for (let l = 0; l < L; l++) along += (u[o + l]! * (a0[k]! - a1[k]!)) / 2;
        o += L;
      });
      // x at GD's average from the one-eigenvalue formula x = −2⟨∇S, ∇ℒ⟩/‖∇S‖² (GD's average sits slightly
      // below 2/η, an O(x) offset, so the flow's relaxation term is left out).
      const ev = m.edge(bar, 0, 1);
      const g = new Float64Array(2);
      m.gradient(bar, g);
      const G = ev.G[0]!;
      const gG = depths.reduce((s, L, k) => s + L * G[k]! * g[k]!, 0);
      const GG = depths.reduce((s, L, k) => s + L * G[k]! * G[k]!, 0);
      const x = (-2 * gG) / GG;
      // Measured ratios 0.978, 0.972, 0.960 (the flow is the leading order in the amplitude; GD's x ~ 1e-2
      // here): within 5%.
      expectAllClose(along * along, x, { rtol: 0.05 }, `GD amplitude² vs x at step ${t}`);
    }
  });

  it("full-matrix and reduced central flows agree from an SVS init (d = 2, K = 2, L = 4)", () => {
    const base = { width: 2, depths: [4, 4], target: { sigma: [1, 0.5] }, init: { type: "svs", scales: [0.0016, 0.00130321] }, lr: 0.625, steps: 300, record: { every: 100 }, dynamics: "central" };
    const red = new Simulation(spec({ ...base, flow: { system: "reduced", rtol: 1e-9, atol: 1e-12 } }));
    const full = new Simulation(spec({ ...base, flow: { system: "full", rtol: 1e-9, atol: 1e-12 } }));
    red.advance(Number.MAX_SAFE_INTEGER);
    full.advance(Number.MAX_SAFE_INTEGER);
    expect(full.records.at(-1)!.central!.edge).toBe(1);
    full.records.forEach((r, j) => {
      const q = red.records[j]!;
      // Two solvers with different step sequences at rtol 1e-9; ∇S from HVP differences (1e-10): 1e-6.
      expectAllClose(r.s, q.s, { atol: 1e-6 }, `s at step ${r.step}`);
      expectAllClose(r.central!.x[0]!, q.central!.x[0]!, { rtol: 1e-4, atol: 1e-9 }, `x at step ${r.step}`);
    });
  });

  it("writes and reads back the central columns of the trajectory CSV", () => {
    const sim = new Simulation(spec({ width: 1, depths: [4, 4], target: { sigma: [1] }, lr: 0.625, steps: 60, record: { every: 20 }, dynamics: "central", flow: { system: "reduced" } }));
    sim.advance(Number.MAX_SAFE_INTEGER);
    const cols = trajectoryColumns(2, 1, 1, undefined, 1);
    expect(cols.slice(-3).map((c) => c.name)).toEqual(["edge", "avg_loss", "x_1"]);
    const text = [csvHeader(cols), ...sim.records.map((r) => csvRow(r, 1, false, 1))].join("\n");
    const back = parseTrajectoryCsv(text, 2, 1, 1, undefined, 1);
    back.forEach((r, j) => expect(r.central).toEqual(sim.records[j]!.central));
  });
});

/**
 * The MLP inside the run driver: observables recomputed independently from the model's outputs, the
 * linear-activation MLP run against the linear network's run, resume, gradient flow, and the clear
 * errors for what MLPs do not have (reduced dynamics, SVS blocks).
 */
import { describe, expect, it } from "vitest";
import { Simulation, type SimulationSpec } from "../../../src/engine/simulate.js";
import { MlpSystem } from "../../../src/engine/dynamics/systems.js";
import { RunConfigSchema, resolveRunConfig } from "../../../src/config/schema.js";
import { balanceIndex } from "../../../src/engine/measure/observables.js";
import { expectAllClose } from "../../helpers/allclose.js";

/** A small MLP run spec through the real config path (schema defaults, resolution). */
function mlpSpec(over: Record<string, unknown> = {}, mlp: Record<string, unknown> = {}): SimulationSpec {
  return resolveRunConfig(RunConfigSchema.parse({
    model: "mlp", width: 3, depths: [3, 2], target: { sigma: [1, 0.6, 0.3], basis: "general" },
    mlp: { activation: "tanh", hidden: [6, 5], init: { type: "gaussian", std: 0.3 }, ...mlp },
    lr: 0.05, steps: 200, record: { every: 50 }, sharpness: { every: 100 }, seed: 4, ...over,
  }));
}

describe("Simulation with model: mlp", () => {
  it("records u_iᵀ f_k(X) v_i, residuals, balance, layer norms and sharpness of the current θ", () => {
    const sim = new Simulation(mlpSpec());
    sim.advance(Number.MAX_SAFE_INTEGER);
    expect(sim.system.kind).toBe("mlp");
    const last = sim.last!;
    const sys = sim.system as MlpSystem;
    const m = sys.model;
    // Recompute at the final θ: projections with the target's singular vectors, by plain loops.
    m.evaluate();
    const { U, V, d } = sim.target;
    const proj = (A: Float64Array, i: number) => {
      let s = 0;
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) s += U[a * d + i]! * A[a * d + b]! * V[b * d + i]!;
      return s;
    };
    const s = [0, 1].map((k) => [0, 1, 2].map((i) => proj(m.pathwayOutput(k), i)));
    // Same sums in a different order: 1e−14 absolute on O(1) entries.
    expectAllClose(last.s, s, { atol: 1e-14 }, "s[k][i]");
    expectAllClose(last.residual, [0, 1, 2].map((i) => proj(m.residual, i)), { atol: 1e-14 }, "residuals");
    expectAllClose(last.balanceIndex, [0, 1, 2].map((i) => balanceIndex([s[0]![i]!, s[1]![i]!])), { rtol: 1e-12 }, "balance index");
    const norms = [[0, 1, 2], [0, 1]].map((ls, k) => ls.map((l) => Math.hypot(...m.weight(k, l))));
    expectAllClose(last.layerNorms!, norms, { rtol: 1e-14 }, "layer norms");
    expect(last.leaf.flat().every(Number.isNaN)).toBe(true); // no gradient-flow leaves for MLPs
    // λ_max by Lanczos in the record vs a fresh solve at the same θ (tolerance 1e−10: both converge to it).
    const fresh = sys.sharpness(1, { tol: 1e-12, maxIter: 300 })[0]!;
    expectAllClose(last.sharpness![0]!, fresh, { rtol: 1e-8 }, "final sharpness");
    expect(sim.records.filter((r) => r.sharpness !== null).map((r) => r.step)).toEqual([0, 100, 200]);
    expect(sim.records.every((r) => r.layerNorms?.length === 2)).toBe(true);
  });

  it("with the linear activation reproduces the linear network's run (gaussian init, same seed)", () => {
    const common = {
      width: 3, depths: [3, 2], target: { sigma: [1, 0.6, 0.3], basis: "general" }, lr: 0.1, steps: 300,
      record: { every: 60 }, sharpness: { every: 150 }, seed: 2,
    };
    const dln = new Simulation(resolveRunConfig(RunConfigSchema.parse({ ...common, init: { type: "gaussian", std: 0.3 } })));
    const mlp = new Simulation(resolveRunConfig(RunConfigSchema.parse({
      ...common, model: "mlp", mlp: { activation: "linear", hidden: 3, init: { type: "gaussian", std: 0.3 } },
    })));
    dln.advance(Number.MAX_SAFE_INTEGER);
    mlp.advance(Number.MAX_SAFE_INTEGER);
    expect(mlp.records.map((r) => r.step)).toEqual(dln.records.map((r) => r.step));
    // Identical arithmetic up to the order of sums (the MLP forms its products sample-major, the
    // linear network feature-major); 300 contracting GD steps keep every entry within 1e−13.
    // The loss ½‖R‖²_F cancels as R → 0: entries of R that differ by δ ≤ 1e−13 (the bound used for
    // s) change it by at most ‖R‖_F·dδ + (dδ)²/2 (d = 3 entries per row and column), which exceeds
    // 1e−12 relative once the loss falls below ~1e−9 (observed: 4e−22 at a loss of 1.4e−11, step 150).
    const dDelta = 3 * 1e-13;
    for (let j = 0; j < dln.records.length; j++) {
      const a = dln.records[j]!;
      const b = mlp.records[j]!;
      const atol = Math.sqrt(2 * a.loss) * dDelta + 0.5 * dDelta ** 2;
      expectAllClose(b.loss, a.loss, { rtol: 1e-12, atol }, `loss at ${a.step}`);
      expectAllClose(b.s, a.s, { atol: 1e-13 }, `s at ${a.step}`);
      if (a.sharpness) expectAllClose(b.sharpness!, a.sharpness, { rtol: 1e-9 }, `sharpness at ${a.step}`);
    }
    expect(mlp.status).toBe(dln.status);
  });

  it("resumes from a snapshot to exactly the uninterrupted run", () => {
    const spec = mlpSpec({ steps: 120, record: { every: 7 }, sharpness: { every: 0 } });
    const whole = new Simulation(spec);
    whole.advance(Number.MAX_SAFE_INTEGER);
    const first = new Simulation(spec);
    first.advance(55);
    const rest = new Simulation(spec, { resume: first.snapshot() });
    rest.advance(Number.MAX_SAFE_INTEGER);
    expect(rest.last!.s).toEqual(whole.last!.s);
    expect(rest.last!.loss).toBe(whole.last!.loss);
  });

  it("integrates gradient flow of the full MLP (loss decreases monotonically)", () => {
    const sim = new Simulation(mlpSpec({ dynamics: "flow", lr: 0.05, steps: 400, record: { every: 40 }, sharpness: { every: 0 } }));
    sim.advance(Number.MAX_SAFE_INTEGER);
    const losses = sim.records.map((r) => r.loss);
    for (let j = 1; j < losses.length; j++) expect(losses[j]!).toBeLessThanOrEqual(losses[j - 1]!);
    expect(losses[losses.length - 1]!).toBeLessThan(0.5 * losses[0]!);
  });

  it("rejects what MLPs do not have, naming the field", () => {
    const spec = mlpSpec();
    expect(() => new Simulation({ ...spec, dynamics: "reduced" })).toThrow(/^dynamics: reduced dynamics are not defined for MLPs/);
    expect(() => new Simulation({ ...spec, dynamics: "flow", flow: { ...spec.flow, system: "reduced" } })).toThrow(/^flow\.system: reduced dynamics/);
    expect(() => new Simulation({ ...spec, sharpness: { ...spec.sharpness, method: "blocks" } })).toThrow(/^sharpness\.method: blocks/);
    const { mlp: _omit, ...noMlp } = spec;
    expect(() => new Simulation(noMlp)).toThrow(/^mlp: model mlp needs its mlp settings/);
  });

  it("shows the regimes of docs/mlp.md at its settings: WTA at h = 1, partial at h = 2.6 (below linear), full at h = 2.9", () => {
    // docs/mlp.md's main setting (seed 0), 3000 steps: the end states are settled by then (same to
    // 3 digits as after 100 000 steps). The bounds are regime-level, loose against rounding-level
    // differences between platforms' Math.tanh that Edge-of-Stability dynamics could amplify.
    const end = (activation: string, h: number) => {
      const sim = new Simulation(resolveRunConfig(RunConfigSchema.parse({
        model: "mlp", width: 4, depths: [4, 4], target: { sigma: [0.25] }, lr: 2 * h, steps: 3000, seed: 0,
        mlp: { activation, hidden: 64, init: { type: "gaussian", std: 0.01 } }, record: { every: 1000 }, sharpness: { every: 0 },
      })));
      sim.advance(Number.MAX_SAFE_INTEGER);
      const last = sim.last!;
      return { balance: last.balanceIndex[0]!, ratio: (last.sharpness![0]! * 2 * h) / 2, status: sim.status };
    };
    const small = end("tanh", 1);
    expect(small.balance).toBeLessThan(0.6);
    expect(small.ratio).toBeLessThan(0.5); // λ far below 2/η: a stable winner-takes-all minimum
    const partial = end("tanh", 2.6);
    expect(partial.balance).toBeGreaterThan(0.7);
    expect(partial.balance).toBeLessThan(0.82);
    expect(partial.ratio).toBeGreaterThan(0.98); // stopped at the Edge of Stability, just below 2/η
    expect(partial.ratio).toBeLessThanOrEqual(1.001);
    expect(end("linear", 2.6).balance).toBeGreaterThan(partial.balance + 0.02); // the MLP lags the linear network
    const full = end("tanh", 2.9);
    expect(full.balance).toBeGreaterThan(0.99);
    expect(full.status).toBe("oscillating");
  });
});

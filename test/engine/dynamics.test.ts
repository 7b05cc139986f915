/**
 * Dynamics and their invariants: the reference runs of docs/theory.md §4, status classification, the
 * conserved leaf differences of gradient flow (§6), GD → GF as η → 0, the ODE solver against a closed
 * form and against odex (Hairer's extrapolation code), and the step-size schedules.
 */
import { describe, expect, it } from "vitest";
import { Solver } from "odex";
import { Simulation, STOP_EVENTS, type SimulationSpec, type StopBounds } from "../../src/engine/simulate.js";
import { RunConfigSchema, resolveRunConfig } from "../../src/config/schema.js";
import { findPreset } from "../../src/config/presets.js";
import { DormandPrince } from "../../src/engine/dynamics/ode.js";
import { balancedFlowRhs } from "../../src/engine/dynamics/reduced.js";
import { makeSchedule } from "../../src/engine/schedule.js";
import { expectAllClose } from "../helpers/allclose.js";

function spec(raw: Record<string, unknown>): SimulationSpec {
  return resolveRunConfig(RunConfigSchema.parse(raw));
}

function finish(s: SimulationSpec): Simulation {
  const sim = new Simulation(s);
  sim.advance(Number.MAX_SAFE_INTEGER);
  return sim;
}

describe("docs/theory.md §4 reference runs (reduced, K=2, L=4, σ=1, per-layer init 0.2/0.19)", () => {
  // The reference quotes three decimals, so agreement within 1e-3 (plus half a unit of the last digit) is the claim.
  it("h = 0.5 ends near s = (0.922, 0.078): winner-takes-all, as gradient flow", () => {
    const sim = finish(spec(findPreset("reference-h0.5")!.config));
    expect(sim.status).toBe("converged");
    expectAllClose(sim.last!.s.map((r) => r[0]!), [0.922, 0.078], { atol: 1.5e-3 }, "final s");
  });

  it("h = 2.5 ends near s = (0.783, 0.217) with final λ just below 2/η", () => {
    const sim = finish(spec(findPreset("reference-h2.5")!.config));
    expect(sim.status).toBe("converged");
    expectAllClose(sim.last!.s.map((r) => r[0]!), [0.783, 0.217], { atol: 1.5e-3 }, "final s");
    const lambda = sim.last!.sharpness![0]!;
    const twoOverEta = 2 / 0.625;
    expect(lambda).toBeLessThan(twoOverEta);
    // "Just below": within 2% of the threshold (measured 3.1754 vs 3.2, i.e. 0.8% below).
    expect(lambda).toBeGreaterThan(0.98 * twoOverEta);
  });

  it("h = 3.0 does not converge: period-2 oscillation around the balanced point", () => {
    const sim = finish(spec(findPreset("reference-h3.0")!.config));
    expect(sim.status).toBe("oscillating");
    const [a, b] = sim.last!.s.map((r) => r[0]!);
    expectAllClose(a!, b!, { rtol: 1e-9 }, "balanced pathways");
    // Period 2: the state two steps later is the same, one step later it is not.
    const s2 = finish(spec({ ...findPreset("reference-h3.0")!.config, steps: 100_002 }));
    expectAllClose(s2.last!.s[0]![0]!, a!, { rtol: 1e-9 }, "s two steps later");
    const s1 = finish(spec({ ...findPreset("reference-h3.0")!.config, steps: 100_001 }));
    expect(Math.abs(s1.last!.s[0]![0]! - a!)).toBeGreaterThan(1e-3);
  });
});

describe("stop events (STOP_EVENTS: the run layer's loss rules, first that fires wins)", () => {
  const b: StopBounds = { divergence: 100, convergence: 1e-20, lossFraction: undefined, initialLoss: 1 };
  const first = (loss: number, bounds = b) => STOP_EVENTS.find((e) => e.fire(loss, 7, bounds) !== null)?.name ?? null;
  it("fire exactly past their bounds, NaN and ∞ as non-finite, and name the step", () => {
    expect(first(Number.NaN)).toBe("non-finite");
    expect(first(Number.POSITIVE_INFINITY)).toBe("non-finite");
    expect(first(100)).toBe(null);
    expect(first(100 * (1 + Number.EPSILON))).toBe("diverged");
    expect(first(1e-20)).toBe("converged");
    expect(first(1.0000001e-20)).toBe(null);
    expect(STOP_EVENTS.find((e) => e.name === "diverged")!.fire(200, 7, b)).toMatch(/at step 7$/);
  });
  it("a loss fraction is named as an escape from the plateau", () => {
    const fb = { ...b, lossFraction: 0.5, convergence: 0.5 };
    expect(STOP_EVENTS.find((e) => e.name === "converged")!.fire(0.4, 3, fb)).toMatch(/^loss 4\.000e-1 ≤ 0\.5 × the initial loss \(escape from the plateau\)/);
    expect(first(0.6, fb)).toBe(null);
  });
});

describe("run status", () => {
  const base = { width: 1, depths: [4, 4], target: { sigma: [1] }, dynamics: "reduced" as const, record: { every: 1 } };

  it("diverges with a report of where and why, keeping the trajectory so far", () => {
    const sim = finish(spec({ ...base, lr: 3, steps: 1000 }));
    expect(sim.status).toBe("diverged");
    expect(sim.stopInfo!.reason).toMatch(/divergence bound|non-finite/);
    expect(sim.stopInfo!.step).toBeLessThan(1000);
    // Every step up to the divergence was recorded (record.every = 1), plus the final state.
    expect(sim.records.length).toBeGreaterThanOrEqual(sim.stopInfo!.step + 1);
    expect(sim.records[0]!.step).toBe(0);
  });

  it("full-matrix divergence stops as well", () => {
    const sim = finish(spec({ ...base, width: 2, dynamics: "full", target: { sigma: [1, 0.5], basis: "general" }, lr: 5, steps: 1000 }));
    expect(sim.status).toBe("diverged");
    expect(sim.last!.step).toBeLessThan(1000);
  });

  it("max-steps when still moving, converged when the loss reaches the tolerance", () => {
    const short = finish(spec({ ...base, lr: 0.1, steps: 50 }));
    expect(short.status).toBe("max-steps");
    expect(short.last!.step).toBe(50);
    const long = finish(spec({ ...base, lr: 0.1, steps: 100_000 }));
    expect(long.status).toBe("converged");
    expect(long.last!.loss).toBeLessThanOrEqual(1e-20 * 0.5);
  });

  it("an interrupted run resumes from its snapshot to the same end state", () => {
    const s = spec({ ...base, lr: 0.625, steps: 3000, stop: { lossTol: 1e-300 } });
    const whole = finish(s);
    const first = new Simulation(s);
    first.advance(1234);
    const snap = JSON.parse(JSON.stringify(first.snapshot())) as ReturnType<Simulation["snapshot"]>;
    const second = new Simulation(s, { resume: snap });
    second.advance(Number.MAX_SAFE_INTEGER);
    expect(second.status).toBe(whole.status);
    // GD is deterministic: the resumed run is bit-identical.
    expect(second.last!.s).toEqual(whole.last!.s);
  });
});

describe("gradient flow", () => {
  for (const system of ["reduced", "full"] as const) {
    it(`conserves the differences of leaf coordinates (${system}, heterogeneous depths 3,4,5)`, () => {
      const sim = finish(
        spec({
          width: 2, depths: [3, 4, 5], target: { sigma: [1, 0.5], basis: system === "full" ? "general" : "identity" },
          init: { type: "svs", scales: [0.01, 0.004, 0.002] }, dynamics: "flow", flow: { system, rtol: 1e-11, atol: 1e-14 },
          lr: 0.1, steps: 300, record: { every: 10 }, sharpness: { every: 0 },
        }),
      );
      // The flow must actually learn (otherwise conservation is trivial).
      expect(sim.last!.loss).toBeLessThan(1e-3 * sim.records[0]!.loss);
      const diff = (r: { leaf: number[][] }, i: number) => [r.leaf[0]![i]! - r.leaf[1]![i]!, r.leaf[0]![i]! - r.leaf[2]![i]!];
      for (let i = 0; i < 2; i++) {
        const start = diff(sim.records[0]!, i);
        for (const r of sim.records) {
          // Leaf coordinates are O(10²–10⁴) here; the ODE's local error control (rtol 1e-11) keeps the
          // global error of each z within ~1e-9 relative over this horizon, so 1e-7 relative is safe.
          expectAllClose(diff(r, i), start, { rtol: 1e-7 }, `z_1 − z_k in mode ${i + 1} at t=${r.time}`);
        }
      }
    });
  }

  it("full-matrix gradient flow equals the reduced gradient flow at matched times (general basis)", () => {
    const common = {
      width: 3, depths: [2, 4], target: { sigma: [1, 0.6, 0.2], basis: "general" }, init: { type: "svs", scales: [0.02, 0.01] },
      dynamics: "flow", lr: 0.05, steps: 400, record: { every: 40 }, sharpness: { every: 0 },
    };
    const red = finish(spec({ ...common, flow: { system: "reduced", rtol: 1e-11, atol: 1e-14 } }));
    const full = finish(spec({ ...common, flow: { system: "full", rtol: 1e-11, atol: 1e-14 } }));
    expect(full.records.length).toBe(red.records.length);
    // Both solve the same ODE (on different coordinates) to rtol 1e-11: agreement to 1e-8 relative.
    red.records.forEach((r, j) => expectAllClose(full.records[j]!.s, r.s, { rtol: 1e-8, atol: 1e-12 }, `s at t=${r.time}`));
    expect(red.last!.loss).toBeLessThan(1e-4);
  });

  it("GD with a small step tracks GF at matched time, with first-order error in η", () => {
    const common = { width: 1, depths: [3, 4], target: { sigma: [1] }, init: { type: "svs", scales: [0.02, 0.01] }, record: { every: 1 }, sharpness: { every: 0 }, stop: { lossTol: 1e-300 } };
    const T = 40;
    const at = (eta: number, dynamics: "reduced" | "flow") =>
      finish(spec({ ...common, lr: eta, steps: Math.round(T / eta), dynamics, flow: { system: "reduced", rtol: 1e-12, atol: 1e-15 } })).last!.s.map((r) => r[0]!);
    const gf = at(0.01, "flow");
    const err = (eta: number) => Math.max(...at(eta, "reduced").map((x, k) => Math.abs(x - gf[k]!)));
    const e1 = err(0.01);
    const e2 = err(0.005);
    const e3 = err(0.0025);
    // GD is a first-order method: halving η halves the error (ratio 0.5 ± 0.1).
    expect(e2 / e1).toBeGreaterThan(0.4);
    expect(e2 / e1).toBeLessThan(0.6);
    expect(e3 / e2).toBeGreaterThan(0.4);
    expect(e3 / e2).toBeLessThan(0.6);
    expect(e3).toBeLessThan(1e-2);
  });
});

describe("Dormand–Prince integrator", () => {
  it("solves y' = A y (rotation with decay) to its tolerance", () => {
    const f = (_t: number, y: Float64Array, dy: Float64Array) => {
      dy[0] = -0.1 * y[0]! - y[1]!;
      dy[1] = y[0]! - 0.1 * y[1]!;
    };
    const ode = new DormandPrince(2, f, { rtol: 1e-12, atol: 1e-14 });
    const y = Float64Array.from([1, 0]);
    ode.integrate(y, 0, 10);
    const exact = [Math.exp(-1) * Math.cos(10), Math.exp(-1) * Math.sin(10)];
    // Global error ≈ (number of steps)·tolerance ≲ 1e-10.
    expectAllClose(y, exact, { atol: 1e-10 }, "y(10)");
  });

  it("agrees with odex on the reduced gradient flow of a heterogeneous network", () => {
    const specR = { depths: [2, 3, 5], sigma: Float64Array.from([1, 0.4]) };
    const y0 = [0.3, 0.3, 0.25, 0.2, 0.2, 0.15];
    const ours = Float64Array.from(y0);
    new DormandPrince(6, (_t, y, dy) => balancedFlowRhs(y, specR, dy), { rtol: 1e-12, atol: 1e-14 }).integrate(ours, 0, 30);
    const solver = new Solver(6);
    solver.absoluteTolerance = 1e-13;
    solver.relativeTolerance = 1e-13;
    const theirs = solver.solve((_x, y) => {
      const dy = new Float64Array(6);
      balancedFlowRhs(Float64Array.from(y), specR, dy);
      return Array.from(dy);
    }, 0, y0, 30).y;
    // Two independent methods at tolerances ≤ 1e-12: agreement to 1e-9 relative.
    expectAllClose(ours, theirs, { rtol: 1e-9, atol: 1e-12 }, "state at t=30");
  });
});

describe("step-size schedules", () => {
  it("constant, warm-up and piecewise give the documented multipliers", () => {
    expect(makeSchedule(0.5, { type: "constant" })(123)).toBe(0.5);
    const warm = makeSchedule(1, { type: "warmup", steps: 4, start: 0.2 });
    expectAllClose([0, 1, 2, 3, 4, 100].map(warm), [0.4, 0.6, 0.8, 1, 1, 1], { rtol: 1e-15 }, "warm-up");
    const pw = makeSchedule(2, { type: "piecewise", boundaries: [10, 20], factors: [0.1, 1, 0.5] });
    expect([0, 9, 10, 19, 20, 1000].map(pw)).toEqual([0.2, 0.2, 2, 2, 1, 1]);
  });

  it("a GD run applies the schedule step by step", () => {
    const sim = finish(spec({ width: 1, depths: [2, 2], target: { sigma: [1] }, dynamics: "reduced", lr: 0.5, steps: 10, record: { every: 1 }, schedule: { type: "warmup", steps: 5 } }));
    expectAllClose(sim.records.slice(0, 6).map((r) => r.lr), [0.1, 0.2, 0.3, 0.4, 0.5, 0.5], { rtol: 1e-15 }, "recorded η_t");
    expectAllClose(sim.records[5]!.time, 0.1 + 0.2 + 0.3 + 0.4 + 0.5, { rtol: 1e-15 }, "time = Σ η");
  });
});

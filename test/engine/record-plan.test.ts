/**
 * @file The record plan (src/engine/simulate.ts `RecordPlan`): the geometric, logarithmic and time-grid plans' steps against a direct
 * enumeration of its definition, its resolution from `record.every: auto`, and the invariant that the
 * final state of a run never depends on when it records or measures sharpness — bit for bit, for every
 * model and for runs that stop early (converged, diverged) between two records.
 */
import { describe, expect, it } from "vitest";
import { nextPlannedRecord, plannedRecords, recordIndex, recordStride, sharpnessStride, Simulation, timeGridSteps, type RecordPlan, type SimulationSpec } from "../../src/engine/simulate.js";
import { AUTO_DENSE, RunConfigSchema, resolveRunConfig } from "../../src/config/schema.js";

/**
 * The plan's record steps in [0, T], enumerated from the definition: `dense` records per phase, stride
 * ×3 per phase; or (`until`) every multiple of `every` below until, of 3·every below 3·until, ….
 */
function enumerate(plan: RecordPlan, T: number): number[] {
  const out: number[] = [];
  if (plan.until !== undefined) {
    let stride = plan.every;
    let end = plan.until;
    for (let t = 0; t <= T; t++) {
      while (t >= end) {
        end *= 3;
        stride *= 3;
      }
      if (t % stride === 0) out.push(t);
    }
    return out;
  }
  let t = 0;
  let stride = plan.every;
  let inPhase = 0;
  while (t <= T) {
    out.push(t);
    t += stride;
    if (plan.dense !== undefined && ++inPhase === plan.dense) {
      inPhase = 0;
      stride *= 3;
    }
  }
  return out;
}

function spec(raw: Record<string, unknown>): SimulationSpec {
  return resolveRunConfig(RunConfigSchema.parse(raw));
}

function finish(s: SimulationSpec): Simulation {
  const sim = new Simulation(s);
  sim.advance(Number.MAX_SAFE_INTEGER);
  return sim;
}

describe("geometric record plan", () => {
  for (const plan of [{ every: 1, dense: 5 }, { every: 3, dense: 4 }, { every: 7 }, { every: 1, dense: 1 }, { every: 1, until: 20 }, { every: 1, until: 25 }, { every: 2, until: 7 }] as RecordPlan[]) {
    it(`steps of ${JSON.stringify(plan)} match the enumeration of its definition`, () => {
      const T = 2000;
      const steps = enumerate(plan, T);
      const set = new Set(steps);
      for (let t = 0; t <= T; t++) {
        expect(recordIndex(plan, t), `recordIndex(${t})`).toBe(set.has(t) ? steps.indexOf(t) : -1);
        expect(nextPlannedRecord(plan, t), `nextPlannedRecord(${t})`).toBe(steps.find((s) => s >= t) ?? enumerate(plan, 2 * T).find((s) => s >= t));
      }
      for (const last of [1, 10, 37, 500, 2000]) {
        const kept = steps.filter((s) => s < last).length + 1;
        expect(plannedRecords(plan, last), `plannedRecords(${last})`).toBe(kept);
      }
    });
  }

  it("strides stay odd and triple per phase, so consecutive records alternate parity", () => {
    const plan: RecordPlan = { every: 1, dense: 10 };
    const steps = enumerate(plan, 100_000);
    for (let j = 1; j < steps.length; j++) {
      const gap = steps[j]! - steps[j - 1]!;
      expect(gap % 2, `gap before step ${steps[j]}`).toBe(1);
      expect(recordStride(plan, steps[j - 1]!)).toBe(gap);
    }
  });

  it("the per-stride sharpness cadence: odd multiples of the stride, every 9th record once it grows", () => {
    const plan: RecordPlan = { every: 1, until: 40 };
    const perStride = { min: 10, records: 9 };
    const base = spec({ width: 1, depths: [4, 4], target: { sigma: [1] }, init: { type: "svs", scales: [0.2 ** 4, 0.19 ** 4] }, lr: 0.01, steps: 3000, dynamics: "reduced", stop: { lossTol: 1e-300 } });
    const sim = finish({ ...base, record: plan, sharpness: { ...base.sharpness, every: 0, everyRecord: undefined, perStride } });
    expect(sim.status).toBe("max-steps");
    expect(sim.records.map((r) => r.step)).toEqual([...enumerate(plan, 2999), 3000]);
    const measured = sim.records.filter((r) => r.sharpness && r.sharpness.length > 0).map((r) => r.step);
    // Stride 1 below 40: every 11th step (10 made odd); stride 3 below 120: 9·3 = 27; stride 9: 81; 27: 243; 81: 729 — and the ends.
    const want = [0, ...[11, 22, 33], ...[54, 81, 108], ...[162, 243, 324], ...[486, 729, 972], ...[1458, 2187, 2916], 3000].filter((t, j, a) => a.indexOf(t) === j);
    expect(measured).toEqual(want);
    for (const t of measured.slice(1, -1)) expect(sharpnessStride(plan, perStride, t) % 2, `step ${t}`).toBe(1);
  });

  it("a time grid: records where τ = Σ η first reaches max(τ_last·10^{1/n}, η), as a plan of explicit steps", () => {
    const schedule = { type: "decay", timescale: 50, power: 1 } as const;
    const lrAt = (t: number) => 0.2 / (1 + t / 50);
    const at = timeGridSteps(0.2, schedule, 5000, 8);
    // From the definition, with τ summed in step order.
    const want: number[] = [];
    let tau = 0;
    let next = 0;
    for (let t = 0; t < 5000; t++) {
      if (tau >= next) {
        want.push(t);
        next = Math.max(tau * Math.pow(10, 1 / 8), lrAt(t));
      }
      tau += lrAt(t);
    }
    expect(at).toEqual(want);
    // At most 8 records per decade of τ past the first step (τ(5000) ≈ 0.2·50·ln 101 ≈ 46, 2.4 decades
    // above τ(1) = 0.2), and not far fewer: a record's τ overshoots its grid time by less than one step.
    expect(at.length).toBeLessThanOrEqual(2 + 8 * Math.log10(46 / 0.2));
    expect(at.length).toBeGreaterThan(6 * Math.log10(46 / 0.2));
    const plan: RecordPlan = { every: 1, at };
    for (let t = 0; t <= 5000; t += 7) {
      expect(recordIndex(plan, t)).toBe(at.indexOf(t));
      expect(nextPlannedRecord(plan, t)).toBe(at.find((s) => s >= t) ?? Number.MAX_SAFE_INTEGER);
      expect(plannedRecords(plan, t)).toBe(t <= 0 ? 1 : at.filter((s) => s < t).length + 1);
    }
    const resolved = spec({ width: 1, depths: [3, 3], lr: 0.2, schedule: { type: "decay", timescale: 50 }, steps: 5000, record: { perDecade: 8 } });
    expect(resolved.record).toEqual({ every: 1, at });
  });

  it("record.every auto resolves to the geometric plan; an explicit stride stays a stride", () => {
    expect(spec({}).record).toEqual({ every: 1, dense: AUTO_DENSE });
    expect(spec({ record: { dense: 50 } }).record).toEqual({ every: 1, dense: 50 });
    expect(spec({ record: { every: 7 } }).record).toEqual({ every: 7 });
    expect(() => spec({ record: { every: 7, dense: 50 } })).toThrow(/dense/);
    // Sharpness on every 9th record (full GD) or every record (reduced); explicit cadences are kept.
    expect(spec({}).sharpness).toMatchObject({ every: 0, everyRecord: 9 });
    expect(spec({ dynamics: "reduced" }).sharpness).toMatchObject({ every: 0, everyRecord: 1 });
    expect(spec({ sharpness: { every: 25 } }).sharpness.every).toBe(25);
    expect(spec({ sharpness: { every: 25 } }).sharpness.everyRecord).toBeUndefined();
  });

  it("the number of records follows the run's actual length, not its step budget", () => {
    // h = 0.5 reference: converges in a few thousand steps of a budget of 10⁶.
    const s = spec({ width: 1, depths: [4, 4], target: { sigma: [1] }, init: { type: "svs", scales: [0.0016, 0.00130321] }, lr: 0.125, steps: 1_000_000, dynamics: "reduced", record: { dense: 100 } });
    const sim = finish(s);
    expect(sim.status).toBe("converged");
    expect(sim.step).toBeLessThan(100_000);
    // Every planned step up to the stop, plus the stop itself.
    expect(sim.records.length).toBe(plannedRecords(s.record, sim.step));
    expect(sim.records.length).toBeLessThan(1000);
    const sharp = sim.records.filter((r) => r.sharpness !== null).length;
    // Every record of the reduced plan carries sharpness.
    expect(sharp).toBe(sim.records.length);
  });
});

describe("the final state does not depend on the record plan (bit for bit)", () => {
  const plans: { record: Record<string, unknown>; sharpness: Record<string, unknown> }[] = [
    { record: { every: 1 }, sharpness: { every: 0 } },
    { record: { every: 7 }, sharpness: { every: 13 } },
    { record: { every: "auto", dense: 5 }, sharpness: { every: "auto" } },
    { record: { perDecade: 4 }, sharpness: { every: "auto" } },
  ];
  const cases: [string, Record<string, unknown>][] = [
    ["full GD, general basis", { width: 3, depths: [4, 4], target: { sigma: [1, 0.5, 0.2], basis: "general" }, lr: 0.3, steps: 700, seed: 2 }],
    ["reduced GD at the EoS", { width: 2, depths: [4, 4], target: { sigma: [1, 0.5] }, init: { type: "svs", scales: [0.2 ** 4, 0.19 ** 4] }, lr: 0.625, steps: 900, dynamics: "reduced" }],
    ["per-layer reduced GD", { width: 1, depths: [3, 4], target: { sigma: [1] }, init: { type: "svs-layers", scales: [[0.3, 0.2, 0.25], [0.2, 0.2, 0.3, 0.1]] }, lr: 0.2, steps: 600, dynamics: "reduced" }],
    ["tanh MLP", { width: 3, depths: [3, 3], model: "mlp", mlp: { hidden: 5, init: { type: "gaussian", std: 0.3 } }, lr: 0.2, steps: 500, seed: 1 }],
    ["deep linear classifier", { width: 2, depths: [3], model: "classifier", classifier: { data: { points: 8 } }, lr: 0.5, steps: 500, seed: 4 }],
    ["converged between records", { width: 1, depths: [4, 4], target: { sigma: [1] }, init: { type: "svs", scales: [0.2 ** 4, 0.19 ** 4] }, lr: 0.125, steps: 100_000, dynamics: "reduced", stop: { lossTol: 1e-12 } }],
    ["diverged between records", { width: 2, depths: [4, 4], target: { sigma: [1, 0.5] }, lr: 1.2, steps: 2000, seed: 5, init: { type: "gaussian", std: 0.5 } }],
    ["gradient flow, full matrices", { width: 2, depths: [3, 3], target: { sigma: [1, 0.5], basis: "symmetric" }, init: { type: "svs", scales: [0.05, 0.04] }, lr: 0.05, steps: 600, dynamics: "flow" }],
    ["gradient flow, reduced", { width: 2, depths: [4, 4], target: { sigma: [1, 0.5] }, init: { type: "svs", scales: [0.2 ** 4, 0.19 ** 4] }, lr: 0.1, steps: 800, dynamics: "flow", flow: { system: "reduced" } }],
  ];
  for (const [name, raw] of cases) {
    it(name, () => {
      const runs = plans.map((p) => finish(spec({ ...raw, ...p })));
      // The logarithmic plan with the per-stride sharpness cadence (engine level: the suite's runs).
      const base = spec(raw);
      runs.push(finish({ ...base, record: { every: 1, until: 50 }, sharpness: { ...base.sharpness, every: 0, everyRecord: undefined, perStride: { min: 25, records: 9 } } }));
      const [ref, ...rest] = runs;
      for (const [j, sim] of rest.entries()) {
        const what = `${name}, plan ${JSON.stringify(plans[j + 1] ?? "logarithmic")} vs ${JSON.stringify(plans[0])}`;
        expect(sim.status, what).toBe(ref!.status);
        expect(sim.stopInfo, what).toEqual(ref!.stopInfo);
        expect(sim.step, what).toBe(ref!.step);
        expect(sim.time, what).toBe(ref!.time);
        // Exact equality: the same float64 operations in the same order, whatever is recorded in between.
        expect(Array.from(sim.system.state), what).toEqual(Array.from(ref!.system.state));
        expect(sim.last!.step, what).toBe(ref!.last!.step);
        expect(Object.is(sim.last!.loss, ref!.last!.loss) || sim.last!.loss === ref!.last!.loss, what).toBe(true);
      }
      // The run must actually stop where its name says (otherwise the case tests nothing).
      if (name.startsWith("converged")) expect(ref!.status).toBe("converged");
      if (name.startsWith("diverged")) expect(ref!.status).toBe("diverged");
      if (name.includes("between")) expect(recordIndex({ every: 7 }, ref!.step)).toBe(-1);
    });
  }
});

describe("gradient flow reads its records from the solver's dense output", () => {
  const raw = { width: 2, depths: [4, 4], target: { sigma: [1, 0.5] }, init: { type: "svs", scales: [0.2 ** 4, 0.19 ** 4] }, lr: 0.1, steps: 3000, dynamics: "flow", flow: { system: "reduced" } };

  it("the final state does not depend on how the run is sliced (bit for bit)", () => {
    const whole = finish(spec(raw));
    const sliced = new Simulation(spec(raw));
    // Slices of 1, 7, 1, 7, … steps: every slice boundary falls at a different time than the records'.
    for (let j = 0; !sliced.done; j++) sliced.advance(j % 2 === 0 ? 1 : 7);
    expect(Array.from(sliced.system.state)).toEqual(Array.from(whole.system.state));
    expect(sliced.records.map((r) => r.s)).toEqual(whole.records.map((r) => r.s));
    // Every planned record up to the end, none skipped by a stop found inside a solver step.
    expect(whole.records.length).toBe(plannedRecords(whole.spec.record, whole.step));
  });

  it("a converging flow keeps every planned record up to its stop", () => {
    const sim = finish(spec({ ...raw, steps: 100_000, record: { every: 1 } }));
    expect(sim.status).toBe("converged");
    expect(sim.records.map((r) => r.step)).toEqual(Array.from({ length: sim.step + 1 }, (_, t) => t));
  });

  it("records at interpolated times match the closed form of a depth-1 flow, s(t) = σ + (s₀ − σ)e^{−t}", () => {
    // One depth-1 pathway: ds/dt = −(s − σ). DOPRI5 at rtol 1e-10 keeps the global error near 1e-10 on this
    // contracting flow, and the 4th-order dense output adds a local error of the same order: 1e-8 leaves margin.
    const sim = finish(spec({ width: 1, depths: [1], target: { sigma: [1] }, init: { type: "svs", scales: [0.1] }, lr: 0.01, steps: 2000, dynamics: "flow", flow: { system: "reduced" }, record: { every: 7 } }));
    expect(sim.records.length).toBeGreaterThan(250);
    for (const r of sim.records) expect(Math.abs(r.s[0]![0]! - (1 - 0.9 * Math.exp(-r.time))), `t = ${r.time}`).toBeLessThan(1e-8);
  });
});

describe("interruption and resume do not change the run (bit for bit)", () => {
  // Sharpness at the start and the end only: the final measurement is warm-started from the first, so an
  // interruption's extra measurement (which once became the warm start) would show in its last bits.
  const cases: [string, Record<string, unknown>][] = [
    ["full GD, Lanczos sharpness", { width: 3, depths: [4, 4], target: { sigma: [1, 0.5, 0.2], basis: "general" }, lr: 0.3, steps: 400, seed: 2, sharpness: { every: 0 } }],
    ["full GD, sharpness every 50 steps", { width: 3, depths: [3, 3], target: { sigma: [1, 0.5, 0.2] }, lr: 0.4, steps: 300, seed: 3, sharpness: { every: 50 } }],
    ["reduced GD at the EoS", { width: 2, depths: [4, 4], target: { sigma: [1, 0.5] }, init: { type: "svs", scales: [0.2 ** 4, 0.19 ** 4] }, lr: 0.625, steps: 900, dynamics: "reduced" }],
    ["tanh MLP", { width: 3, depths: [3, 3], model: "mlp", mlp: { hidden: 5, init: { type: "gaussian", std: 0.3 } }, lr: 0.2, steps: 300, seed: 1, sharpness: { every: 0 } }],
    ["deep linear classifier", { width: 2, depths: [3], model: "classifier", classifier: { data: { points: 8 } }, lr: 0.5, steps: 300, seed: 4, sharpness: { every: 0 } }],
    ["gradient flow, full matrices", { width: 2, depths: [3, 3], target: { sigma: [1, 0.5], basis: "symmetric" }, init: { type: "svs", scales: [0.05, 0.04] }, lr: 0.05, steps: 600, dynamics: "flow" }],
    ["gradient flow, reduced", { width: 2, depths: [4, 4], target: { sigma: [1, 0.5] }, init: { type: "svs", scales: [0.2 ** 4, 0.19 ** 4] }, lr: 0.1, steps: 800, dynamics: "flow", flow: { system: "reduced" } }],
    ["central flow, full matrices", { width: 2, depths: [3, 3], target: { sigma: [1, 0.5], basis: "symmetric" }, init: { type: "gaussian", std: 0.4 }, seed: 3, lr: 0.6, steps: 150, dynamics: "central", sharpness: { every: 0 } }],
    ["central flow, reduced", { width: 1, depths: [4, 4], target: { sigma: [1] }, init: { type: "svs", scales: [0.2 ** 4, 0.19 ** 4] }, lr: 0.625, steps: 600, dynamics: "central", flow: { system: "reduced" } }],
  ];
  for (const [name, raw] of cases) {
    it(name, () => {
      const s = spec(raw);
      const whole = finish(s);
      // Cuts before the uninterrupted run's end (early, and half-way to where it ended).
      for (const cut of [1, 37, Math.floor(whole.step / 2) + 1].filter((c) => c < whole.step)) {
        const first = new Simulation(s);
        first.advance(cut);
        first.interrupt();
        expect(first.status).toBe("interrupted");
        const rest = new Simulation(s, { resume: JSON.parse(JSON.stringify(first.snapshot())) });
        rest.advance(Number.MAX_SAFE_INTEGER);
        const what = `${name}, cut at step ${cut}`;
        expect(rest.status, what).toBe(whole.status);
        expect(Array.from(rest.system.state), what).toEqual(Array.from(whole.system.state));
        expect(rest.last!.sharpness, what).toEqual(whole.last!.sharpness);
        expect(rest.last!.loss, what).toBe(whole.last!.loss);
      }
    });
  }
});

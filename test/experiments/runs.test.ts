/**
 * @file The runners: the geometric record schedule continues exactly (snapshot/resume), strides are odd,
 * EoS statistics count what they claim, the deep-chain knife edge matches the closed form, and phase
 * cells land where the theory puts them.
 */
import { describe, expect, it } from "vitest";
import { RunConfigSchema, resolveRunConfig } from "../../src/config/schema.js";
import { Simulation } from "../../src/engine/simulate.js";
import type { TrajectoryRecord } from "../../src/engine/types.js";
import { gradientFlowEndpoint, modeSharpness, worstOvershoot } from "../../src/theory/index.js";
import { measuredKnifeEdge, worstStart } from "../../src/experiments/kinds/chain/kind.js";
import { DENSE_STEPS, NetworkSchema, runNetwork } from "../../src/experiments/common.js";
import { EosTracker } from "../../src/experiments/eos.js";
import { runCell, transitions, type PhaseRow } from "../../src/experiments/kinds/phase/kind.js";
import { pinnedRatios } from "../../src/experiments/kinds/rank/kind.js";
import { balancedGdStepTyped } from "../../src/engine/dynamics/reduced.js";
import { expectAllClose } from "../helpers/allclose.js";

const net = NetworkSchema.parse({ depths: [4, 4], width: 1, target: { sigma: [1] }, init: { perLayer: [0.2, 0.19] } });

describe("runNetwork", () => {
  // h = 3 is above the window: the run oscillates for all 7000 steps, crossing two stride changes.
  const run = runNetwork(net, { label: "h = 3", lr: 0.75, steps: 7000, dynamics: "reduced", sharpnessEvery: 5 });

  it("continues exactly across the record-stride changes (snapshot/resume is exact)", () => {
    const spec = resolveRunConfig(RunConfigSchema.parse({
      width: 1, depths: [4, 4], target: { sigma: [1] }, init: { type: "svs", scales: [0.2 ** 4, 0.19 ** 4] },
      lr: 0.75, steps: 7000, dynamics: "reduced", record: { every: 1 }, sharpness: { every: 0 },
    }));
    const plain = new Map<number, TrajectoryRecord>();
    const sim = new Simulation(spec, { keepRecords: false, onRecord: (r) => plain.set(r.step, r) });
    sim.advance(Number.MAX_SAFE_INTEGER);
    let compared = 0;
    for (const r of run.records) {
      const p = plain.get(r.step)!;
      // Bitwise equal: the same float operations in the same order (tolerance 0).
      expect(r.s, `step ${r.step}`).toEqual(p.s);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
    expect(run.records.at(-1)!.step).toBe(7000);
    expect(run.steps).toBe(7000);
  });

  it("records every step first, then odd strides, so a period-2 orbit alternates between records", () => {
    const steps = run.records.map((r) => r.step);
    const early = steps.filter((s) => s < DENSE_STEPS);
    expect(early.length).toBeGreaterThan(DENSE_STEPS / 9);
    const gaps = steps.slice(1).map((s, j) => s - steps[j]!);
    // Stride changes (2000 → 2001, 5997 → 6003) and the final record are the only even gaps.
    const odd = gaps.filter((g) => g % 2 === 1).length;
    expect(odd / gaps.length).toBeGreaterThan(0.99);
    // Above the window r_1 alternates: consecutive records with an odd gap have opposite signs.
    const late = run.records.filter((r) => r.step > 6100);
    for (let j = 1; j < late.length; j++) {
      if ((late[j]!.step - late[j - 1]!.step) % 2 === 1) expect(late[j]!.residual[0]! * late[j - 1]!.residual[0]!).toBeLessThan(0);
    }
  });

  it("the period-2 centre lies near the zero-loss line while the state itself does not", () => {
    // The orbit straddles Σ_k s_k = 1 (r alternates in sign); its centre is off the line only at second order.
    const total = run.centre.reduce((a, row) => a + row[0]!, 0);
    expect(Math.abs(total - 1)).toBeLessThan(0.05);
    expect(Math.abs(run.final.s[0]![0]! + run.final.s[1]![0]! - 1)).toBeGreaterThan(0.05);
  });
});

describe("EosTracker", () => {
  const rec = (step: number, r: number, lam: number | null, z: [number, number]): TrajectoryRecord => ({
    step, time: step, lr: 1, loss: r * r / 2, residual: [r], s: [[0.5], [0.5]], balanceIndex: [1], gap: [0],
    leaf: [[z[0]], [z[1]]], drift: 0, sharpness: lam === null ? null : [lam],
  });

  it("counts sign flips and two-step contractions while λ·η/2 > 1, and changes after it", () => {
    const t = new EosTracker();
    // Steps 0–9 above threshold (λ = 3, η = 1), alternating residual, shrinking leaf spread; then below.
    for (let s = 0; s < 10; s++) t.push(rec(s, (s % 2 ? 1 : -1) * 0.1, 3, [1 / (s + 1), -1 / (s + 1)]));
    for (let s = 10; s < 20; s++) t.push(rec(s, -0.01 / s, 1, [0.1, -0.1]));
    const st = t.result();
    expect(st.first).toBe(0);
    expect(st.last).toBe(9);
    expect(st.samples).toBe(10);
    // The flip 9 → 10 goes from +0.1 to −0.001: it counts too (10 of 10).
    expect(st.alternation).toBe(1);
    expect(st.pairs).toBe(10);
    // Var = 1/(s+1)² up to step 9, then 0.01: pairs 0→2 … 8→10 contract, 9→11 (0.01 → 0.01) does not.
    expect(st.contraction).toBeCloseTo(0.9, 12);
    expect(st.postChange).toBe(0);
  });

  it("reports no alternation for a residual of constant sign", () => {
    const t = new EosTracker();
    for (let s = 0; s < 10; s++) t.push(rec(s, 0.1, 3, [1, -1]));
    expect(t.result().alternation).toBe(0);
  });
});

describe("deep chain", () => {
  it("the measured knife edge at L = 2 is 3√3 − 2 (closed form, docs/theory.md §5)", () => {
    // Relative 1e-10: the grid + golden-section maximiser is accurate to ~1e-8 in z, second order in M.
    expect(Math.abs(measuredKnifeEdge(2, 2001) / (3 * Math.sqrt(3) - 2) - 1)).toBeLessThan(1e-10);
  });

  it("the grid-search worst start matches the theory's maximiser", () => {
    for (const [L, h] of [[3, 3.2], [6, 4.1], [20, 5.5]] as const) {
      const a = new Float64Array(1);
      const step = (z: number, hh: number) => {
        a[0] = z;
        balancedGdStepTyped(a, Int32Array.of(L), Float64Array.of(1), hh / L, new Float64Array(1), new Float64Array(1));
        return a[0]!;
      };
      // 1e-6: golden section to 1e-15 in z, but the maximum is flat (quadratic), so z is known to √ε.
      expect(Math.abs(worstStart(step, h, 4001) - worstOvershoot(L, h).z)).toBeLessThan(1e-6);
    }
  });
});

describe("phase cells", () => {
  const scales = [1e-6, 0.9e-6];

  it("below the window: winner-takes-all at the gradient-flow end point", () => {
    const c = runCell(2, 4, 1.5, 1, scales, 100_000);
    expect(c.status).toBe("converged");
    // GD at h = 1.5 deviates from GF at second order in ηr: 5e-3 of σ.
    expect(Math.abs(c.share - Math.max(...gradientFlowEndpoint([4, 4], 1, scales)))).toBeLessThan(5e-3);
  });

  it("inside the window: converged with λ·η/2 just below 1; far above: diverged or flipped", () => {
    const c = runCell(2, 4, 2.5, 1, scales, 100_000);
    expect(c.status).toBe("converged");
    expect(c.lamRatio).toBeLessThan(1);
    expect(c.lamRatio).toBeGreaterThan(0.97);
    expect(["diverged", "sign-flip"]).toContain(runCell(2, 3, 6.5, 1, scales, 10_000).status);
  });

  it("transitions() locates onset, convergence edge and first flip on a synthetic row", () => {
    const cell = (h: number, status: PhaseRow["cells"][number]["status"], share: number) => ({ h, status, balance: 0, share, lamRatio: 0, steps: 0, signFlip: false });
    const row: PhaseRow = {
      K: 2, L: 4, hBalanced: 2.83, hOnset: 2, cL: 3.98,
      cells: [cell(1.8, "converged", 0.99), cell(1.9, "converged", 0.99), cell(2.0, "converged", 0.99), cell(2.1, "converged", 0.95),
        cell(2.8, "converged", 0.55), cell(2.9, "no-convergence", 0.5), cell(4.0, "sign-flip", 0.5), cell(4.1, "diverged", Number.NaN)],
    };
    const t = transitions(row, 0.1);
    // Settled cells from the first 0.005 drop on: (2.1, 0.04), (2.8, 0.44), (2.9, 0.49); their
    // least-squares line (slope 0.215/0.38) crosses 0 at 2.6 − (0.97/3)/(0.215/0.38) = 2.0285271….
    expect(t.onset).toBeCloseTo(2.6 - 0.97 / 3 / (0.215 / 0.38), 12);
    expect(t.convergenceEdge).toBeCloseTo(2.85, 12);
    expect(t.firstFlip).toBe(4.0);
    expect(t.firstFailure).toBe(4.0);
  });
});

describe("rank", () => {
  it("pinnedRatios is λ_i·η/2 with λ_i = Σ_k L s_{k,i}^{2−2/L}", () => {
    const s = [[0.5, 0.8], [0.5, 0.05]];
    expectAllClose(pinnedRatios([4, 4], s, 0.6), [modeSharpness([4, 4], [0.5, 0.5]) * 0.3, modeSharpness([4, 4], [0.8, 0.05]) * 0.3], { rtol: 1e-15 }, "pinned");
  });
});

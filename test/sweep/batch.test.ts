/**
 * The batched SIMD kernel against the single-run path, point by point: every run of a sweep that
 * covers every way a run ends (converged at a record step and between records, diverged,
 * oscillating, max-steps), one and two modes, mixed depths and the plateau-escape stop must end in
 * bit for bit the state `Simulation` (dynamics: reduced) ends in. Also the closed-form sharpness
 * of one mode against the dense SVS blocks, and sign flips against a plain step loop.
 */
import { describe, expect, it } from "vitest";
import { expandSweep, parseSweepSpec, type SweepPoint } from "../../src/sweep/spec.js";
import { balancedSharpness, runColumns, runPoints, runSinglePoint, sweepShape, trajectoryColumns, type Row } from "../../src/sweep/rows.js";
import { batchable } from "../../src/sweep/batch.js";
import { svsHessianTop, balancedToLayers } from "../../src/engine/measure/hessian-blocks.js";
import { balancedGdStepTyped } from "../../src/engine/dynamics/reduced.js";
import { Rng } from "../../src/engine/rng.js";

/** Columns that are functions of the final state and of how the run ended. */
const EXACT = /^(status|final_step|stop_step|loss|s_\d+_\d+|balance_\d+|K|width|lr|h|hash|point|sign_flip)$/;

function compare(spec: ReturnType<typeof parseSweepSpec>): Row[] {
  const points = expandSweep(spec);
  expect(points.every((p) => batchable(p.spec))).toBe(true);
  const batched = new Map(runPoints(spec, points).map((r) => [r.point, r]));
  for (const p of points) {
    const single = runSinglePoint(spec, p);
    const b = batched.get(p.index)!;
    for (const [col, v] of Object.entries(single)) {
      if (EXACT.test(col)) {
        expect(Object.is(b[col], v), `point ${p.index} (${JSON.stringify(p.values)}) ${col}: batched ${b[col]}, single ${v}`).toBe(true);
      }
    }
    // One mode: closed form vs dense blocks, both backward stable on a symmetric matrix (error
    // ≲ n·ε·‖H‖ with n ≤ 16), so 1e-12 relative leaves two orders of margin. Two modes: the same code.
    if (single.sharpness === null) expect(b.sharpness).toBeNull();
    else {
      const tol = p.spec.width === 1 ? 1e-12 * Math.max(1, Math.abs(single.sharpness as number)) : 0;
      expect(Math.abs((b.sharpness as number) - (single.sharpness as number)), `point ${p.index} sharpness`).toBeLessThanOrEqual(tol);
    }
  }
  return [...batched.values()];
}

describe("batched kernel vs Simulation, point by point", () => {
  it("K = 2, depth 4, one mode: every end status, stops at and between records", () => {
    const rows = compare(parseSweepSpec({
      base: { width: 1, depths: [4, 4], target: { sigma: [1] }, init: { type: "svs", scales: [0.0016, 0.00130321] }, dynamics: "reduced", steps: 4000, record: { every: 7 }, stop: { window: 64 } },
      // Up to h = 5.5: at h = 5.75 Simulation itself fails (its final Hessian overflows to ∞ at a finite loss).
      axes: { h: { from: 0.5, to: 5.5, points: 41 } },
    }));
    const statuses = new Set(rows.map((r) => r.status));
    for (const s of ["converged", "oscillating", "diverged", "max-steps"]) expect(statuses, `statuses ${[...statuses]}`).toContain(s);
    const stops = rows.filter((r) => r.stop_step !== null).map((r) => r.stop_step as number);
    expect(stops.some((t) => t % 7 === 0)).toBe(true);
    expect(stops.some((t) => t % 7 !== 0)).toBe(true);
  });

  it("mixed depths, K = 3, two modes, the plateau-escape stop and odd block sizes", () => {
    compare(parseSweepSpec({
      base: { width: 2, depths: [3, 5, 2], target: { sigma: [1, 0.4] }, init: { type: "svs", scales: [0.01, 0.008, 0.005] }, dynamics: "reduced", steps: 1500, stop: { window: 32 } },
      axes: { h: { from: 0.5, to: 4, points: 9 }, "stop.lossFraction": { values: [0.5, 0.999] }, seed: { range: 1 } },
    }));
  });

  it("trajectory rows: the kernel's visits equal Simulation's records, bit for bit, stops at and between samples", () => {
    for (const base of [
      { width: 1, depths: [4, 4], target: { sigma: [1] }, init: { type: "svs", scales: [0.0016, 0.00130321] }, dynamics: "reduced", steps: 900, stop: { window: 64 } },
      { width: 2, depths: [3, 5, 2], target: { sigma: [1, 0.4] }, init: { type: "svs", scales: [0.01, 0.008, 0.005] }, dynamics: "reduced", steps: 700, stop: { window: 32 } },
    ]) {
      const spec = parseSweepSpec({ base, axes: { h: { from: 0.5, to: 5.5, points: 21 } }, trajectories: { every: 7 } });
      const points = expandSweep(spec);
      const batched: Row[] = [];
      runPoints(spec, points, { trajectories: (rows) => batched.push(...rows) });
      const single: Row[] = [];
      for (const p of points) runSinglePoint(spec, p, (rows) => single.push(...rows));
      const key = (r: Row) => `${r.point}:${r.step}`;
      const byKey = new Map(batched.map((r) => [key(r), r]));
      expect(batched).toHaveLength(single.length);
      for (const r of single) {
        const b = byKey.get(key(r));
        expect(b, `point ${r.point} step ${r.step} missing from the kernel's rows`).toBeDefined();
        for (const [col, v] of Object.entries(r)) expect(Object.is(b![col], v), `point ${r.point} step ${r.step} ${col}: ${b![col]} vs ${v}`).toBe(true);
      }
      // Every run's rows: the multiples of 7 below its final step, then the final step.
      const finals = new Map(runPoints(spec, points).map((r) => [r.point, r.final_step as number]));
      for (const [point, fin] of finals) {
        const steps = batched.filter((r) => r.point === point).map((r) => r.step as number);
        const want = Array.from({ length: Math.ceil(fin / 7) }, (_, j) => 7 * j).concat(fin);
        expect(steps, `point ${point}`).toEqual(want);
      }
      expect([...finals.values()].some((t) => t % 7 !== 0 && t < base.steps)).toBe(true);
    }
  });

  // asm/sweep.ts specialises on the width (1: scalars in registers for K ≤ 8), K and a depth shared
  // by all pathways (a literal for 2–10): one case per code path, each across the window so that
  // runs converge, oscillate and diverge.
  const paths: { name: string; width: number; depths: number[] }[] = [
    { name: "width 1, K = 1, depth 2", width: 1, depths: [2] },
    { name: "width 1, K = 8, shared depth 10", width: 1, depths: Array(8).fill(10) },
    { name: "width 1, K = 3, mixed depths", width: 1, depths: [3, 5, 7] },
    { name: "width 1, K = 9 (past the register path), shared depth 3", width: 1, depths: Array(9).fill(3) },
    { name: "width 1, K = 2, shared depth 12 (past the unrolled powers)", width: 1, depths: [12, 12] },
    { name: "width 2, K = 2, shared depth 5", width: 2, depths: [5, 5] },
  ];
  for (const c of paths) {
    it(`kernel path: ${c.name}`, () => {
      const K = c.depths.length;
      const sigma = c.width === 1 ? [1] : [1, 0.5];
      compare(parseSweepSpec({
        base: { width: c.width, depths: c.depths, target: { sigma }, init: { type: "svs", scales: Array.from({ length: K }, (_, k) => 0.01 * 0.9 ** k) }, dynamics: "reduced", steps: 600, stop: { window: 32 }, sharpness: { every: 0 } },
        axes: { h: { from: 0.5, to: 5, points: 7 } },
      }));
    });
  }
});

describe("per-run summaries", () => {
  it("closed-form one-mode sharpness equals the dense SVS-block eigenvalue", () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 200; trial++) {
      const depths = Array.from({ length: 1 + Math.floor(rng.uniform() * 4) }, () => 1 + Math.floor(rng.uniform() * 6));
      const a = Float64Array.from(depths, () => 2 * rng.uniform() - 0.5);
      const sigma = Float64Array.of(0.2 + rng.uniform());
      const dense = svsHessianTop({ depths, sigma, x: balancedToLayers(a, depths, 1) }, 1)[0]!;
      // Dense EVD error ≲ 16·ε·‖H‖: 1e-12·max(1, |λ|) is a wide margin.
      expect(Math.abs(balancedSharpness(depths, a, sigma) - dense), `depths ${depths} a ${a}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(dense)));
    }
  });

  it("flags a sign flip exactly when a plain step loop sees a layer scalar below zero", () => {
    const spec = parseSweepSpec({
      base: { width: 1, depths: [4, 4], target: { sigma: [1] }, init: { type: "svs", scales: [0.0016, 0.00130321] }, dynamics: "reduced", steps: 1500 },
      axes: { lr: { from: 0.7, to: 1.3, points: 25 } },
    });
    const points = expandSweep(spec);
    const rows = runPoints(spec, points);
    let flips = 0;
    for (const p of points) {
      const a = Float64Array.of(0.0016 ** (1 / 4), 0.00130321 ** (1 / 4));
      let seen = false;
      const stopAt = rows.find((r) => r.point === p.index)!.final_step as number;
      for (let t = 0; t < stopAt; t++) {
        balancedGdStepTyped(a, Int32Array.of(4, 4), Float64Array.of(1), p.spec.lr, new Float64Array(1), new Float64Array(2));
        if (a[0]! < 0 || a[1]! < 0) seen = true;
      }
      const row = rows.find((r) => r.point === p.index)!;
      if (row.status !== "diverged") expect(row.sign_flip, `lr ${p.spec.lr}`).toBe(seen);
      if (seen) flips++;
    }
    expect(flips).toBeGreaterThan(0);
    expect(flips).toBeLessThan(points.length);
  });
});

describe("sweep shapes", () => {
  it("sweepShape and the column lists take sweeps of 3·10⁵ points (Math.max(...points) overflowed the stack at 2·10⁵)", () => {
    const spec = parseSweepSpec({ base: {}, axes: { h: { values: [1] } } });
    const points = Array.from({ length: 300_000 }, (_, j) => ({ spec: { depths: j === 123_456 ? [3, 3, 3] : [2, 2], width: j === 7 ? 3 : 1 } })) as unknown as SweepPoint[];
    expect(sweepShape(points)).toEqual({ K: 3, d: 3 });
    expect(runColumns(spec, points).filter((c) => /^s_\d+_\d+$/.test(c.name))).toHaveLength(9);
    expect(trajectoryColumns(points).filter((c) => /^balance_\d+$/.test(c.name))).toHaveLength(3);
  });
});

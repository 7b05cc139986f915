/**
 * The central exactness claim (docs/theory.md §2): full-matrix GD started in the SVS set reproduces the
 * reduced per-mode dynamics to rounding error, step by step — here in the Edge-of-Stability regime,
 * where the top Hessian eigenvalue exceeds 2/η and any modelling error would be amplified.
 */
import { describe, expect, it } from "vitest";
import { Simulation } from "../../src/engine/simulate.js";
import { RunConfigSchema, resolveRunConfig } from "../../src/config/schema.js";

function run(raw: Record<string, unknown>, dynamics: "full" | "reduced") {
  const spec = resolveRunConfig(
    RunConfigSchema.parse({
      ...raw,
      dynamics,
      record: { every: 1 },
      // Exact block sharpness every step for the reduced run, to prove the run is at the EoS.
      sharpness: { every: dynamics === "reduced" ? 1 : 0 },
      // Never stop early: compare every one of the steps.
      stop: { lossTol: 1e-300 },
    }),
  );
  const sim = new Simulation(spec);
  sim.advance(Number.MAX_SAFE_INTEGER);
  return sim;
}

// Each case sits in (or near) the re-balancing window so that sharpness crosses 2/η.
const cases = [
  { label: "K=2 L=4,4 symmetric", width: 3, depths: [4, 4], target: { sigma: [1, 0.6, 0.3], basis: "symmetric" }, lr: 0.625 },
  { label: "K=2 L=2,4 general (heterogeneous)", width: 3, depths: [2, 4], target: { sigma: [1, 0.5, 0.2], basis: "general" }, init: { type: "svs", scales: [0.01] }, lr: 1.02 },
  { label: "K=3 L=3,5,7 symmetric (heterogeneous)", width: 2, depths: [3, 5, 7], target: { sigma: [1, 0.3], basis: "symmetric" }, init: { type: "svs", scales: [0.01] }, lr: 0.82 },
  { label: "K=4 L=3 general", width: 2, depths: [3, 3, 3, 3], target: { sigma: [1, 0.4], basis: "general" }, init: { type: "svs", scales: [0.008, 0.004, 0.002, 0.001] }, lr: 0.9 },
  { label: "K=2 L=20 symmetric (the paper's depth)", width: 2, depths: [20, 20], target: { sigma: [1, 0.5], basis: "symmetric" }, init: { type: "svs", scales: [0.8 ** 20, 0.79 ** 20] }, lr: 0.12 },
  { label: "K=2 L=3,4 general, unbalanced per-layer init", width: 3, depths: [3, 4], target: { sigma: [1, 0.6, 0.3], basis: "general" }, init: { type: "svs-layers", scales: [[0.3, 0.2, 0.25], [0.2, 0.19, 0.3, 0.25]] }, lr: 0.7 },
];

describe("full-matrix GD in the SVS set = exact reduced dynamics", () => {
  for (const c of cases) {
    it(c.label, () => {
      const { label: _label, ...raw } = c;
      const steps = 1200;
      const red = run({ ...raw, steps }, "reduced");
      const full = run({ ...raw, steps }, "full");
      expect(red.records.length).toBe(steps + 1);
      expect(full.records.length).toBe(steps + 1);
      // The run must really be at the Edge of Stability for a while: λ_max > 2/η at some steps.
      const eos = red.records.filter((r) => r.sharpness![0]! > 2 / r.lr).length;
      expect(eos, "steps with λ_max > 2/η").toBeGreaterThan(20);
      // Tolerance 1e-10 relative (the bound), per coefficient, with a floor of 1e-8·σ_1 for
      // coefficients that pass through zero. Measured worst case: ~1e-13 (depth 20), ~1e-14 otherwise:
      // rounding of the d×d products, amplified by the EoS instability.
      let worst = 0;
      let where = "";
      for (let t = 0; t <= steps; t++) {
        const a = red.records[t]!;
        const b = full.records[t]!;
        expect(b.step).toBe(a.step);
        a.s.forEach((row, k) =>
          row.forEach((x, i) => {
            const rel = Math.abs(x - b.s[k]![i]!) / Math.max(Math.abs(x), 1e-8);
            if (rel > worst) {
              worst = rel;
              where = `step ${t}, pathway ${k + 1}, mode ${i + 1}: reduced ${x}, full ${b.s[k]![i]}`;
            }
          }),
        );
        // The full run must stay in the SVS set (the reduced model's premise) to rounding error.
        expect(b.drift, `SVS drift at step ${t}`).toBeLessThan(1e-12);
      }
      expect(worst, `worst relative difference at ${where}`).toBeLessThanOrEqual(1e-10);
    });
  }
});

/**
 * @file One conformance table for every system the run layer builds (full-matrix DLN from SVS and
 * Gaussian inits, the two exact reduced systems, the MLP with a He and a bottleneck init, the deep linear
 * classifier): each must keep the contract of the `System` interface that the driver, the flows and the
 * measurements rely on, checked here through that interface only, against independent computations:
 *   1. one step = evaluate + update (the fused path moves the state exactly as the two calls do);
 *   2. the flow's vector field is −∇ℒ: ⟨flowRhs(θ), v⟩ against central differences of the loss along
 *      random directions (in the reduced balanced system's own metric: a per-pathway scalar a_k stands
 *      for L_k equal layers, so its flow is −∇ℒ/L_k);
 *   3. the weight systems' sharpness (Lanczos on the exact HVP) = the top eigenvalue of a dense Hessian
 *      built by central differences of the gradient (−flowRhs), which shares no code with the HVP.
 */
import { describe, expect, it } from "vitest";
import { RunConfigSchema, resolveRunConfig } from "../../src/config/schema.js";
import { Simulation, type SimulationSpec } from "../../src/engine/simulate.js";
import type { System } from "../../src/engine/dynamics/systems.js";
import { symmetricEigenvalues } from "../../src/engine/linalg/dense.js";
import { Rng } from "../../src/engine/rng.js";

const spec = (raw: Record<string, unknown>): SimulationSpec => resolveRunConfig(RunConfigSchema.parse(raw));

/** [name, config, weight system (Lanczos on its exact HVP)] */
const SYSTEMS: [string, Record<string, unknown>, boolean][] = [
  ["full DLN, SVS init", { width: 3, depths: [3, 2], target: { sigma: [1, 0.6, 0.3], basis: "general" }, init: { type: "svs", scales: [0.5, 0.3] }, lr: 0.1, steps: 10, seed: 1 }, true],
  ["full DLN, Gaussian init", { width: 3, depths: [2, 3], target: { sigma: [1, 0.5, 0.2] }, init: { type: "gaussian", std: 0.4 }, lr: 0.1, steps: 10, seed: 2 }, true],
  ["reduced, balanced (svs)", { width: 2, depths: [4, 3], target: { sigma: [1, 0.5] }, init: { type: "svs", scales: [0.3, 0.2] }, lr: 0.1, steps: 10, dynamics: "reduced" }, false],
  ["reduced, per layer (svs-layers)", { width: 2, depths: [3, 2], target: { sigma: [1, 0.5] }, init: { type: "svs-layers", scales: [[0.7, 0.6, 0.8], [0.5, 0.9]] }, lr: 0.1, steps: 10, dynamics: "reduced" }, false],
  ["tanh MLP, He init", { width: 3, depths: [3, 2], model: "mlp", mlp: { hidden: 4, init: { type: "he" } }, lr: 0.05, steps: 10, seed: 3 }, true],
  ["tanh MLP, bottleneck init", { width: 3, depths: [3], model: "mlp", mlp: { hidden: 3, init: { type: "bottleneck", epsilon: 0.2, layers: [1], base: "orthogonal" } }, lr: 0.05, steps: 10, seed: 4 }, true],
  ["deep linear classifier", { width: 2, depths: [3], model: "classifier", classifier: { data: { points: 6 } }, lr: 0.2, steps: 10, seed: 5 }, true],
];

/** A fresh system of `raw`, moved a few GD steps off its (often symmetric) init. */
function system(raw: Record<string, unknown>): System {
  const sim = new Simulation(spec(raw));
  sim.advance(3);
  return sim.system;
}

/** ℒ at y (the system's state is left at y). */
function lossAt(sys: System, y: Float64Array): number {
  sys.state.set(y);
  return sys.evaluate();
}

/** The metric of the flow: flowRhs = −∇ℒ / w (w = L_k for a balanced pathway scalar, else 1). */
function metric(sys: System): Float64Array {
  const w = new Float64Array(sys.state.length).fill(1);
  if (sys.kind === "balanced") sys.depths.forEach((L, k) => w.fill(L, k * sys.d, (k + 1) * sys.d));
  return w;
}

describe("every system keeps the System contract", () => {
  for (const [name, raw, weights] of SYSTEMS) {
    describe(name, () => {
      it("one step moves the state exactly as evaluate + update, and returns the same pre-step loss", () => {
        for (const eta of [0.05, 0.3]) {
          const a = system(raw);
          const b = system(raw);
          const lossA = a.step(eta);
          const lossB = b.evaluate();
          b.update(eta);
          expect(lossA, `${name} η = ${eta}: loss`).toBe(lossB);
          expect(Array.from(a.state), `${name} η = ${eta}: state`).toEqual(Array.from(b.state));
        }
      });

      it("the flow's vector field is −∇ℒ (central differences of the loss along random directions)", () => {
        const sys = system(raw);
        const y = Float64Array.from(sys.state);
        const w = metric(sys);
        const dy = new Float64Array(y.length);
        sys.flowRhs(Float64Array.from(y), dy);
        const rng = new Rng(11);
        const h = 1e-5;
        for (let trial = 0; trial < 4; trial++) {
          const v = Float64Array.from(y, () => rng.normal());
          const plus = lossAt(sys, y.map((x, j) => x + h * v[j]!));
          const minus = lossAt(sys, y.map((x, j) => x - h * v[j]!));
          const fd = (plus - minus) / (2 * h);
          let exact = 0;
          for (let j = 0; j < y.length; j++) exact -= w[j]! * dy[j]! * v[j]!;
          // Central differences: O(h²) ≈ 1e-10 relative truncation, O(ε·ℒ/h) ≈ 1e-11 rounding.
          expect(Math.abs(fd - exact), `${name}, direction ${trial}: ∇ℒ·v = ${exact}, differences ${fd}`).toBeLessThan(1e-7 * Math.max(1, Math.abs(exact)));
        }
      });

      if (weights) {
        it("sharpness (Lanczos on the exact HVP) = top eigenvalue of the dense Hessian from differences of the gradient", () => {
          const sys = system(raw);
          const y = Float64Array.from(sys.state);
          const n = y.length;
          const grad = (x: Float64Array) => {
            const dy = new Float64Array(n);
            sys.flowRhs(Float64Array.from(x), dy);
            return dy.map((g) => -g);
          };
          const h = 1e-5;
          const H = new Float64Array(n * n);
          for (let j = 0; j < n; j++) {
            const gp = grad(y.map((x, i) => (i === j ? x + h : x)));
            const gm = grad(y.map((x, i) => (i === j ? x - h : x)));
            for (let i = 0; i < n; i++) H[i * n + j] = (gp[i]! - gm[i]!) / (2 * h);
          }
          for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) H[i * n + j] = H[j * n + i] = 0.5 * (H[i * n + j]! + H[j * n + i]!);
          const dense = symmetricEigenvalues(n, H);
          lossAt(sys, y);
          const lanczos = sys.sharpness(2, { tol: 1e-12, maxIter: 200 });
          for (let a = 0; a < 2; a++) {
            // Differences of an exact gradient: O(h²)·‖∇³ℒ‖ ≈ 1e-9 relative.
            expect(Math.abs(lanczos[a]! - dense[a]!), `${name}: λ_${a + 1} Lanczos ${lanczos[a]}, dense ${dense[a]}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(dense[0]!)));
          }
        });
      }
    });
  }
});

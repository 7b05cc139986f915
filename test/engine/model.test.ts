/**
 * Gradient and exact Hessian-vector product of the full-matrix model against independent
 * computations: central finite differences of the loss and of the gradient, symmetry of the HVP,
 * a dense eigendecomposition of the whole Hessian, and (at SVS points) the block formulas.
 */
import { describe, expect, it } from "vitest";
import { MultiPathwayDLN } from "../../src/engine/model.js";
import { createTarget } from "../../src/engine/target.js";
import { initialize } from "../../src/engine/init.js";
import { Rng } from "../../src/engine/rng.js";
import { symmetricEigenvalues } from "../../src/engine/linalg/dense.js";
import { LanczosSolver } from "../../src/engine/measure/lanczos.js";
import { svsHessianTop, balancedToLayers } from "../../src/engine/measure/hessian-blocks.js";
import { expectAllClose } from "../helpers/allclose.js";
import { denseHessian } from "../helpers/hessian.js";

function randomModel(d: number, depths: number[], seed: number, basis: "identity" | "symmetric" | "general" = "general") {
  const rng = new Rng(seed);
  const target = createTarget(d, { sigma: Array.from({ length: d }, (_, i) => 1.5 - i / d), basis }, rng);
  const model = new MultiPathwayDLN(depths, target);
  initialize(model, { type: "gaussian", std: 0.6 }, rng);
  return { model, rng };
}

const shapes: { d: number; depths: number[] }[] = [
  { d: 3, depths: [2, 3] },
  { d: 2, depths: [1, 4, 2] },
  { d: 4, depths: [3, 3] },
];

describe("full-matrix gradient", () => {
  for (const { d, depths } of shapes) {
    it(`matches central differences of the loss (d=${d}, depths=${depths})`, () => {
      const { model, rng } = randomModel(d, depths, 11);
      model.evaluate();
      const grad = Float64Array.from(model.grad);
      const theta0 = Float64Array.from(model.theta);
      // Directional derivatives along random directions; h = 1e-5 makes the truncation error
      // h²/6·|∂³ℒ| ~ 1e-11 and the rounding error ε·ℒ/h ~ 1e-11, so 1e-7 is a safe absolute bound.
      const h = 1e-5;
      for (let trial = 0; trial < 5; trial++) {
        const v = rng.fillNormal(new Float64Array(model.nParams));
        const at = (t: number) => {
          for (let i = 0; i < v.length; i++) model.theta[i] = theta0[i]! + t * v[i]!;
          return model.evaluate();
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        let exact = 0;
        for (let i = 0; i < v.length; i++) exact += grad[i]! * v[i]!;
        expectAllClose(exact, fd, { atol: 1e-7, rtol: 1e-7 }, "directional derivative");
      }
      model.theta.set(theta0);
    });
  }
});

describe("exact Hessian-vector product", () => {
  for (const { d, depths } of shapes) {
    it(`matches central differences of the gradient and is symmetric (d=${d}, depths=${depths})`, () => {
      const { model, rng } = randomModel(d, depths, 5);
      const n = model.nParams;
      const theta0 = Float64Array.from(model.theta);
      const v = rng.fillNormal(new Float64Array(n));
      const u = rng.fillNormal(new Float64Array(n));
      model.evaluate();
      const Hv = new Float64Array(n);
      const Hu = new Float64Array(n);
      model.hvp(v, Hv);
      model.hvp(u, Hu);
      // Symmetry uᵀHv = vᵀHu holds exactly in exact arithmetic; rounding ~ n·ε·|u||H||v|.
      let uHv = 0;
      let vHu = 0;
      let scale = 0;
      for (let i = 0; i < n; i++) {
        uHv += u[i]! * Hv[i]!;
        vHu += v[i]! * Hu[i]!;
        scale += Math.abs(u[i]! * Hv[i]!);
      }
      expectAllClose(uHv, vHu, { atol: 1e-13 * scale }, "uᵀHv vs vᵀHu");
      // Central difference of the gradient along v, h = 1e-5 (truncation ~1e-10, rounding ~1e-11).
      const h = 1e-5;
      const gradAt = (t: number) => {
        for (let i = 0; i < n; i++) model.theta[i] = theta0[i]! + t * v[i]!;
        model.evaluate();
        return Float64Array.from(model.grad);
      };
      const gp = gradAt(h);
      const gm = gradAt(-h);
      const fd = gp.map((x, i) => (x - gm[i]!) / (2 * h));
      expectAllClose(Hv, fd, { atol: 1e-7, rtol: 1e-6 }, "Hv vs finite differences");
    });
  }
});

describe("Lanczos sharpness", () => {
  for (const { d, depths } of shapes) {
    it(`top eigenvalues agree with a dense eigendecomposition (d=${d}, depths=${depths})`, () => {
      const { model } = randomModel(d, depths, 3);
      const n = model.nParams;
      const dense = symmetricEigenvalues(n, denseHessian(model));
      model.evaluate();
      const solver = new LanczosSolver(n, new Rng(1));
      const res = solver.solve((v, out) => model.hvp(v, out), { top: 3, tol: 1e-12 });
      expect(res.converged).toBe(true);
      // The Ritz residual bound guarantees |θ − λ| ≤ 1e-12·max|θ|; allow 1e-10 relative for the dense solver's own error.
      expectAllClose(res.values, dense.slice(0, 3), { rtol: 1e-10, atol: 1e-12 }, "top-3 eigenvalues");
    });
  }

  it("warm-started solves along a perturbed sequence stay exact", () => {
    const { model, rng } = randomModel(3, [2, 3], 8);
    const n = model.nParams;
    const solver = new LanczosSolver(n, new Rng(2));
    for (let step = 0; step < 6; step++) {
      for (let i = 0; i < n; i++) model.theta[i] = model.theta[i]! + 0.05 * rng.normal();
      const dense = symmetricEigenvalues(n, denseHessian(model));
      model.evaluate();
      const res = solver.solve((v, out) => model.hvp(v, out));
      expectAllClose(res.values[0]!, dense[0]!, { rtol: 1e-10 }, `λ_max at perturbation ${step}`);
    }
  });
});

describe("SVS Hessian blocks", () => {
  const cases = [
    { d: 3, depths: [3, 3], basis: "general" as const },
    { d: 3, depths: [2, 4], basis: "symmetric" as const },
    { d: 2, depths: [1, 3, 2], basis: "identity" as const },
  ];
  for (const { d, depths, basis } of cases) {
    it(`equal the dense Hessian spectrum at a non-zero-loss SVS point (d=${d}, depths=${depths}, ${basis})`, () => {
      const rng = new Rng(21);
      const target = createTarget(d, { sigma: [1, 0.6, 0.3].slice(0, d), basis }, rng);
      const model = new MultiPathwayDLN(depths, target);
      // Unbalanced per-layer scalars, different in every layer, in the SVS set of this basis.
      const scales = depths.map((L) => Array.from({ length: L }, () => 0.5 + 0.6 * rng.uniform()));
      initialize(model, { type: "svs-layers", scales }, rng);
      const n = model.nParams;
      const dense = symmetricEigenvalues(n, denseHessian(model));
      const x = balancedToLayers(new Float64Array(depths.length * d), depths, d);
      let base = 0;
      depths.forEach((L, k) => {
        for (let l = 0; l < L; l++) for (let i = 0; i < d; i++) x[(base + l) * d + i] = scales[k]![l]!;
        base += L;
      });
      const blocks = svsHessianTop({ depths, sigma: target.sigma, x }, 4);
      expectAllClose(blocks, dense.slice(0, 4), { rtol: 1e-10, atol: 1e-12 }, "top-4 eigenvalues");
    });
  }
});

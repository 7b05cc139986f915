/**
 * The thick-restart, warm-started Lanczos solver (src/engine/measure/lanczos.ts) against independent
 * references: operators with a spectrum fixed by construction (Q diag(λ) Qᵀ), dense
 * eigendecompositions of model Hessians (ml-matrix via symmetricEigenvalues), the exact SVS block
 * formulas at a 1e-300 initialisation, and an uninterrupted run for resume invariance. Also the
 * scale handling of tridiagonalEigen.
 */
import { describe, expect, it } from "vitest";
import { LanczosSolver, topEigenpairs, type SymmetricOperator } from "../../src/engine/measure/lanczos.js";
import { tridiagonalEigen } from "../../src/engine/measure/tridiagonal.js";
import { randomOrthogonal, symmetricEigenvalues } from "../../src/engine/linalg/dense.js";
import { MultiPathwayDLN } from "../../src/engine/model.js";
import { MultiPathwayMLP } from "../../src/engine/mlp/model.js";
import { initializeMlp } from "../../src/engine/mlp/init.js";
import { createTarget } from "../../src/engine/target.js";
import { initialize } from "../../src/engine/init.js";
import { Rng } from "../../src/engine/rng.js";
import { Simulation, type SimulationSnapshot, type SimulationSpec } from "../../src/engine/simulate.js";
import { RunConfigSchema, resolveRunConfig } from "../../src/config/schema.js";
import { svsHessianTop, balancedToLayers } from "../../src/engine/measure/hessian-blocks.js";
import { expectAllClose } from "../helpers/allclose.js";
import { denseHessian } from "../helpers/hessian.js";

/** The operator v ↦ Q diag(λ) Qᵀ v (Q n×n orthogonal, row-major), with its spectrum known exactly. */
function spectralOperator(lambda: number[], rng: Rng): { op: SymmetricOperator; Q: Float64Array } {
  const n = lambda.length;
  const Q = randomOrthogonal(n, rng);
  const c = new Float64Array(n);
  const op: SymmetricOperator = (v, out) => {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += Q[i * n + j]! * v[i]!;
      c[j] = lambda[j]! * acc;
    }
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += Q[i * n + j]! * c[j]!;
      out[i] = acc;
    }
  };
  return { op, Q };
}

/** ‖Hv − θv‖ for a returned Ritz pair. */
function trueResidual(op: SymmetricOperator, v: Float64Array, theta: number): number {
  const hv = new Float64Array(v.length);
  op(v, hv);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (hv[i]! - theta * v[i]!) ** 2;
  return Math.sqrt(s);
}

describe("thick-restart Lanczos on operators of known spectrum", () => {
  const cases: { name: string; lambda: (n: number, rng: Rng) => number[]; n: number; top: number }[] = [
    { name: "separated", n: 40, top: 3, lambda: (n, rng) => Array.from({ length: n }, () => 2 * rng.uniform() - 1) },
    // The bench's first solve in miniature: a top cluster split by 0.1–1 %, within a spectrum symmetric about 0.
    { name: "nearly degenerate top", n: 300, top: 2, lambda: (n, rng) => Array.from({ length: n }, (_, i) => (i < 8 ? 1 - 0.004 * i : 1.02 * (2 * rng.uniform() - 1))) },
    { name: "exactly degenerate top (multiplicity 3)", n: 120, top: 1, lambda: (n, rng) => Array.from({ length: n }, (_, i) => (i < 3 ? 1 : 0.9 * (2 * rng.uniform() - 1))) },
    { name: "largest |λ| negative", n: 80, top: 2, lambda: (n, rng) => Array.from({ length: n }, (_, i) => (i === 0 ? -3 : 0.5 * rng.uniform())) },
  ];
  for (const c of cases) {
    it(`top eigenvalues and residuals (${c.name}, n = ${c.n}, basis 16 so it restarts)`, () => {
      const rng = new Rng(c.n + c.top);
      const lambda = c.lambda(c.n, rng);
      const { op } = spectralOperator(lambda, rng);
      const expected = [...lambda].sort((a, b) => b - a).slice(0, c.top);
      const solver = new LanczosSolver(c.n, new Rng(1), { basis: 16 });
      const tol = 1e-12;
      const r = solver.solve(op, { top: c.top, tol, maxIter: 5000 });
      expect(r.converged).toBe(true);
      const scale = Math.max(...lambda.map(Math.abs));
      // The stopping rule bounds the error by tol·max|θ| in its estimate and by √tol·max|θ| rigorously;
      // 1e-10·scale is that estimate with room for a 100× underestimate.
      expectAllClose(r.values, expected, { atol: 1e-10 * scale }, "top eigenvalues");
      for (let i = 0; i < c.top; i++) {
        const v = r.vectors[i]!;
        let norm = 0;
        for (const x of v) norm += x * x;
        expectAllClose(Math.sqrt(norm), 1, { atol: 1e-12 }, `‖v_${i}‖`);
        // The reported residual |β y_m| is the true one up to the basis' loss of orthogonality (~1e-14·scale).
        expectAllClose(trueResidual(op, v, r.values[i]!), r.residuals[i]!, { atol: 1e-12 * scale }, `residual ${i}`);
      }
      if (c.n === 300) expect(r.restarts).toBeGreaterThan(0);
    });
  }

  it("memory is bounded: a solve that needs 100+ products keeps a basis of `basis` vectors", () => {
    const rng = new Rng(5);
    const n = 400;
    const lambda = Array.from({ length: n }, (_, i) => (i < 2 ? 1 - 1e-3 * i : 1.99 * rng.uniform() - 1));
    const { op } = spectralOperator(lambda, rng);
    const solver = new LanczosSolver(n, new Rng(2), { basis: 12 });
    const r = solver.solve(op, { top: 1, tol: 1e-10, maxIter: 4000 });
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeGreaterThan(12);
    // Products per restart ≤ basis − kept (a quarter of 12 is kept): the restarts account for every
    // product beyond the first basis, so the basis never grew past 12.
    expect(r.restarts).toBeGreaterThanOrEqual(Math.floor((r.iterations - 12) / (12 - 3)));
    expectAllClose(r.values[0]!, 1, { rtol: 1e-9 }, "λ_max");
  });

  it("the first solve at the bench's tiny, nearly degenerate init converges with a 20-vector basis to the exact SVS value", () => {
    // The full-matrix bench's init (K = 4 pathways of depth 4, α_k = 0.0016·(1, 0.99, 0.98, 0.97)) at
    // d = 8: a top cluster split by < 1%, which took the unrestarted solver ~90 Krylov vectors at d = 16.
    const d = 8;
    const depths = [4, 4, 4, 4];
    const alphas = [1, 0.99, 0.98, 0.97].map((c) => 0.0016 * c);
    const sigma = Array.from({ length: d }, (_, i) => 1 - (0.9 * i) / (d - 1));
    const target = createTarget(d, { sigma, basis: "symmetric" }, new Rng(0));
    const model = new MultiPathwayDLN(depths, target);
    initialize(model, { type: "svs", scales: alphas }, new Rng(1));
    model.evaluate();
    const solver = new LanczosSolver(model.nParams, new Rng(2), { basis: 20 });
    const r = solver.solve((v, out) => model.hvp(v, out), { tol: 1e-10, maxIter: 200 });
    expect(r.converged).toBe(true);
    expect(r.restarts).toBeGreaterThan(0);
    // The Hessian spectrum does not depend on the (orthogonal) basis, so the identity-basis SVS blocks give it exactly.
    const a = alphas.flatMap((al) => new Array<number>(d).fill(Math.pow(al, 1 / 4)));
    const exact = svsHessianTop({ depths, sigma: target.sigma, x: balancedToLayers(a, depths, d) }, 1)[0]!;
    expectAllClose(r.values[0]!, exact, { rtol: 1e-9 }, "λ_max at the tiny init");
  });

  it("finds an eigenvalue that overtakes the warm start from an orthogonal direction", () => {
    const rng = new Rng(9);
    const n = 60;
    const base = Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0.8 * rng.uniform()));
    const { Q } = spectralOperator(base, rng);
    const apply = (lambda: number[]): SymmetricOperator => (v, out) => {
      const c = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += Q[i * n + j]! * v[i]!;
        c[j] = lambda[j]! * acc;
      }
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += Q[i * n + j]! * c[j]!;
        out[i] = acc;
      }
    };
    const verifyEvery = 4;
    const solver = new LanczosSolver(n, new Rng(3), { verifyEvery });
    expectAllClose(solver.solve(apply(base)).values[0]!, 1, { rtol: 1e-10 }, "before");
    // Eigenvector 7 (orthogonal to the warm start) jumps above the old top; the old top stays put, so
    // the warm start cannot see it and the top value does not move: the periodic verification finds it.
    const after = base.slice();
    after[7] = 1.5;
    const seen: number[] = [];
    for (let k = 0; k < verifyEvery; k++) seen.push(solver.solve(apply(after)).values[0]!);
    expectAllClose(seen[verifyEvery - 1]!, 1.5, { rtol: 1e-10 }, `after ${verifyEvery} solves past the crossing`);
    // And an eigenvalue that moves the top by more than 1% is verified at once.
    const moved = after.slice();
    moved[7] = 1.2;
    moved[11] = 2;
    expectAllClose(solver.solve(apply(moved)).values[0]!, 2, { rtol: 1e-10 }, "after a jump of the top value");
  });
});

describe("Lanczos on model Hessians against a dense eigendecomposition", () => {
  const models = [
    { name: "DLN d=3 depths 2,3", make: () => dln(3, [2, 3], 3) },
    { name: "DLN d=4 depths 3,3,2", make: () => dln(4, [3, 3, 2], 4) },
    { name: "tanh MLP d=3 hidden 5", make: () => mlp(3, [3, 2], 5, 6) },
  ];
  for (const { name, make } of models) {
    it(`top-3 eigenvalues, cold and warm along a perturbed sequence (${name})`, () => {
      const { model, rng } = make();
      const n = model.nParams;
      const warm = new LanczosSolver(n, new Rng(1), { basis: 10 });
      for (let step = 0; step < 4; step++) {
        if (step > 0) for (let i = 0; i < n; i++) model.theta[i] = model.theta[i]! + 0.02 * rng.normal();
        const dense = symmetricEigenvalues(n, denseHessian(model));
        model.evaluate();
        const op: SymmetricOperator = (v, out) => model.hvp(v, out);
        const w = warm.solve(op, { top: 3, tol: 1e-12 });
        const c = new LanczosSolver(n, new Rng(step + 7), { basis: 10 }).solve(op, { top: 3, tol: 1e-12 });
        expect(w.converged && c.converged).toBe(true);
        const scale = Math.max(Math.abs(dense[0]!), Math.abs(dense[n - 1]!));
        // Estimated error ≤ 1e-12·scale; 1e-10·scale leaves room for the estimate and the dense solver's own error.
        expectAllClose(w.values, dense.slice(0, 3), { atol: 1e-10 * scale }, `warm, step ${step}`);
        expectAllClose(c.values, dense.slice(0, 3), { atol: 1e-10 * scale }, `cold, step ${step}`);
        expectAllClose(w.values, c.values, { atol: 1e-10 * scale }, `warm vs cold, step ${step}`);
      }
    });
  }

  function dln(d: number, depths: number[], seed: number) {
    const rng = new Rng(seed);
    const target = createTarget(d, { sigma: Array.from({ length: d }, (_, i) => 1.5 - i / d), basis: "general" }, rng);
    const model = new MultiPathwayDLN(depths, target);
    initialize(model, { type: "gaussian", std: 0.6 }, rng);
    return { model, rng };
  }

  function mlp(d: number, depths: number[], hidden: number, seed: number) {
    const rng = new Rng(seed);
    const target = createTarget(d, { sigma: Array.from({ length: d }, (_, i) => 1 - i / (2 * d)), basis: "symmetric" }, rng);
    const model = new MultiPathwayMLP(depths, target, { activation: "tanh", hidden: depths.map(() => hidden) });
    initializeMlp(model, { type: "gaussian", std: 0.7 }, rng);
    return { model, rng };
  }
});

describe("scale invariance and defined results at numerical edges", () => {
  it("tridiagonalEigen at scale 2^-1000 and 2^1000 returns exactly the scaled unit-scale result", () => {
    const alpha = [0.3, -1.2, 0.7, 0.05, 1.1];
    const beta = [0.4, 0.9, 0.2, 0.6];
    const unit = tridiagonalEigen(alpha, beta, 5);
    for (const s of [2 ** -1000, 2 ** 1000]) {
      const scaled = tridiagonalEigen(alpha.map((x) => x * s), beta.map((x) => x * s), 5);
      expect(scaled.converged).toBe(true);
      // Multiplying by a power of two is exact, and the solver rescales by one: the bits agree.
      expect(Array.from(scaled.values)).toEqual(Array.from(unit.values, (x) => x * s));
      expect(Array.from(scaled.lastRow)).toEqual(Array.from(unit.lastRow));
    }
    // 1e-300 is not a power of two: agreement to rounding of the scaling itself (a few ulp).
    const tiny = tridiagonalEigen(alpha.map((x) => x * 1e-300), beta.map((x) => x * 1e-300), 5);
    expectAllClose(Array.from(tiny.values), Array.from(unit.values, (x) => x * 1e-300), { rtol: 1e-14 }, "scale 1e-300");
  });

  it("tridiagonalEigen reports non-finite input instead of throwing", () => {
    const r = tridiagonalEigen([1, Number.NaN, 2], [0.5, 0.5], 3);
    expect(r.converged).toBe(false);
    expect(Array.from(r.values).every(Number.isNaN)).toBe(true);
  });

  it("Lanczos on an operator scaled by 1e-300 and 1e300 finds the scaled eigenvalues", () => {
    const rng = new Rng(4);
    const lambda = Array.from({ length: 50 }, () => 2 * rng.uniform() - 1);
    const { op } = spectralOperator(lambda, rng);
    const top = Math.max(...lambda);
    for (const s of [1e-300, 1e300]) {
      const scaled: SymmetricOperator = (v, out) => {
        op(v, out);
        for (let i = 0; i < out.length; i++) out[i] = out[i]! * s;
      };
      const r = new LanczosSolver(50, new Rng(1)).solve(scaled);
      expect(r.status).toBe("converged");
      expectAllClose(r.values[0]!, top * s, { rtol: 1e-9 }, `λ_max at scale ${s}`);
    }
  });

  it("an operator returning NaN gives NaN values with status non-finite", () => {
    const r = topEigenpairs((_v, out) => out.fill(Number.NaN), 10, null, new Rng(1));
    expect(r.status).toBe("non-finite");
    expect(r.values.every(Number.isNaN)).toBe(true);
  });

  it("sharpness of a 1e-300 SVS init (full matrices) equals the exact SVS block formula", () => {
    const sim = new Simulation(runSpec({ width: 2, depths: [4, 4], target: { sigma: [1, 0.5] }, init: { type: "svs", scales: [1e-300, 1e-300] }, steps: 3 }));
    sim.advance(Number.MAX_SAFE_INTEGER);
    const first = sim.records[0]!;
    // Every layer is a_k·I with a_k = (1e-300)^(1/4) in the identity basis: the exact blocks give λ_max.
    const a = Math.pow(1e-300, 1 / 4);
    const x = balancedToLayers([a, a, a, a], [4, 4], 2);
    const exact = svsHessianTop({ depths: [4, 4], sigma: Float64Array.of(1, 0.5), x }, 1)[0]!;
    expect(exact).toBeGreaterThan(0);
    expectAllClose(first.sharpness![0]!, exact, { rtol: 1e-9 }, "λ_max at a 1e-300 init");
  });

  it("Gaussian inits of std 1e-100 (DLN) and 1e-300 (MLP) give finite sharpness", () => {
    for (const raw of [
      { width: 2, depths: [4, 4], target: { sigma: [1, 0.5] }, init: { type: "gaussian", std: 1e-100 }, steps: 3 },
      { width: 2, depths: [3, 3], target: { sigma: [1, 0.5] }, model: "mlp", mlp: { activation: "tanh", hidden: 4, init: { type: "gaussian", std: 1e-300 } }, steps: 3 },
    ]) {
      const sim = new Simulation(runSpec(raw));
      sim.advance(Number.MAX_SAFE_INTEGER);
      for (const r of sim.records) if (r.sharpness) expect(r.sharpness.every(Number.isFinite)).toBe(true);
    }
  });
});

function runSpec(raw: Record<string, unknown>): SimulationSpec {
  return resolveRunConfig(RunConfigSchema.parse({ lr: 0.05, sharpness: { every: 1, method: "lanczos" }, ...raw }));
}

describe("resume invariance of warm-started sharpness", () => {
  const cases = [
    { name: "full matrices", raw: { width: 3, depths: [3, 2], target: { sigma: [1, 0.6, 0.3], basis: "general" }, init: { type: "gaussian", std: 0.3 }, lr: 0.2, steps: 90 } },
    { name: "tanh MLP", raw: { width: 3, depths: [3, 3], target: { sigma: [1, 0.6, 0.3] }, model: "mlp", mlp: { activation: "tanh", hidden: 5, init: { type: "gaussian", std: 0.5 } }, lr: 0.2, steps: 90 } },
  ];
  for (const { name, raw } of cases) {
    it(`sharpness after a snapshot/resume equals the uninterrupted run bit for bit (${name})`, () => {
      const spec = runSpec({ ...raw, record: { every: 7 }, sharpness: { every: 7, method: "lanczos", top: 2 } });
      const whole = new Simulation(spec);
      whole.advance(Number.MAX_SAFE_INTEGER);
      const first = new Simulation(spec);
      first.advance(40);
      const snap = JSON.parse(JSON.stringify(first.snapshot())) as SimulationSnapshot;
      expect(snap.sharpnessWarmStart?.vectors.length).toBeGreaterThan(0);
      const rest = new Simulation(spec, { resume: snap });
      rest.advance(Number.MAX_SAFE_INTEGER);
      const after = (sim: Simulation) => sim.records.filter((r) => r.step > 40 && r.sharpness).map((r) => [r.step, ...r.sharpness!]);
      expect(after(rest).length).toBeGreaterThan(3);
      expect(after(rest)).toEqual(after(whole));
    });
  }
});

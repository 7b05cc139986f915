/**
 * Gradient and exact Hessian-vector product of the multi-pathway MLP against independent computations:
 * central finite differences of the loss and of the gradient (every activation, with and without biases,
 * identity and rectangular inputs, unequal depths and hidden widths), symmetry of the HVP, a dense
 * eigendecomposition of the whole Hessian, and — with the linear activation — the linear engine itself.
 */
import { describe, expect, it } from "vitest";
import { MultiPathwayMLP } from "../../../src/engine/mlp/model.js";
import { initializeMlp } from "../../../src/engine/mlp/init.js";
import { ACTIVATION_NAMES, type ActivationName } from "../../../src/engine/mlp/activations.js";
import { MultiPathwayDLN } from "../../../src/engine/model.js";
import { initialize } from "../../../src/engine/init.js";
import { createTarget } from "../../../src/engine/target.js";
import { Rng } from "../../../src/engine/rng.js";
import { symmetricEigenvalues } from "../../../src/engine/linalg/dense.js";
import { jsBackend } from "../../../src/engine/linalg/kernels.js";
import { LanczosSolver } from "../../../src/engine/measure/lanczos.js";
import { expectAllClose } from "../../helpers/allclose.js";
import { denseHessian } from "../../helpers/hessian.js";

/** A 4×3 input (d_in = 4 rows, n = d = 3 samples), to exercise the rectangular first layer. */
const INPUT = [[1, 0.2, -0.3], [0.5, 1, 0], [0, 0.1, 0.9], [0.3, -0.4, 0.2]];

interface Case {
  name: string;
  depths: number[];
  hidden: number[];
  bias: boolean;
  input?: number[][];
}

const CASES: Case[] = [
  { name: "X = I, no biases, depths 3,2", depths: [3, 2], hidden: [4, 5], bias: false },
  { name: "rectangular X, biases, depths 3,1,2", depths: [3, 1, 2], hidden: [4, 5, 2], bias: true, input: INPUT },
];

/**
 * A random MLP at a point where every activation is visibly nonlinear: weights N(0, 0.7²) put the
 * pre-activations at O(1), and biases (when on) N(0, 0.3²) so that their derivatives are tested too.
 */
function randomMlp(activation: ActivationName, c: Case, seed: number) {
  const rng = new Rng(seed);
  const target = createTarget(3, { sigma: [1.5, 1, 0.5], basis: "general" }, rng);
  const model = new MultiPathwayMLP(c.depths, target, { activation, hidden: c.hidden, bias: c.bias, ...(c.input ? { input: c.input } : {}) });
  initializeMlp(model, { type: "gaussian", std: 0.7 }, rng);
  for (let k = 0; k < model.K; k++) {
    for (let l = 0; l < model.depths[k]!; l++) {
      const b = model.biasVector(k, l);
      if (b) rng.fillNormal(b, 0.3);
    }
  }
  return { model, rng };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

describe("MLP gradient and HVP against finite differences", () => {
  for (const activation of ACTIVATION_NAMES) {
    for (const c of CASES) {
      it(`${activation}, ${c.name}`, () => {
        const { model, rng } = randomMlp(activation, c, 11);
        const n = model.nParams;
        const theta0 = Float64Array.from(model.theta);
        model.evaluate();
        const grad = Float64Array.from(model.grad);
        const v = rng.fillNormal(new Float64Array(n));
        const Hv = new Float64Array(n);
        model.hvp(v, Hv);
        const at = (t: number) => {
          for (let i = 0; i < n; i++) model.theta[i] = theta0[i]! + t * v[i]!;
          const loss = model.evaluate();
          return { loss, grad: Float64Array.from(model.grad) };
        };
        // Central differences with h = 1e−5: truncation h²/6·|∇³ℒ| ~ 1e−10·|∇³ℒ| and rounding ε·ℒ/h
        // ~ 1e−11 give ~1e−9 relative here (measured); a wrong or missing term (φ'' term, a bias
        // product, a transposition) is off by 1e−2 or more, so 1e−6 relative separates the two.
        const h = 1e-5;
        const p = at(h);
        const m = at(-h);
        const fdLoss = (p.loss - m.loss) / (2 * h);
        expectAllClose(dot(grad, v), fdLoss, { rtol: 1e-6, atol: 1e-9 }, "directional derivative ∇ℒ·v");
        const fdHv = p.grad.map((x, i) => (x - m.grad[i]!) / (2 * h));
        expectAllClose(Hv, fdHv, { atol: 1e-6 * maxAbs(fdHv) }, "Hv vs central differences of ∇ℒ");
        model.theta.set(theta0);
      });
    }
  }
});

describe("MLP HVP with wide hidden layers", () => {
  // With 2n·h > 2048 the HVP forms out_W = dδ̂ᵀĤ + δ̂ᵀdĤ as two products instead of one stacked
  // product over 2n samples (see MultiPathwayMLP): n = 3 and h = 360 take that path, h = 5 the other.
  for (const activation of ["tanh", "swish"] as const) {
    it(`${activation}: Hv matches central differences of ∇ℒ on both paths (h = 360 and 5, biases)`, () => {
      const rng = new Rng(21);
      const target = createTarget(3, { sigma: [1.5, 1, 0.5], basis: "general" }, rng);
      const model = new MultiPathwayMLP([4, 3], target, { activation, hidden: [360, 5], bias: true });
      // N(0, 1/fan_in) weights keep the pre-activations O(1) in the wide pathway; biases N(0, 0.3²).
      for (let k = 0; k < model.K; k++) {
        for (let l = 0; l < model.depths[k]!; l++) {
          rng.fillNormal(model.weight(k, l), 1 / Math.sqrt(model.layerShape(k, l).cols));
          rng.fillNormal(model.biasVector(k, l)!, 0.3);
        }
      }
      const n = model.nParams;
      const theta0 = Float64Array.from(model.theta);
      model.evaluate();
      const v = rng.fillNormal(new Float64Array(n));
      const Hv = new Float64Array(n);
      model.hvp(v, Hv);
      const gradAt = (t: number) => {
        for (let i = 0; i < n; i++) model.theta[i] = theta0[i]! + t * v[i]!;
        model.evaluate();
        return Float64Array.from(model.grad);
      };
      // As above: central differences with h = 1e−5 are good to ~1e−9 relative; 1e−6 separates.
      const h = 1e-5;
      const p = gradAt(h);
      const m = gradAt(-h);
      const fdHv = p.map((x, i) => (x - m[i]!) / (2 * h));
      expectAllClose(Hv, fdHv, { atol: 1e-6 * maxAbs(fdHv) }, "Hv vs central differences of ∇ℒ");
      model.theta.set(theta0);
    });
  }
});

describe("MLP Hessian", () => {
  for (const activation of ["tanh", "gelu", "relu"] as const) {
    it(`is symmetric: uᵀHv = vᵀHu (${activation})`, () => {
      const { model, rng } = randomMlp(activation, CASES[1]!, 5);
      const n = model.nParams;
      model.evaluate();
      const u = rng.fillNormal(new Float64Array(n));
      const v = rng.fillNormal(new Float64Array(n));
      const Hu = new Float64Array(n);
      const Hv = new Float64Array(n);
      model.hvp(u, Hu);
      model.hvp(v, Hv);
      // Exact in exact arithmetic; rounding ~ n·ε·Σ|u_i (Hv)_i| (the two sums take different paths).
      let scale = 0;
      for (let i = 0; i < n; i++) scale += Math.abs(u[i]! * Hv[i]!);
      expectAllClose(dot(u, Hv), dot(v, Hu), { atol: 1e-13 * scale }, "uᵀHv vs vᵀHu");
    });
  }

  for (const activation of ["tanh", "sin", "swish"] as const) {
    it(`Lanczos top eigenvalues equal a dense eigendecomposition (${activation})`, () => {
      const { model } = randomMlp(activation, CASES[0]!, 3);
      const n = model.nParams;
      const H = denseHessian(model);
      // Symmetrise the dense matrix only for the eigensolver (its asymmetry is rounding, checked above).
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) H[i * n + j] = H[j * n + i] = 0.5 * (H[i * n + j]! + H[j * n + i]!);
      const dense = symmetricEigenvalues(n, H);
      const res = new LanczosSolver(n, new Rng(1)).solve((x, out) => model.hvp(x, out), { top: 3, tol: 1e-12 });
      expect(res.converged).toBe(true);
      // The Ritz residual bound gives |θ − λ| ≤ 1e−12·max|θ|; 1e−10 relative leaves room for the dense solver.
      expectAllClose(res.values, dense.slice(0, 3), { rtol: 1e-10, atol: 1e-12 }, "top-3 eigenvalues");
    });
  }
});

describe("linear activation = the deep linear network", () => {
  for (const backendName of ["wasm (default)", "js"] as const) {
    it(`same θ gives the same loss, gradient and HVP to rounding error (${backendName})`, () => {
      const depths = [3, 2, 1];
      const d = 4;
      const target = createTarget(d, { sigma: [1.5, 1, 0.5, 0.2], basis: "general" }, new Rng(1));
      const backend = backendName === "js" ? jsBackend : undefined;
      const dln = new MultiPathwayDLN(depths, target, backend);
      const mlp = new MultiPathwayMLP(depths, target, { activation: "linear", hidden: [d, d, d] }, backend);
      // The gaussian inits draw the same numbers in the same order (same layout without biases).
      initialize(dln, { type: "gaussian", std: 0.6 }, new Rng(3));
      initializeMlp(mlp, { type: "gaussian", std: 0.6 }, new Rng(3));
      expect(Array.from(mlp.theta)).toEqual(Array.from(dln.theta));
      const lossD = dln.evaluate();
      const lossM = mlp.evaluate();
      const v = new Rng(9).fillNormal(new Float64Array(dln.nParams));
      const hD = new Float64Array(dln.nParams);
      const hM = new Float64Array(dln.nParams);
      dln.hvp(v, hD);
      mlp.hvp(v, hM);
      // The same products in the same order; allow 1e−14 relative for any reassociation in the kernels.
      expectAllClose(lossM, lossD, { rtol: 1e-14 }, "loss");
      expectAllClose(mlp.grad, dln.grad, { atol: 1e-14 * maxAbs(dln.grad) }, "gradient");
      expectAllClose(hM, hD, { atol: 1e-14 * maxAbs(hD) }, "HVP");
      for (let k = 0; k < depths.length; k++) expectAllClose(mlp.pathwayOutput(k), dln.pathwayMap(k), { atol: 1e-15 }, `f_${k + 1}`);
    });
  }
});

describe("MLP shapes and parameters", () => {
  it("lays out θ layer by layer, weights then bias, with the stated shapes", () => {
    const target = createTarget(3, { sigma: [1] }, new Rng(0));
    const m = new MultiPathwayMLP([3, 1], target, { activation: "tanh", hidden: [5, 7], bias: true, input: INPUT });
    const shapes = [0, 1, 2].map((l) => m.layerShape(0, l));
    expect(shapes.map((s) => [s.rows, s.cols])).toEqual([[5, 4], [5, 5], [3, 5]]);
    expect(m.layerShape(1, 0)).toMatchObject({ rows: 3, cols: 4 }); // a depth-1 pathway is one d×d_in layer
    expect(shapes.map((s) => [s.weightOffset, s.biasOffset])).toEqual([[0, 20], [25, 50], [55, 70]]);
    expect(m.nParams).toBe(73 + 3 * 4 + 3);
    expect([m.d, m.n, m.dIn]).toEqual([3, 3, 4]);
  });

  it("he init has std scale·√(2/fan_in) per layer and zero biases", () => {
    const target = createTarget(4, { sigma: [1] }, new Rng(0));
    const m = new MultiPathwayMLP([3], target, { activation: "relu", hidden: [200], bias: true });
    initializeMlp(m, { type: "he", scale: 0.5 }, new Rng(4));
    for (let l = 0; l < 3; l++) {
      const W = m.weight(0, l);
      const { cols } = m.layerShape(0, l);
      const sd = Math.sqrt(dot(W, W) / W.length);
      // 800 to 40000 draws: the sample std is within 4 standard errors (√(1/(2N)) ≤ 2.5%) of its value.
      expectAllClose(sd, 0.5 * Math.sqrt(2 / cols), { rtol: 0.1 }, `std of layer ${l + 1}`);
      expect(Array.from(m.biasVector(0, l)!).every((b) => b === 0)).toBe(true);
    }
  });

  it("layerNorms are the Frobenius norms of the weight matrices", () => {
    const { model } = randomMlp("tanh", CASES[1]!, 2);
    const out = new Float64Array(6);
    model.layerNorms(out);
    const expected: number[] = [];
    for (let k = 0; k < model.K; k++) for (let l = 0; l < model.depths[k]!; l++) expected.push(Math.sqrt(dot(model.weight(k, l), model.weight(k, l))));
    expectAllClose(out, expected, { rtol: 1e-15 }, "layer norms");
  });

  it("rejects inconsistent architectures with messages naming the field", () => {
    const target = createTarget(3, { sigma: [1] }, new Rng(0));
    expect(() => new MultiPathwayMLP([2, 2], target, { activation: "tanh", hidden: [4] })).toThrow(/mlp\.hidden: has 1 values; expected 2/);
    expect(() => new MultiPathwayMLP([2], target, { activation: "tanh", hidden: [4], input: [[1, 2]] })).toThrow(/mlp\.input: .*3 columns/);
    expect(() => new MultiPathwayMLP([2], target, { activation: "tanh", hidden: [0] })).toThrow(/mlp\.hidden/);
  });
});

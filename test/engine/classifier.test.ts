/**
 * The deep linear classifier of docs/theory.md §9: margin losses against finite differences, the seeded
 * separable data, the hard-margin SVM by quadprog against its KKT conditions, an independent dual solve
 * and closed forms, the exact gradient and Hessian-vector product against finite differences, and the
 * classifier inside the run driver (`model: classifier`).
 */
import { describe, expect, it } from "vitest";
import { getMarginLoss, MARGIN_LOSS_NAMES } from "../../src/engine/classifier/losses.js";
import { separableData } from "../../src/engine/classifier/data.js";
import { kktResiduals, maxMarginDirection, type LabelledPoints } from "../../src/engine/classifier/svm.js";
import { DeepLinearClassifier, layerSpectrum } from "../../src/engine/classifier/model.js";
import { ClassifierSystem } from "../../src/engine/classifier/system.js";
import { makeSchedule } from "../../src/engine/schedule.js";
import { DormandPrince } from "../../src/engine/dynamics/ode.js";
import { Rng } from "../../src/engine/rng.js";
import { Simulation } from "../../src/engine/simulate.js";
import { RunConfigSchema, resolveRunConfig } from "../../src/config/schema.js";
import { riskDecaySlope } from "../../src/theory/alignment.js";
import { expectAllClose } from "../helpers/allclose.js";

const points = (X: number[][], y: number[]): LabelledPoints => ({ n: X.length, d: X[0]!.length, X: Float64Array.from(X.flat()), y: Float64Array.from(y) });

describe("margin losses", () => {
  for (const name of MARGIN_LOSS_NAMES) {
    const l = getMarginLoss(name);
    it(`${name}: ℓ' and ℓ'' match central differences (rtol 1e-7: h = 1e-5, error O(h²))`, () => {
      for (const z of [-3, -0.4, 0, 0.7, 5, 20]) {
        const h = 1e-5 * Math.max(1, Math.abs(z));
        expectAllClose(l.d1(z), (l.value(z + h) - l.value(z - h)) / (2 * h), { rtol: 1e-7, atol: 1e-12 }, `${name} ℓ'(${z})`);
        expectAllClose(l.d2(z), (l.d1(z + h) - l.d1(z - h)) / (2 * h), { rtol: 1e-7, atol: 1e-12 }, `${name} ℓ''(${z})`);
      }
    });
  }

  it("logistic is evaluated without overflow and with full relative accuracy in the tail", () => {
    const l = getMarginLoss("logistic");
    // log(1 + e^{−z}) = e^{−z} − e^{−2z}/2 + … for large z: relative 1e-15.
    expectAllClose(l.value(40), Math.exp(-40) - Math.exp(-80) / 2, { rtol: 1e-15 }, "ℓ(40)");
    expectAllClose(l.value(-800), 800, { rtol: 1e-15 }, "ℓ(−800)");
    expect(l.d1(-800)).toBe(-1);
    expect(Number.isFinite(l.d2(800)) && l.d2(800) >= 0).toBe(true);
    expect(() => getMarginLoss("hinge")).toThrow(/classifier\.loss: unknown loss "hinge"/);
  });
});

describe("separable data", () => {
  it("every point lies at signed distance ≥ margin along the drawing direction, labels alternate, and the seed fixes the draw", () => {
    const spec = { points: 40, mean: 1, spread: 1, margin: 0.3 };
    const a = separableData(3, spec, new Rng(5));
    const b = separableData(3, spec, new Rng(5));
    expect(Array.from(a.X)).toEqual(Array.from(b.X));
    for (let i = 0; i < a.n; i++) {
      expect(a.y[i]).toBe(i % 2 === 0 ? 1 : -1);
      const along = [0, 1, 2].reduce((s, j) => s + a.X[i * 3 + j]! * a.direction[j]!, 0);
      expect(a.y[i]! * along).toBeGreaterThanOrEqual(0.3);
    }
    expect(() => separableData(2, { points: 4, mean: 1, spread: 1e-3, margin: 5 }, new Rng(0))).toThrow(/classifier\.data\.margin/);
  });
});

/** The dual of the hard-margin SVM, max Σα − ½‖Σα_i y_i x_i‖², α ≥ 0, by projected coordinate ascent (an independent algorithm). */
function dualCoordinateAscent(p: LabelledPoints, sweeps = 20_000): Float64Array {
  const { n, d, X, y } = p;
  const Z = Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => y[i]! * X[i * d + j]!));
  const G = Z.map((zi) => Z.map((zj) => zi.reduce((s, v, j) => s + v * zj[j]!, 0)));
  const alpha = new Float64Array(n);
  for (let s = 0; s < sweeps; s++) {
    let change = 0;
    for (let i = 0; i < n; i++) {
      const grad = 1 - G[i]!.reduce((acc, g, k) => acc + g * alpha[k]!, 0);
      const next = Math.max(0, alpha[i]! + grad / G[i]![i]!);
      change = Math.max(change, Math.abs(next - alpha[i]!));
      alpha[i] = next;
    }
    if (change < 1e-15) break;
  }
  return alpha;
}

describe("hard-margin SVM (quadprog)", () => {
  it("satisfies the KKT conditions on random separable data (residuals ≤ 1e-10) and agrees with an independent dual solve", () => {
    for (const seed of [1, 2, 3]) {
      const data = separableData(3, { points: 15, mean: 1, spread: 1, margin: 0.1 }, new Rng(seed));
      const s = maxMarginDirection(data);
      const k = s.kkt;
      expect(Math.max(k.primal, k.dual, k.stationarity, k.complementarity), `seed ${seed}`).toBeLessThan(1e-10);
      const alpha = dualCoordinateAscent(data);
      const w = new Float64Array(3);
      for (let i = 0; i < data.n; i++) for (let j = 0; j < 3; j++) w[j] += alpha[i]! * data.y[i]! * data.X[i * 3 + j]!;
      // Coordinate ascent converges linearly; 1e-8 relative is far below any difference between distinct vertices.
      expectAllClose(s.w, w, { rtol: 1e-8, atol: 1e-8 }, `w (seed ${seed})`);
      // The margin of the SVM direction is not beaten by any of 2000 random unit directions.
      const rng = new Rng(seed + 100);
      for (let t = 0; t < 2000; t++) {
        const u = [rng.normal(), rng.normal(), rng.normal()];
        const n = Math.hypot(...u);
        let m = Infinity;
        for (let i = 0; i < data.n; i++) m = Math.min(m, (data.y[i]! * [0, 1, 2].reduce((acc, j) => acc + data.X[i * 3 + j]! * u[j]!, 0)) / n);
        expect(m).toBeLessThanOrEqual(s.margin + 1e-12);
      }
    }
  });

  it("matches the closed forms of two points: both constraints active, and one active", () => {
    // p = y₁x₁ = (1, 0), q = y₂x₂ = (0, 2): w = [p q] Gram⁻¹ 1 = (1, 0.5), both multipliers > 0.
    const both = maxMarginDirection(points([[1, 0], [0, -2]], [1, -1]));
    expectAllClose(both.w, [1, 0.5], { atol: 1e-14 }, "w");
    expectAllClose(both.alpha, [1, 0.25], { atol: 1e-14 }, "α");
    expectAllClose(both.margin, 1 / Math.hypot(1, 0.5), { rtol: 1e-14 }, "γ");
    // p = (1, 0), q = (3, 0.1): w = p/‖p‖² already gives qᵀw = 3 ≥ 1, so only the first is active.
    const one = maxMarginDirection(points([[1, 0], [-3, -0.1]], [1, -1]));
    expectAllClose(one.w, [1, 0], { atol: 1e-14 }, "w");
    expect(one.support).toEqual([0]);
    expect(kktResiduals(points([[1, 0], [-3, -0.1]], [1, -1]), [1, 0], [1, 0]).stationarity).toBe(0);
  });

  it("reports data that are not separable through the origin", () => {
    expect(() => maxMarginDirection(points([[1, 0], [1, 0]], [1, -1]))).toThrow(/classifier\.data: no max-margin solution \(the points are not linearly separable/);
  });
});

describe("deep linear classifier", () => {
  const data = separableData(3, { points: 10, mean: 1, spread: 1, margin: 0.1 }, new Rng(7));
  const shapes: [number, number][] = [[1, 3], [3, 4], [4, 2]];

  for (const [L, h] of shapes) {
    for (const loss of MARGIN_LOSS_NAMES) {
      it(`gradient and Hessian-vector product match central differences (L = ${L}, h = ${h}, ${loss})`, () => {
        const m = new DeepLinearClassifier(data, L, h, loss);
        new Rng(L * 10 + h).fillNormal(m.theta, 0.6);
        const theta = Float64Array.from(m.theta);
        const R0 = m.evaluate();
        const grad = Float64Array.from(m.grad);
        const v = new Rng(99).fillNormal(new Float64Array(m.nParams));
        const hv = new Float64Array(m.nParams);
        m.hvp(v, hv);
        const eps = 1e-6;
        // Directional derivative of R and of ∇R along v: error O(ε²) ≈ 1e-12 relative to O(1) terms.
        m.theta.set(theta.map((x, j) => x + eps * v[j]!));
        const Rp = m.evaluate();
        const gp = Float64Array.from(m.grad);
        m.theta.set(theta.map((x, j) => x - eps * v[j]!));
        const Rm = m.evaluate();
        const gm = Float64Array.from(m.grad);
        expectAllClose(grad.reduce((s, g, j) => s + g * v[j]!, 0), (Rp - Rm) / (2 * eps), { rtol: 1e-7, atol: 1e-10 }, "∇R·v");
        expectAllClose(hv, gp.map((g, j) => (g - gm[j]!) / (2 * eps)), { rtol: 1e-6, atol: 1e-9 }, "Hv");
        // The risk itself, from its definition.
        m.theta.set(theta);
        expect(m.evaluate()).toBe(R0);
        const w = m.predictor;
        let direct = 0;
        for (let i = 0; i < data.n; i++) direct += getMarginLoss(loss).value(data.y[i]! * [0, 1, 2].reduce((s, j) => s + data.X[i * 3 + j]! * w[j]!, 0));
        expectAllClose(R0, direct / data.n, { rtol: 1e-14 }, "risk");
      });
    }
  }

  it("the end-to-end predictor is (W_L⋯W_1)ᵀ, and the Hessian is symmetric (uᵀHv = vᵀHu to 1e-12)", () => {
    const m = new DeepLinearClassifier(data, 3, 4, "logistic");
    new Rng(3).fillNormal(m.theta, 0.5);
    m.evaluate();
    const [W1, W2, W3] = [m.layer(0), m.layer(1), m.layer(2)];
    const w = [0, 1, 2].map((j) => {
      let s = 0;
      for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) s += W3[a]! * W2[a * 4 + b]! * W1[b * 3 + j]!;
      return s;
    });
    expectAllClose(m.predictor, w, { rtol: 1e-13, atol: 1e-15 }, "w");
    const u = new Rng(1).fillNormal(new Float64Array(m.nParams));
    const v = new Rng(2).fillNormal(new Float64Array(m.nParams));
    const hu = new Float64Array(m.nParams);
    const hv = new Float64Array(m.nParams);
    m.hvp(u, hu);
    m.hvp(v, hv);
    expectAllClose(v.reduce((s, x, j) => s + x * hu[j]!, 0), u.reduce((s, x, j) => s + x * hv[j]!, 0), { rtol: 1e-12 }, "symmetry");
  });

  it("layerSpectrum gives ‖A‖_F, ‖A‖₂ and unit top singular vectors with A v = ‖A‖₂ u", () => {
    const A = [3, 0, 0, 0, 1, 0];
    const s = layerSpectrum(2, 3, A);
    expect(s.frobenius).toBeCloseTo(Math.sqrt(10), 14);
    expect(s.spectral).toBeCloseTo(3, 13);
    expect(Math.abs(s.u[0]!)).toBeCloseTo(1, 13);
    expect(Math.abs(s.v[0]!)).toBeCloseTo(1, 13);
    const row = layerSpectrum(1, 3, [3, 4, 0]);
    expect(row.spectral).toBeCloseTo(5, 13);
    expectAllClose(row.v.map((x) => x * Math.sign(row.v[0]!)), [0.6, 0.8, 0], { atol: 1e-14 }, "v of a row");
  });

  it("gradient flow conserves W_{l+1}ᵀW_{l+1} − W_lW_lᵀ (to the ODE tolerance) while the risk falls", () => {
    const sys = new ClassifierSystem(3, 3, { loss: "logistic", hidden: 4, data: { points: 10, mean: 1, spread: 1, margin: 0.1 }, init: { type: "gaussian", std: 0.5 } }, new Rng(1), new Rng(2));
    new Rng(3).fillNormal(sys.state, 0.5);
    const m = sys.model;
    const C = () => {
      const A = m.layer(1);
      const B = m.layer(0);
      return Array.from({ length: 16 }, (_, k) => {
        const i = Math.floor(k / 4);
        const j = k % 4;
        let s = 0;
        for (let r = 0; r < 4; r++) s += A[r * 4 + i]! * A[r * 4 + j]!;
        for (let c = 0; c < 3; c++) s -= B[i * 3 + c]! * B[j * 3 + c]!;
        return s;
      });
    };
    const C0 = C();
    const R0 = sys.evaluate();
    const y = Float64Array.from(sys.state);
    new DormandPrince(y.length, (_t, yy, dy) => sys.flowRhs(yy, dy), { rtol: 1e-11, atol: 1e-13 }).integrate(y, 0, 200);
    sys.state.set(y);
    expect(sys.evaluate()).toBeLessThan(R0 / 10);
    // Each entry of C drifts only by the accumulated ODE error (rtol 1e-11 over ~10³ steps).
    expectAllClose(C(), C0, { atol: 1e-8 }, "C_1");
  });
});

describe("model: classifier in the run driver", () => {
  const spec = (over: Record<string, unknown> = {}) => resolveRunConfig(RunConfigSchema.parse({
    model: "classifier", width: 2, depths: [3], classifier: { loss: "logistic", hidden: 4, data: { points: 12 } },
    lr: 1, steps: 3000, seed: 4, sharpness: { every: 0 }, record: { every: 100 }, ...over,
  }));

  it("records the risk, the predictor's coordinates along (ŵ, …) and sin∠(w, ŵ) as drift", () => {
    const sim = new Simulation(spec());
    sim.advance(Number.MAX_SAFE_INTEGER);
    const sys = sim.system as ClassifierSystem;
    const last = sim.last!;
    expect(sim.status).toBe("max-steps");
    expect(last.loss).toBeLessThan(sim.records[0]!.loss / 100);
    sys.evaluate();
    const w = sys.model.predictor;
    const cos = (w[0]! * sys.svm.direction[0]! + w[1]! * sys.svm.direction[1]!) / Math.hypot(w[0]!, w[1]!);
    // Householder coordinates: s_1 = cos∠(w, ŵ), |s| = 1, drift = sin∠; rounding only.
    expectAllClose(last.s[0]![0]!, cos, { atol: 1e-14 }, "s_1");
    expectAllClose(Math.hypot(...last.s[0]!), 1, { atol: 1e-14 }, "|s|");
    expectAllClose(last.drift, Math.sqrt(1 - cos * cos), { atol: 1e-7 }, "drift");
    expect(last.layerNorms![0]).toHaveLength(3);
  });

  it("a decreasing step η_t = lr/(1 + t/T) advances time by Σ η_t", () => {
    const sim = new Simulation(spec({ schedule: { type: "decay", timescale: 500 }, steps: 2000 }));
    sim.advance(Number.MAX_SAFE_INTEGER);
    const f = makeSchedule(1, { type: "decay", timescale: 500 });
    let tau = 0;
    for (let t = 0; t < 2000; t++) tau += f(t);
    expectAllClose(sim.time, tau, { rtol: 1e-13 }, "τ");
    expect(f(1500)).toBe(1 / 4);
    expectAllClose(makeSchedule(2, { type: "decay", timescale: 10, power: 0.5 })(30), 1, { rtol: 1e-15 }, "power ½");
  });
});

describe("theory: the risk's rate law", () => {
  it("riskDecaySlope is −(1 + p/ℓ + p(p+1)/ℓ² + …) for large ℓ and −(1 − e^{−ℓ/2}) for L = 1", () => {
    const p = 4 / 3;
    const ell = 400;
    // Four terms of the asymptotic series; the fifth is ~2e-11 at ℓ = 400, below the tolerance.
    let term = 1;
    let series = 1;
    for (let k = 0; k < 4; k++) series += (term *= (p + k) / ell);
    expectAllClose(riskDecaySlope(ell, 3), -series, { rtol: 1e-10 }, "series");
    expectAllClose(riskDecaySlope(10, 1), -(1 - Math.exp(-5)), { rtol: 1e-12 }, "L = 1");
  });
});

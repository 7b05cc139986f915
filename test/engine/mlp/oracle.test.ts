/**
 * The MLP's gradient and exact HVP against an independent autodiff system, @jax-js/jax (reverse mode
 * for the gradient, forward-over-reverse for the HVP), for every activation, with biases and a
 * rectangular input. See ./jax-oracle.ts for how the oracle keeps float64 accuracy.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { MultiPathwayMLP } from "../../../src/engine/mlp/model.js";
import { initializeMlp } from "../../../src/engine/mlp/init.js";
import { ACTIVATION_NAMES, getActivation } from "../../../src/engine/mlp/activations.js";
import { createTarget } from "../../../src/engine/target.js";
import { Rng } from "../../../src/engine/rng.js";
import { expectAllClose } from "../../helpers/allclose.js";
import { jaxActivation, loadJax, oracle, type OracleLayer } from "./jax-oracle.js";

const INPUT = [[1, 0.2, -0.3], [0.5, 1, 0], [0, 0.1, 0.9], [0.3, -0.4, 0.2]];

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Largest |pre-activation| of the hidden layers, by a plain forward pass (X given as rows). */
function maxPreactivation(m: MultiPathwayMLP, X: number[][]): number {
  let worst = 0;
  for (let k = 0; k < m.K; k++) {
    let H = X.map((row) => [...row]);
    for (let l = 0; l < m.depths[k]! - 1; l++) {
      const { rows, cols } = m.layerShape(k, l);
      const W = m.weight(k, l);
      const b = m.biasVector(k, l);
      const Z = Array.from({ length: rows }, (_, i) =>
        Array.from({ length: m.n }, (_, j) => {
          let z = b ? b[i]! : 0;
          for (let c = 0; c < cols; c++) z += W[i * cols + c]! * H[c]![j]!;
          return z;
        }));
      for (const row of Z) for (const z of row) worst = Math.max(worst, Math.abs(z));
      H = Z.map((row) => row.map((z) => m.activation.value(z)));
    }
  }
  return worst;
}

describe("MLP vs @jax-js/jax autodiff", () => {
  beforeAll(async () => {
    await loadJax();
  });

  it("the oracle's arithmetic activations match the true functions on [−2.5, 2.5]", async () => {
    const jax = await loadJax();
    const xs = Float64Array.from({ length: 51 }, (_, i) => -2.5 + 0.1 * i);
    for (const name of ACTIVATION_NAMES) {
      const y = jaxActivation(jax, name, jax.numpy.array(xs, { dtype: jax.numpy.float64 })).dataSync() as Float64Array;
      // Taylor/series truncation is below 1e−17 relative on this range; squarings and Horner sums
      // round to ~1e−15 relative of the largest term (e^{2x} up to e^5 for tanh).
      expectAllClose(y, Array.from(xs, (x) => getActivation(name).value(x)), { atol: 1e-13 }, `oracle ${name}`);
    }
  });

  for (const activation of ACTIVATION_NAMES) {
    it(`${activation}: loss, gradient and HVP agree to ~1e−13 relative`, async () => {
      const rng = new Rng(21);
      const target = createTarget(3, { sigma: [1.5, 1, 0.5], basis: "general" }, rng);
      const m = new MultiPathwayMLP([3, 2], target, { activation, hidden: [4, 5], bias: true, input: INPUT });
      initializeMlp(m, { type: "gaussian", std: 0.7 }, rng);
      for (let k = 0; k < 2; k++) for (let l = 0; l < m.depths[k]!; l++) rng.fillNormal(m.biasVector(k, l)!, 0.3);
      const v = rng.fillNormal(new Float64Array(m.nParams));
      const layers = (buf: Float64Array): OracleLayer[][] =>
        m.depths.map((L, k) =>
          Array.from({ length: L }, (_, l) => {
            const s = m.layerShape(k, l);
            return {
              rows: s.rows, cols: s.cols,
              w: buf.slice(s.weightOffset, s.weightOffset + s.rows * s.cols),
              b: s.biasOffset < 0 ? null : buf.slice(s.biasOffset, s.biasOffset + s.rows),
            };
          }));
      const X = Float64Array.from(INPUT.flat());
      const ref = await oracle(activation, layers(m.theta), layers(v), X, 4, target.Y, 3);
      const loss = m.evaluate();
      const hv = new Float64Array(m.nParams);
      m.hvp(v, hv);
      // Two float64 computations of the same quantities by different algorithms (and the oracle's
      // series activations, ≤ 1e−14 off): measured agreement ~1e−15; 1e−12 of the largest entry bounds
      // rounding in sums of a few hundred terms with room, and is 1e9 times below any formula error.
      expectAllClose(loss, ref.loss, { rtol: 1e-12 }, "loss");
      expectAllClose(m.grad, ref.grad, { atol: 1e-12 * maxAbs(ref.grad) }, "gradient");
      expectAllClose(hv, ref.hvp, { atol: 1e-12 * maxAbs(ref.hvp) }, "HVP");
      // The pre-activations stay where the oracle's series are accurate (|z| ≤ 2.5).
      expect(maxPreactivation(m, INPUT)).toBeLessThan(2.5);
    });
  }
});

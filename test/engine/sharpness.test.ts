/**
 * Sharpness at zero-loss points of the SVS set against the closed form of docs/theory.md §3,
 * λ_max = max_i Σ_k L_k s_{k,i}^{2−2/L_k}, measured by Lanczos on the exact HVP of the full model
 * (any basis) and by the exact SVS block formulas.
 */
import { describe, expect, it } from "vitest";
import { MultiPathwayDLN } from "../../src/engine/model.js";
import { createTarget } from "../../src/engine/target.js";
import { Rng } from "../../src/engine/rng.js";
import { LanczosSolver } from "../../src/engine/measure/lanczos.js";
import { svsHessianTop, balancedToLayers } from "../../src/engine/measure/hessian-blocks.js";
import { expectAllClose } from "../helpers/allclose.js";

/** Place the model at the SVS point with per-layer scalars a[k][i] in the target's basis. */
function setSvsPoint(model: MultiPathwayDLN, a: number[][]): void {
  const { d, target } = model;
  const { U, V } = target;
  model.depths.forEach((L, k) => {
    for (let l = 0; l < L; l++) {
      const W = model.layer(k, l);
      const right = l === 0 ? V : U; // W_1 = U D Vᵀ, W_l = U D Uᵀ
      for (let r = 0; r < d; r++) {
        for (let c = 0; c < d; c++) {
          let acc = 0;
          for (let i = 0; i < d; i++) acc += U[r * d + i]! * a[k]![i]! * right[c * d + i]!;
          W[r * d + c] = acc;
        }
      }
    }
  });
}

const closedForm = (depths: number[], s: number[][]) =>
  Math.max(...s[0]!.map((_, i) => depths.reduce((acc, L, k) => acc + L * Math.pow(s[k]![i]!, 2 - 2 / L), 0)));

const cases = [
  { depths: [4, 4], sigma: [1, 0.6, 0.3], basis: "symmetric" as const },
  { depths: [3, 5], sigma: [1, 0.5], basis: "general" as const },
  { depths: [2, 3, 5], sigma: [1.2, 0.7, 0.2], basis: "general" as const },
  { depths: [1, 4, 6], sigma: [0.9, 0.4], basis: "identity" as const },
];

describe("sharpness at zero-loss SVS points", () => {
  for (const { depths, sigma, basis } of cases) {
    it(`Lanczos and SVS blocks equal max_i Σ_k L_k s^(2−2/L) (depths ${depths}, ${basis})`, () => {
      const rng = new Rng(depths.length * 7 + sigma.length);
      const d = sigma.length;
      const target = createTarget(d, { sigma, basis }, rng);
      for (let trial = 0; trial < 3; trial++) {
        // A random positive split of every σ_i across the pathways (zero loss).
        const s = depths.map(() => new Array<number>(d).fill(0));
        for (let i = 0; i < d; i++) {
          const w = depths.map(() => 0.05 + rng.uniform());
          const tot = w.reduce((x, y) => x + y, 0);
          w.forEach((wk, k) => (s[k]![i] = (target.sigma[i]! * wk) / tot));
        }
        const a = s.map((row, k) => row.map((x) => Math.pow(x, 1 / depths[k]!)));
        const model = new MultiPathwayDLN(depths, target);
        setSvsPoint(model, a);
        const loss = model.evaluate();
        expect(loss).toBeLessThan(1e-28);
        const expected = closedForm(depths, s);
        const lanczos = new LanczosSolver(model.nParams, rng.fork()).solve((v, out) => model.hvp(v, out));
        // The Lanczos residual bound guarantees 1e-10 relative; the closed form is exact.
        expectAllClose(lanczos.values[0]!, expected, { rtol: 1e-9 }, "Lanczos λ_max");
        const flat = depths.flatMap((_, k) => a[k]!);
        const x = balancedToLayers(flat, depths, d);
        expectAllClose(svsHessianTop({ depths, sigma: target.sigma, x }, 1)[0]!, expected, { rtol: 1e-12 }, "block λ_max");
      }
    });
  }

  it("single path vs equal split: λ_bal/λ_single = K^(2/L−1) (docs/theory.md §3)", () => {
    const K = 3;
    const L = 5;
    const depths = new Array<number>(K).fill(L);
    const sigma = Float64Array.from([1]);
    const at = (s: number[]) => svsHessianTop({ depths, sigma, x: balancedToLayers(s.map((x) => Math.pow(x, 1 / L)), depths, 1) }, 1)[0]!;
    // A single path is the limit s → (σ, 0, 0); use a tiny remainder, whose contribution L·ε^(2−2/L) is ≪ 1e-9.
    const eps = 1e-14;
    const single = at([1 - 2 * eps, eps, eps]);
    const balanced = at([1 / 3, 1 / 3, 1 / 3]);
    expectAllClose(single, L, { rtol: 1e-9 }, "λ_single");
    expectAllClose(balanced / single, Math.pow(K, 2 / L - 1), { rtol: 1e-9 }, "reduction factor");
  });
});

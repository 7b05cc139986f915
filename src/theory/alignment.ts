/**
 * @file Rates of the layer-alignment regime (docs/theory.md §9, Ji & Telgarsky 2018) used to check the
 * measurements: how fast the risk of a deep linear classifier falls once it separates the data.
 *
 * Once the layers are aligned and the margins large, the gradient of the risk in the end-to-end
 * predictor w has norm ≈ γR (γ: max margin) and the layers' Jacobian multiplies it by ≈ √L‖w‖^{1−1/L},
 * so gradient flow gives dR/dτ = −c ℓ^p R² with p = 2 − 2/L and ℓ = γ‖w‖ = ln(A/R) (the smallest
 * margin). Its solution has the local log-log slope
 * s(ℓ) = d ln R / d ln τ = −ℓ^p e^{−ℓ} ∫^ℓ e^u u^{−p} du = −(1 + p/ℓ + p(p+1)/ℓ² + …),
 * i.e. R ≈ 1/(cτ ℓ^p): slightly faster than 1/τ, and exactly 1/τ for a linear predictor (L = 1).
 */

/** 16-point Gauss–Legendre nodes and weights on [0, 1]. */
const GL = (() => {
  const x = [0.0950125098376374, 0.2816035507792589, 0.4580167776572274, 0.6178762444026438, 0.7554044083550030, 0.8656312023878318, 0.9445750230732326, 0.9894009349916499];
  const w = [0.1894506104550685, 0.1826034150449236, 0.1691565193950025, 0.1495959888165767, 0.1246289712555339, 0.0951585116824928, 0.0622535239386479, 0.0271524594117541];
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < 8; i++) {
    nodes.push((1 - x[i]!) / 2, (1 + x[i]!) / 2);
    weights.push(w[i]! / 2, w[i]! / 2);
  }
  return { nodes, weights };
})();

/**
 * Local slope d ln R / d ln τ of the risk of a depth-L linear classifier at margin scale ℓ = γ‖w‖ (see the
 * file header): −∫_0^{ℓ/2} e^{−v}(1 − v/ℓ)^{−p} dv with p = 2 − 2/L (the neglected tail is e^{−ℓ/2}-small),
 * by 16-point Gauss–Legendre on 32 panels. Needs ℓ > 0.
 */
export function riskDecaySlope(ell: number, depth: number): number {
  if (!(ell > 0)) throw new RangeError(`riskDecaySlope: the margin scale ℓ must be > 0, got ${ell}`);
  if (!(Number.isInteger(depth) && depth >= 1)) throw new RangeError(`riskDecaySlope: depth must be an integer >= 1, got ${depth}`);
  const p = 2 - 2 / depth;
  const top = ell / 2;
  const panels = 32;
  const h = top / panels;
  let sum = 0;
  for (let j = 0; j < panels; j++) {
    for (let q = 0; q < GL.nodes.length; q++) {
      const v = (j + GL.nodes[q]!) * h;
      sum += GL.weights[q]! * h * Math.exp(-v) * Math.pow(1 - v / ell, -p);
    }
  }
  return -sum;
}

/**
 * @file Activations of the multi-pathway MLP (docs/theory.md §7) with exact first and second derivatives,
 * which the exact Hessian-vector product needs. Each activation evaluates φ, φ' and φ'' in one fused
 * pass over a layer's pre-activations, sharing the expensive transcendental (tanh, exp, erf, sin)
 * between the three. tanh runs on the workspace's elementwise kernel when one is passed
 * (WebAssembly SIMD: 2.7 instead of 10.6 ns per element for φ, φ', φ''); the others are plain JS.
 */
import { tanhJs, type ElementwiseKernels } from "../linalg/kernels.js";
import { erf, erfc } from "./erf.js";

/** The activations of the MLP model (the paper uses tanh). */
export const ACTIVATION_NAMES = ["linear", "tanh", "relu", "gelu", "swish", "erf", "sin"] as const;

/** Name of an activation. */
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** An activation φ with exact φ' and φ''. */
export interface Activation {
  readonly name: ActivationName;
  /** φ(x). */
  value(x: number): number;
  /** φ'(x). */
  d1(x: number): number;
  /** φ''(x). */
  d2(x: number): number;
  /**
   * Over the first n entries: h = φ(z), d1 = φ'(z), d2 = φ''(z). `h` may be `z` itself (in place);
   * d1 and d2 must be distinct from both. `kernels` (e.g. `elementwise(workspace)`): where the
   * activation has an elementwise kernel, run it there (results identical to running without).
   */
  apply(n: number, z: Float64Array, h: Float64Array, d1: Float64Array, d2: Float64Array, kernels?: ElementwiseKernels): void;
}

/** 1/√(2π), the standard normal density at 0. */
const INV_SQRT_2PI = 0.3989422804014327;
/** 2/√π, the derivative of erf at 0. */
const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** Identity: φ = x, φ' = 1, φ'' = 0 (the MLP is then exactly the deep linear network). */
const linear: Activation = {
  name: "linear",
  value: (x) => x,
  d1: () => 1,
  d2: () => 0,
  apply(n, z, h, d1, d2) {
    if (h !== z) h.set(z.subarray(0, n));
    d1.fill(1, 0, n);
    d2.fill(0, 0, n);
  },
};

/**
 * tanh: φ' = sech² = 1 − tanh², φ'' = −2·tanh·sech². The scalar functions use Math.tanh and
 * Math.cosh (sech² from cosh keeps its relative accuracy where 1 − tanh² would cancel, |x| ≳ 1); the
 * fused `apply` is the elementwise kernel `tanhJs` / `Workspace.tanh` (≤ 2.08, 4.03 and 5.83 ulp).
 */
const tanh: Activation = {
  name: "tanh",
  value: (x) => Math.tanh(x),
  d1: (x) => sech2(x),
  d2: (x) => -2 * Math.tanh(x) * sech2(x),
  apply(n, z, h, d1, d2, kernels) {
    if (kernels) kernels.tanh(n, z, h, d1, d2);
    else tanhJs(n, z, h, d1, d2);
  },
};

/** sech² x = (1/cosh x)²: no overflow (cosh = ∞ gives 0), gradual underflow beyond |x| ≈ 355. */
function sech2(x: number): number {
  const s = 1 / Math.cosh(x);
  return s * s;
}

/**
 * ReLU max(x, 0). Convention at the kink: φ'(0) = 0 (as in JAX and PyTorch), and φ'' = 0 everywhere,
 * i.e. the Hessian is that of the piecewise-linear network on the open region containing θ (the
 * Dirac mass at the kink is dropped; θ sits exactly on a kink with probability 0).
 */
const relu: Activation = {
  name: "relu",
  value: (x) => (x > 0 ? x : 0),
  d1: (x) => (x > 0 ? 1 : 0),
  d2: () => 0,
  apply(n, z, h, d1, d2) {
    for (let i = 0; i < n; i++) {
      const x = z[i];
      const pos = x > 0;
      h[i] = pos ? x : 0;
      d1[i] = pos ? 1 : 0;
    }
    d2.fill(0, 0, n);
  },
};

/**
 * Exact GELU x·Φ(x), Φ the standard normal CDF computed as ½·erfc(−x/√2) (no cancellation for
 * x ≪ 0); with the density ϕ: φ' = Φ + xϕ, φ'' = ϕ·(2 − x²).
 */
const gelu: Activation = {
  name: "gelu",
  value: (x) => x * 0.5 * erfc(-x * Math.SQRT1_2),
  d1: (x) => 0.5 * erfc(-x * Math.SQRT1_2) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
  d2: (x) => INV_SQRT_2PI * Math.exp(-0.5 * x * x) * (2 - x * x),
  apply(n, z, h, d1, d2) {
    for (let i = 0; i < n; i++) {
      const x = z[i];
      const cdf = 0.5 * erfc(-x * Math.SQRT1_2);
      const pdf = INV_SQRT_2PI * Math.exp(-0.5 * x * x);
      h[i] = x * cdf;
      d1[i] = cdf + x * pdf;
      d2[i] = pdf * (2 - x * x);
    }
  },
};

/**
 * Swish / SiLU x·σ(x) with the logistic σ computed from e^{−|x|} (no overflow, and 1 − σ without
 * cancellation): φ' = σ(1 + x(1 − σ)), φ'' = σ(1 − σ)(2 + x(1 − 2σ)).
 */
const swish: Activation = {
  name: "swish",
  value: (x) => x * logistic(x),
  d1: (x) => {
    const s = logistic(x);
    return s * (1 + x * logistic(-x));
  },
  d2: (x) => {
    const s = logistic(x);
    const c = logistic(-x);
    return s * c * (2 + x * (c - s));
  },
  apply(n, z, h, d1, d2) {
    for (let i = 0; i < n; i++) {
      const x = z[i];
      const e = Math.exp(-Math.abs(x));
      const p = 1 / (1 + e);
      const s = x >= 0 ? p : e * p; // σ(x)
      const c = x >= 0 ? e * p : p; // 1 − σ(x) = σ(−x)
      h[i] = x * s;
      d1[i] = s * (1 + x * c);
      d2[i] = s * c * (2 + x * (c - s));
    }
  },
};

/** erf: φ' = (2/√π)e^{−x²}, φ'' = −2x·φ'. */
const erfAct: Activation = {
  name: "erf",
  value: erf,
  d1: (x) => TWO_OVER_SQRT_PI * Math.exp(-x * x),
  d2: (x) => -2 * x * TWO_OVER_SQRT_PI * Math.exp(-x * x),
  apply(n, z, h, d1, d2) {
    for (let i = 0; i < n; i++) {
      const x = z[i];
      const g = TWO_OVER_SQRT_PI * Math.exp(-x * x);
      h[i] = erf(x);
      d1[i] = g;
      d2[i] = -2 * x * g;
    }
  },
};

/** sin: φ' = cos, φ'' = −sin. */
const sin: Activation = {
  name: "sin",
  value: (x) => Math.sin(x),
  d1: (x) => Math.cos(x),
  d2: (x) => -Math.sin(x),
  apply(n, z, h, d1, d2) {
    for (let i = 0; i < n; i++) {
      const x = z[i];
      const s = Math.sin(x);
      h[i] = s;
      d1[i] = Math.cos(x);
      d2[i] = -s;
    }
  },
};

/** Logistic σ(x) = 1/(1 + e^{−x}) without overflow for large |x|. */
function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

const ACTIVATIONS: Record<ActivationName, Activation> = { linear, tanh, relu, gelu, swish, erf: erfAct, sin };

/** The activation called `name`; throws a RangeError naming the known ones otherwise. */
export function getActivation(name: string): Activation {
  const a = (ACTIVATIONS as Record<string, Activation | undefined>)[name];
  if (!a) throw new RangeError(`mlp.activation: unknown activation ${JSON.stringify(name)}; one of ${ACTIVATION_NAMES.join(", ")}`);
  return a;
}

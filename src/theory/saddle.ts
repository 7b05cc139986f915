/**
 * @file Saddle escape with small initialisation (docs/theory.md §10, Rawal & DeWeese): the exact gradient-flow
 * escape time of the deep scalar chain, its leading-order law τ* ≈ ε^{−(r−2)}/((r−2)σg) (logarithmic for
 * r = 2), and the universality classes of activations by the order of ψ(z) = φ(z) − zφ'(z) at 0 — the
 * function that drives the layer-norm imbalances, d/dt(‖W_{l+1}‖²_F − ‖W_l‖²_F) = −2⟨E_l, ψ(Z_l)⟩.
 *
 * The chain: one mode of a network whose layers are scalars, r "small" layers starting at ε and L − r
 * at B, output p = g·Π_l a_l (g = φ'(0)^{L−1}: the linearisation of an activation at 0; g = 1 for the
 * linear network) and loss ½(σ − p)². Layers that start equal stay equal, and a_j² − a_k² is conserved
 * (docs/theory.md §6), so with x the small layers and b² = B² − ε² + x² the big ones, GF is the scalar ODE
 * dx/dt = (σ − p)p/x, p = g x^r b^{L−r}, and the escape time is the integral
 * τ = ∫_ε^{x*} x dx / ((σ − p)p) up to the x* where ½(σ − p)² = fraction·½(σ − p₀)² (plus, if given, the
 * constant loss of other modes on both sides).
 */
import { brentRoot } from "./roots.js";

/** The deep scalar chain of a saddle-escape run. */
export interface ChainEscapeSpec {
  /** Depth L ≥ 2. */
  depth: number;
  /** Number r of small layers, 1 ≤ r ≤ L. */
  small: number;
  /** Initial scale ε of the small layers. */
  epsilon: number;
  /** Initial scale B of the other layers (default 1). */
  big?: number;
  /** Target σ > 0. */
  sigma: number;
  /** Output gain g (default 1: the linear network). */
  gain?: number;
  /** Escape when the loss falls to this fraction of its initial value (0 < f < 1). */
  fraction: number;
  /**
   * Loss of other modes held constant (default 0): e.g. the d − 1 modes of a rank-one target, which start
   * at ½p₀² each and, having target 0, barely move before the escape. It enters the threshold.
   */
  extraLoss?: number;
}

/** 8-point Gauss–Legendre nodes and weights on [−1, 1]. */
const GL_X = [0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363];
const GL_W = [0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763];

function check(s: ChainEscapeSpec): { L: number; r: number; B: number; g: number } {
  const L = s.depth;
  const r = s.small;
  if (!(Number.isInteger(L) && L >= 2)) throw new RangeError(`depth: must be an integer >= 2, got ${L}`);
  if (!(Number.isInteger(r) && r >= 1 && r <= L)) throw new RangeError(`small: must be an integer in [1, ${L}], got ${r}`);
  if (!(s.epsilon > 0)) throw new RangeError(`epsilon: must be > 0, got ${s.epsilon}`);
  if (!(s.sigma > 0)) throw new RangeError(`sigma: must be > 0, got ${s.sigma}`);
  if (!(s.fraction > 0 && s.fraction < 1)) throw new RangeError(`fraction: must be in (0, 1), got ${s.fraction}`);
  return { L, r, B: s.big ?? 1, g: s.gain ?? 1 };
}

/**
 * Exact gradient-flow escape time of the chain (see the file header), by composite 8-point
 * Gauss–Legendre quadrature in u = ln x (512 panels: relative error ≪ 1e-12 for the smooth integrand).
 * Throws a RangeError when the chain starts at or beyond the target (p₀ ≥ σ).
 */
export function chainEscapeTime(s: ChainEscapeSpec): number {
  const { L, r, B, g } = check(s);
  const eps = s.epsilon;
  const c = B * B - eps * eps;
  const p = (x: number) => g * Math.pow(x, r) * Math.pow(Math.sqrt(c + x * x), L - r);
  const p0 = p(eps);
  if (!(p0 < s.sigma)) throw new RangeError(`epsilon: the chain starts at p₀ = ${p0} ≥ σ = ${s.sigma}; no plateau to escape`);
  // ½(σ − p*)² + E = fraction·(½(σ − p₀)² + E).
  const E = s.extraLoss ?? 0;
  const pStar = s.sigma - Math.sqrt(s.fraction * (s.sigma - p0) ** 2 - 2 * E * (1 - s.fraction));
  let hi = Math.max(1, eps);
  while (p(hi) < pStar) hi *= 2;
  const uStar = brentRoot((u) => p(Math.exp(u)) - pStar, Math.log(eps), Math.log(hi), { rtol: 1e-15 }).x;
  const u0 = Math.log(eps);
  const panels = 512;
  const h = (uStar - u0) / panels;
  let sum = 0;
  for (let j = 0; j < panels; j++) {
    const mid = u0 + (j + 0.5) * h;
    for (let q = 0; q < 4; q++) {
      for (const sgn of [-1, 1]) {
        const x = Math.exp(mid + (sgn * GL_X[q]! * h) / 2);
        const px = p(x);
        sum += (GL_W[q]! * h * 0.5 * x * x) / ((s.sigma - px) * px);
      }
    }
  }
  return sum;
}

/**
 * Leading-order escape time of the chain for r ≥ 3: τ₀ = ε^{−(r−2)} / ((r−2)·σ·g·B^{L−r}) — the time
 * dx/dt = σ g B^{L−r} x^{r−1} takes from ε to ∞ (docs/theory.md §10: τ* = Θ(ε^{−(r−2)})).
 */
export function leadingEscapeTime(s: ChainEscapeSpec): number {
  const { L, r, B, g } = check(s);
  if (r < 3) throw new RangeError(`small: the power law needs r >= 3 (r = ${r} escapes in logarithmic time)`);
  return Math.pow(s.epsilon, -(r - 2)) / ((r - 2) * s.sigma * g * Math.pow(B, L - r));
}

/** For r = 2: dτ/d ln(1/ε) → 1/(σ·g·B^{L−2}) as ε → 0 (τ grows like ln(1/ε) when the exponent r − 2 is 0). */
export function logEscapeSlope(s: Omit<ChainEscapeSpec, "epsilon" | "fraction" | "small">): number {
  const B = s.big ?? 1;
  return 1 / (s.sigma * (s.gain ?? 1) * Math.pow(B, s.depth - 2));
}

/** Universality class of an activation by ψ(z) = φ(z) − zφ'(z) near 0. */
export interface ActivationClass {
  /** A: ψ ≡ 0 (norm imbalances exactly conserved); B: ψ = O(z³); C: ψ = O(z²); D: ψ(0) = φ(0) ≠ 0. */
  label: "A" | "B" | "C" | "D";
  /** Order k of ψ at 0 (ψ(z) ~ z^k); Infinity for class A. */
  order: number;
  /** Slope φ'(0) of the linearisation at 0 (the per-layer gain), NaN where φ is not differentiable at 0. */
  gain: number;
  /** Why, from the Taylor coefficients: ψ(0) = φ(0), ψ'(0) = 0, ψ''(0) = −φ''(0), ψ'''(0) = −2φ'''(0). */
  reason: string;
}

const CLASSES: Record<string, ActivationClass> = {
  linear: { label: "A", order: Infinity, gain: 1, reason: "ψ ≡ 0 (φ(z) = z)" },
  relu: { label: "A", order: Infinity, gain: Number.NaN, reason: "ψ ≡ 0 for z ≠ 0 (positively homogeneous)" },
  tanh: { label: "B", order: 3, gain: 1, reason: "odd, φ''(0) = 0, φ'''(0) = −2: ψ ≈ (2/3)z³" },
  erf: { label: "B", order: 3, gain: 2 / Math.sqrt(Math.PI), reason: "odd, φ''(0) = 0, φ'''(0) = −4/√π: ψ ≈ (4/(3√π))z³" },
  sin: { label: "B", order: 3, gain: 1, reason: "odd, φ''(0) = 0, φ'''(0) = −1: ψ ≈ z³/3" },
  gelu: { label: "C", order: 2, gain: 0.5, reason: "φ''(0) = 2/√(2π) ≠ 0: ψ ≈ −z²/√(2π)" },
  swish: { label: "C", order: 2, gain: 0.5, reason: "φ''(0) = 1/2 ≠ 0: ψ ≈ −z²/4" },
};

/** The universality class of one of dlnlab's activations (docs/theory.md §10); throws for an unknown name. */
export function activationClass(name: string): ActivationClass {
  const c = CLASSES[name];
  if (!c) throw new RangeError(`activation: no class known for ${JSON.stringify(name)}; one of ${Object.keys(CLASSES).join(", ")}`);
  return c;
}

/**
 * @file Seeded synthetic data for the figure tests: a small PRNG, and trajectory records from the
 * reduced multi-pathway dynamics of docs/theory.md §2 (a_{k,i} ← a_{k,i} − η r_i a_{k,i}^{L−1}), which give
 * the real shapes (symmetry breaking, period-2 oscillation, re-balancing) without the engine.
 */
import type { TrajectoryRecord } from "../../src/engine/types.js";

/** mulberry32: a tiny seeded generator of uniforms in [0, 1); plenty for synthetic plot data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of `reducedRun`. */
export interface RunOptions {
  /** Step size, or a schedule t ↦ η_t. */
  lr: number | ((t: number) => number);
  steps: number;
  /** Per-layer initial scale of each pathway (its length is K). */
  init?: number[];
  depth?: number;
  sigma?: number[];
  /** Measure sharpness every this many steps (odd, so a period-2 oscillation is not aliased). */
  sharpnessEvery?: number;
  /** Record as gradient flow: lr = NaN (the steps still use `lr` as the Euler step). */
  flow?: boolean;
}

/**
 * Records of the reduced dynamics with homogeneous depth L. The "sharpness" is the curvature of the
 * mode loss along the balanced direction, Σ_k L s_{k,i}^{2−2/L} (exact at minima, docs/theory.md §3), sorted
 * over modes; good enough to exercise the figure, not a Hessian.
 */
export function reducedRun(o: RunOptions): TrajectoryRecord[] {
  const L = o.depth ?? 4;
  const sigma = o.sigma ?? [1, 0.5];
  const init = o.init ?? [0.2, 0.19];
  const a = init.map((v) => sigma.map(() => v));
  const lrOf = typeof o.lr === "number" ? () => o.lr as number : o.lr;
  const every = o.sharpnessEvery ?? 5;
  const records: TrajectoryRecord[] = [];
  let time = 0;
  for (let t = 0; t <= o.steps; t++) {
    const lr = lrOf(t);
    const s = a.map((ak) => ak.map((v) => v ** L));
    const residual = sigma.map((sg, i) => s.reduce((acc, sk) => acc + sk[i]!, 0) - sg);
    const lam = sigma.map((_, i) => s.reduce((acc, sk) => acc + L * Math.abs(sk[i]!) ** (2 - 2 / L), 0)).sort((p, q) => q - p);
    records.push({
      step: t,
      time,
      lr: o.flow ? Number.NaN : lr,
      loss: residual.reduce((acc, r) => acc + 0.5 * r * r, 0),
      residual,
      s,
      // (Σ_k s_k)²/(K Σ_k s_k²), written out here rather than taken from the engine.
      balanceIndex: sigma.map((_, i) => s.reduce((acc, sk) => acc + sk[i]!, 0) ** 2 / (s.length * s.reduce((acc, sk) => acc + sk[i]! ** 2, 0))),
      gap: sigma.map(() => 0),
      leaf: s.map((sk) => sk.map(() => Number.NaN)),
      drift: 0,
      sharpness: t % every === 0 ? lam : null,
    });
    for (const ak of a) for (let i = 0; i < sigma.length; i++) ak[i] = ak[i]! - lr * residual[i]! * ak[i]! ** (L - 1);
    time += lr;
  }
  return records;
}

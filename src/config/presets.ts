/**
 * @file Named run configs embedded in dlnlab: the default experiment of the README (a small and a
 * large step on K = 2 pathways of depth 4, docs/theory.md §4) and the reference runs of docs/theory.md §4.
 * Each is a raw config, validated like a file; `dlnlab run --preset NAME` starts from one.
 */

/** A named, documented raw config. */
export interface Preset {
  name: string;
  description: string;
  config: Record<string, unknown>;
}

const common = {
  depths: [4, 4],
  // Per-layer scales 0.2 and 0.19, i.e. end-to-end 0.2⁴ and 0.19⁴: a tiny asymmetry that decides the winner.
  init: { type: "svs", scales: [0.0016, 0.00130321] },
};

/** Full-matrix GD at d = 2, σ = (1, 0.5) in a random orthogonal basis (the README's default experiment). */
const demo = { ...common, width: 2, target: { sigma: [1, 0.5], basis: "symmetric" }, steps: 4000, dynamics: "full" };

/** The exact reduced dynamics of docs/theory.md §4's reference check (one mode, σ = 1). */
const reference = { ...common, width: 1, target: { sigma: [1] }, steps: 100_000, dynamics: "reduced" };

/**
 * The paper's Figure 1 setting (experiments/fig1-k2-depth20.yaml, quick size): K = 2 pathways of depth
 * 20, per-layer scales 0.70 and 0.69 (end-to-end 8.0e-4 vs 6.0e-4), full-matrix GD at d = 2 in a random
 * orthogonal basis, σ = (1, 0.5); the step is given as h = η·λ_single (λ_single = 20 at σ_1 = 1).
 */
const fig1 = {
  width: 2,
  depths: [20, 20],
  target: { sigma: [1, 0.5], basis: "symmetric" },
  init: { type: "svs-layers", scales: [new Array<number>(20).fill(0.7), new Array<number>(20).fill(0.69)] },
  steps: 20_000,
  dynamics: "full",
  seed: 1,
};

/** Every embedded preset. λ_single(σ=1) = L = 4 for the depth-4 ones, so h = η·λ_single = 4η. */
export const PRESETS: readonly Preset[] = [
  {
    name: "small-step",
    description: "K=2, depth 4, d=2, full matrices, η = 0.125 (h = η·λ_single = 0.5): winner-takes-all, as gradient flow",
    config: { ...demo, name: "small step (h = 0.5)", lr: 0.125 },
  },
  {
    name: "large-step",
    description: "K=2, depth 4, d=2, full matrices, η = 0.625 (h = 2.5): Edge of Stability, then re-balancing of the top mode",
    config: { ...demo, name: "large step (h = 2.5)", lr: 0.625 },
  },
  {
    name: "reference-h0.5",
    description: "docs/theory.md §4 reference, reduced dynamics, h = 0.5: ends near s = (0.922, 0.078)",
    config: { ...reference, name: "reference h = 0.5", lr: 0.125 },
  },
  {
    name: "reference-h2.5",
    description: "docs/theory.md §4 reference, reduced dynamics, h = 2.5: ends near s = (0.783, 0.217), λ just below 2/η",
    config: { ...reference, name: "reference h = 2.5", lr: 0.625 },
  },
  {
    name: "reference-h3.0",
    description: "docs/theory.md §4 reference, reduced dynamics, h = 3.0: no convergence (period-2 oscillation around the balanced point)",
    config: { ...reference, name: "reference h = 3.0", lr: 0.75 },
  },
  {
    name: "fig1-small-step",
    description: "Fig. 1 setting: K=2, depth 20, d=2, full matrices, h = 0.5 (η = 0.025): winner-takes-all, as gradient flow",
    config: { ...fig1, name: "Fig. 1 small step (h = 0.5)", h: 0.5 },
  },
  {
    name: "fig1-large-step",
    description: "Fig. 1 setting: K=2, depth 20, d=2, full matrices, h = 3.2 (η = 0.16, window 2 < h < 3.73): Edge of Stability, re-balancing",
    config: { ...fig1, name: "Fig. 1 large step (h = 3.2)", h: 3.2 },
  },
];

/** The presets run by `dlnlab demo` (and so by `npm start`). */
export const DEMO_PRESETS = ["small-step", "large-step"] as const;

/** Look up a preset by name. */
export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}

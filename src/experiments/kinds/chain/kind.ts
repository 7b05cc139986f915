/**
 * @file Kind `chain` (paper Fig. 5 and Section 6, docs/theory.md §5): the deep-chain knife edge. For each
 * depth L the network's own reduced GD step with one pathway (K = 1, σ = 1, so x* = 1 and h = η·L)
 * is iterated from its worst overshooting start, found by a grid search plus golden-section refinement
 * — independently of the closed-form boundary system behind `wcrConstant`. The measured knife edge
 * (bisection on h for "the worst overshoot comes back positive") is compared with c_L. The searches
 * evaluate single steps of the map itself (the engine's reduced step, `stepper`) from thousands of
 * starts; the orbits shown are runs of the engine (Simulation) from the worst start.
 */
import { balancedGdStepTyped } from "../../../engine/dynamics/reduced.js";
import { Simulation, type SimulationSpec } from "../../../engine/simulate.js";
import { RunConfigSchema, resolveRunConfig } from "../../../config/schema.js";
import { wcrConstant } from "../../../theory/index.js";
import type { ExperimentKind, Resolved, TaskPlan } from "../../types.js";
import { chainChecks } from "./checks.js";
import { type ChainConfig, ChainSchema } from "./schema.js";

export * from "./schema.js";
export * from "./checks.js";

type R = Resolved<ChainConfig>;

/** One depth's measurement. */
export interface ChainDepth {
  L: number;
  /** Closed-form/solver prediction c_L (theory.wcrConstant). */
  cL: number;
  /** Knife edge measured by bisection on iterated GD steps. */
  measured: number;
  /** Iterates z_t (t = 0…iterations) from the worst start at h = c_L(1 − ε) and c_L(1 + ε). */
  below: { h: number; z: number[] };
  above: { h: number; z: number[] };
  /** The worst overshoot's next iterate z₂ as a function of h/c_L (the knife edge: it crosses 0 at 1). */
  edge: { ratio: number[]; z2: number[] };
}

/** Data of a chain experiment. */
export interface ChainData {
  depths: ChainDepth[];
}

/** One GD step of a lone depth-L pathway with σ = 1 (x* = 1), step η = h/L: the engine's reduced kernel. */
function stepper(L: number): (z: number, h: number) => number {
  const a = new Float64Array(1);
  const depths = Int32Array.of(L);
  const sigma = Float64Array.of(1);
  const res = new Float64Array(1);
  const scratch = new Float64Array(1);
  return (z, h) => {
    a[0] = z;
    balancedGdStepTyped(a, depths, sigma, h / L, res, scratch);
    return a[0]!;
  };
}

/** Worst overshooting start z ∈ (0, 1): grid search of one step's image, then golden-section refinement. */
export function worstStart(step: (z: number, h: number) => number, h: number, grid: number): number {
  let best = 0.5;
  let bestVal = -Infinity;
  for (let j = 1; j < grid; j++) {
    const z = j / grid;
    const v = step(z, h);
    if (v > bestVal) {
      bestVal = v;
      best = z;
    }
  }
  let lo = Math.max(1e-12, best - 1 / grid);
  let hi = Math.min(1 - 1e-12, best + 1 / grid);
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = step(x1, h);
  let f2 = step(x2, h);
  for (let it = 0; it < 200 && hi - lo > 1e-15; it++) {
    if (f1 > f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = step(x1, h);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = step(x2, h);
    }
  }
  return (lo + hi) / 2;
}

/** Image of the worst overshoot after one more step: > 0 means "returns without crossing 0". */
function worstReturn(step: (z: number, h: number) => number, h: number, grid: number): number {
  const M = step(worstStart(step, h, grid), h);
  return step(M, h);
}

/** Knife edge h* of depth L: bisection on the sign of the worst return between h = 2 (returns) and an upper bracket. */
export function measuredKnifeEdge(L: number, grid: number): number {
  const step = stepper(L);
  let lo = 2;
  let hi = 4;
  while (worstReturn(step, hi, grid) > 0) {
    lo = hi;
    hi *= 1.5;
    if (hi > 1e6) return Number.NaN;
  }
  for (let it = 0; it < 200 && hi - lo > 1e-13 * hi; it++) {
    const mid = (lo + hi) / 2;
    if (worstReturn(step, mid, grid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Iterates from the worst start at step h. */
function orbit(L: number, h: number, grid: number, iterations: number): number[] {
  const z0 = worstStart(stepper(L), h, grid);
  // A run of the engine from exactly the layer scalar z0 (its initial state; the nominal SVS init is
  // overridden), recorded at every step: it never converges (the orbit below c_L is shown settling), and it diverges where
  // |z| first passes 10⁶, the figure's range: loss ½(z^L − 1)² above ½((10⁶)^L − 1)², the bound
  // divergeFactor·½σ² (z0 < 1 starts below ½σ²); past (10⁶)^L's overflow (L ≥ 26) the loss itself
  // turns non-finite first.
  const base = resolveRunConfig(RunConfigSchema.parse({
    width: 1, depths: [L], target: { sigma: [1] }, init: { type: "svs", scales: [z0 ** L] }, lr: h / L,
    steps: iterations, dynamics: "reduced", record: { every: 1 }, sharpness: { every: 0 },
  }));
  const spec: SimulationSpec = { ...base, stop: { ...base.stop, lossTol: Number.NEGATIVE_INFINITY, divergeFactor: (Math.pow(1e6, L) - 1) ** 2 } };
  const z: number[] = [];
  const sim = new Simulation(spec, { keepRecords: false, initialState: [z0], onRecord: () => z.push(sim.system.state[0]!) });
  sim.advance(Number.MAX_SAFE_INTEGER);
  return z;
}

/** The `chain` kind. */
export const chainKind: ExperimentKind<ChainConfig, ChainDepth, ChainData, { L: number }> = {
  kind: "chain",
  schema: ChainSchema,
  smoke: (quick) => ({ ...quick, grid: Math.min(quick.grid, 101) }),
  plan: (r: R): TaskPlan<{ L: number }>[] => r.depths.map((L) => ({ id: `depth-${L}`, label: `L = ${L}`, weight: r.budget.grid, args: { L } })),
  runTask(r: R, { L }, progress) {
    const cL = wcrConstant(L);
    const measured = measuredKnifeEdge(L, r.budget.grid);
    progress(0.8);
    const hb = cL * (1 - r.epsilon);
    const ha = cL * (1 + r.epsilon);
    const step = stepper(L);
    const ratio = Array.from({ length: 41 }, (_, j) => 0.9 + (0.2 * j) / 40);
    return {
      L, cL, measured,
      below: { h: hb, z: orbit(L, hb, r.budget.grid, r.iterations) },
      above: { h: ha, z: orbit(L, ha, r.budget.grid, r.iterations) },
      edge: { ratio, z2: ratio.map((q) => worstReturn(step, q * cL, r.budget.grid)) },
    };
  },
  assemble: (r: R, parts) => ({ depths: r.depths.map((L) => parts[`depth-${L}`]!) }),
  checks: chainChecks,
  dataFiles(r: R, data: ChainData) {
    const rows = ["L,c_L,measured_knife_edge,h_below,h_above,t,z_below,z_above"];
    for (const d of data.depths) {
      const n = Math.max(d.below.z.length, d.above.z.length);
      for (let t = 0; t < n; t++) rows.push([d.L, d.cL, d.measured, d.below.h, d.above.h, t, d.below.z[t] ?? "", d.above.z[t] ?? ""].join(","));
    }
    return [{
      name: "chain.csv",
      description: "Deep-chain knife edge per depth L: c_L (theory), the knife edge measured by bisection on GD iterates, and the " +
        `iterates z_t = x_t/x* from the worst overshooting start at h = c_L(1 − ε) (z_below) and c_L(1 + ε) (z_above), ε = ${r.epsilon}`,
      content: rows.join("\n") + "\n",
    }];
  },
  summary: (_r: R, data: ChainData) => data.depths.map((d) => ({ L: d.L, cL: d.cL, measured: d.measured, zBelow: d.below.z[2], zAbove: d.above.z[2] })),
};

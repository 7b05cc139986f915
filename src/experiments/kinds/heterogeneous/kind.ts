/**
 * @file Kind `heterogeneous` (paper Figs. 4 and 9, docs/theory.md §3–§4): pathways of different depths
 * from the same tiny init scale, trained with steps given as a fraction of the top of the window
 * 2/λ_bal (λ_bal the sharpness of the flattest allocation). Gradient flow lets the shallow pathway win;
 * inside the window GD stops on the stopping boundary; at the top of the window it converges (slowly,
 * the balanced minimum being marginally stable) to the optimal allocation.
 */
import { gradientFlowEndpoint, optimalAllocation, singlePathSharpnesses, stabilityWindow, stoppingBoundary } from "../../../theory/index.js";
import { argmax, endToEndScales, runCsv, runNetwork, slug, type Network, type RunData } from "../../common.js";
import type { ExperimentKind, Resolved, TaskPlan } from "../../types.js";
import { heterogeneousChecks } from "./checks.js";
import { type HeterogeneousConfig, HeterogeneousSchema } from "./schema.js";

export * from "./schema.js";
export * from "./checks.js";

type R = Resolved<HeterogeneousConfig>;

/** Theory for one heterogeneous run. */
export interface HeteroTheory {
  fraction: number;
  lr: number;
  /** below: the GF winner's single-path minimum is stable; window: inside; top: η = 2/λ_bal. */
  regime: "below" | "window" | "top";
  threshold: number;
  /** The GF winner (shallowest for equal tiny init) and its single-path threshold 2/λ_d. */
  dominant: number;
  etaDominant: number;
  etaBalanced: number;
  etaWcr: number;
  gf: number[];
  optimum: number[];
  /** Stopping boundary (window runs): exact for K = 2, drift flow and leaf ray for K > 2 (null where undefined). */
  boundary: { exact: number[] | null; central: number[] | null; driftFlow: number[] | null; leafRay: number[] | null };
}

/** Data of a heterogeneous experiment. */
export interface HeterogeneousData {
  runs: RunData[];
  theory: HeteroTheory[];
}

/** Predictions for a run at η = fraction·2/λ_bal. */
export function heteroTheory(net: Network, fraction: number): HeteroTheory {
  const sigma = net.target.sigma[0]!;
  const w = stabilityWindow(net.depths, sigma);
  const lr = fraction * w.etaBalanced;
  const initScales = endToEndScales(net);
  const gf = gradientFlowEndpoint(net.depths, sigma, initScales);
  const optimum = optimalAllocation(net.depths, sigma).s;
  const dominant = argmax(gf);
  const etaDominant = 2 / singlePathSharpnesses(net.depths, sigma)[dominant]!;
  const regime = fraction >= 1 ? "top" : lr <= etaDominant ? "below" : "window";
  const boundary: HeteroTheory["boundary"] = { exact: null, central: null, driftFlow: null, leafRay: null };
  if (regime === "window") {
    const at = (approximation: "central-flow" | "leaf-ray" | "drift-flow"): number[] | null => {
      try {
        return stoppingBoundary(net.depths, sigma, lr, { initScales, approximation, allowAboveWcr: true }).s;
      } catch {
        return null;
      }
    };
    if (net.depths.length === 2) boundary.exact = at("leaf-ray");
    else {
      boundary.central = at("central-flow");
      boundary.driftFlow = at("drift-flow");
      boundary.leafRay = at("leaf-ray");
    }
  }
  return { fraction, lr, regime, threshold: 2 / lr, dominant, etaDominant, etaBalanced: w.etaBalanced, etaWcr: w.etaWcr, gf, optimum, boundary };
}

/** The `heterogeneous` kind. */
export const heterogeneousKind: ExperimentKind<HeterogeneousConfig, RunData, HeterogeneousData, { run: number }> = {
  kind: "heterogeneous",
  schema: HeterogeneousSchema,
  smoke: (quick) => ({ ...quick, steps: Math.min(quick.steps, 400), sharpnessEvery: 25 }),

  plan: (r: R): TaskPlan<{ run: number }>[] =>
    r.runs.map((run, j) => ({ id: `run-${slug(run.label)}`, label: `${run.label} (η = ${run.fraction}·2/λ_bal)`, weight: r.budget.steps, args: { run: j } })),

  runTask(r: R, args, progress) {
    const run = r.runs[args.run]!;
    const lr = run.fraction * stabilityWindow(r.network.depths, r.network.target.sigma[0]!).etaBalanced;
    return runNetwork(r.network, {
      label: run.label, lr, steps: r.budget.steps, dynamics: "reduced",
      ...(r.budget.sharpnessEvery !== undefined ? { sharpnessEvery: r.budget.sharpnessEvery } : {}),
    }, progress);
  },

  assemble: (r: R, parts) => ({
    runs: r.runs.map((run) => parts[`run-${slug(run.label)}`]!),
    theory: r.runs.map((run) => heteroTheory(r.network, run.fraction)),
  }),

  checks: heterogeneousChecks,

  dataFiles: (r: R, data: HeterogeneousData) =>
    data.runs.map((run, j) => runCsv(run, `${slug(r.runs[j]!.label)}.csv`, `Reduced GD, depths ${r.network.depths.join(", ")}`)),

  summary: (_r: R, data: HeterogeneousData) =>
    data.runs.map((run, j) => ({
      label: run.label,
      fraction: data.theory[j]!.fraction,
      lr: run.lr,
      regime: data.theory[j]!.regime,
      status: run.status,
      steps: run.steps,
      finalS: run.final.s.map((row) => row[0]),
      centreS: run.centre.map((row) => row[0]),
      optimum: data.theory[j]!.optimum,
      gradientFlowEndpoint: data.theory[j]!.gf,
      boundary: data.theory[j]!.boundary,
    })),
};

/**
 * @file Kind `pair` (paper Figs. 1–2, docs/theory.md §4 and §6): one homogeneous network trained with
 * several step sizes given as h = η·λ_single — a small step (GF-like winner-takes-all), a step inside
 * the re-balancing window (Edge of Stability, then a stop at λ = 2/η), optionally one above it — with
 * an optional reduced-dynamics twin of full-matrix runs. Checks compare each run with the theory
 * that applies to its h.
 */
import { balancedSharpness, gradientFlowEndpoint, stabilityWindow, stoppingBoundary, type StoppingBoundary } from "../../../theory/index.js";
import { endToEndScales, lambdaSingle, runCsv, runNetwork, slug, type Network, type RunData } from "../../common.js";
import type { ExperimentKind, Resolved, TaskPlan } from "../../types.js";
import { pairChecks } from "./checks.js";
import { type PairConfig, PairSchema } from "./schema.js";

export * from "./schema.js";
export * from "./checks.js";

type R = Resolved<PairConfig>;

/** Where a step sits relative to the thresholds of docs/theory.md §4–§5 (top mode). */
export type Regime = "below" | "window" | "above";

/** Theory for one run: thresholds, regime and the predicted end state of the top mode. */
export interface PairTheory {
  h: number;
  lr: number;
  regime: Regime;
  /** 2/η, the linear stability threshold. */
  threshold: number;
  lambdaSingle: number;
  lambdaBalanced: number;
  /** 2λ_single/λ_bal: the top of the re-balancing window in units of h. */
  hBalanced: number;
  /** c_L, the worst-case-return ceiling in units of h. */
  cL: number;
  /** Gradient-flow end point of the top mode from the init. */
  gf: number[];
  /** Predicted stopping boundary (window runs): exact for K = 2; leaf ray and drift flow for K > 2. */
  boundary: { exact: number[] | null; central: number[] | null; leafRay: number[] | null; driftFlow: number[] | null };
  /** The flattest allocation (equal split). */
  optimum: number[];
}

/** Data of a `pair` experiment. */
export interface PairData {
  runs: RunData[];
  /** Reduced-dynamics twins of full runs (compare: true), else null per run. */
  twins: (RunData | null)[];
  theory: PairTheory[];
}

/** Predictions for a run at normalised step h (pure theory, no simulation). */
export function pairTheory(net: Network, h: number): PairTheory {
  const sigma = net.target.sigma[0]!;
  const L = net.depths[0]!;
  const K = net.depths.length;
  const lamS = lambdaSingle(net);
  const lr = h / lamS;
  const w = stabilityWindow(net.depths, sigma);
  const lamB = balancedSharpness(L, sigma, K);
  const hBalanced = (2 * lamS) / lamB;
  const regime: Regime = h <= 2 ? "below" : h < hBalanced ? "window" : "above";
  const initScales = endToEndScales(net);
  const boundary: PairTheory["boundary"] = { exact: null, central: null, leafRay: null, driftFlow: null };
  if (regime === "window") {
    const at = (approximation: "central-flow" | "leaf-ray" | "drift-flow"): StoppingBoundary | null => {
      try {
        return stoppingBoundary(net.depths, sigma, lr, { initScales, approximation, allowAboveWcr: true });
      } catch {
        return null;
      }
    };
    if (K === 2) boundary.exact = at("leaf-ray")?.s ?? null;
    else {
      boundary.central = at("central-flow")?.s ?? null;
      boundary.leafRay = at("leaf-ray")?.s ?? null;
      boundary.driftFlow = at("drift-flow")?.s ?? null;
    }
  }
  return {
    h, lr, regime, threshold: 2 / lr, lambdaSingle: lamS, lambdaBalanced: lamB, hBalanced, cL: w.cL,
    gf: gradientFlowEndpoint(net.depths, sigma, initScales),
    boundary,
    optimum: net.depths.map(() => sigma / K),
  };
}

/** The `pair` kind. */
export const pairKind: ExperimentKind<PairConfig, RunData, PairData, { run: number; twin: boolean }> = {
  kind: "pair",
  schema: PairSchema,
  smoke: (quick) => ({ ...quick, steps: Math.min(quick.steps, 300), sharpnessEvery: 25 }),

  plan(r: R): TaskPlan<{ run: number; twin: boolean }>[] {
    const tasks: TaskPlan<{ run: number; twin: boolean }>[] = [];
    const cost = r.dynamics === "full" ? 20 : 1;
    r.runs.forEach((run, j) => {
      tasks.push({ id: `run-${slug(run.label)}`, label: `${run.label} (h = ${run.h})`, weight: cost * r.budget.steps, args: { run: j, twin: false } });
      if (r.compare) tasks.push({ id: `twin-${slug(run.label)}`, label: `${run.label}, reduced twin`, weight: r.budget.steps, args: { run: j, twin: true } });
    });
    return tasks;
  },

  runTask(r: R, { run: j, twin }, progress) {
    const run = r.runs[j]!;
    return runNetwork(r.network, {
      label: run.label,
      lr: run.h / lambdaSingle(r.network),
      steps: r.budget.steps,
      dynamics: twin ? "reduced" : r.dynamics,
      ...(r.budget.width !== undefined ? { width: r.budget.width } : {}),
      ...(r.budget.sharpnessEvery !== undefined ? { sharpnessEvery: r.budget.sharpnessEvery } : {}),
    }, progress);
  },

  assemble(r: R, parts) {
    return {
      runs: r.runs.map((run) => parts[`run-${slug(run.label)}`]!),
      twins: r.runs.map((run) => (r.compare ? parts[`twin-${slug(run.label)}`]! : null)),
      theory: r.runs.map((run) => pairTheory(r.network, run.h)),
    };
  },

  checks: pairChecks,

  dataFiles(r: R, data: PairData) {
    const files = data.runs.map((run, j) => runCsv(run, `${slug(r.runs[j]!.label)}.csv`, `${r.dynamics === "full" ? "Full-matrix" : "Reduced"} GD`));
    data.twins.forEach((t, j) => {
      if (t) files.push(runCsv(t, `${slug(r.runs[j]!.label)}-reduced.csv`, "Reduced-dynamics twin"));
    });
    return files;
  },

  summary(_r: R, data: PairData) {
    return data.runs.map((run, j) => ({
      label: run.label,
      h: data.theory[j]!.h,
      lr: run.lr,
      regime: data.theory[j]!.regime,
      status: run.status,
      steps: run.steps,
      finalS: run.final.s.map((row) => row[0]),
      finalSharpness: run.final.sharpness?.[0] ?? null,
      threshold: data.theory[j]!.threshold,
      gradientFlowEndpoint: data.theory[j]!.gf,
      boundary: data.theory[j]!.boundary,
      seconds: run.seconds,
    }));
  },
};

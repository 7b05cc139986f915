/**
 * @file Kind `central` (docs/theory.md §11): GD and its central flow side by side. Per case, one GD run
 * (recorded at every step, so its two-step average is exact) and one central-flow run of the same
 * config; compared are the two-step-averaged s_{k,i}(t) with the flow's, the sharpness with 2/η, GD's
 * squared oscillation amplitude along the top eigenvector with the flow's x (reduced cases), the
 * re-balancing duration (the balancing gap's 10 % → 90 % drop) and the end split.
 */
import { Simulation } from "../../../engine/simulate.js";
import type { TrajectoryRecord } from "../../../engine/types.js";
import { ReducedEdgeModel } from "../../../engine/dynamics/central.js";
import { balancingGap, layerScalar } from "../../../engine/measure/observables.js";
import { RunConfigSchema, resolveRunConfig } from "../../../config/schema.js";
import { csvHeader, csvRow, trajectoryColumns } from "../../../data/trajectory.js";
import { centralFlowPrediction } from "../../../theory/central.js";
import { slug } from "../../common.js";
import type { DataFile, ExperimentKind, Resolved, TaskPlan } from "../../types.js";
import { caseMetrics, centralChecks } from "./checks.js";
import { type CentralConfig, CentralSchema } from "./schema.js";

export * from "./schema.js";
export * from "./checks.js";

type R = Resolved<CentralConfig>;

/** A compact trajectory: steps and s[k][i] per sample (GD: two-step averages). */
export interface Track {
  step: number[];
  s: number[][][];
  sharpness: (number | null)[];
  /** GD: squared oscillation amplitude along u (reduced cases), flow: x of the top mode; null where not measured. */
  x: (number | null)[];
}

/** Result of one case. */
export interface CentralCase {
  label: string;
  lr: number;
  sigma: number[];
  depths: number[];
  gdStatus: string;
  flowStatus: string;
  gd: Track;
  flow: Track;
  /** The flow's CSV (trajectory columns plus edge, avg_loss, x_j). */
  flowCsv: string;
  /** Gap-drop timing of the top mode: t10, t90 (null without a drop). */
  gdTiming: [number, number] | null;
  flowTiming: [number, number] | null;
  /** GD's final λ_max·η/2. */
  gdFinalRatio: number | null;
  /** max over t ∈ [t10, t90] of GD's amplitude² / x(w̄) − 1, at GD's two-step averages (reduced cases). */
  amplitudeError: number | null;
  /** End split of the amplitude-lag model (`centralFlowPrediction(...).lagged`; reduced one-mode cases), else null. */
  laggedEnd: number[] | null;
}

/** Data of a central experiment. */
export interface CentralData {
  cases: CentralCase[];
}

/** Two-step averages of s (record r and the next one, consecutive steps). */
function twoStep(recs: readonly TrajectoryRecord[]): { step: number[]; s: number[][][] } {
  const step: number[] = [];
  const s: number[][][] = [];
  for (let j = 0; j + 1 < recs.length; j++) {
    const a = recs[j]!;
    const b = recs[j + 1]!;
    if (b.step !== a.step + 1) continue;
    step.push(a.step);
    s.push(a.s.map((row, k) => row.map((v, i) => (v + b.s[k]![i]!) / 2)));
  }
  return { step, s };
}

/** Steps at which the top mode's balancing gap has made 10 % and 90 % of its drop from the peak to the end. */
export function gapTiming(step: readonly number[], s: readonly number[][][]): [number, number] | null {
  const gap = s.map((row) => balancingGap(row.map((r) => r[0]!)));
  let peak = 0;
  for (let j = 1; j < gap.length; j++) if (gap[j]! > gap[peak]!) peak = j;
  const drop = gap[peak]! - gap[gap.length - 1]!;
  if (!(drop > 0)) return null;
  const at = (q: number) => {
    const level = gap[peak]! - q * drop;
    for (let j = peak + 1; j < gap.length; j++) {
      if (gap[j]! <= level) return step[j - 1]! + ((gap[j - 1]! - level) / (gap[j - 1]! - gap[j]!)) * (step[j]! - step[j - 1]!);
    }
    return step[step.length - 1]!;
  };
  return [at(0.1), at(0.9)];
}

/** s of the flow at step t (linear interpolation between samples; the last value past the end). */
function sampleAt(track: Track, t: number): number[][] {
  const { step, s } = track;
  if (t <= step[0]!) return s[0]!;
  for (let j = 1; j < step.length; j++) {
    if (step[j]! >= t) {
      const f = (t - step[j - 1]!) / (step[j]! - step[j - 1]!);
      return s[j]!.map((row, k) => row.map((v, i) => s[j - 1]![k]![i]! * (1 - f) + v * f));
    }
  }
  return s[s.length - 1]!;
}

/** Largest |s̄_GD(t) − s_flow(t + δ)|/σ_1 for t ≥ from. */
export function trajectoryError(c: CentralCase, delta: number, from: number): number {
  let worst = 0;
  c.gd.step.forEach((t, j) => {
    if (t < from) return;
    const f = sampleAt(c.flow, t + delta);
    c.gd.s[j]!.forEach((row, k) => row.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - f[k]![i]!) / c.sigma[0]!))));
  });
  return worst;
}

/** Largest |s_GD − s_flow| at the end (two-step average of GD), any pathway and mode. */
export function endSplitError(c: CentralCase): number {
  const g = c.gd.s[c.gd.s.length - 1]!;
  const f = c.flow.s[c.flow.s.length - 1]!;
  return Math.max(...g.flatMap((row, k) => row.map((v, i) => Math.abs(v - f[k]![i]!))));
}

function runCase(r: R, c: CentralConfig["cases"][number]): CentralCase {
  const steps = c.system === "reduced" ? r.budget.steps : r.budget.fullSteps;
  const base = { ...c.config, steps, flow: { ...((c.config.flow as object | undefined) ?? {}), system: c.system } };
  const gdSpec = resolveRunConfig(RunConfigSchema.parse({
    ...base, dynamics: c.system === "reduced" ? "reduced" : "full", record: { every: 1 }, sharpness: { every: c.system === "reduced" ? 1 : 25 },
  }));
  const flowSpec = resolveRunConfig(RunConfigSchema.parse({
    ...base, dynamics: "central", record: { every: c.system === "reduced" ? 1 : 5 }, sharpness: { every: c.system === "reduced" ? 1 : 25 },
  }));
  const gd = new Simulation(gdSpec);
  gd.advance(Number.MAX_SAFE_INTEGER);
  const flow = new Simulation(flowSpec);
  flow.advance(Number.MAX_SAFE_INTEGER);
  const avg = twoStep(gd.records);
  const sigma = Array.from(gd.target.sigma);
  const lr = gdSpec.lr;
  const byStep = new Map(gd.records.map((x) => [x.step, x]));
  // GD's squared amplitude along u at its two-step average (reduced, depth-balanced state: a = s^{1/L}).
  const edge = c.system === "reduced" && gdSpec.init.type === "svs" ? new ReducedEdgeModel({ depths: gdSpec.depths, sigma: gd.target.sigma }, "balanced") : null;
  const d = sigma.length;
  const amp = avg.step.map((t, j) => {
    if (!edge) return null;
    const a0 = byStep.get(t)!;
    const a1 = byStep.get(t + 1)!;
    const bar = Float64Array.from({ length: gdSpec.depths.length * d }, (_, q) => layerScalar(avg.s[j]![Math.floor(q / d)]![q % d]!, gdSpec.depths[Math.floor(q / d)]!));
    const u = new Float64Array(gdSpec.depths.reduce((x, y) => x + y, 0));
    edge.modeTop(bar, 0, u);
    let along = 0;
    let o = 0;
    gdSpec.depths.forEach((L, k) => {
      const da = (layerScalar(a0.s[k]![0]!, L) - layerScalar(a1.s[k]![0]!, L)) / 2;
      for (let l = 0; l < L; l++) along += u[o + l]! * da;
      o += L;
    });
    return along * along;
  });
  const gdTrack: Track = { step: avg.step, s: avg.s, sharpness: avg.step.map((t) => byStep.get(t)!.sharpness?.[0] ?? null), x: amp };
  const fr = flow.records;
  const flowTrack: Track = { step: fr.map((x) => x.step), s: fr.map((x) => x.s), sharpness: fr.map((x) => x.sharpness?.[0] ?? null), x: fr.map((x) => x.central?.x[0] ?? null) };
  const gdTiming = gapTiming(gdTrack.step, gdTrack.s);
  let amplitudeError: number | null = null;
  if (edge && gdTiming) {
    // x at GD's own two-step average (one-eigenvalue formula), so the flow's time offset does not enter.
    amplitudeError = 0;
    const g = new Float64Array(edge.n);
    avg.step.forEach((t, j) => {
      if (t < gdTiming[0] || t > gdTiming[1]) return;
      const bar = Float64Array.from({ length: edge.n }, (_, q) => layerScalar(avg.s[j]![Math.floor(q / d)]![q % d]!, gdSpec.depths[Math.floor(q / d)]!));
      const ev = edge.edge(bar, 0, 1);
      edge.gradient(bar, g);
      const G = ev.G[0]!;
      let gG = 0;
      let GG = 0;
      for (let q = 0; q < edge.n; q++) {
        gG += edge.weights![q]! * G[q]! * g[q]!;
        GG += edge.weights![q]! * G[q]! * G[q]!;
      }
      const x = (-2 * gG) / GG;
      if (x > 0) amplitudeError = Math.max(amplitudeError!, Math.abs(amp[j]! / x - 1));
    });
  }
  const last = gd.records[gd.records.length - 1]!;
  const init = gdSpec.init;
  // Only a run that has ended is compared with the lag model's end point, whose flow (integrated to its
  // own end) is costly for slow cases such as depths (3, 5, 7): skip it otherwise (e.g. the smoke budget).
  const laggedEnd = gd.status === "converged" && c.system === "reduced" && d === 1 && init.type === "svs"
    ? centralFlowPrediction(gdSpec.depths, sigma[0]!, lr, { initScales: init.scales }).lagged?.s ?? null
    : null;
  const csvTop = flowSpec.sharpness.top;
  const nx = c.system === "reduced" ? d : flowSpec.central?.top ?? 3;
  const cols = trajectoryColumns(gdSpec.depths.length, d, csvTop, undefined, nx);
  return {
    label: c.label, lr, sigma, depths: gdSpec.depths, gdStatus: gd.status!, flowStatus: flow.status!,
    gd: gdTrack, flow: flowTrack,
    flowCsv: [csvHeader(cols), ...fr.map((x) => csvRow(x, csvTop, false, nx))].join("\n") + "\n",
    gdTiming, flowTiming: gapTiming(flowTrack.step, flowTrack.s),
    gdFinalRatio: last.sharpness ? (last.sharpness[0]! * lr) / 2 : null,
    amplitudeError,
    laggedEnd,
  };
}

/** The cases a budget runs (fullSteps = 0 leaves out the full-matrix and MLP cases). */
function included(r: R): CentralConfig["cases"] {
  return r.cases.filter((c) => c.system === "reduced" || r.budget.fullSteps > 0);
}

/** The `central` kind. */
export const centralKind: ExperimentKind<CentralConfig, CentralCase, CentralData, { case: number }> = {
  kind: "central",
  schema: CentralSchema,
  // Smoke: the reduced cases only (the weight-space flow's Lanczos solves cost seconds even for a few steps).
  smoke: (quick) => ({ steps: Math.min(quick.steps, 100), fullSteps: 0 }),
  plan: (r: R): TaskPlan<{ case: number }>[] =>
    included(r).map((c) => ({ id: slug(c.label), label: c.label, weight: c.system === "reduced" ? r.budget.steps : 50 * r.budget.fullSteps, args: { case: r.cases.indexOf(c) } })),
  runTask(r: R, args, progress): CentralCase {
    const out = runCase(r, r.cases[args.case]!);
    progress(1);
    return out;
  },
  assemble: (r: R, parts) => ({ cases: included(r).map((c) => parts[slug(c.label)]!) }),
  checks: centralChecks,
  dataFiles(_r: R, data: CentralData): DataFile[] {
    return data.cases.flatMap((c) => {
      const K = c.depths.length;
      const d = c.sigma.length;
      const head = ["step", ...Array.from({ length: K * d }, (_, q) => `s_${Math.floor(q / d) + 1}_${(q % d) + 1}`), "sharpness", "amplitude2"].join(",");
      const rows = c.gd.step.map((t, j) => [t, ...c.gd.s[j]!.flat(), c.gd.sharpness[j] ?? "", c.gd.x[j] ?? ""].join(","));
      return [
        {
          name: `${slug(c.label)}-gd.csv`,
          description: `GD (${c.label}, η = ${c.lr}, ${c.gdStatus}): step t; s_k_i = two-step average (s(t) + s(t+1))/2 of pathway k, mode i; ` +
            "sharpness = λ_max at step t (empty when not measured); amplitude2 = squared half two-step difference along the top eigenvector of the mode-1 block at the average (reduced cases)",
          content: [head, ...rows].join("\n") + "\n",
        },
        { name: `${slug(c.label)}-central.csv`, description: `Central flow (${c.label}, η = ${c.lr}, ${c.flowStatus}): columns as dlnlab run writes them, plus edge, avg_loss, x_j`, content: c.flowCsv },
      ];
    });
  },
  summary: (_r: R, data: CentralData) => ({
    cases: data.cases.map((c) => {
      const m = caseMetrics(c);
      return { label: c.label, lr: c.lr, gdStatus: c.gdStatus, flowStatus: c.flowStatus, gdEnd: c.gd.s.at(-1), flowEnd: c.flow.s.at(-1), gdFinalRatio: c.gdFinalRatio, ...m };
    }),
  }),
};

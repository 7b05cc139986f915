/**
 * @file Kind `rank` (docs/theory.md §4 rank-k balancing, paper eq. 24): a target with several singular
 * values; mode i leaves the single-path attractor iff λ_single(σ_i) > 2/η, so a step between the
 * onsets of modes k and k+1 re-balances exactly the top k modes. Detail runs (full matrices in a random
 * basis, with reduced twins) show the trajectories; a sweep of η with the reduced dynamics measures the
 * rank against the prediction.
 */
import { gradientFlowEndpoint, modeSharpness, rebalancedRank } from "../../../theory/index.js";
import { endToEndScales, networkConfig, runCsv, runNetwork, type Network, type RunData } from "../../common.js";
import { parseSweepSpec } from "../../../sweep/spec.js";
import { runSweep } from "../../../sweep/rows.js";
import { periodTwoCentre } from "../../../engine/measure/observables.js";
import type { ExperimentKind, Resolved, TaskPlan } from "../../types.js";
import { rankChecks } from "./checks.js";
import { type RankConfig, RankSchema } from "./schema.js";

export * from "./schema.js";
export * from "./checks.js";

type R = Resolved<RankConfig>;

/** Final state of a sweep run (no trajectory kept). */
export interface SweepPoint {
  lr: number;
  status: string;
  /** Largest share per mode, s_max,i/σ_i. */
  shares: number[];
  /** Per mode, λ_i·η/2 at the final period-2 centre (λ_i = Σ_k L s_{k,i}^{2−2/L}, docs/theory.md §3). */
  pinned: number[];
}

/** Result of a task: a detail run or the whole sweep. */
export type RankPart = RunData | { sweep: SweepPoint[] };

/** Data of a rank experiment. */
export interface RankData {
  runs: RunData[];
  twins: (RunData | null)[];
  sweep: SweepPoint[];
  /** Gradient-flow share of the dominant pathway per mode (the "not re-balanced" reference). */
  gfShares: number[];
  /** Per mode, 2/λ(s^GF_i): the step above which the gradient-flow end point itself is unstable. */
  gfOnsets: number[];
}

/**
 * A mode counts as re-balanced when its final curvature is held at the edge of stability,
 * λ_i·η/2 ≥ 0.975 (GD stops just past the boundary at λ_i·η/2 ≈ 0.985–0.997). A mode that never left
 * its gradient-flow end point has λ_i·η/2 = λ(s^GF_i)·η/2 < 1, below 0.975 unless η is within 2.5 % of
 * 2/λ(s^GF_i).
 */
export const PINNED = 0.975;

/**
 * The sweep does not compare steps between the idealised onset 2/λ_single(σ_i) of docs/theory.md (an exact
 * single path) and 2/λ(s^GF_i) (the actual gradient-flow end point, which is not exactly single-path),
 * widened by this relative margin on both sides.
 */
export const ONSET_MARGIN = 0.03;

/** Gradient-flow shares of the dominant pathway per mode. */
export function gfShares(net: Network): number[] {
  const a = endToEndScales(net);
  return net.target.sigma.map((s) => (s > 0 ? Math.max(...gradientFlowEndpoint(net.depths, s, a)) / s : 1));
}

/** Per mode, 2/λ(s^GF_i) with s^GF_i the gradient-flow end point of mode i. */
export function gfOnsets(net: Network): number[] {
  const a = endToEndScales(net);
  return net.target.sigma.map((s) => (s > 0 ? 2 / modeSharpness(net.depths, gradientFlowEndpoint(net.depths, s, a)) : Infinity));
}

/** Number of modes held at the edge of stability (λ_i·η/2 ≥ PINNED). */
export function measuredRank(pinned: readonly number[]): number {
  return pinned.filter((x) => x >= PINNED).length;
}

/** λ_i·η/2 per mode at a (near) zero-loss state s[k][i]. */
export function pinnedRatios(depths: readonly number[], s: number[][], lr: number): number[] {
  const d = s[0]!.length;
  return Array.from({ length: d }, (_, i) => (modeSharpness(depths, s.map((row) => Math.abs(row[i]!))) * lr) / 2);
}

export const sharesOf = (s: number[][], sigma: readonly number[]): number[] =>
  sigma.map((sg, i) => Math.max(...s.map((row) => row[i]!)) / sg);

/** The sweep's step sizes. */
export function sweepLrs(r: R): number[] {
  const n = r.budget.sweepPoints;
  return Array.from({ length: n }, (_, j) => (r.sweep.from * (n - 1 - j) + r.sweep.to * j) / (n - 1));
}

/** A task of the rank kind: one run (index into `lrs`; `twin`: its reduced twin) or the whole step-size sweep. */
type RankTask = { run: number; twin: boolean } | "sweep";

/** The `rank` kind. */
export const rankKind: ExperimentKind<RankConfig, RankPart, RankData, RankTask> = {
  kind: "rank",
  schema: RankSchema,
  smoke: (quick) => ({ steps: Math.min(quick.steps, 300), sweepPoints: Math.min(quick.sweepPoints, 3) }),
  plan(r: R): TaskPlan<RankTask>[] {
    const tasks: TaskPlan<RankTask>[] = r.lrs.map((lr, j) => ({ id: `run-${j}`, label: `η = ${lr}`, weight: (r.dynamics === "full" ? 20 : 1) * r.budget.steps, args: { run: j, twin: false } }));
    if (r.compare) r.lrs.forEach((lr, j) => tasks.push({ id: `twin-${j}`, label: `η = ${lr}, reduced twin`, weight: r.budget.steps, args: { run: j, twin: true } }));
    tasks.push({ id: "sweep", label: `sweep of ${r.budget.sweepPoints} steps`, weight: r.budget.sweepPoints * r.budget.steps, args: "sweep" });
    return tasks;
  },
  runTask(r: R, args, progress): RankPart {
    if (args === "sweep") {
      // A `dlnlab sweep` over lr on the sweep engine (its batched kernel); only the final states are read.
      const lrs = sweepLrs(r);
      const spec = parseSweepSpec({
        base: networkConfig(r.network, { steps: r.budget.steps, dynamics: "reduced" }),
        axes: { lr: { values: lrs } },
        measure: { every: r.budget.steps },
      });
      const runs = runSweep(spec, (p, f) => periodTwoCentre(f.system, p.spec.lr, f.s, f.loss));
      progress(1);
      return {
        sweep: lrs.map((lr, j) => {
          const { row, value: c } = runs[j]!;
          return { lr, status: row.status as string, shares: sharesOf(c, r.network.target.sigma), pinned: pinnedRatios(r.network.depths, c, lr) };
        }),
      };
    }
    const lr = r.lrs[args.run]!;
    return runNetwork(r.network, { label: `η = ${lr}`, lr, steps: r.budget.steps, dynamics: args.twin ? "reduced" : r.dynamics }, progress);
  },
  assemble: (r: R, parts) => ({
    runs: r.lrs.map((_, j) => parts[`run-${j}`] as RunData),
    twins: r.lrs.map((_, j) => (r.compare ? (parts[`twin-${j}`] as RunData) : null)),
    sweep: (parts["sweep"] as { sweep: SweepPoint[] }).sweep,
    gfShares: gfShares(r.network),
    gfOnsets: gfOnsets(r.network),
  }),
  checks: rankChecks,
  dataFiles(r: R, data: RankData) {
    const files = data.runs.map((run, j) => runCsv(run, `eta-${r.lrs[j]}.csv`, `${r.dynamics === "full" ? "Full-matrix" : "Reduced"} GD, σ = ${r.network.target.sigma.join(", ")}`));
    data.twins.forEach((t, j) => {
      if (t) files.push(runCsv(t, `eta-${r.lrs[j]}-reduced.csv`, "Reduced-dynamics twin"));
    });
    const d = r.network.target.sigma.length;
    const lines = [["lr", "status", ...Array.from({ length: d }, (_, i) => `share_${i + 1}`), ...Array.from({ length: d }, (_, i) => `pinned_${i + 1}`), "rank_measured", "rank_predicted"].join(",")];
    for (const p of data.sweep) {
      lines.push([p.lr, p.status, ...p.shares, ...p.pinned, measuredRank(p.pinned), rebalancedRank(r.network.depths, r.network.target.sigma, p.lr).rank].join(","));
    }
    files.push({
      name: "sweep.csv",
      description: "Sweep of the step size η (reduced dynamics): share_i = largest final s_{k,i}/σ_i; pinned_i = λ_i·η/2 at the final state " +
        `(λ_i = Σ_k L s_{k,i}^(2−2/L)); rank_measured = modes with pinned_i ≥ ${PINNED}; rank_predicted = #{i : L σ_i^(2−2/L) > 2/η}`,
      content: lines.join("\n") + "\n",
    });
    return files;
  },
  summary: (r: R, data: RankData) => ({
    gradientFlowShares: data.gfShares,
    runs: data.runs.map((run, j) => ({
      lr: r.lrs[j], status: run.status, shares: sharesOf(run.centre, r.network.target.sigma),
      predictedRank: rebalancedRank(r.network.depths, r.network.target.sigma, r.lrs[j]!).rank,
      measuredRank: measuredRank(pinnedRatios(r.network.depths, run.centre, r.lrs[j]!)),
    })),
  }),
};

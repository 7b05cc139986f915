/**
 * @file Kind `warmup` (docs/theory.md §5 "Warm-up", paper §6): a step h between the worst-case-return
 * ceiling c_L and the top of the window 2λ_single/λ_bal — where a stable, partly balanced minimum
 * exists but the transient single-path phase overshoots across 0 — trained with a constant step and
 * with a linear warm-up to the same step. The constant step breaks (sign flip); the warm-up carries the
 * run through the sharp transient at a small step and still re-balances to λ_max just below 2/η.
 */
import { balancedSharpness, wcrConstant } from "../../../theory/index.js";
import { lambdaSingle, runCsv, runNetwork, type RunData } from "../../common.js";
import type { ExperimentKind, Resolved, TaskPlan } from "../../types.js";
import { warmupChecks } from "./checks.js";
import { type WarmupConfig, WarmupSchema } from "./schema.js";

export * from "./schema.js";
export * from "./checks.js";

type R = Resolved<WarmupConfig>;

/** Data of a warm-up experiment. */
export interface WarmupData {
  constant: RunData;
  warmup: RunData;
  /** Thresholds in units of h. */
  cL: number;
  hBalanced: number;
  lr: number;
}

/** The `warmup` kind. */
export const warmupKind: ExperimentKind<WarmupConfig, RunData, WarmupData, "constant" | "warmup"> = {
  kind: "warmup",
  schema: WarmupSchema,
  smoke: (quick) => ({ steps: Math.min(quick.steps, 300) }),
  plan: (r: R): TaskPlan<"constant" | "warmup">[] => [
    { id: "constant", label: `constant step h = ${r.h}`, weight: r.budget.steps, args: "constant" },
    { id: "warmup", label: `warm-up over ${r.warmup.steps} steps to h = ${r.h}`, weight: r.budget.steps, args: "warmup" },
  ],
  runTask(r: R, id, progress) {
    const lr = r.h / lambdaSingle(r.network);
    return runNetwork(r.network, {
      label: id === "constant" ? "constant step" : "warm-up",
      lr,
      steps: r.budget.steps,
      dynamics: "reduced",
      schedule: id === "constant" ? { type: "constant" } : { type: "warmup", steps: r.warmup.steps, start: r.warmup.start },
      sharpnessEvery: 5,
      trackSign: true,
    }, progress);
  },
  assemble(r: R, parts) {
    const L = r.network.depths[0]!;
    const sigma = r.network.target.sigma[0]!;
    return {
      constant: parts["constant"]!,
      warmup: parts["warmup"]!,
      cL: wcrConstant(L),
      hBalanced: (2 * lambdaSingle(r.network)) / balancedSharpness(L, sigma, r.network.depths.length),
      lr: r.h / lambdaSingle(r.network),
    };
  },
  checks: warmupChecks,
  dataFiles: (_r: R, data: WarmupData) => [
    runCsv(data.constant, "constant.csv", "Reduced GD with a constant step"),
    runCsv(data.warmup, "warmup.csv", "Reduced GD with a linear warm-up"),
  ],
  summary: (_r: R, data: WarmupData) => ({
    cL: data.cL, hBalanced: data.hBalanced, lr: data.lr,
    runs: [data.constant, data.warmup].map((run) => ({
      label: run.label, status: run.status, steps: run.steps, signFlip: run.signFlip, finalLoss: run.final.loss,
      finalS: run.final.s.map((row) => row[0]), finalSharpness: run.final.sharpness?.[0] ?? null,
    })),
  }),
};

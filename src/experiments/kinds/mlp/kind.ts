/**
 * @file Kind `mlp` (docs/theory.md §7, paper Figs. 3 and 7): does large-step re-balancing survive a
 * nonlinearity? K = 2 multi-pathway MLPs `f_k(X) = W_{k,L} φ(⋯φ(W_{k,1} X))` (inputs X = I_d, no biases,
 * i.i.d. Gaussian weights, rank-one target σe₁e₁ᵀ) trained by full-batch GD at steps given as
 * h = η·λ_single of the linear network of the same depth (λ_single = Lσ^{2−2/L}, docs/theory.md §3), so that
 * the linear theory's thresholds are h = 2 and h = 2λ_single/λ_bal. Outcome: the balance index
 * (s₁ + s₂)²/(2(s₁² + s₂²)) of the top mode at the last step — winner-takes-all (WTA) below 0.6, partial
 * balance below 0.99, full balance from 0.99 (the regimes of docs/mlp.md).
 *
 * An experiment has `runs` (Fig. 3: trajectories of one activation at a few steps, sharpness measured
 * along the way, figures per run), a `sweep` (Fig. 7: final balance over a grid of h for several
 * activations — one of them `linear`, which is exactly the deep linear network with these layers and
 * this init — and seeds), or both. One kind rather than two: both sections are the same network family
 * with the same h normalisation, the same regime thresholds and the same linear theory (regime and
 * stopping-boundary balance at h); only what is kept of a run differs (a trajectory or an end state).
 * Two kinds would repeat the schema, the theory and the plumbing; the checks and figures of each section
 * are separate functions, computed only when the section is there.
 *
 * The tolerances and what each check compares are in `MLP_TOLERANCES` and the checks' notes.
 * `scripts/mlp-study.ts` (the wider study of docs/mlp.md: more activations, widths and target scales)
 * runs its sweep points with `runSweepPoint` and summarises them with `sweepThreshold` and `regimeOf`.
 */
import { z } from "zod";
import { RunConfigSchema, resolveRunConfig } from "../../../config/schema.js";
import { balanceIndex } from "../../../engine/measure/observables.js";
import { ACTIVATION_NAMES, type ActivationName } from "../../../engine/mlp/activations.js";
import type { RunStatus } from "../../../engine/types.js";
import { balancedSharpness, brentRoot, singlePathSharpness, stoppingBoundary } from "../../../theory/index.js";
import { atLeastCheck, belowCheck, categoryCheck, closeCheck, type Check } from "../../checks.js";
import { metaFields, runCsv, runSimulation, short, slug, StepRunsSchema, type RunData } from "../../common.js";
import { PAIR_TOLERANCES } from "../pair/kind.js";
import type { DataFile, ExperimentKind, ProgressFn, Resolved, TaskPlan } from "../../types.js";
import { nowMs } from "../../../engine/clock.js";
import { expandSweep, parseSweepSpec, type SweepSpec } from "../../../sweep/spec.js";
import { runPoints } from "../../../sweep/rows.js";

const posInt = z.int().gte(1, { message: "must be an integer >= 1" });
const activation = z.enum(ACTIVATION_NAMES);

/** The multi-pathway MLP and its rank-one target (K = 2 pathways of equal depth). */
export const MlpNetworkSchema = z
  .strictObject({
    width: posInt.describe("Width d: the inputs are X = I_d (d samples, one per column), the outputs have d rows."),
    depths: z.array(z.int().gte(3, { message: "must be an integer >= 3 (depth ≤ 2 has no re-balancing window)" }))
      .length(2, { message: "needs exactly 2 pathways (the linear theory's stopping boundary is exact for K = 2)" })
      .describe("Depth L of each of the K = 2 pathways (equal)."),
    sigma: z.number().gt(0).describe("σ of the rank-one target Y = σe₁e₁ᵀ."),
    hidden: posInt.default(64).describe("Hidden width of every pathway."),
    initStd: z.number().gt(0).describe("Standard deviation of the i.i.d. Gaussian weights (no biases)."),
    activation: activation.default("tanh").describe("Activation φ of the trajectory runs (the sweep names its own)."),
    seed: z.int().default(0).describe("Seed of the weights of the trajectory runs (the sweep's seeds are in its budget)."),
  })
  .superRefine((n, ctx) => {
    if (n.depths[0] !== n.depths[1]) ctx.addIssue({ code: "custom", path: ["depths"], message: "the pathways must have equal depth" });
  });

/** A validated MLP network. */
export type MlpNetwork = z.output<typeof MlpNetworkSchema>;

const BudgetSchema = z.strictObject({
  steps: posInt.describe("GD steps of every run (no early stop except convergence to the engine's loss tolerance)."),
  sharpnessEvery: posInt.optional().describe("Trajectory runs: measure λ_max every this many steps at first (odd is best); default 25."),
  seeds: z.array(z.int()).min(1).optional().describe("Sweep: seeds of the weights (the balance is the median over them)."),
  h: z.array(z.number().gt(0, { message: "must be > 0" })).min(2).optional().describe("Sweep: the grid of h = η·λ_single, increasing."),
});

/** Config of an `mlp` experiment. */
export const MlpSchema = z
  .strictObject({
    ...metaFields,
    kind: z.literal("mlp"),
    network: MlpNetworkSchema,
    runs: StepRunsSchema
      .optional()
      .describe("Trajectory runs (Fig. 3) of network.activation from network.seed."),
    sweep: z
      .strictObject({
        activations: z.array(activation).min(2).describe("Activations swept; must include linear (the reference: the deep linear network)."),
      })
      .optional()
      .describe("Final balance over the budget's h grid and seeds (Fig. 7)."),
    sizes: z.strictObject({ quick: BudgetSchema, full: BudgetSchema }),
  })
  .superRefine((c, ctx) => {
    if (!c.runs && !c.sweep) ctx.addIssue({ code: "custom", path: ["runs"], message: "give runs, a sweep, or both" });
    const labels = (c.runs ?? []).map((r) => r.label);
    labels.forEach((l, j) => {
      if (labels.indexOf(l) !== j) ctx.addIssue({ code: "custom", path: ["runs", j, "label"], message: `"${l}" is used twice` });
    });
    if (c.sweep) {
      const acts = c.sweep.activations;
      if (!acts.includes("linear")) ctx.addIssue({ code: "custom", path: ["sweep", "activations"], message: "must include linear (the reference network)" });
      acts.forEach((a, j) => {
        if (acts.indexOf(a) !== j) ctx.addIssue({ code: "custom", path: ["sweep", "activations", j], message: `${a} is listed twice` });
      });
    }
    for (const size of ["quick", "full"] as const) {
      const b = c.sizes[size];
      if (c.sweep) {
        if (!b.h) ctx.addIssue({ code: "custom", path: ["sizes", size, "h"], message: "is required (the sweep's grid)" });
        if (!b.seeds) ctx.addIssue({ code: "custom", path: ["sizes", size, "seeds"], message: "is required (the sweep's seeds)" });
        b.h?.forEach((h, j) => {
          if (j > 0 && !(h > b.h![j - 1]!)) ctx.addIssue({ code: "custom", path: ["sizes", size, "h", j], message: "the grid must increase" });
        });
      } else {
        if (b.h) ctx.addIssue({ code: "custom", path: ["sizes", size, "h"], message: "is only used with a sweep" });
        if (b.seeds) ctx.addIssue({ code: "custom", path: ["sizes", size, "seeds"], message: "is only used with a sweep" });
      }
    }
  });

/** A validated `mlp` config. */
export type MlpConfig = z.output<typeof MlpSchema>;
type R = Resolved<MlpConfig>;

/** Balance-index thresholds of the regimes (1/K = 0.5 is one pathway, 1 an equal split; docs/mlp.md). */
export const MLP_REGIMES = { partial: 0.6, full: 0.99 } as const;

/** Outcome of a run: winner-takes-all, partial or full balance, or no balance to speak of (diverged, every unit dead). */
export type MlpRegime = "WTA" | "partial" | "full" | "failed";

/** The regime of a final balance index (NaN: failed). */
export function regimeOf(balance: number): MlpRegime {
  if (!Number.isFinite(balance)) return "failed";
  return balance >= MLP_REGIMES.full ? "full" : balance >= MLP_REGIMES.partial ? "partial" : "WTA";
}

/** The linear theory of the same depths and target (docs/theory.md §3–§4), in units of h. */
export interface MlpTheory {
  /** λ_single = Lσ^{2−2/L}: the unit of h (η = h/λ_single). */
  lambdaSingle: number;
  /** λ_bal = L K^{2/L−1} σ^{2−2/L}. */
  lambdaBalanced: number;
  /** 2λ_single/λ_bal: top of the re-balancing window. */
  hBalanced: number;
  /** h at which the stopping boundary's balance reaches MLP_REGIMES.full (just below hBalanced). */
  hFull: number;
}

/** The linear theory of an MLP network's depths and σ. */
export function mlpTheory(net: MlpNetwork): MlpTheory {
  const L = net.depths[0]!;
  const lambdaSingle = singlePathSharpness(L, net.sigma);
  const lambdaBalanced = balancedSharpness(L, net.sigma, net.depths.length);
  const hBalanced = (2 * lambdaSingle) / lambdaBalanced;
  // The boundary's balance rises monotonically from 1/2 at h = 2 to 1 at hBalanced.
  const hFull = brentRoot((h) => (linearTheoryBalance(net, h) ?? (h <= 2 ? 0.5 : 1)) - MLP_REGIMES.full, 2 + 1e-9, hBalanced - 1e-9).x;
  return { lambdaSingle, lambdaBalanced, hBalanced, hFull };
}

/**
 * The linear theory's final top-mode split at h inside the window 2 < h < 2λ_single/λ_bal: the exact
 * K = 2 stopping boundary λ(s) = 2/η (docs/theory.md §4), the larger share first; null outside the window.
 * It does not depend on the init beyond which pathway dominates (the boundary is the same for any
 * init whose gradient-flow end point is sharper than 2/η).
 */
export function linearTheoryShares(net: MlpNetwork, h: number): number[] | null {
  const lr = h / singlePathSharpness(net.depths[0]!, net.sigma);
  try {
    return stoppingBoundary(net.depths, net.sigma, lr, { allowAboveWcr: true }).s.sort((a, b) => b - a);
  } catch {
    return null; // outside the window: no stopping boundary
  }
}

/** Balance index of the linear theory's stopping boundary at h (null outside the window). */
export function linearTheoryBalance(net: MlpNetwork, h: number): number | null {
  const s = linearTheoryShares(net, h);
  return s ? balanceIndex(s) : null;
}

/** What the linear theory predicts for a run at h: its regime, its final balance, and what that is. */
export function predictedOutcome(net: MlpNetwork, h: number, th: MlpTheory = mlpTheory(net)): { regime: MlpRegime; balance: number; what: string } {
  if (h <= 2) return { regime: "WTA", balance: 0.5, what: "single-path minimum stable (h ≤ 2)" };
  if (h >= th.hBalanced) return { regime: "full", balance: 1, what: `above the window (h ≥ ${short(th.hBalanced)}): no stable minimum, period-2 oscillation around the balanced point` };
  const b = linearTheoryBalance(net, h)!;
  return { regime: regimeOf(b), balance: b, what: `stopping boundary λ = 2/η, balance ${short(b, 3)}` };
}

/**
 * The raw `dlnlab run` config of one MLP run (no record or sharpness settings): the network with
 * `activation` from `seed` at step η = h/λ_single for `steps` GD steps. The lab builds its presets from it.
 */
export function mlpRunConfig(net: MlpNetwork, act: ActivationName, seed: number, h: number, steps: number): Record<string, unknown> {
  return {
    model: "mlp",
    width: net.width,
    depths: [...net.depths],
    target: { sigma: [net.sigma] },
    mlp: { activation: act, hidden: net.hidden, init: { type: "gaussian", std: net.initStd } },
    lr: h / singlePathSharpness(net.depths[0]!, net.sigma),
    steps,
    seed,
  };
}


/** A trajectory run (Fig. 3): the network's activation and seed at h, sharpness measured along the way. */
export function runMlpTrajectory(net: MlpNetwork, label: string, h: number, steps: number, sharpnessEvery?: number, progress: ProgressFn = () => {}): RunData {
  return runSimulation(resolveRunConfig(RunConfigSchema.parse(mlpRunConfig(net, net.activation, net.seed, h, steps))), {
    // ≤ 3000 records (thinned by odd factors): an MLP record has d = 4 modes and every layer's norm, and
    // the log-step figures need no more; the Edge-of-Stability statistics use every record before thinning.
    label, lr: h / singlePathSharpness(net.depths[0]!, net.sigma), steps, dynamics: "full", maxRecords: 1500,
    ...(sharpnessEvery !== undefined ? { sharpnessEvery } : {}),
  }, progress);
}

/** End state of one sweep run. */
export interface SweepPoint {
  activation: ActivationName;
  seed: number;
  h: number;
  lr: number;
  status: RunStatus;
  steps: number;
  loss: number;
  /** Top-mode coefficients s_k = u_1ᵀ f_k(X) v_1 at the last step. */
  s: number[];
  /** Balance index of s (NaN when every pathway outputs 0, e.g. every ReLU unit dead, or the run diverged). */
  balance: number;
  /** λ_max at the last step (null when not finite). */
  sharpness: number | null;
  /** 2/η. */
  threshold: number;
  /** ‖W_{k,l}‖_F at the last step, [k][l]. */
  norms: number[][];
  seconds: number;
}

/**
 * The Fig. 7 sweep as a `dlnlab sweep` spec: activation × seed × h (lr = h/λ_single) over the
 * network's run config, records every 1000 steps, λ_max at the start and the end only.
 */
export function mlpSweepSpec(net: MlpNetwork, activations: readonly ActivationName[], seeds: readonly number[], hs: readonly number[], steps: number): SweepSpec {
  const { lr: _lr, ...base } = mlpRunConfig(net, activations[0]!, seeds[0]!, hs[0]!, steps);
  return parseSweepSpec({
    base: { ...base, record: { every: 1000 }, sharpness: { every: 0 } },
    axes: { "mlp.activation": { values: [...activations] }, seed: { values: [...seeds] }, h: { values: [...hs] } },
  });
}

/** Run one sweep point to the end on the sweep engine (the one-point sweep of mlpSweepSpec). */
export function runSweepPoint(net: MlpNetwork, act: ActivationName, seed: number, h: number, steps: number): SweepPoint {
  const t0 = nowMs();
  const spec = mlpSweepSpec(net, [act], [seed], [h], steps);
  const point = expandSweep(spec)[0]!;
  let norms: number[][] = [];
  const [row] = runPoints(spec, [point], {
    finalState: (_p, f) => {
      const flat = new Float64Array(net.depths.reduce((a, b) => a + b, 0));
      f.system.layerNorms?.(flat);
      let at = 0;
      norms = net.depths.map((L) => Array.from(flat.subarray(at, (at += L))));
    },
  });
  const s = net.depths.map((_, k) => (row![`s_${k + 1}_1`] as number | null) ?? Number.NaN);
  const status = row!.status as RunStatus;
  return {
    activation: act, seed, h, lr: point.spec.lr, status, steps: row!.final_step as number, loss: (row!.loss as number | null) ?? Number.NaN, s,
    balance: status === "diverged" ? Number.NaN : balanceIndex(s),
    sharpness: row!.sharpness as number | null, threshold: 2 / point.spec.lr, norms,
    seconds: (nowMs() - t0) / 1000,
  };
}

/** A run that diverged or whose pathways all output 0: no balance to speak of. */
export const failedPoint = (p: SweepPoint): boolean => p.status === "diverged" || !Number.isFinite(p.balance);

const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};

/** Seed-median balance of the points at one h, failed runs counted as 0 (NaN when most runs failed). */
export function medianBalance(points: readonly SweepPoint[]): number {
  const ok = points.filter((p) => !failedPoint(p));
  return ok.length * 2 > points.length ? median(points.map((p) => (failedPoint(p) ? 0 : p.balance))) : Number.NaN;
}

/** Smallest h of a sweep (rows of points per h, increasing) whose seed-median balance reaches `threshold`; null if none. */
export function sweepThreshold(rows: readonly (readonly SweepPoint[])[], threshold: number): number | null {
  for (const row of rows) if (medianBalance(row) >= threshold) return row[0]!.h;
  return null;
}

/** One activation of a sweep. */
export interface SweepCurve {
  activation: ActivationName;
  /** Points per grid h (one per seed). */
  rows: SweepPoint[][];
  /** Seed-median balance per grid h. */
  balance: number[];
  /** Smallest grid h with median balance ≥ 0.6 / ≥ 0.99 (null: none in the grid). */
  partialFrom: number | null;
  fullFrom: number | null;
  /** Median final λ_max at the smallest grid h (the winner-takes-all minimum when that h < 2). */
  lambdaSmallest: number;
}

/** Data of a sweep. */
export interface SweepData {
  grid: number[];
  seeds: number[];
  curves: SweepCurve[];
  /** The linear theory's stopping-boundary balance on a fine grid over the window (for the figure). */
  theory: { h: number[]; balance: number[] };
}

/** Data of an `mlp` experiment. */
export interface MlpData {
  theory: MlpTheory;
  runs: { label: string; h: number; run: RunData; balance: number; predicted: ReturnType<typeof predictedOutcome> }[];
  sweep: SweepData | null;
}

const sweepId = (act: string, seed: number, h: number) => `sweep-${act}-s${seed}-h${h}`;

/** Final top-mode balance of a trajectory run (NaN when it diverged). */
function runBalance(run: RunData): number {
  return run.status === "diverged" ? Number.NaN : balanceIndex(run.final.s.map((row) => row[0]!));
}

/** A task of the mlp kind: a trajectory (index into `runs`) or one point of the sweep. */
type MlpTask = { run: number } | { activation: ActivationName; seed: number; h: number };

/** The `mlp` kind. */
export const mlpKind: ExperimentKind<MlpConfig, RunData | SweepPoint, MlpData, MlpTask> = {
  kind: "mlp",
  schema: MlpSchema,
  // Tiny: 300 steps with λ_max at most every 25 (Lanczos on the MLP is most of a short run's cost); the
  // sweep keeps one seed and the first, middle and last h of its grid.
  smoke: (quick) => ({
    ...quick,
    steps: Math.min(quick.steps, 300),
    ...(quick.sharpnessEvery !== undefined ? { sharpnessEvery: Math.max(quick.sharpnessEvery, 25) } : {}),
    ...(quick.seeds ? { seeds: quick.seeds.slice(0, 1) } : {}),
    ...(quick.h ? { h: [...new Set([quick.h[0]!, quick.h[Math.floor(quick.h.length / 2)]!, quick.h[quick.h.length - 1]!])] } : {}),
  }),

  plan(r: R): TaskPlan<MlpTask>[] {
    const tasks: TaskPlan<MlpTask>[] = (r.runs ?? []).map((run, j) => ({ id: `run-${slug(run.label)}`, label: `${run.label} (${r.network.activation}, h = ${run.h})`, weight: r.budget.steps, args: { run: j } }));
    if (r.sweep) {
      for (const activation of r.sweep.activations) {
        for (const seed of r.budget.seeds!) {
          for (const h of r.budget.h!) tasks.push({ id: sweepId(activation, seed, h), label: `${activation}, seed ${seed}, h = ${h}`, weight: r.budget.steps, args: { activation, seed, h } });
        }
      }
    }
    return tasks;
  },

  runTask(r: R, args, progress) {
    if ("run" in args) {
      const run = r.runs![args.run]!;
      return runMlpTrajectory(r.network, run.label, run.h, r.budget.steps, r.budget.sharpnessEvery, progress);
    }
    const point = runSweepPoint(r.network, args.activation, args.seed, args.h, r.budget.steps);
    progress(1);
    return point;
  },

  assemble(r: R, parts) {
    const theory = mlpTheory(r.network);
    const runs = (r.runs ?? []).map((x) => {
      const run = parts[`run-${slug(x.label)}`] as RunData;
      return { label: x.label, h: x.h, run, balance: runBalance(run), predicted: predictedOutcome(r.network, x.h, theory) };
    });
    let sweep: SweepData | null = null;
    if (r.sweep) {
      const grid = r.budget.h!;
      const seeds = r.budget.seeds!;
      const curves = r.sweep.activations.map((act): SweepCurve => {
        const rows = grid.map((h) => seeds.map((seed) => parts[sweepId(act, seed, h)] as SweepPoint));
        return {
          activation: act, rows, balance: rows.map(medianBalance),
          partialFrom: sweepThreshold(rows, MLP_REGIMES.partial), fullFrom: sweepThreshold(rows, MLP_REGIMES.full),
          lambdaSmallest: median(rows[0]!.map((p) => p.sharpness ?? Number.NaN)),
        };
      });
      const n = 200;
      const fine = Array.from({ length: n - 1 }, (_, j) => 2 + ((theory.hBalanced - 2) * (j + 1)) / n);
      const th = fine.map((h) => ({ h, b: linearTheoryBalance(r.network, h) })).filter((p): p is { h: number; b: number } => p.b !== null);
      sweep = { grid, seeds, curves, theory: { h: th.map((p) => p.h), balance: th.map((p) => p.b) } };
    }
    return { theory, runs, sweep };
  },

  checks: mlpChecks,

  dataFiles(r: R, data: MlpData): DataFile[] {
    const files = data.runs.map((x) => runCsv(x.run, `${slug(x.label)}.csv`, `Full-batch GD of the ${r.network.activation} MLP`));
    if (data.sweep) {
      const lines = ["activation,seed,h,eta,status,steps,loss,s_1,s_2,balance,regime,lambda_final,lam_ratio"];
      for (const c of data.sweep.curves) {
        for (const p of c.rows.flat()) {
          lines.push([p.activation, p.seed, p.h, p.lr, p.status, p.steps, p.loss, p.s[0], p.s[1], p.balance, regimeOf(p.balance), p.sharpness ?? "",
            p.sharpness === null ? "" : (p.sharpness * p.lr) / 2].join(","));
        }
      }
      files.push({
        name: "sweep.csv",
        description: `Final states of the sweep: activation, weight seed, h = η·λ_single (λ_single = ${short(data.theory.lambdaSingle)}), η, engine status ` +
          "(oscillating = a period-2 orbit at the end), GD steps, final loss, top-mode coefficients s_1, s_2 of the pathways, balance index " +
          "(s_1 + s_2)²/(2(s_1² + s_2²)), regime (WTA < 0.6 ≤ partial < 0.99 ≤ full), final λ_max and λ_max·η/2 (≤ 1: a linearly stable end point)",
        content: lines.join("\n") + "\n",
      });
    }
    return files;
  },

  summary(_r: R, data: MlpData) {
    return {
      theory: data.theory,
      runs: data.runs.map((x) => ({
        label: x.label, h: x.h, lr: x.run.lr, status: x.run.status, steps: x.run.steps, finalS: x.run.final.s.map((row) => row[0]),
        balance: x.balance, regime: regimeOf(x.balance), predicted: x.predicted, finalSharpness: x.run.final.sharpness?.[0] ?? null,
        threshold: 2 / x.run.lr, seconds: x.run.seconds,
      })),
      sweep: data.sweep?.curves.map((c) => ({
        activation: c.activation, partialFrom: c.partialFrom, fullFrom: c.fullFrom, lambdaSmallest: c.lambdaSmallest,
        balance: Object.fromEntries(data.sweep!.grid.map((h, j) => [String(h), c.balance[j]])),
      })) ?? null,
    };
  },
};

/** Tolerances of the mlp checks, with the reason for each. */
export const MLP_TOLERANCES = {
  /**
   * (2/η − λ)/(2/η) of a run that stopped inside the window: GD stops just past the stopping boundary,
   * as for linear networks (PAIR_TOLERANCES.sharpnessBelow; the study measured λ·η/2 = 0.993–0.998).
   */
  eosStop: PAIR_TOLERANCES.sharpnessBelow,
  /**
   * λ above 2/η admitted as measurement error (relative): Lanczos converges to a relative residual of
   * 1e-10 (the engine's default), which bounds the eigenvalue error far below this.
   */
  lanczos: 1e-9,
  /** 1 − fraction of sign flips of r_1 while λ_max > 2/η: the claim is "every step" (as for pair). */
  eosFraction: PAIR_TOLERANCES.eosFraction,
  /**
   * |balance − balance of the stopping boundary| of the linear-activation runs in the window: the exact
   * K = 2 boundary is accurate to 0.015 in the shares (PAIR_TOLERANCES.boundaryExact) and the balance
   * index moves by at most |dBI/dx| ≈ 1.3 per unit of the dominant share x over the window, so 0.02.
   * (The network starts off the SVS set, with rectangular hidden layers; the study measured ≤ 0.014.)
   */
  linearBoundary: 0.02,
} as const;

const CLAIM_REGIMES = "docs/theory.md §7, §4; paper §5.1 (Figs. 3, 7)";

/** The checks of an mlp experiment: those of its runs and those of its sweep. */
export function mlpChecks(r: R, data: MlpData): Check[] {
  return [...runChecks(r, data), ...(data.sweep ? sweepChecks(r, data.theory, data.sweep) : [])];
}

function runChecks(r: R, data: MlpData): Check[] {
  const out: Check[] = [];
  const T = MLP_TOLERANCES;
  const act = r.network.activation;
  for (const x of data.runs) {
    const { run, predicted } = x;
    const at = `${act}, h = ${short(x.h)}, η = ${short(run.lr)}`;
    const measured = regimeOf(x.balance);
    out.push(categoryCheck({
      provenance: "approximation",
      name: `regime of the run: ${predicted.regime === "WTA" ? "winner-takes-all" : predicted.regime === "full" ? "full balance" : "partial balance"} (${at})`,
      claim: CLAIM_REGIMES,
      predicted: `${predicted.regime} (linear theory: ${predicted.what})`,
      measured: `${measured} (balance ${short(x.balance, 4)}, ${run.status} after ${run.steps} steps)`,
      pass: measured === predicted.regime,
      note: `balance index (s₁ + s₂)²/(2(s₁² + s₂²)) of the top mode at the last step; WTA < ${MLP_REGIMES.partial} ≤ partial < ${MLP_REGIMES.full} ≤ full. ` +
        "The prediction is the linear network's (same depths and σ): the MLP follows it with slightly shifted thresholds (see the sweep)",
    }));
    const lam = run.final.sharpness?.[0] ?? Number.NaN;
    const threshold = 2 / run.lr;
    if (run.status === "oscillating" || run.status === "diverged") continue;
    const inWindow = x.h > 2 && x.h < data.theory.hBalanced;
    out.push(belowCheck({
      provenance: "paper",
      name: inWindow ? `stops at the Edge of Stability: final λ_max just below 2/η (${at})` : `end point linearly stable: final λ_max ≤ 2/η (${at})`,
      claim: inWindow ? "docs/theory.md §4 (re-balancing window), §7; paper §5.1" : "docs/theory.md §4 (η < 2/λ_single)",
      predicted: threshold, measured: lam, tolerance: inWindow ? T.eosStop : 1, slack: T.lanczos,
      note: `λ_max·η/2 = ${short((lam * run.lr) / 2)}; error = (2/η − λ_max)/(2/η) at the last step, ` +
        (inWindow ? `at most ${T.eosStop}: GD stops just past λ = 2/η (as for linear networks)` : "any value in [0, 1] passes: the claim is stability, not closeness") +
        `; λ above 2/η by more than ${T.lanczos} (relative, Lanczos accuracy) fails`,
    }));
    if (inWindow) {
      const eos = run.eos;
      out.push(closeCheck({
        provenance: "paper",
        name: `residual alternates in sign while λ_max > 2/η (${at})`,
        claim: "paper App. E.5 (sign alternation at the Edge of Stability); docs/theory.md §4, §7",
        predicted: 1, measured: eos.alternation, tolerance: T.eosFraction,
        note: `fraction of the ${eos.samples} measured steps with λ_max > 2/η (steps ${eos.first ?? "–"}–${eos.last ?? "–"}) after which r_1 = u_1ᵀFv_1 − σ ` +
          "has the opposite sign at the next record (records are an odd number of steps apart, so a flip at every step shows)",
      }));
    }
  }
  return out;
}

/** The item with the largest `value` (NaN counts as largest), and that value; NaN and null when there are no items. */
function worst<T>(items: readonly T[], value: (t: T) => number): { value: number; at: T | null } {
  let best: { value: number; at: T | null } = { value: Number.NaN, at: null };
  for (const t of items) {
    const v = value(t);
    if (best.at === null || Number.isNaN(v) || v > best.value) best = { value: v, at: t };
    if (Number.isNaN(v)) break;
  }
  return best;
}

function sweepChecks(r: R, th: MlpTheory, sw: SweepData): Check[] {
  const out: Check[] = [];
  const T = MLP_TOLERANCES;
  const net = r.network;
  const linear = sw.curves.find((c) => c.activation === "linear")!;
  const others = sw.curves.filter((c) => c.activation !== "linear");
  const window = (h: number) => h > 2 && h < th.hBalanced;
  const seeds = `${sw.seeds.length} seed${sw.seeds.length > 1 ? "s" : ""}`;
  const spacingAt = (h: number): number => {
    const j = sw.grid.findIndex((g) => g >= h);
    return j > 0 ? sw.grid[j]! - sw.grid[j - 1]! : Number.NaN;
  };

  // (a) The linear network follows the linear theory's stopping boundary inside the window.
  const inside = linear.rows.flat().filter((p) => window(p.h) && !failedPoint(p));
  const err = worst(inside, (p) => Math.abs(p.balance - linearTheoryBalance(net, p.h)!));
  out.push(closeCheck({
    provenance: "paper",
    name: "linear activation: final balance on the linear theory's stopping boundary across the window",
    claim: "docs/theory.md §4 (stopping boundary λ = 2/η, exact for K = 2), §7",
    predicted: 0, measured: err.value, tolerance: T.linearBoundary,
    note: `largest |balance − balance of the predicted boundary| over ${inside.length} runs (${seeds}) with 2 < h < ${short(th.hBalanced)}` +
      (err.at ? ` (worst at h = ${err.at.h}: ${short(err.at.balance, 4)} vs ${short(linearTheoryBalance(net, err.at.h)!, 4)})` : "") +
      ". Tolerance: the boundary's share accuracy 0.015 times the largest slope ≈ 1.3 of the balance index in the share",
  }));
  // The linear network's full-balance threshold is the linear theory's.
  out.push(closeCheck({
    provenance: "paper",
    name: `linear activation: full balance from the top of the window (balance of the boundary ≥ ${MLP_REGIMES.full})`,
    claim: "docs/theory.md §4 (η = 2/λ_bal)",
    predicted: th.hFull, measured: linear.fullFrom ?? Number.NaN, tolerance: spacingAt(th.hFull),
    note: `measured: the smallest grid h whose seed-median balance is ≥ ${MLP_REGIMES.full}; predicted: the h where the stopping boundary's balance ` +
      `reaches ${MLP_REGIMES.full} (the window ends at 2λ_single/λ_bal = ${short(th.hBalanced)}). Tolerance: the grid spacing there`,
  }));

  for (const c of sw.curves) {
    const tag = c.activation === "linear" ? "linear activation" : `${c.activation} MLP`;
    // (b) Winner-takes-all while the single-path minimum is stable.
    const small = c.rows.flat().filter((p) => p.h <= 2);
    const top = worst(small, (p) => (failedPoint(p) ? Number.POSITIVE_INFINITY : p.balance));
    out.push(categoryCheck({
      provenance: "paper",
      name: `${tag}: winner-takes-all at every h ≤ 2`,
      claim: "docs/theory.md §4 (η < 2/λ_single), §7; paper §5.1",
      predicted: `WTA (balance < ${MLP_REGIMES.partial})`,
      measured: top.at ? `${regimeOf(top.value)}: largest balance ${short(top.value, 4)} (h = ${top.at.h}, seed ${top.at.seed}) over ${small.length} runs` : "no grid point h ≤ 2",
      pass: top.at !== null && regimeOf(top.value) === "WTA",
      note: "the balance stays near its small-step value: from the small random init the losing pathway keeps a few per cent of the mode, so 0.50–0.56 rather than exactly 1/K = 0.5",
    }));
    // (c) Full balance within the grid.
    const last = sw.grid[sw.grid.length - 1]!;
    out.push(categoryCheck({
      provenance: "paper",
      name: `${tag}: full balance reached within the grid (h ≤ ${last})`,
      claim: CLAIM_REGIMES,
      predicted: `median balance ≥ ${MLP_REGIMES.full} at some h`,
      measured: c.fullFrom === null ? `not reached up to h = ${last}` : `from h = ${c.fullFrom} (η = ${short(c.fullFrom / th.lambdaSingle)})`,
      pass: c.fullFrom !== null,
      note: `partial balance (median ≥ ${MLP_REGIMES.partial}) from h = ${c.partialFrom ?? "–"}; seed medians over ${seeds}`,
    }));
    // Inside the window both stop at the Edge of Stability.
    const stopped = c.rows.flat().filter((p) => window(p.h) && !failedPoint(p) && p.status !== "oscillating");
    const far = worst(stopped, (p) => (p.sharpness === null ? Number.POSITIVE_INFINITY : Math.abs(1 - (p.sharpness * p.lr) / 2)));
    const farLam = far.at?.sharpness ?? Number.NaN;
    out.push(belowCheck({
      provenance: "paper",
      name: `${tag}: runs inside the window stop just below λ_max = 2/η`,
      claim: "docs/theory.md §4 (re-balancing window), §7",
      predicted: far.at ? far.at.threshold : Number.NaN, measured: farLam, tolerance: T.eosStop, slack: T.lanczos,
      note: `the run farthest from λ_max·η/2 = 1 among ${stopped.length} settled runs with 2 < h < ${short(th.hBalanced)}` +
        (far.at ? ` (h = ${far.at.h}, seed ${far.at.seed}: λ_max·η/2 = ${short((farLam * far.at.lr) / 2)})` : ""),
    }));
  }

  for (const c of others) {
    // (d) The finding: the MLP needs at least as large a step as the linear network to balance fully.
    const hm = c.fullFrom;
    const hl = linear.fullFrom;
    const ratio = hm !== null && hl !== null ? hm / hl : Number.NaN;
    const ownUnits = (x: number | null, cc: SweepCurve) => (x === null ? Number.NaN : (x / th.lambdaSingle) * cc.lambdaSmallest);
    const finding = !Number.isFinite(ratio)
      ? "no answer: a network did not balance fully within the grid"
      : ratio > 1
        ? `yes: the ${c.activation} MLP needs a ${short(100 * (ratio - 1), 2)}% larger step than the linear network to balance fully`
        : ratio === 1 ? "not resolved by this grid: both balance fully from the same grid step" : `no: the ${c.activation} MLP balances fully at a smaller step`;
    out.push(atLeastCheck({
      provenance: "paper",
      name: `finding: the ${c.activation} MLP needs at least as large a step as the linear network to balance fully`,
      claim: "docs/theory.md §7 (MLPs need slightly larger η to fully balance); paper §5.1, Fig. 7",
      predicted: hl ?? Number.NaN, measured: hm ?? Number.NaN, tolerance: 0,
      note: `${finding}. Full-balance thresholds (smallest grid h with seed-median balance ≥ ${MLP_REGIMES.full}): ${c.activation} h = ${hm ?? "–"}` +
        `${hm !== null ? ` (η = ${short(hm / th.lambdaSingle)})` : ""}, linear h = ${hl ?? "–"}${hl !== null ? ` (η = ${short(hl / th.lambdaSingle)})` : ""}; ` +
        `ratio ${short(ratio)}; grid spacing there ${short(spacingAt(hm ?? Number.NaN))}. The ${c.activation} MLP's winner-takes-all minimum is flatter: ` +
        `λ_max at h = ${sw.grid[0]} is ${short(c.lambdaSmallest)} vs ${short(linear.lambdaSmallest)} (linear); in units of each network's own ` +
        `λ there, the thresholds are η·λ = ${short(ownUnits(hm, c), 3)} and ${short(ownUnits(hl, linear), 3)}`,
    }));
    // (e) At equal h inside the window the MLP ends less balanced (paired by seed).
    const pairs = c.rows.flatMap((row, j) => row.map((p, s) => ({ h: p.h, seed: p.seed, gap: linear.rows[j]![s]!.balance - p.balance })))
      .filter((p) => window(p.h) && Number.isFinite(p.gap));
    const least = worst(pairs, (p) => -p.gap);
    out.push(atLeastCheck({
      provenance: "paper",
      name: `${c.activation} MLP less balanced than the linear network at every h inside the window`,
      claim: "docs/theory.md §7; paper §5.1, Fig. 7",
      predicted: 0, measured: least.at ? least.at.gap : Number.NaN, tolerance: 0,
      note: `smallest balance(linear) − balance(${c.activation}) over ${pairs.length} (h, seed) pairs with 2 < h < ${short(th.hBalanced)}, the same seed ` +
        `(same initial weights) for both` + (least.at ? ` (at h = ${least.at.h}, seed ${least.at.seed})` : "") + "; it must be ≥ 0",
    }));
  }
  return out;
}

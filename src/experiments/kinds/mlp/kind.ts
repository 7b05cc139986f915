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
import { RunConfigSchema, resolveRunConfig } from "../../../config/schema.js";
import { balanceIndex } from "../../../engine/measure/observables.js";
import type { ActivationName } from "../../../engine/mlp/activations.js";
import type { RunStatus } from "../../../engine/types.js";
import { balancedSharpness, brentRoot, singlePathSharpness, stoppingBoundary } from "../../../theory/index.js";
import { runCsv, runSimulation, short, slug, type RunData } from "../../common.js";
import type { DataFile, ExperimentKind, ProgressFn, Resolved, TaskPlan } from "../../types.js";
import { nowMs } from "../../../engine/clock.js";
import { parseSweepSpec, type SweepSpec } from "../../../sweep/spec.js";
import { runSweep } from "../../../sweep/rows.js";
import { mlpChecks } from "./checks.js";
import { type MlpConfig, type MlpNetwork, MlpSchema } from "./schema.js";

export * from "./schema.js";
export * from "./checks.js";

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
  const { point, row, value: norms } = runSweep(spec, (_p, f) => {
    const flat = new Float64Array(net.depths.reduce((a, b) => a + b, 0));
    f.system.layerNorms?.(flat);
    let at = 0;
    return net.depths.map((L) => Array.from(flat.subarray(at, (at += L))));
  })[0]!;
  const s = net.depths.map((_, k) => (row[`s_${k + 1}_1`] as number | null) ?? Number.NaN);
  const status = row.status as RunStatus;
  return {
    activation: act, seed, h, lr: point.spec.lr, status, steps: row.final_step as number, loss: (row.loss as number | null) ?? Number.NaN, s,
    balance: status === "diverged" ? Number.NaN : balanceIndex(s),
    sharpness: row.sharpness as number | null, threshold: 2 / point.spec.lr, norms,
    seconds: (nowMs() - t0) / 1000,
  };
}

/** A run that diverged or whose pathways all output 0: no balance to speak of. */
export const failedPoint = (p: SweepPoint): boolean => p.status === "diverged" || !Number.isFinite(p.balance);

export const median = (xs: readonly number[]): number => {
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

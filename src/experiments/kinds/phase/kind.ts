/**
 * @file Kind `phase` (docs/theory.md §4–§5): a phase diagram of the final state over the normalised step
 * h = η·λ_single for several numbers of pathways K and depths L, one mode, exact reduced GD. Each
 * (K, L) row is one task: a sweep over h on the sweep engine (src/sweep: the batched kernel, which
 * watches every step for sign flips). Checks locate the measured transitions and compare them with h = 2,
 * h = 2λ_single/λ_bal and c_L.
 */
import { parseSweepSpec, type SweepSpec } from "../../../sweep/spec.js";
import { runSweep } from "../../../sweep/rows.js";
import { normalisedBalance, periodTwoCentre } from "../../../engine/measure/observables.js";
import { balancedSharpness, gradientFlowEndpoint, modeSharpness, singlePathSharpness, stoppingBoundary, wcrConstant } from "../../../theory/index.js";
import type { ExperimentKind, Resolved, TaskPlan } from "../../types.js";
import { phaseChecks, transitions } from "./checks.js";
import { type PhaseConfig, PhaseSchema } from "./schema.js";

export * from "./schema.js";
export * from "./checks.js";

type R = Resolved<PhaseConfig>;

/** How a cell ended. */
export type CellStatus =
  | "converged" // zero loss (≤ 1e-20·½σ²)
  | "no-convergence" // the step budget ran out away from zero loss (EoS oscillation, or very slow drift)
  | "collapsed" // every pathway fell back near the origin (max_k s_k < 10⁻³σ): the small-init plateau again
  | "sign-flip" // a per-layer scalar crossed 0 (the SVS chart breaks, docs/theory.md §5)
  | "diverged";

/** One cell of the diagram. */
export interface Cell {
  h: number;
  status: CellStatus;
  /** Normalised balance (K·BI − 1)/(K − 1) ∈ [0, 1] of the final period-2 centre: 0 = one pathway, 1 = equal split. */
  balance: number;
  /** Largest final share s_max/σ. */
  share: number;
  /** λ(s)·η/2 at the final centre (λ of the zero-loss formula, docs/theory.md §3). */
  lamRatio: number;
  /** Steps taken (the stopping step of a converged or diverged run). */
  steps: number;
  /** Some per-layer scalar was negative at some step. */
  signFlip: boolean;
}

/** One row: K pathways of depth L over the h grid. */
export interface PhaseRow {
  K: number;
  L: number;
  /** 2λ_single/λ_bal = 2K^{1−2/L}: top of the re-balancing window. */
  hBalanced: number;
  /**
   * 2λ_single/λ(s^GF): the step at which the gradient-flow end point s^GF itself loses stability —
   * h = 2 of docs/theory.md §4 for an exact single path, slightly above when s^GF is not one.
   */
  hOnset: number;
  cL: number;
  cells: Cell[];
}

/** Data of a phase experiment. */
export interface PhaseData {
  rows: PhaseRow[];
  /** Grid spacing Δh. */
  dh: number;
  /**
   * Per row, the normalised balance of the predicted stopping boundary over the window (exact for
   * K = 2, drift flow for K > 2): the theory curve the measured final balance is drawn against.
   */
  predicted: { K: number; L: number; h: number[]; balance: number[] }[];
}

/** The stopping boundary's balance over the grid points strictly inside the window of a row. */
export function predictedBalance(row: PhaseRow, r: R): { h: number[]; balance: number[] } {
  const scales = Array.from({ length: row.K }, (_, k) => r.init.scale * Math.pow(r.init.ratio, k));
  const depths = Array<number>(row.K).fill(row.L);
  const lamS = singlePathSharpness(row.L, r.sigma);
  const h: number[] = [];
  const balance: number[] = [];
  for (const c of row.cells) {
    if (!(c.h > 2 && c.h < row.hBalanced)) continue;
    try {
      const b = stoppingBoundary(depths, r.sigma, c.h / lamS, { initScales: scales, approximation: "drift-flow", allowAboveWcr: true });
      h.push(c.h);
      balance.push(normalisedBalance(b.s));
    } catch {
      // Outside the range where a boundary exists (the theory throws): no point.
    }
  }
  return { h, balance };
}

/** The h grid: `points` equally spaced values from `from` to `to` (exact ends). */
export function phaseGrid(from: number, to: number, points: number): number[] {
  return Array.from({ length: points }, (_, j) => (from * (points - 1 - j) + to * j) / (points - 1));
}

/**
 * The sweep of one row: K depth-L pathways, one mode, exact reduced GD at each h of `hs`, as a
 * `dlnlab sweep` spec (axis h, lr = h/λ_single) on the sweep engine: converged at loss ≤ 1e-20·½σ²,
 * diverged above 1e8·max(initial loss, ½σ²), a sign flip of a layer scalar watched at every step.
 */
export function phaseSweep(K: number, L: number, hs: readonly number[], sigma: number, scales: readonly number[], maxSteps: number): SweepSpec {
  return parseSweepSpec({
    base: {
      width: 1, depths: Array<number>(K).fill(L), target: { sigma: [sigma] }, init: { type: "svs", scales: [...scales] },
      dynamics: "reduced", steps: maxSteps, stop: { lossTol: 1e-20, divergeFactor: 1e8 },
    },
    axes: { h: { values: [...hs] } },
    // Only the final state is read: one summary sample per run.
    measure: { every: maxSteps },
  });
}

/** Run the cells of one row (see phaseSweep), in the order of `hs`. */
export function runCells(K: number, L: number, hs: readonly number[], sigma: number, scales: readonly number[], maxSteps: number): Cell[] {
  const sweep = phaseSweep(K, L, hs, sigma, scales, maxSteps);
  // Centre of a period-2 oscillation: the mean of the final state and the next.
  const runs = runSweep(sweep, (p, f) => periodTwoCentre(f.system, p.spec.lr, f.s, f.loss).map((row) => row[0]!));
  return hs.map((h, j) => {
    const { row, value: s } = runs[j]!;
    const eta = row.lr as number;
    let status: CellStatus = row.status === "converged" ? "converged" : row.status === "diverged" ? "diverged" : "no-convergence";
    if (status === "no-convergence" && s.every((x) => Math.abs(x) < 1e-3 * sigma)) status = "collapsed";
    if (row.sign_flip === true && status !== "diverged") status = "sign-flip";
    const ok = status !== "diverged" && s.every(Number.isFinite);
    return {
      h,
      status,
      balance: ok ? normalisedBalance(s) : Number.NaN,
      share: ok ? Math.max(...s) / sigma : Number.NaN,
      lamRatio: ok ? (modeSharpness(Array(K).fill(L), s.map(Math.abs)) * eta) / 2 : Number.NaN,
      steps: row.final_step as number,
      signFlip: row.sign_flip === true,
    };
  });
}

/** Run one cell (see runCells). */
export function runCell(K: number, L: number, h: number, sigma: number, scales: readonly number[], maxSteps: number): Cell {
  return runCells(K, L, [h], sigma, scales, maxSteps)[0]!;
}

const rowId = (K: number, L: number) => `K${K}-L${L}`;

/** The `phase` kind. */
export const phaseKind: ExperimentKind<PhaseConfig, PhaseRow, PhaseData, { K: number; L: number }> = {
  kind: "phase",
  schema: PhaseSchema,
  smoke: (quick) => ({ points: Math.min(quick.points, 7), steps: Math.min(quick.steps, 2000) }),
  plan: (r: R): TaskPlan<{ K: number; L: number }>[] =>
    r.pathways.flatMap((K) => r.depths.map((L) => ({ id: rowId(K, L), label: `K = ${K}, L = ${L}`, weight: K * r.budget.points * r.budget.steps, args: { K, L } }))),
  runTask(r: R, { K, L }, progress) {
    const scales = Array.from({ length: K }, (_, k) => r.init.scale * Math.pow(r.init.ratio, k));
    const grid = phaseGrid(r.h.from, r.h.to, r.budget.points);
    const cells = runCells(K, L, grid, r.sigma, scales, r.budget.steps);
    progress(1);
    const depths = Array<number>(K).fill(L);
    const lamS = singlePathSharpness(L, r.sigma);
    const hOnset = (2 * lamS) / modeSharpness(depths, gradientFlowEndpoint(depths, r.sigma, scales));
    return { K, L, hBalanced: (2 * lamS) / balancedSharpness(L, r.sigma, K), hOnset, cL: wcrConstant(L), cells };
  },
  assemble(r: R, parts) {
    const rows = r.pathways.flatMap((K) => r.depths.map((L) => parts[rowId(K, L)]!));
    return {
      rows,
      dh: (r.h.to - r.h.from) / (r.budget.points - 1),
      predicted: rows.map((row) => ({ K: row.K, L: row.L, ...predictedBalance(row, r) })),
    };
  },
  checks: phaseChecks,
  dataFiles(_r: R, data: PhaseData) {
    const lines = ["K,L,h,status,balance,share,lam_ratio,steps,sign_flip"];
    for (const row of data.rows) {
      for (const c of row.cells) lines.push([row.K, row.L, c.h, c.status, c.balance, c.share, c.lamRatio, c.steps, c.signFlip].join(","));
    }
    return [{
      name: "phase.csv",
      description: "Phase diagram cells: K pathways of depth L at h = η·λ_single; status (converged, no-convergence, collapsed, sign-flip, diverged); " +
        "balance = (K·BI − 1)/(K − 1) of the final period-2 centre (0 one pathway, 1 equal split); share = largest final s/σ; " +
        "lam_ratio = λ(s)·η/2 at the final centre; steps taken; sign_flip = a per-layer scalar was negative at some step (the cells ran as a `dlnlab sweep` on its batched kernel)",
      content: lines.join("\n") + "\n",
    }];
  },
  summary: (_r: R, data: PhaseData) =>
    data.rows.map((row) => ({ K: row.K, L: row.L, hBalanced: row.hBalanced, cL: row.cL, ...transitions(row, data.dh) })),
};

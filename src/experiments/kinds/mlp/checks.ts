/**
 * @file Kind `mlp`: the checks of its data against the theory, with their tolerances (kind.ts runs it, figures.ts draws it).
 */
import { atLeastCheck, belowCheck, categoryCheck, closeCheck, type Check } from "../../checks.js";
import { short } from "../../common.js";
import { PAIR_TOLERANCES } from "../pair/kind.js";
import type { Resolved } from "../../types.js";
import { MLP_REGIMES, type MlpData, type MlpTheory, type SweepCurve, type SweepData, failedPoint, linearTheoryBalance, regimeOf } from "./kind.js";
import type { MlpConfig } from "./schema.js";

type R = Resolved<MlpConfig>;

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

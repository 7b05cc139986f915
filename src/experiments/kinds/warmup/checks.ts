/**
 * @file Kind `warmup`: the checks of its data against the theory, with their tolerances (kind.ts runs it, figures.ts draws it).
 */
import { belowCheck, categoryCheck, type Check } from "../../checks.js";
import { short, type RunData } from "../../common.js";
import type { Resolved } from "../../types.js";
import type { WarmupData } from "./kind.js";
import type { WarmupConfig } from "./schema.js";

type R = Resolved<WarmupConfig>;

/** A run "fails" when a per-layer scalar crossed 0, it diverged, or it ended away from zero loss. */
export function runFailed(run: RunData, sigma: number): boolean {
  return run.signFlip !== null || run.status === "diverged" || !(run.final.loss <= 1e-6 * 0.5 * sigma * sigma);
}

/** Checks of a warm-up experiment. */
export function warmupChecks(r: R, data: WarmupData): Check[] {
  const sigma = r.network.target.sigma[0]!;
  const where = `h = ${r.h} between c_L = ${short(data.cL)} and 2λ_single/λ_bal = ${short(data.hBalanced)}`;
  const describe = (run: RunData) =>
    `${run.signFlip !== null ? `sign flip at step ${run.signFlip}, ` : "no sign flip, "}${run.status}, final loss ${run.final.loss.toExponential(2)}`;
  const c = data.constant;
  const w = data.warmup;
  const inBand = data.cL < r.h && r.h < data.hBalanced;
  return [
    categoryCheck({
      provenance: "paper",
      name: `constant step fails: the single-path transient overshoots across 0 (${where})`,
      claim: "docs/theory.md §5 (warm-up); paper §6",
      predicted: "sign flip / no convergence", measured: describe(c), pass: inBand && runFailed(c, sigma),
      note: inBand ? "the prediction applies because c_L < h < 2λ_single/λ_bal" : "the step is outside (c_L, 2λ_single/λ_bal): the setting does not test the claim",
    }),
    categoryCheck({
      provenance: "paper",
      name: `warm-up to the same step survives and converges (${r.warmup.steps} warm-up steps)`,
      claim: "docs/theory.md §5 (warm-up); paper §6",
      predicted: "no sign flip, zero loss", measured: describe(w), pass: !runFailed(w, sigma),
    }),
    belowCheck({
      provenance: "paper",
      name: "after the warm-up the run re-balances to λ_max just below 2/η",
      claim: "docs/theory.md §4–§5",
      predicted: 2 / data.lr, measured: w.final.sharpness?.[0] ?? Number.NaN, tolerance: 0.03,
      note: `final shares ${w.final.s.map((row) => short(row[0]!, 3)).join(", ")} (gradient flow would keep ≈ all of σ on pathway 1)`,
    }),
  ];
}

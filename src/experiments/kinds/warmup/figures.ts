/**
 * @file Figures of a `warmup` experiment: the constant-step run (with its sign flip marked) and the
 * warm-up run side by side — mode coefficients and sharpness against the stability threshold 2/η_t.
 */
import { panelGrid } from "../../../plot/index.js";
import type { RuleSpec } from "../../../plot/index.js";
import { short } from "../../common.js";
import type { WarmupConfig, WarmupData } from "./kind.js";
import type { Resolved } from "../../types.js";
import { modesPanel, sharpnessPanel, THEORY, type Figure } from "../../figures/panels.js";

type R = Resolved<WarmupConfig>;

/** All figures of a warm-up experiment. */
export function warmupFigures(r: R, data: WarmupData): Figure[] {
  const { depths, target } = r.network;
  const panels: string[] = [];
  for (const run of [data.constant, data.warmup]) {
    const flip: RuleSpec[] = run.signFlip !== null ? [{ x: run.signFlip, label: `sign flip (t = ${run.signFlip})`, color: "#b2182b", dash: "4,3" }] : [];
    const warm = run === data.warmup;
    const wRule: RuleSpec[] = warm ? [{ x: r.warmup.steps, label: "", legend: "end of warm-up", color: THEORY, dash: "2,3" }] : [];
    const head = warm ? `warm-up over ${r.warmup.steps} steps to h = ${r.h}` : `constant step h = ${r.h}`;
    const sub = `${run.status} after ${run.steps} steps${run.signFlip !== null ? `, sign flip at step ${run.signFlip}` : ""}`;
    panels.push(modesPanel(run, {
      id: `warm-modes-${warm ? 1 : 0}`, title: `${head}: mode coefficients`, subtitle: sub,
      depths, sigma: target.sigma, xType: "log", rules: [...flip, ...wRule], legendPosition: warm ? "bottom-left" : "top-left",
    }));
    panels.push(sharpnessPanel(run, {
      id: `warm-sharp-${warm ? 1 : 0}`, title: `${head}: sharpness`, subtitle: sub, xType: "log", legendPosition: warm ? "top-left" : "top-right",
      rules: [...flip, ...wRule, { y: depths[0]! * Math.pow(target.sigma[0]!, 2 - 2 / depths[0]!), label: "λ_single", color: THEORY, dash: "2,3" }],
    }));
  }
  return [{
    name: "warmup",
    title: `${r.figure}: warm-up`,
    caption: `K = ${depths.length} pathways of depth ${depths[0]}, h = ${r.h}, between c_L = ${short(data.cL)} and 2λ_single/λ_bal = ${short(data.hBalanced)}. ` +
      "Top: a constant step — the first pathway's overshoot crosses 0 (red), the run never reaches zero loss. Bottom: a linear warm-up to the same step — " +
      "the pathway forms while the step is small, then the full step re-balances the pathways until λ_max sits just below 2/η (red dashed: 2/η_t).",
    svg: panelGrid(panels, { columns: 2, title: r.title }),
  }];
}

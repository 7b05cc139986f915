/**
 * @file Figures of a `rank` experiment: the mode coefficients of each detail run (colour = pathway,
 * dash = mode) with the target singular values, and the number of re-balanced modes over a sweep of η
 * against the predicted staircase with its onsets 2/λ_single(σ_i).
 */
import { lineChart, panelGrid } from "../../../plot/index.js";
import type { RuleSpec } from "../../../plot/index.js";
import { rebalancedRank } from "../../../theory/index.js";
import { short } from "../../common.js";
import { measuredRank, type RankConfig, type RankData } from "./kind.js";
import type { Resolved } from "../../types.js";
import { INK, modesPanel, PANEL, THEORY, type Figure } from "../../figures/panels.js";

type R = Resolved<RankConfig>;

/** All figures of a rank experiment. */
export function rankFigures(r: R, data: RankData): Figure[] {
  const { depths, target } = r.network;
  const modes = target.sigma.map((_, i) => i);
  const panels = data.runs.map((run, j) => {
    const pred = rebalancedRank(depths, target.sigma, r.lrs[j]!);
    return modesPanel(run, {
      id: `rank-modes-${j}`,
      title: `η = ${r.lrs[j]}: ${pred.rank} mode${pred.rank === 1 ? "" : "s"} predicted to re-balance`,
      subtitle: `${r.dynamics === "full" ? `full matrices, d = ${run.final.s[0]!.length}, ${target.basis} basis` : "reduced dynamics"}; ${run.status} after ${run.steps} steps`,
      depths, sigma: target.sigma, modes,
    });
  });
  const onsets = rebalancedRank(depths, target.sigma, r.sweep.from).onset;
  const lrs = data.sweep.map((p) => p.lr);
  const rules: RuleSpec[] = onsets
    .filter((o) => o >= r.sweep.from && o <= r.sweep.to)
    .map((o, i) => ({ x: o, label: `2/λ_single(σ_${i + 1})`, color: THEORY, dash: "4,3" }));
  const predicted = lrs.map((lr) => rebalancedRank(depths, target.sigma, lr).rank);
  panels.push(lineChart({
    id: "rank-sweep",
    title: "Re-balanced modes vs step size",
    subtitle: `reduced dynamics, ${data.sweep.length} step sizes; a mode counts when λ_i·η/2 ≥ 0.975`,
    width: PANEL.width,
    height: PANEL.height,
    x: { label: "step size η" },
    y: { label: "number of re-balanced modes", domain: [-0.2, target.sigma.length + 0.4], tickFormat: (v) => (Number.isInteger(v) ? String(v) : "") },
    series: [
      { name: "predicted #{i : λ_single(σ_i) > 2/η}", points: { x: lrs, y: predicted }, color: THEORY, curve: "step-after", strokeWidth: 1.25 },
      { name: "measured", points: { x: lrs, y: data.sweep.map((p) => measuredRank(p.pinned)) }, color: INK, line: false, marker: true },
    ],
    rules,
    legend: { position: "bottom-right" },
  }));
  return [{
    name: "rank",
    title: `${r.figure}: rank-k balancing`,
    caption: `Target σ = (${target.sigma.join(", ")}), K = ${depths.length} pathways of depth ${depths[0]}. Panels: mode coefficients at η = ${r.lrs.join(", ")} ` +
      `(colour = pathway, dash = mode, grey dotted = σ_i); onsets 2/λ_single(σ_i) = ${onsets.map((o) => short(o)).join(", ")}. Last panel: measured number ` +
      "of re-balanced modes over the sweep (dots) against the predicted staircase (line).",
    svg: panelGrid(panels, { columns: 2, title: r.title }),
  }];
}

/**
 * @file Figures of a `phase` experiment: a heat map per number of pathways K (rows: depth L, x: the
 * normalised step h) of the final balance, with the outcomes that have no zero-loss limit as grey
 * categories and the window boundaries h = 2, 2λ_single/λ_bal and c_L drawn on every row; and the
 * final balance across the window against the predicted stopping boundary.
 */
import { heatmap, lineChart, panelGrid } from "../../../plot/index.js";
import type { HeatCell, Series } from "../../../plot/index.js";
import { short } from "../../common.js";
import type { CellStatus, PhaseConfig, PhaseData } from "./kind.js";
import type { Resolved } from "../../types.js";
import { PANEL, THEORY, type Figure } from "../../figures/panels.js";

type R = Resolved<PhaseConfig>;

/** Fill colours of the outcomes without a zero-loss limit (greys, dark = worse). */
const CATEGORIES: { name: CellStatus; color: string; label: string }[] = [
  { name: "no-convergence", color: "#d9d9d9", label: "not converged within the budget" },
  { name: "collapsed", color: "#a3a3a3", label: "collapsed to the origin plateau" },
  { name: "sign-flip", color: "#5c5c5c", label: "sign flip of a layer" },
  { name: "diverged", color: "#111111", label: "diverged" },
];

/** Colours of the depth rows in the profile panels (not pathway colours: a row is a network). */
const DEPTH_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"];

/** All figures of a phase experiment. */
export function phaseFigures(r: R, data: PhaseData): Figure[] {
  const heat: string[] = [];
  for (const K of r.pathways) {
    const rows = data.rows.filter((row) => row.K === K);
    const labels = rows.map((row) => `L = ${row.L}`);
    const cells: HeatCell[] = [];
    for (const [j, row] of rows.entries()) {
      for (const c of row.cells) {
        const base = { x0: c.h - data.dh / 2, x1: c.h + data.dh / 2, row: labels[j]! };
        cells.push(c.status === "converged" ? { ...base, value: c.balance } : { ...base, category: c.status });
      }
    }
    heat.push(heatmap({
      id: `phase-K${K}`,
      title: `K = ${K} pathways: final balance over h`,
      subtitle: `one mode, exact reduced GD from α_k = ${r.init.scale.toExponential()}·${short(r.init.ratio)}^(k−1), ≤ ${r.budget.steps} steps per cell, Δh = ${short(data.dh)}`,
      width: 900,
      x: { label: "normalised step h = η·λ_single (dimensionless)", domain: [r.h.from - data.dh / 2, r.h.to + data.dh / 2] },
      rows: { label: "depth L", labels },
      cells,
      color: { label: "normalised balance (K·BI − 1)/(K − 1)", domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1] },
      categories: CATEGORIES.filter((c) => cells.some((cell) => cell.category === c.name)),
      marks: [
        { label: "h = 2 (2/λ_single)", at: [{ x: 2 }] },
        { label: "h = 2λ_single/λ_bal", dash: "6,3", at: rows.map((row, j) => ({ x: row.hBalanced, row: labels[j]! })) },
        { label: "h = c_L (WCR)", dash: "1.5,2.5", at: rows.map((row, j) => ({ x: row.cL, row: labels[j]! })) },
      ],
    }));
  }
  const figs: Figure[] = [{
    name: "phase-diagram",
    title: `${r.figure}: phase diagram`,
    caption: "Final normalised balance (K·BI − 1)/(K − 1) of one mode over the normalised step h for each depth (rows) and number of pathways (panels), " +
      "BI = (Σ_k s_k)²/(K Σ_k s_k²) being the balance index that `dlnlab run`, its CSV and the lab report; 0 = one pathway carries σ, 1 = equal split. Grey cells did not reach zero loss: not converged within the step budget (persistent oscillation above the window, or a very " +
      "slow drift), a collapse back onto the small-initialisation plateau, a sign flip of a layer, or divergence. Lines: h = 2 (the single-path minimum loses stability), 2λ_single/λ_bal (the top of the window; solid-dashed per row) " +
      "and the worst-case-return constant c_L (dotted per row).",
    svg: panelGrid(heat, { columns: 1, title: r.title }),
  }];
  figs.push(profileFigure(r, data));
  return figs;
}

function profileFigure(r: R, data: PhaseData): Figure {
  const panels: string[] = [];
  for (const K of r.pathways) {
    const series: Series[] = [];
    const rows = data.rows.filter((row) => row.K === K);
    rows.forEach((row, j) => {
      const color = DEPTH_COLORS[j % DEPTH_COLORS.length]!;
      const conv = row.cells.filter((c) => c.status === "converged");
      series.push({ name: `L = ${row.L} (measured)`, points: conv.map((c) => ({ x: c.h, y: c.balance })), color, line: false, marker: true });
      const p = data.predicted.find((q) => q.K === K && q.L === row.L);
      if (p && p.h.length > 0) series.push({ name: `L = ${row.L} (stopping boundary)`, points: { x: p.h, y: p.balance }, color, strokeWidth: 1.25, legend: false });
    });
    panels.push(lineChart({
      id: `profile-K${K}`,
      title: `K = ${K}: final balance vs the stopping boundary`,
      subtitle: `dots: converged runs; lines: predicted stopping boundary (${K === 2 ? "exact" : "drift flow"})`,
      width: PANEL.width + 80,
      height: PANEL.height + 40,
      x: { label: "normalised step h = η·λ_single (dimensionless)" },
      y: { label: "normalised balance (K·BI − 1)/(K − 1)", domain: [0, 1.05] },
      series,
      rules: [{ x: 2, label: "h = 2", color: THEORY, dash: "4,3" }],
    }));
  }
  return {
    name: "phase-profiles",
    title: `${r.figure}: final balance across the window`,
    caption: "The converged cells of the phase diagram as profiles: final normalised balance against h per depth (dots), with that of the predicted " +
      "stopping boundary λ = 2/η (lines; exact for K = 2, drift flow for K > 2). Below h = 2 the runs stay winner-takes-all; inside the window they " +
      "stop on the boundary, slightly past it (GD stops once the sharpness is a little below 2/η).",
    svg: panelGrid(panels, { columns: 2, title: "Final balance across the re-balancing window" }),
  };
}

/**
 * @file Figures of a `heterogeneous` experiment (paper Figs. 4 and 9): each run's mode coefficients on
 * a log step axis with the theory that applies to it (gradient-flow end point, stopping boundary or
 * optimal allocation), the top-of-window run's sharpness against 2/η, and the final allocations of all
 * runs against their predictions.
 */
import { lineChart, panelGrid } from "../../../plot/index.js";
import type { Series } from "../../../plot/index.js";
import { short } from "../../common.js";
import type { HeterogeneousConfig, HeterogeneousData, HeteroTheory } from "./kind.js";
import type { Resolved } from "../../types.js";
import { INK, levelRule, lossPanel, modesPanel, PANEL, sharpnessPanel, THEORY, type Figure } from "../../figures/panels.js";

type R = Resolved<HeterogeneousConfig>;

const WHAT: Record<HeteroTheory["regime"], string> = {
  below: "gradient-flow end point",
  window: "stopping boundary",
  top: "optimal allocation",
};

function predicted(th: HeteroTheory): number[] | null {
  if (th.regime === "below") return th.gf;
  if (th.regime === "window") return th.boundary.exact ?? th.boundary.central ?? th.boundary.driftFlow;
  return th.optimum;
}

/** All figures of a heterogeneous experiment. */
export function heterogeneousFigures(r: R, data: HeterogeneousData): Figure[] {
  const { depths, target } = r.network;
  const panels: string[] = [];
  data.runs.forEach((run, j) => {
    const th = data.theory[j]!;
    const pred = predicted(th);
    panels.push(modesPanel(run, {
      id: `het-modes-${j}`,
      title: `η = ${short(th.fraction)}·2/λ_bal: mode coefficients`,
      subtitle: `η = ${short(th.lr)}; ${run.status} after ${run.steps} steps; dashed: ${WHAT[th.regime]}`,
      depths, sigma: target.sigma, xType: "log",
      // Beyond four pathways the value labels would crowd the margin: the levels speak for themselves.
      rules: pred ? pred.map((v, k) => levelRule(v, depths.length <= 4 ? short(v, 3) : "", k)) : [],
      extraLegend: [{ label: WHAT[th.regime], color: THEORY, dash: "5,3" }],
    }));
  });
  const topIndex = data.theory.findIndex((t) => t.regime === "top");
  const top = topIndex >= 0 ? data.runs[topIndex]! : data.runs[data.runs.length - 1]!;
  const topTh = data.theory[topIndex >= 0 ? topIndex : data.runs.length - 1]!;
  panels.push(sharpnessPanel(top, {
    id: "het-sharp", title: `η = ${short(topTh.fraction)}·2/λ_bal: sharpness`, xType: "log",
    rules: [{ y: 2 / topTh.etaDominant, label: `λ_single (L=${depths[topTh.dominant]})`, color: THEORY, dash: "2,3" }],
  }));
  panels.push(lossPanel(top, `η = ${short(topTh.fraction)}·2/λ_bal: loss`, "het-loss", undefined, "log"));
  panels.push(allocationPanel(r, data));
  return [{
    name: "allocation",
    title: `${r.figure}: heterogeneous depths ${depths.join(", ")}`,
    caption: `Pathways of depths ${depths.join(", ")} from the same init scale. Top: mode coefficients per pathway on a log step axis, with the ` +
      "prediction that applies to each step as dashed levels in the pathway's colour: the gradient-flow end point (small step, the shallow pathway wins), " +
      "the stopping boundary (inside the window) and the optimal allocation of docs/theory.md §3 (at the top of the window, η = 2/λ_bal). Bottom: sharpness " +
      "of the top-of-window run against 2/η, its loss, and every run's final allocation (dots) against its prediction (bars).",
    svg: panelGrid(panels, { columns: 3, title: r.title }),
  }];
}

function allocationPanel(r: R, data: HeterogeneousData): string {
  const K = r.network.depths.length;
  const series: Series[] = [];
  let lo = 1;
  const shades = [INK, "#b2182b", "#2166ac"];
  data.runs.forEach((run, j) => {
    const th = data.theory[j]!;
    const dx = (j - (data.runs.length - 1) / 2) * 0.18;
    const color = shades[j % shades.length]!;
    const pred = predicted(th);
    for (const v of [...run.centre.map((row) => row[0]!), ...(pred ?? [])]) if (v > 0 && v < lo) lo = v;
    series.push({
      name: `measured, η = ${short(th.fraction)}·2/λ_bal`,
      points: run.centre.map((row, k) => ({ x: k + 1 + dx, y: row[0]! })),
      color, line: false, marker: true,
    });
    if (pred) {
      // A short horizontal bar per pathway at the predicted share (NaN separates the bars).
      series.push({
        name: `predicted ${WHAT[th.regime]}`,
        points: pred.flatMap((y, k) => [{ x: k + 1 + dx - 0.08, y }, { x: k + 1 + dx + 0.08, y }, { x: Number.NaN, y: Number.NaN }]),
        color, strokeWidth: 2.5,
      });
    }
  });
  return lineChart({
    id: "het-alloc",
    title: "Final allocation vs prediction",
    subtitle: `pathway k has depth ${r.network.depths.map((L, k) => `${k + 1}: ${L}`).join(", ")}`,
    width: PANEL.width,
    height: PANEL.height,
    x: { label: "pathway k (increasing depth)", domain: [0.5, K + 0.5], tickFormat: (v) => (Number.isInteger(v) ? String(v) : "") },
    y: { label: "final share s_k (units of σ)", type: "log", domain: [Math.pow(10, Math.floor(Math.log10(lo))), 2 * r.network.target.sigma[0]!] },
    series,
    // Automatic corner: a fixed top-right one covered the deeper pathways' shares at 0.07–0.3 (σ units).
    legend: {},
  });
}

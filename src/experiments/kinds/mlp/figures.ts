/**
 * @file Figures of an `mlp` experiment (paper Figs. 3 and 7): the trajectory runs as rows of mode
 * coefficients (with the linear theory's final split), loss and sharpness against 2/η; and the sweep's
 * final balance over h for every activation with the linear theory's stopping-boundary balance and the
 * window boundaries drawn on it, a zoom on the top of the window where the full-balance thresholds
 * differ, and the final sharpness of the runs that stopped, against the linear theory's λ·η/2.
 */
import { lineChart, panelGrid } from "../../../plot/index.js";
import type { AxisSpec, LegendPosition, RuleSpec, Series } from "../../../plot/index.js";
import { argmax, short, type RunData } from "../../common.js";
import { MLP_REGIMES, linearTheoryShares, type MlpConfig, type MlpData, type SweepCurve, type SweepData } from "./kind.js";
import type { Resolved } from "../../types.js";
import { INK, PANEL, THEORY, trajectoryRow, type Figure } from "../../figures/panels.js";

type R = Resolved<MlpConfig>;

/**
 * Colours of the activations (a sweep's series are networks, not pathways, so not pathway colours):
 * the linear network near-black like other measurements, tanh purple, the others distinct hues.
 */
const ACTIVATION_COLORS: Record<string, string> = {
  linear: INK, tanh: "#7b3294", sin: "#1b7837", erf: "#b35806", relu: "#2166ac", gelu: "#c51b7d", swish: "#8c510a",
};
const colorOf = (activation: string): string => ACTIVATION_COLORS[activation] ?? THEORY;
/** Legend name of the network with an activation ("linear" is the deep linear network). */
const networkName = (activation: string): string => (activation === "linear" ? "linear network" : `${activation} MLP`);
/** How a run ended, in words (subtitles). */
function ending(run: RunData): string {
  if (run.status === "diverged") return `diverged at step ${run.steps}`;
  if (run.status === "converged") return `converged after ${run.steps} steps`;
  return `${run.steps} steps, ${run.status === "oscillating" ? "r₁ still alternating" : `loss ${run.final.loss.toExponential(1)}`}`;
}
/** Colour of the stability threshold 2/η and of λ = 2/η (as in the sharpness panels). */
const THRESHOLD = "#b2182b";

/** All figures of an mlp experiment. */
export function mlpFigures(r: R, data: MlpData): Figure[] {
  const figs: Figure[] = [];
  if (data.runs.length > 0) figs.push(runsFigure(r, data));
  if (data.sweep) figs.push(sweepFigure(r, data, data.sweep));
  return figs;
}

/** The pathway that dominated when the sharpness first exceeded 2/η (else at the end): it keeps the larger share. */
function dominantAtEos(run: RunData): number {
  const first = run.eos.first;
  const rec = first === null ? run.final : (run.records.find((q) => q.step >= first) ?? run.final);
  return argmax(rec.s.map((row) => row[0]!));
}

function runsFigure(r: R, data: MlpData): Figure {
  const net = r.network;
  const th = data.theory;
  const panels: string[] = [];
  data.runs.forEach((x, j) => {
    const { run, predicted } = x;
    let prediction: number[] | null = null;
    if (predicted.regime === "full") prediction = net.depths.map(() => net.sigma / net.depths.length);
    else if (x.h > 2) {
      const shares = linearTheoryShares(net, x.h);
      const d = dominantAtEos(run);
      if (shares) prediction = d === 0 ? shares : [shares[1]!, shares[0]!];
    }
    const where = x.h <= 2 ? "below the linear window" : x.h < th.hBalanced ? "in the linear window" : "above the linear window";
    panels.push(...trajectoryRow(run, {
      j, head: `h = ${short(x.h)}`,
      subtitle: `η = ${short(run.lr)}, ${where}; ${ending(run)}; balance ${short(x.balance, 3)}`,
      depths: net.depths, sigma: [net.sigma], prediction, predictionLabel: "linear theory",
      lambdaSingle: th.lambdaSingle, lambdaBalanced: th.lambdaBalanced,
    }));
  });
  const L = net.depths[0]!;
  return {
    name: "runs",
    title: `${r.figure}: ${net.activation} MLP, small vs large step, K = ${net.depths.length}, L = ${L}`,
    caption: `Rows: the runs (${data.runs.map((x) => `h = ${short(x.h)}`).join(", ")}; h = η·λ_single with λ_single = ${short(th.lambdaSingle)} of the ` +
      `linear network of the same depth, whose window is 2 < h < ${short(th.hBalanced)}). ${net.activation} MLP, d = ${net.width}, hidden ${net.hidden}, ` +
      `N(0, ${net.initStd}²) weights (seed ${net.seed}), σ = ${net.sigma}. Left: top-mode coefficient s_k = u_1ᵀ f_k(X) v_1 of each pathway (colour) ` +
      "with the target σ (grey dotted) and the linear theory's final split (dashed, in the pathway's colour: the stopping boundary λ = 2/η inside the " +
      "window, with the larger share on the pathway that dominated when the Edge of Stability began; the equal split above it; none below it, where " +
      "the end point depends on the random init). Middle: loss. Right: measured λ_max (Lanczos) against 2/η (red dashed), and the linear network's " +
      "λ_single and λ_bal (grey dotted). Runs that do not converge to the engine's tolerance are drawn on a log step axis.",
    svg: panelGrid(panels, { columns: 3, title: r.title }),
  };
}

/** Seed-median points of a curve over the grid points in [from, to] (NaN medians left out). */
function medianPoints(c: SweepCurve, grid: readonly number[], from: number, to: number): { x: number; y: number }[] {
  return grid.map((h, j) => ({ x: h, y: c.balance[j]! })).filter((p) => p.x >= from && p.x <= to && Number.isFinite(p.y));
}

/** The balance panels' series: per activation its seed median (and the single seeds when there are several), and the linear theory. */
function balanceSeries(sw: SweepData, from: number, to: number): Series[] {
  const series: Series[] = [];
  const theory = sw.theory.h.map((h, j) => ({ x: h, y: sw.theory.balance[j]! })).filter((p) => p.x >= from && p.x <= to);
  if (theory.length > 0) series.push({ name: "linear theory (stopping boundary)", points: theory, color: THEORY, dash: "6,3", strokeWidth: 1.5 });
  for (const c of sw.curves) {
    const many = sw.seeds.length > 1;
    if (many) {
      const single = c.rows.flat().filter((p) => p.h >= from && p.h <= to && Number.isFinite(p.balance));
      series.push({ name: `${c.activation} (single seeds)`, points: single.map((p) => ({ x: p.h, y: p.balance })), color: colorOf(c.activation), opacity: 0.35, line: false, marker: true, legend: false });
    }
    series.push({
      name: `${networkName(c.activation)}${many ? ` (median of ${sw.seeds.length} seeds)` : ""}`,
      points: medianPoints(c, sw.grid, from, to), color: colorOf(c.activation), marker: true, strokeWidth: 1.25,
    });
  }
  return series;
}

function sweepFigure(r: R, data: MlpData, sw: SweepData): Figure {
  const th = data.theory;
  const net = r.network;
  const lo = sw.grid[0]!;
  const hi = sw.grid[sw.grid.length - 1]!;
  const windowRules: RuleSpec[] = [
    { x: 2, label: "h = 2", color: THEORY, dash: "4,3" },
    { x: th.hBalanced, label: `${short(th.hBalanced, 3)}`, color: THEORY, dash: "4,3" },
  ];
  const regimeRules: RuleSpec[] = [
    { y: MLP_REGIMES.partial, label: `partial ≥ ${MLP_REGIMES.partial}`, color: "#999999", dash: "1.5,2.5" },
    { y: MLP_REGIMES.full, label: `full ≥ ${MLP_REGIMES.full}`, color: "#999999", dash: "1.5,2.5" },
  ];
  const sub = `K = ${net.depths.length}, L = ${net.depths[0]}, d = ${net.width}, hidden ${net.hidden}, σ = ${net.sigma}, ${r.budget.steps} GD steps`;
  const pad = 0.03 * (hi - lo);
  const xLabel = `normalised step h = η·λ_single (λ_single = ${short(th.lambdaSingle)})`;
  const yLabel = "final balance index (s₁ + s₂)²/(2(s₁² + s₂²))";
  /** One panel of the figure: the same size and step axis everywhere. */
  const panel = (id: string, title: string, subtitle: string, x: [number, number], y: AxisSpec, series: Series[], rules: RuleSpec[], legend: LegendPosition) =>
    lineChart({ id, title, subtitle, width: PANEL.width + 80, height: PANEL.height + 60, x: { label: xLabel, domain: x }, y, series, rules, legend: { position: legend } });
  const overview = panel("sweep-balance", "Final balance of the top mode over the step", sub, [lo - pad, hi + pad], { label: yLabel, domain: [0.45, 1.1] },
    balanceSeries(sw, lo, hi),
    // The window's edges as one legend row: labels at the top of the frame would sit under the legend.
    [{ ...windowRules[0]!, label: "", legend: `linear window 2 < h < ${short(th.hBalanced, 3)}` }, { ...windowRules[1]!, label: "" }, ...regimeRules],
    "top-left");
  // Zoom on the top of the window, where the full-balance thresholds of the networks differ.
  const zFrom = Math.max(lo, Math.min(th.hFull - 0.3, ...sw.curves.map((c) => c.fullFrom ?? hi).map((h) => h - 0.3)));
  const zTo = Math.min(hi, Math.max(th.hBalanced, ...sw.curves.map((c) => c.fullFrom ?? th.hBalanced)) + 0.12);
  const zoomRules: RuleSpec[] = [{ x: th.hBalanced, label: `2λ_single/λ_bal = ${short(th.hBalanced, 3)}`, color: THEORY, dash: "4,3" }, ...regimeRules];
  for (const c of sw.curves) {
    if (c.fullFrom !== null) zoomRules.push({ x: c.fullFrom, label: "", color: colorOf(c.activation), dash: "2,2", legend: `${c.activation}: full balance from h = ${c.fullFrom}` });
  }
  const zoomValues = sw.curves.flatMap((c) => medianPoints(c, sw.grid, zFrom, zTo).map((p) => p.y));
  const zoom = panel("sweep-zoom", "Top of the window: where full balance begins", `dotted verticals: the smallest grid step with median balance ≥ ${MLP_REGIMES.full}`,
    [zFrom, zTo + 0.03 * (zTo - zFrom)], { label: yLabel, domain: [Math.max(0.45, Math.min(...zoomValues) - 0.03), 1.02] },
    balanceSeries(sw, zFrom, zTo), zoomRules, "bottom-right");
  // Final sharpness of the runs that stopped at a minimum (not the period-2 orbits above the window).
  const sharpSeries: Series[] = [{
    name: "linear theory",
    points: [{ x: lo, y: lo / 2 }, { x: 2, y: 1 }, { x: th.hBalanced, y: 1 }], color: THEORY, dash: "6,3", strokeWidth: 1.5,
  }];
  for (const c of sw.curves) {
    const pts = c.rows.flat().filter((p) => p.status !== "oscillating" && p.status !== "diverged" && p.sharpness !== null);
    sharpSeries.push({ name: networkName(c.activation), points: pts.map((p) => ({ x: p.h, y: (p.sharpness! * p.lr) / 2 })), color: colorOf(c.activation), line: false, marker: true });
  }
  const sharp = panel("sweep-sharpness", "Final sharpness of the runs that stopped",
    "λ_max at the last step, in units of the stability threshold 2/η (runs ending on a period-2 orbit left out)",
    [lo - pad, hi + pad], { label: "λ_max·η/2 (1 = stability threshold)", domain: [0, 1.15] }, sharpSeries,
    [{ y: 1, label: "λ = 2/η", color: THRESHOLD, dash: "6,3" }, ...windowRules], "bottom-right");
  const acts = sw.curves.map((c) => c.activation);
  return {
    name: "sweep",
    title: `${r.figure}: final balance over the step size, ${acts.join(" vs ")}`,
    caption: `(a) Final balance index of the top mode against h for each network (${sw.seeds.length > 1 ? `median of seeds ${sw.seeds.join(", ")}, single seeds faint` : `seed ${sw.seeds[0]}`}), ` +
      `with the linear theory's prediction for the linear network inside the window 2 < h < ${short(th.hBalanced)} (grey dashed: the balance of the exact K = 2 ` +
      `stopping boundary λ(s) = 2/η) and the regime thresholds ${MLP_REGIMES.partial} and ${MLP_REGIMES.full} (dotted). The claim (docs/theory.md §7): winner-takes-all ` +
      "below h = 2, partial balance inside the window, full balance above it, and the MLP needing a slightly larger step than the linear network to balance fully; " +
      "the checks test each against these data. (b) The top of the window enlarged, with the smallest grid step from which each network is fully balanced " +
      "(dotted verticals). (c) λ_max·η/2 at the last step of the runs that stopped at a minimum, against the linear theory: h/2 below h = 2 (the single-path " +
      "minimum has λ = λ_single) and 1 inside the window (GD stops where λ = 2/η, at the Edge of Stability).",
    svg: panelGrid([overview, zoom, sharp], { columns: 3, title: r.title }),
  };
}

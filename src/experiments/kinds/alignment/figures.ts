/**
 * @file Figures of an `alignment` experiment (Ji & Telgarsky): the risk against gradient-flow time with
 * the rate law; each layer's distance from rank one and adjacent layers' misalignment against the layer
 * norm, with the predicted power laws; the angle to the max-margin direction against ‖w‖; the data
 * with the SVM separator and the learned separators; and the logarithmic growth of the margin scale.
 */
import { lineChart, modeDash, panelGrid, pathwayColor } from "../../../plot/index.js";
import type { LegendEntry, Series } from "../../../plot/index.js";
import { analyseRun, type AlignmentConfig, type AlignmentData, type AlignmentRun } from "./kind.js";
import { short } from "../../common.js";
import type { Resolved } from "../../types.js";
import { INK, PANEL, THEORY, type Figure } from "../../figures/panels.js";

type R = Resolved<AlignmentConfig>;

/** A straight line on log-log axes through (x̄, ȳ) (geometric means) with the given slope, over [x0, x1]. */
function powerLine(x0: number, x1: number, xm: number, ym: number, slope: number): { x: number[]; y: number[] } {
  const xs = [x0, x1];
  return { x: xs, y: xs.map((x) => ym * Math.pow(x / xm, slope)) };
}

/** Geometric means of x and y over points. */
function centre(xs: number[], ys: number[]): [number, number] {
  const m = (v: number[]) => Math.exp(v.reduce((a, b) => a + Math.log(b), 0) / v.length);
  return [m(xs), m(ys)];
}

const runColor = (j: number): string => pathwayColor(j);

/**
 * Runs with a constant step are drawn wide and translucent, decreasing-step runs thin on top: in τ the
 * runs of one loss lie on the same curve (GD with these steps follows the gradient flow), and the two
 * losses nearly so (same exponential tail), so both must stay visible where they overlap.
 */
function runStyle(run: AlignmentRun, j: number): { color: string; strokeWidth: number; opacity: number } {
  return run.decay === null ? { color: runColor(j), strokeWidth: 4, opacity: 0.45 } : { color: runColor(j), strokeWidth: 1.4, opacity: 1 };
}

/** Theory lines: grey, dotted, so that they differ from every run and layer style. */
const THEORY_DASH = "1.5,3";
const THEORY_WIDTH = 1.6;

/** All figures of an alignment experiment. */
export function alignmentFigures(r: R, data: AlignmentData): Figure[] {
  return [ratesFigure(r, data), dataFigure(r, data)];
}

function runEntries(data: AlignmentData): LegendEntry[] {
  return data.runs.map((run, j) => ({ label: run.label, ...runStyle(run, j) }));
}

function ratesFigure(r: R, data: AlignmentData): Figure {
  const L = r.network.depth;
  const decades = r.fit.decades;
  const analysed = data.runs.map((run) => analyseRun(run, decades));
  const theoryDash = THEORY_DASH;
  const theoryWidth = THEORY_WIDTH;

  // (a) risk against τ, with the rate law over each run's fit window.
  const risk: Series[] = [];
  data.runs.forEach((run, j) => {
    const recs = run.records.filter((x) => x.time > 0);
    risk.push({ name: run.label, points: { x: recs.map((x) => x.time), y: recs.map((x) => x.risk) }, ...runStyle(run, j) });
    const a = analysed[j]!;
    const [xm, ym] = centre(a.window.map((x) => x.time), a.window.map((x) => x.risk));
    risk.push({ name: "rate law", points: powerLine(a.window[0]!.time, run.timeEnd, xm, ym, a.riskPredicted), color: THEORY, dash: theoryDash, strokeWidth: theoryWidth, legend: false });
  });
  const riskPanel = lineChart({
    id: "al-risk",
    title: "Risk → 0",
    subtitle: `dotted: the aligned-flow rate law over the last ${decades} decades of τ (slope −(1 + p/ℓ + …), p = 2 − 2/L)`,
    width: PANEL.width + 40,
    height: PANEL.height + 30,
    x: { label: "gradient-flow time τ = Σ_t η_t", type: "log" },
    y: { label: "risk (1/n) Σ_i ℓ(y_i f(x_i))", type: "log" },
    series: risk,
    legend: { entries: [...runEntries(data), { label: "rate law (theory)", color: THEORY, dash: theoryDash }], position: "bottom-left" },
  });

  // (b) 1 − ‖W_l‖₂/‖W_l‖_F and (c) 1 − |v_{l+1}ᵀu_l| against ‖W_l‖²_F, with the predicted power laws.
  const ratio: Series[] = [];
  const align: Series[] = [];
  data.runs.forEach((run, j) => {
    for (let l = 0; l < L - 1; l++) {
      const recs = run.records.filter((x) => x.time > 0);
      const F2 = recs.map((x) => x.fro[l]! ** 2);
      ratio.push({ name: `${run.label}, W_${l + 1}`, points: { x: F2, y: recs.map((x) => 1 - x.spectral[l]! / x.fro[l]!) }, ...runStyle(run, j), dash: modeDash(l), legend: false });
      align.push({ name: `${run.label}, layers ${l + 1}–${l + 2}`, points: { x: F2, y: recs.map((x) => 1 - x.align[l]!) }, ...runStyle(run, j), dash: modeDash(l), legend: false });
      const win = analysed[j]!.window;
      const wF2 = win.map((x) => x.fro[l]! ** 2);
      const [xr, yr] = centre(wF2, win.map((x) => 1 - x.spectral[l]! / x.fro[l]!));
      ratio.push({ name: "∝ ‖W‖_F^{−2}", points: powerLine(wF2[0]!, wF2[wF2.length - 1]! * 1.5, xr, yr, -1), color: THEORY, dash: theoryDash, strokeWidth: theoryWidth, legend: false });
      const [xa, ya] = centre(wF2, win.map((x) => 1 - x.align[l]!));
      align.push({ name: "∝ ‖W‖_F^{−4}", points: powerLine(wF2[0]!, wF2[wF2.length - 1]! * 1.5, xa, ya, -2), color: THEORY, dash: theoryDash, strokeWidth: theoryWidth, legend: false });
    }
  });
  const layerEntries = (what: (l: number) => string, theory: string): LegendEntry[] => [
    ...runEntries(data),
    ...Array.from({ length: L - 1 }, (_, l) => ({ label: what(l), color: "#444444", dash: modeDash(l) })),
    { label: theory, color: THEORY, dash: theoryDash },
  ];
  const ratioPanel = lineChart({
    id: "al-ratio",
    title: "Each layer turns rank one",
    subtitle: "distance of ‖W_l‖₂/‖W_l‖_F from 1 against the layer's squared norm",
    width: PANEL.width + 40,
    height: PANEL.height + 30,
    x: { label: "‖W_l‖_F^2 (squared Frobenius norm)", type: "log" },
    y: { label: "1 − ‖W_l‖_2 / ‖W_l‖_F", type: "log" },
    series: ratio,
    legend: { entries: layerEntries((l) => `layer ${l + 1}`, "∝ ‖W_l‖_F^{−2} (theory)"), position: "bottom-left" },
  });
  const alignPanel = lineChart({
    id: "al-align",
    title: "Adjacent layers align",
    subtitle: "u_l: top left singular vector of W_l; v_{l+1}: top right singular vector of W_{l+1}",
    width: PANEL.width + 40,
    height: PANEL.height + 30,
    x: { label: "‖W_l‖_F^2 (squared Frobenius norm)", type: "log" },
    y: { label: "1 − |v_{l+1}^T u_l|", type: "log" },
    series: align,
    legend: { entries: layerEntries((l) => `layers ${l + 1}–${l + 2}`, "∝ ‖W_l‖_F^{−4} (theory)"), position: "bottom-left" },
  });

  // (d) angle to the max-margin direction against ‖w‖.
  const angle: Series[] = [];
  data.runs.forEach((run, j) => {
    const recs = run.records.filter((x) => x.time > 0);
    angle.push({ name: run.label, points: { x: recs.map((x) => x.wNorm), y: recs.map((x) => (x.angle * 180) / Math.PI) }, ...runStyle(run, j) });
    const win = analysed[j]!.window;
    const [xm, ym] = centre(win.map((x) => x.wNorm), win.map((x) => (x.angle * 180) / Math.PI));
    angle.push({ name: "∝ 1/‖w‖", points: powerLine(win[0]!.wNorm, win[win.length - 1]!.wNorm * 1.3, xm, ym, -1), color: THEORY, dash: theoryDash, strokeWidth: theoryWidth, legend: false });
  });
  const anglePanel = lineChart({
    id: "al-angle",
    title: "The predictor turns to the max-margin direction",
    subtitle: "w = (W_L⋯W_1)^T; ŵ: hard-margin SVM direction (quadprog); ‖w‖ grows like ln(τ)/γ",
    width: PANEL.width + 40,
    height: PANEL.height + 30,
    x: { label: "‖w‖ (norm of the end-to-end predictor)", type: "log" },
    y: { label: "angle ∠(w, ŵ) (degrees)", type: "log" },
    series: angle,
    legend: { entries: [...runEntries(data), { label: "∝ 1/‖w‖ ∝ 1/ln τ (theory)", color: THEORY, dash: theoryDash }], position: "bottom-left" },
  });
  const fits = data.runs.map((run, j) => {
    const a = analysed[j]!;
    return `${run.label}: risk slope ${short(a.risk.slope, 3)} (predicted ${short(a.riskPredicted, 3)}), ` +
      `rank-one exponents ${a.ratio.map((f) => short(f.slope, 3)).join(", ")}, alignment exponents ${a.align.map((f) => short(f.slope, 3)).join(", ")}, angle exponent ${short(a.angle.slope, 3)}`;
  });
  return {
    name: "alignment",
    title: `${r.figure}: rates`,
    caption: `Depth-${L} linear classifier (hidden width ${r.network.hidden}) on ${r.data.points} separable points in dimension ${r.data.dimension}, GD for ${r.budget.steps} steps. ` +
      "Wide translucent lines: constant step; thin lines: decreasing step — in τ the runs of one loss follow the same gradient-flow curve, and the two losses nearly so (same exponential tail). " +
      "(a) Risk against gradient-flow time τ = Σ η_t, with the rate law of the aligned flow (dotted) over the fit window. (b) Distance from rank one of each layer " +
      "(dash = layer) against its squared norm, with the predicted ‖W‖_F^{−2} law (dotted): the GF invariants W_{l+1}ᵀW_{l+1} − W_lW_lᵀ keep the non-rank-one mass bounded while the norm grows. " +
      "(c) Misalignment of adjacent layers' top singular vectors with the predicted ‖W‖_F^{−4} law (Davis–Kahan, an upper bound on the misalignment). (d) Angle between the end-to-end predictor and the " +
      `max-margin direction against ‖w‖ with the ∝ 1/‖w‖ law. Fitted over the last ${decades} decades of τ — ${fits.join("; ")}.`,
    svg: panelGrid([riskPanel, ratioPanel, alignPanel, anglePanel], { columns: 2, title: "Deep linear classifier on separable data: risk, rank one, alignment, max margin" }),
  };
}

function dataFigure(r: R, data: AlignmentData): Figure {
  const svm = data.runs[0]!.svm;
  const d = svm.d;
  const u = svm.direction;
  // Plane of the picture: ŵ and a unit vector orthogonal to it (for d = 2 this is the data's own plane).
  const e = new Array<number>(d).fill(0);
  const k = Math.abs(u[0]!) < 0.9 ? 0 : 1;
  e[k] = 1;
  const proj = e.reduce((a, x, j) => a + x * u[j]!, 0);
  const v = e.map((x, j) => x - proj * u[j]!);
  const vn = Math.hypot(...v);
  const axisV = v.map((x) => x / vn);
  const coords = (x: number[]): [number, number] => [x.reduce((a, xi, j) => a + xi * u[j]!, 0), x.reduce((a, xi, j) => a + xi * axisV[j]!, 0)];
  const pts = Array.from({ length: svm.n }, (_, i) => coords(svm.X.slice(i * d, (i + 1) * d)));
  const ext = Math.max(...pts.flatMap((p) => p.map(Math.abs))) * 1.1;
  // Below the data, room for the legend (the separators span [−ext, ext] vertically).
  const floor = -2.1 * ext;
  const series: Series[] = [];
  for (const label of [1, -1]) {
    const sel = pts.filter((_, i) => svm.y[i] === label);
    series.push({ name: `y = ${label > 0 ? "+1" : "−1"}`, points: { x: sel.map((p) => p[0]), y: sel.map((p) => p[1]) }, color: label > 0 ? "#0072B2" : "#D55E00", line: false, marker: true });
  }
  const sv = svm.support.map((i) => pts[i]!);
  series.push({ name: "support vectors", points: { x: sv.map((p) => p[0]), y: sv.map((p) => p[1]) }, color: INK, line: false, marker: true, strokeWidth: 3 });
  // Separators {x : wᵀx = 0} in the picture's plane: the line through 0 orthogonal to w's projection.
  const separator = (w: number[]): { x: number[]; y: number[] } => {
    const [a, b] = coords(w);
    const n = Math.hypot(a, b);
    return { x: [(b / n) * ext, (-b / n) * ext], y: [(-a / n) * ext, (a / n) * ext] };
  };
  series.push({ name: "max-margin separator (SVM)", points: separator(u), color: INK, strokeWidth: 2 });
  const g = svm.margin;
  series.push({ name: "SVM margin ±γ", points: { x: [g, g], y: [-ext, ext] }, color: INK, dash: "2,3", strokeWidth: 1 });
  series.push({ name: "SVM margin −γ", points: { x: [-g, -g], y: [-ext, ext] }, color: INK, dash: "2,3", strokeWidth: 1, legend: false });
  series.push({ name: "initial separator", points: separator(data.runs[0]!.predictor.initial), color: THEORY, dash: "1.5,2.5", strokeWidth: 1 });
  data.runs.forEach((run, j) => {
    const last = run.records[run.records.length - 1]!;
    series.push({ name: `${run.label}: final (∠ ${short((last.angle * 180) / Math.PI, 3)}°)`, points: separator(run.predictor.final), color: pathwayColor(j), dash: modeDash(j + 1), strokeWidth: 1.25 });
  });
  const scatter = lineChart({
    id: "al-data",
    title: "Data, max-margin separator and learned separators",
    subtitle: `coordinates along ŵ (horizontal) and orthogonal to it; γ = ${short(g, 4)}, ${svm.support.length} support vectors`,
    width: PANEL.width + 120,
    height: PANEL.height + 250,
    x: { label: "ŵ^T x (along the max-margin direction)", domain: [-ext, ext] },
    y: { label: "coordinate orthogonal to ŵ", domain: [floor, ext] },
    series,
    legend: { position: "bottom-left", columns: 2 },
  });
  const growth: Series[] = [];
  data.runs.forEach((run, j) => {
    const recs = run.records.filter((x) => x.time > 0);
    growth.push({ name: run.label, points: { x: recs.map((x) => x.time), y: recs.map((x) => g * x.wNorm) }, ...runStyle(run, j) });
  });
  // Theory: R ≈ A e^{−ℓ} and R ≈ 1/(cτℓ^p) give ℓ − p ln ℓ = ln τ + const; the constant is fixed at the end of run 1.
  const run0 = data.runs[0]!;
  const last0 = run0.records[run0.records.length - 1]!;
  const p = 2 - 2 / run0.depth;
  const ellEnd = g * last0.wNorm;
  const c = ellEnd - p * Math.log(ellEnd) - Math.log(last0.time);
  const tGrid = Array.from({ length: 61 }, (_, i) => last0.time * Math.pow(10, -3 + (3 * i) / 60));
  const ellOf = (tau: number): number => {
    let ell = Math.max(1, Math.log(tau) + c);
    for (let it = 0; it < 50; it++) ell -= (ell - p * Math.log(ell) - Math.log(tau) - c) / (1 - p / ell);
    return ell;
  };
  growth.push({ name: "theory: ℓ − p ln ℓ = ln τ + const", points: { x: tGrid, y: tGrid.map(ellOf) }, color: THEORY, dash: THEORY_DASH, strokeWidth: THEORY_WIDTH });
  const growthPanel = lineChart({
    id: "al-growth",
    title: "The weights grow logarithmically",
    subtitle: "margin scale ℓ = γ‖w‖ (the smallest margin once w is aligned with ŵ)",
    width: PANEL.width + 60,
    height: PANEL.height + 250,
    x: { label: "gradient-flow time τ = Σ_t η_t", type: "log" },
    y: { label: "γ‖w‖ (margin scale, dimensionless)" },
    series: growth,
    legend: { position: "top-left" },
  });
  return {
    name: "data",
    title: `${r.figure}: data and weight growth`,
    caption: `(a) The ${svm.n} points (blue y = +1, vermillion y = −1; black: support vectors) in the plane of the max-margin direction ŵ, the SVM separator ŵᵀx = 0 with its margins ±γ, ` +
      "the separator of the initial weights (dotted) and each run's final separator wᵀx = 0 with its angle to ŵ. (b) The margin scale γ‖w‖ against τ on a log axis: straight lines, i.e. ‖w‖ grows like ln(τ)/γ " +
      `(dotted: the rate law's ℓ − p ln ℓ = ln τ + const, p = 2 − 2/L = ${short(p, 3)}, with the constant fixed at the end of the first run).`,
    svg: panelGrid([scatter, growthPanel], { columns: 2, title: "Separable data and the growth of the weights" }),
  };
}

/**
 * @file Figures of a `pair` experiment (paper Figs. 1–2): every run's mode coefficients, loss and
 * sharpness with the theory drawn on them (gradient-flow end point, stopping boundary, 2/η, λ_single,
 * λ_bal); the Edge-of-Stability phase of each window run in detail (residual sign alternation, leaf
 * variance, final state against the stopping boundary); and full matrices against the reduced dynamics.
 */
import { lineChart, panelGrid, pathwayColor } from "../../../plot/index.js";
import type { RuleSpec, Series } from "../../../plot/index.js";
import { maxAbsDiff } from "../../checks.js";
import { short } from "../../common.js";
import type { PairConfig, PairData, PairTheory } from "./kind.js";
import type { Resolved } from "../../types.js";
import { eosBand, INK, leafPanel, PANEL, residualPanel, THEORY, trajectoryRow, type Figure } from "../../figures/panels.js";

type R = Resolved<PairConfig>;

const REGIME: Record<PairTheory["regime"], string> = {
  below: "below the window (h < 2)",
  window: "inside the window",
  above: "above the window",
};

/** The predicted final top-mode split drawn on a run's mode panel, and its name. */
function prediction(th: PairTheory): { s: number[]; what: string } | null {
  if (th.regime === "below") return { s: th.gf, what: "gradient-flow end point" };
  if (th.regime === "window") {
    const s = th.boundary.exact ?? th.boundary.central ?? th.boundary.driftFlow;
    return s ? { s, what: th.boundary.exact ? "stopping boundary (exact)" : "stopping boundary (drift flow)" } : null;
  }
  return { s: th.optimum, what: "balanced split (not reached)" };
}

/** All figures of a pair experiment. */
export function pairFigures(r: R, data: PairData): Figure[] {
  const figs = [runsFigure(r, data)];
  const eos = eosFigure(r, data);
  if (eos) figs.push(eos);
  if (data.twins.some((t) => t !== null)) figs.push(fullVsReducedFigure(r, data));
  return figs;
}

function runsFigure(r: R, data: PairData): Figure {
  const { depths, target } = r.network;
  const K = depths.length;
  const L = depths[0]!;
  const width = r.budget.width ?? r.network.width;
  const modes = target.sigma.length > 1 && target.sigma[1]! > 0 ? [0, 1] : [0];
  const dyn = r.dynamics === "full" ? `full matrices, d = ${width}, ${target.basis} basis` : "exact reduced dynamics";
  const panels: string[] = [];
  data.runs.forEach((run, j) => {
    const th = data.theory[j]!;
    const pred = prediction(th);
    panels.push(...trajectoryRow(run, {
      j, head: `h = ${short(th.h)}`, subtitle: `η = ${short(th.lr)}, ${REGIME[th.regime]}; ${run.status} after ${run.steps} steps`,
      depths, sigma: target.sigma, modes, prediction: pred?.s ?? null, lambdaSingle: th.lambdaSingle, lambdaBalanced: th.lambdaBalanced,
    }));
  });
  return {
    name: "runs",
    title: `${r.figure}: small vs large step, K = ${K}, L = ${L}`,
    caption: `Rows: the runs (${data.theory.map((t) => `h = ${short(t.h)}`).join(", ")}; window 2 < h < ${short(data.theory[0]!.hBalanced)}, c_L = ${short(data.theory[0]!.cL)}), ${dyn}. ` +
      "Left: mode coefficients s_{k,i} per pathway (colour) and mode (dash) with the target σ_i (grey dotted) and the predicted final top-mode split " +
      "(dashed, in the pathway's colour: gradient-flow end point below the window, stopping boundary inside it, equal split above it). Middle: loss. " +
      "Right: measured λ_max against 2/η (red dashed), λ_single and λ_bal (grey dotted).",
    svg: panelGrid(panels, { columns: 3, title: r.title }),
  };
}

function eosFigure(r: R, data: PairData): Figure | null {
  const { depths, target } = r.network;
  const K = depths.length;
  const sigma = target.sigma[0]!;
  const panels: string[] = [];
  data.runs.forEach((run, j) => {
    const th = data.theory[j]!;
    if (th.regime !== "window") return;
    const { last } = run.eos;
    const band = eosBand(run);
    const head = `h = ${short(th.h)}`;
    // The end of the EoS phase, where single steps are resolved: alternation, then decay below 2/η.
    const to = last !== null ? Math.min(run.steps, last + 40) : run.steps;
    const from = Math.max(0, to - 160);
    panels.push(residualPanel(run, from, to, `${head}: residual, steps ${from}–${to}`, `eos-res-${j}`, band));
    panels.push(leafPanel(run, `${head}: gradient-flow leaf variance`, `eos-leaf-${j}`, band));
    panels.push(K === 2 ? phasePlane(run, th, sigma, j) : finalSplit(run, th, j));
  });
  if (panels.length === 0) return null;
  return {
    name: "eos",
    title: `${r.figure}: the re-balancing phase in detail`,
    caption: "For each step inside the window. Left: the top-mode residual r_1 on a symmetric-log axis, alternating in sign while λ_max > 2/η " +
      "(shaded). Middle: the variance of the centred gradient-flow leaf coordinates, conserved by gradient flow, shrinking only while λ_max > 2/η. " +
      (K === 2
        ? "Right: the trajectory in the (s_{1,1}, s_{2,1}) plane with the zero-loss line s_1 + s_2 = σ_1, the gradient-flow end point, the predicted stopping boundary (λ = 2/η) and the balanced point."
        : "Right: the final split per pathway against the stopping boundary predicted by the drift flow and by docs/theory.md's leaf ray, and the gradient-flow end point."),
    svg: panelGrid(panels, { columns: 3, title: `The re-balancing phase: Edge of Stability and the stopping boundary (K = ${K}, L = ${depths[0]})` }),
  };
}

function phasePlane(run: PairData["runs"][number], th: PairTheory, sigma: number, j: number): string {
  const x = Float64Array.from(run.records, (q) => q.s[0]![0]!);
  const y = Float64Array.from(run.records, (q) => q.s[1]![0]!);
  const dot = (name: string, p: number[], color: string): Series => ({ name, points: [{ x: p[0]!, y: p[1]! }], color, line: false, marker: true });
  const series: Series[] = [
    { name: "zero loss s_1 + s_2 = σ_1", points: [{ x: 0, y: sigma }, { x: sigma, y: 0 }], color: THEORY, dash: "2,3", strokeWidth: 1 },
    { name: "trajectory", points: { x, y }, color: "#b0b0b0", strokeWidth: 0.8 },
    dot("gradient-flow end point", th.gf, INK),
    dot("balanced point", th.optimum, pathwayColor(2)),
  ];
  if (th.boundary.exact) series.push(dot("predicted stop (λ = 2/η)", th.boundary.exact, "#b2182b"));
  series.push(dot("final state", run.centre.map((row) => row[0]!), pathwayColor(0)));
  return lineChart({
    id: `eos-plane-${j}`,
    title: `h = ${short(th.h)}: final state vs the stopping boundary`,
    width: PANEL.width,
    height: PANEL.height,
    x: { label: "pathway 1: s_{1,1} (units of σ_1)" },
    y: { label: "pathway 2: s_{2,1} (units of σ_1)" },
    series,
  });
}

function finalSplit(run: PairData["runs"][number], th: PairTheory, j: number): string {
  const K = run.final.s.length;
  const at = (v: number[] | null, dx: number) => (v ? v.map((y, k) => ({ x: k + 1 + dx, y })) : []);
  const series: Series[] = [
    { name: "measured (final)", points: at(run.centre.map((row) => row[0]!), 0), color: INK, line: false, marker: true },
    { name: "stopping boundary, central flow", points: at(th.boundary.central, -0.24), color: "#1a7f37", line: false, marker: true },
    { name: "stopping boundary, drift flow", points: at(th.boundary.driftFlow, 0.12), color: "#b2182b", line: false, marker: true },
    { name: "stopping boundary, leaf ray", points: at(th.boundary.leafRay, -0.12), color: "#8c8c8c", line: false, marker: true },
    { name: "gradient-flow end point", points: at(th.gf, 0.24), color: "#c2a5cf", line: false, marker: true },
  ];
  return lineChart({
    id: `eos-split-${j}`,
    title: `h = ${short(th.h)}: final split vs the stopping boundary`,
    width: PANEL.width,
    height: PANEL.height,
    x: { label: "pathway k", domain: [0.5, K + 0.5], tickFormat: (v) => (Number.isInteger(v) ? String(v) : "") },
    y: { label: "final share s_{k,1} (units of σ_1)" },
    series,
  });
}

function fullVsReducedFigure(r: R, data: PairData): Figure {
  const sigma = r.network.target.sigma[0]!;
  const colors = [INK, "#b2182b", "#8c8c8c", "#2166ac"];
  const dashes = [undefined, "6,3", "2,2", "8,3,2,3"];
  const series: Series[] = [];
  const rules: RuleSpec[] = [];
  data.runs.forEach((run, j) => {
    const twin = data.twins[j];
    if (!twin) return;
    const byStep = new Map(twin.records.map((q) => [q.step, q]));
    const xs: number[] = [];
    const ys: number[] = [];
    for (const a of run.records) {
      if (a.step === 0) continue;
      const b = byStep.get(a.step);
      if (!b) continue;
      const d = maxAbsDiff(a.s.flat(), b.s.flat()) / sigma;
      if (d > 0) {
        xs.push(a.step);
        ys.push(d);
      }
    }
    series.push({ name: `h = ${short(data.theory[j]!.h)}`, points: { x: xs, y: ys }, color: colors[j % colors.length]!, dash: dashes[j % dashes.length] });
    if (twin.firstOvershoot !== null) {
      const first = rules.length === 0;
      rules.push({ x: twin.firstOvershoot, label: "", color: colors[j % colors.length]!, dash: "1,3", ...(first ? { legend: "first overshoot r_1 > 0" } : {}) });
    }
  });
  const svg = lineChart({
    id: "fvr",
    title: "Full matrices vs the exact reduced dynamics",
    subtitle: `d = ${r.budget.width ?? r.network.width}, ${r.network.target.basis} target basis; max over modes and pathways of |s_full − s_reduced|`,
    width: 720,
    height: 380,
    x: { label: "GD step t", type: "log" },
    y: { label: "|s_full − s_reduced| / σ_1", type: "log" },
    series,
    rules,
  });
  return {
    name: "full-vs-reduced",
    title: `${r.figure}: full matrices vs reduced dynamics`,
    caption: "Largest difference between the mode coefficients of full-matrix GD and of the exact reduced dynamics, per run. Both are exact, so " +
      "they agree to rounding until the first overshoot (dotted); an Edge-of-Stability phase can then amplify rounding differences to O(1) (depth 20 is chaotic there), " +
      "yet the runs end at the same point (see the checks). A run that ends on a period-2 orbit can sit on the opposite phase of the same orbit: then the step-by-step " +
      "difference stays at the orbit's amplitude while the centres agree.",
    svg,
  };
}

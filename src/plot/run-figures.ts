/**
 * @file The three figures of one run, built from the engine's trajectory records: per-pathway mode
 * coefficients against the target singular values, the loss on a log axis, and the measured sharpness
 * against the stability threshold 2/η (docs/theory.md §3–§4).
 */
import type { TrajectoryRecord } from "../engine/types.js";
import { lineChart } from "./chart.js";
import type { LegendEntry, RuleSpec, Series } from "./chart.js";
import { INK, modeDash, pathwayColor, REFERENCE } from "./palette.js";
import { linearTicks } from "./ticks.js";

/** What the figures need to know about the run besides its records. */
export interface RunFigureMeta {
  /** Run description shown under every figure title, e.g. "K = 2, L = 4, η = 0.625". */
  title: string;
  /** Depth L_k of each pathway (its length is the number of pathways K). */
  depths: number[];
  /** Target singular values σ_1 ≥ σ_2 ≥ … (one per mode). */
  sigma: number[];
  /** Which simulation produced the records; "flow" plots against time and has no 2/η line. */
  dynamics: "full" | "reduced" | "flow";
  /** Most modes drawn in the mode figure, taken in order among those with σ_i > 0; default 4. */
  maxModes?: number;
  /** Step/time axis: "log" shows early dynamics of long runs (drops t = 0); default "linear". */
  xScale?: "linear" | "log";
  /** A predicted trajectory (e.g. the central flow, docs/theory.md §11) drawn dashed over the mode coefficients, same step axis. */
  prediction?: TrajectoryRecord[];
}

/** A finished figure: file stem, plain-text title (for captions and reports), SVG markup. */
export interface Figure {
  name: string;
  title: string;
  svg: string;
}

const DYNAMICS: Record<RunFigureMeta["dynamics"], string> = {
  full: "gradient descent, full matrices",
  reduced: "gradient descent, reduced (depth-balanced SVS) dynamics",
  flow: "gradient flow",
};

/** Relative tolerance under which two step sizes count as the same constant η (1e-12: rounding only). */
const SAME_LR = 1e-12;

/** The `modes`, `loss` and `sharpness` figures of a run (in that order). */
export function runFigures(records: TrajectoryRecord[], meta: RunFigureMeta): Figure[] {
  const K = meta.depths.length;
  const first = records[0];
  if (first && first.s.length !== K)
    throw new RangeError(`runFigures: meta.depths lists ${K} pathways but the records have ${first.s.length}`);
  const flow = meta.dynamics === "flow";
  const xOf = (r: TrajectoryRecord): number => (flow ? r.time : r.step);
  const xAxis: XAxis = { label: flow ? "time t = η·steps" : "step t", type: meta.xScale ?? "linear" };
  const subtitle = `${meta.title} · ${DYNAMICS[meta.dynamics]}`;
  return [
    modesFigure(records, meta, xOf, xAxis, subtitle),
    lossFigure(records, meta, xOf, xAxis, subtitle),
    sharpnessFigure(records, meta, xOf, xAxis, subtitle),
  ];
}

type XOf = (r: TrajectoryRecord) => number;
type XAxis = { label: string; type: "linear" | "log" };

/** Indices of the modes to draw: σ_i > 0 first, in order, at most `maxModes` (the top mode if none). */
export function shownModes(sigma: number[], maxModes = 4): number[] {
  const positive = sigma.map((s, i) => [s, i] as const).filter(([s]) => s > 0).map(([, i]) => i);
  const picked = positive.slice(0, Math.max(1, maxModes));
  return picked.length > 0 ? picked : [0];
}

function modesFigure(records: TrajectoryRecord[], meta: RunFigureMeta, xOf: XOf, xAxis: XAxis, subtitle: string): Figure {
  const K = meta.depths.length;
  const d = Math.max(meta.sigma.length, records[0]?.s[0]?.length ?? 0);
  const modes = shownModes(meta.sigma, meta.maxModes);
  const x = Float64Array.from(records, xOf);
  const series: Series[] = [];
  for (const i of modes)
    for (let k = 0; k < K; k++)
      series.push({
        name: `pathway ${k + 1}, mode ${i + 1}`,
        points: { x, y: Float64Array.from(records, (r) => r.s[k]?.[i] ?? Number.NaN) },
        color: pathwayColor(k),
        dash: modeDash(modes.indexOf(i)),
      });
  const pred = meta.prediction;
  if (pred) {
    const px = Float64Array.from(pred, xOf);
    for (const i of modes)
      for (let k = 0; k < K; k++)
        series.push({
          name: `prediction, pathway ${k + 1}, mode ${i + 1}`,
          points: { x: px, y: Float64Array.from(pred, (r) => r.s[k]?.[i] ?? Number.NaN) },
          color: pathwayColor(k), dash: "2,2", strokeWidth: 2.5, opacity: 0.6, legend: false,
        });
  }
  // Colour says pathway, dash says mode: one legend row per pathway and per mode, not per line.
  const entries: LegendEntry[] = meta.depths.map((L, k) => ({ label: `pathway ${k + 1} (L=${L})`, color: pathwayColor(k), column: 0 }));
  if (pred) entries.push({ label: "central flow (predicted)", color: "#444444", dash: "2,2", column: 0 });
  if (modes.length > 1)
    modes.forEach((i, j) => entries.push({ label: `mode ${i + 1}`, color: "#444444", dash: modeDash(j), column: 1 }));
  // Equal singular values (e.g. an identity target) share one rule: "σ_1 = … = σ_4", not stacked labels.
  const groups: { sigma: number; modes: number[] }[] = [];
  for (const i of modes.filter((i) => Number.isFinite(meta.sigma[i]))) {
    const sigma = meta.sigma[i]!;
    const g = groups.find((g) => Math.abs(g.sigma - sigma) <= 1e-12 * Math.abs(sigma));
    if (g) g.modes.push(i);
    else groups.push({ sigma, modes: [i] });
  }
  const rules: RuleSpec[] = groups.map(({ sigma, modes: m }) => ({
    y: sigma,
    label: m.length === 1 ? `σ_${m[0]! + 1}` : `σ_${m[0]! + 1} =${m.length > 2 ? " … =" : ""} σ_${m.at(-1)! + 1}`,
    color: REFERENCE,
    dash: "2,3",
  }));
  const shown = modes.length < d ? ` · modes ${modes.map((i) => i + 1).join(", ")} of ${d}` : "";
  const title = "Mode coefficients per pathway";
  return {
    name: "modes",
    title: `${title} (${meta.title})`,
    svg: lineChart({
      id: "modes",
      title,
      subtitle: subtitle + shown,
      x: xAxis,
      y: { label: "mode coefficient s_{k,i}" },
      series,
      rules,
      legend: { entries },
    }),
  };
}

function lossFigure(records: TrajectoryRecord[], meta: RunFigureMeta, xOf: XOf, xAxis: XAxis, subtitle: string): Figure {
  const title = "Training loss";
  return {
    name: "loss",
    title: `${title} (${meta.title})`,
    svg: lineChart({
      id: "loss",
      title,
      subtitle,
      x: xAxis,
      y: { label: "loss ½‖F − Y‖_F^2", type: "log" },
      series: [{ name: "loss", points: { x: Float64Array.from(records, xOf), y: Float64Array.from(records, (r) => r.loss) }, color: INK }],
      legend: false,
    }),
  };
}

function sharpnessFigure(records: TrajectoryRecord[], meta: RunFigureMeta, xOf: XOf, xAxis: XAxis, subtitle: string): Figure {
  const flow = meta.dynamics === "flow";
  const measured = records.filter((r) => r.sharpness !== null && r.sharpness.length > 0);
  const x = Float64Array.from(measured, xOf);
  const m = Math.max(0, ...measured.map((r) => r.sharpness!.length));
  const series: Series[] = [];
  // Faint lower eigenvalues first so that λ_max is drawn on top of them.
  for (let j = 1; j < m; j++)
    series.push({
      name: m > 3 ? `λ_2 … λ_${m}` : m === 3 ? "λ_2, λ_3" : "λ_2",
      points: { x, y: Float64Array.from(measured, (r) => r.sharpness![j] ?? Number.NaN) },
      color: INK,
      strokeWidth: 1,
      opacity: 0.3,
      legend: j === 1,
    });
  series.push({
    name: "λ_max (Lanczos)",
    points: { x, y: Float64Array.from(measured, (r) => r.sharpness![0]!) },
    color: INK,
    marker: measured.length <= 150,
  });

  const rules: RuleSpec[] = [];
  const lrs = records.filter((r) => Number.isFinite(r.lr) && r.lr > 0);
  let thresholds: number[] = [];
  if (!flow && lrs.length > 0) {
    const eta0 = lrs[0]!.lr;
    if (lrs.every((r) => Math.abs(r.lr - eta0) <= SAME_LR * eta0)) {
      rules.push({ y: 2 / eta0, label: `2/η = ${shortNumber(2 / eta0)}`, legend: "2/η", color: REFERENCE, dash: "6,3" });
      thresholds = [2 / eta0];
    } else {
      // A scheduled step: 2/η_t as a step function, one point per change (plus the last record).
      const sx: number[] = [];
      const sy: number[] = [];
      lrs.forEach((r, n) => {
        if (n === 0 || r.lr !== lrs[n - 1]!.lr || n === lrs.length - 1) {
          sx.push(xOf(r));
          sy.push(2 / r.lr);
        }
      });
      series.push({ name: "2/η", points: { x: sx, y: sy }, color: REFERENCE, dash: "6,3", strokeWidth: 1.25, curve: "step-after" });
      thresholds = sy;
    }
  }

  // The axis follows λ; 2/η is shown in full unless an early warm-up makes it far larger, then clipped.
  // Loops rather than Math.max(...xs): runs can have more records than a call has arguments.
  let lamMax = 0;
  let lamMin = 0;
  for (const r of measured) {
    const top0 = r.sharpness![0]!;
    if (Number.isFinite(top0) && top0 > lamMax) lamMax = top0;
    for (const v of r.sharpness!) if (Number.isFinite(v) && v < lamMin) lamMin = v;
  }
  let thrMax = 0;
  for (const v of thresholds) if (v > thrMax) thrMax = v;
  let top = Math.max(lamMax, thresholds.at(-1) ?? 0);
  if (thrMax <= 1.5 * top) top = Math.max(top, thrMax);
  else top *= 1.15;
  // Headroom so that a rule at the top is not hidden by the frame line.
  top *= 1.04;
  const domain = top > lamMin ? linearTicks(lamMin, top, 6, true).domain : undefined;

  const title = "Sharpness and the stability threshold";
  const note = measured.length === 0 ? " · no sharpness measurements in this run" : "";
  return {
    name: "sharpness",
    title: `${title} (${meta.title})`,
    svg: lineChart({
      id: "sharpness",
      title,
      subtitle: subtitle + note,
      x: xAxis,
      y: { label: "sharpness λ_max(∇²ℒ)", ...(domain ? { domain } : {}) },
      series,
      rules,
    }),
  };
}

/** A number with at most 4 significant digits and no trailing zeros: 3.2, 0.0125, 1.234e-7. */
function shortNumber(v: number): string {
  return String(Number(v.toPrecision(4))).replace("-", "\u2212");
}

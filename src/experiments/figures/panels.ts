/**
 * @file Chart panels shared by the experiment figures, built from one run's records with src/plot's
 * `lineChart`: mode coefficients with theory levels, loss (log), sharpness against 2/η, the residual on
 * a symlog axis (sign alternation), and the variance of the gradient-flow leaf coordinates. Colour is
 * the pathway (the same in every figure), dash the mode.
 */
// From the modules, not src/plot/index.ts: src/plot/run-figures.ts builds the CLI's figures from these panels.
import { lineChart } from "../../plot/chart.js";
import type { BandSpec, LegendEntry, RuleSpec, Series } from "../../plot/chart.js";
import { modeDash, pathwayColor } from "../../plot/palette.js";
import type { TrajectoryRecord } from "../../engine/types.js";
import { leafVariance } from "../eos.js";
import type { RunData } from "../common.js";
import { short } from "../common.js";

/** A finished figure: file stem, plain-text title, SVG. */
export interface Figure {
  name: string;
  title: string;
  svg: string;
  /** One-paragraph caption for the report: what is drawn and which theory lines are on it. */
  caption: string;
}

/** Default panel size, px. */
export const PANEL = { width: 500, height: 330 } as const;
/** Colour of theory lines that belong to no pathway. */
export const THEORY = "#555555";
/** Near-black for measurements that belong to no pathway. */
export const INK = "#222222";

/** x values (steps) of records. */
export function steps(records: readonly TrajectoryRecord[]): Float64Array {
  return Float64Array.from(records, (r) => r.step);
}

/** What the trajectory panels read of a run: its records, its sharpness measurements [x, λ_max] and its base step η. */
export type PanelRun = Pick<RunData, "records" | "sharpness" | "lr">;

/** The x axis of a panel: its label and each record's coordinate. */
export interface PanelX {
  label: string;
  of: (r: TrajectoryRecord) => number;
}

/** The default x axis: the GD step. */
export const STEP_X: PanelX = { label: "GD step t", of: (r) => r.step };

/**
 * Dotted levels at the target singular values σ_i of the drawn modes; equal values share one rule
 * ("σ_1 = … = σ_4", e.g. an identity target) instead of stacked labels.
 */
export function sigmaRules(sigma: readonly number[], modes: readonly number[]): RuleSpec[] {
  const groups: { sigma: number; modes: number[] }[] = [];
  for (const i of modes.filter((i) => Number.isFinite(sigma[i]))) {
    const v = sigma[i]!;
    const g = groups.find((g) => Math.abs(g.sigma - v) <= 1e-12 * Math.abs(v));
    if (g) g.modes.push(i);
    else groups.push({ sigma: v, modes: [i] });
  }
  return groups.map(({ sigma: y, modes: m }) => ({
    y,
    label: m.length === 1 ? `σ_${m[0]! + 1}` : `σ_${m[0]! + 1} =${m.length > 2 ? " … =" : ""} σ_${m.at(-1)! + 1}`,
    color: THEORY,
    dash: "2,3",
  }));
}

/** A horizontal theory level in a pathway's colour (e.g. its predicted final share). */
export function levelRule(y: number, label: string, k: number | null, dash = "5,3"): RuleSpec {
  return { y, label, color: k === null ? THEORY : pathwayColor(k), dash };
}

/** Options of `modesPanel`. */
export interface ModesOptions {
  title: string;
  subtitle?: string;
  depths: readonly number[];
  sigma: readonly number[];
  /** Modes drawn (default: the top mode, and mode 2 when it has σ > 0 and `allModes`). */
  modes?: number[];
  /** Theory levels drawn on the chart. */
  rules?: RuleSpec[];
  /** Extra legend rows (e.g. what a dashed level means). */
  extraLegend?: LegendEntry[];
  xType?: "linear" | "log";
  width?: number;
  height?: number;
  /** Legend corner (default: the clearest). */
  legendPosition?: "top-right" | "top-left" | "bottom-right" | "bottom-left";
  id: string;
  /** x axis (default STEP_X). */
  x?: PanelX;
  /** y-axis label (default: the mode coefficient s_{k,i}). */
  yLabel?: string;
  /** Draw the σ_i levels (default true). */
  sigmaLevels?: boolean;
  /** Legend text of pathway k of depth L (default "pathway k (L=…)"). */
  pathwayLabel?: (k: number, L: number) => string;
  /** A predicted trajectory (e.g. the central flow, docs/theory.md §11) drawn dashed over the same modes, with its legend label. */
  overlay?: { records: readonly TrajectoryRecord[]; label: string };
}

/** Mode coefficients s_{k,i} vs step, one colour per pathway, one dash per mode. */
export function modesPanel(run: PanelRun, o: ModesOptions): string {
  const K = o.depths.length;
  const modes = o.modes ?? [0];
  const ax = o.x ?? STEP_X;
  const recs = o.xType === "log" ? run.records.filter((r) => ax.of(r) > 0) : run.records;
  const x = Float64Array.from(recs, ax.of);
  const series: Series[] = [];
  for (const [j, i] of modes.entries()) {
    for (let k = 0; k < K; k++) {
      series.push({
        name: `pathway ${k + 1}, mode ${i + 1}`,
        points: { x, y: Float64Array.from(recs, (r) => r.s[k]![i]!) },
        color: pathwayColor(k),
        dash: modeDash(j),
      });
    }
  }
  if (o.overlay) {
    const pred = o.xType === "log" ? o.overlay.records.filter((r) => ax.of(r) > 0) : o.overlay.records;
    const px = Float64Array.from(pred, ax.of);
    for (const i of modes)
      for (let k = 0; k < K; k++)
        series.push({
          name: `${o.overlay.label}, pathway ${k + 1}, mode ${i + 1}`,
          points: { x: px, y: Float64Array.from(pred, (r) => r.s[k]?.[i] ?? Number.NaN) },
          color: pathwayColor(k), dash: "2,2", strokeWidth: 2.5, opacity: 0.6, legend: false,
        });
  }
  const pathway = o.pathwayLabel ?? ((k: number, L: number) => `pathway ${k + 1} (L=${L})`);
  const entries: LegendEntry[] = o.depths.map((L, k) => ({ label: pathway(k, L), color: pathwayColor(k), column: 0 }));
  if (o.overlay) entries.push({ label: o.overlay.label, color: "#444444", dash: "2,2", column: 0 });
  if (modes.length > 1) modes.forEach((i, j) => entries.push({ label: `mode ${i + 1}`, color: "#444444", dash: modeDash(j), column: 1 }));
  for (const e of o.extraLegend ?? []) entries.push({ ...e, column: modes.length > 1 ? 1 : 0 });
  const rules: RuleSpec[] = o.sigmaLevels === false ? [] : sigmaRules(o.sigma, modes);
  return lineChart({
    id: o.id,
    title: o.title,
    ...(o.subtitle ? { subtitle: o.subtitle } : {}),
    width: o.width ?? PANEL.width,
    height: o.height ?? PANEL.height,
    x: { label: ax.label, type: o.xType ?? "linear" },
    // "Units of σ_1" only where σ_1 = 1 makes the plotted numbers those units.
    y: { label: o.yLabel ?? (o.sigma[0] === 1 ? "mode coefficient s_{k,i} (units of σ_1)" : "mode coefficient s_{k,i} = u_iᵀ f_k v_i") },
    series,
    rules: [...rules, ...(o.rules ?? [])],
    legend: { entries, ...(o.legendPosition ? { position: o.legendPosition } : {}) },
  });
}

/** More options of `lossPanel`. */
export interface LossOptions {
  x?: PanelX;
  /** y-axis label (default the linear network's loss ½‖F − Y‖²_F). */
  yLabel?: string;
  width?: number;
  height?: number;
}

/** Loss ½‖F − Y‖² on a log axis. */
export function lossPanel(run: PanelRun, title: string, id: string, subtitle?: string, xType: "linear" | "log" = "linear", more: LossOptions = {}): string {
  const ax = more.x ?? STEP_X;
  const recs = run.records.filter((r) => r.loss > 0 && (xType === "linear" || ax.of(r) > 0));
  return lineChart({
    id,
    title,
    ...(subtitle ? { subtitle } : {}),
    width: more.width ?? PANEL.width,
    height: more.height ?? PANEL.height,
    x: { label: ax.label, type: xType },
    y: { label: more.yLabel ?? "loss ½‖F − Y‖_F^2", type: "log" },
    series: [{ name: "loss", points: { x: Float64Array.from(recs, ax.of), y: Float64Array.from(recs, (r) => r.loss) }, color: INK }],
    legend: false,
  });
}

/** Options of `sharpnessPanel`. */
export interface SharpnessOptions {
  title: string;
  subtitle?: string;
  id: string;
  /** Extra reference levels (λ_single, λ_bal, …). */
  rules?: RuleSpec[];
  width?: number;
  height?: number;
  xType?: "linear" | "log";
  legendPosition?: "top-right" | "top-left" | "bottom-right" | "bottom-left";
  /** x axis (default STEP_X); `run.sharpness` holds [x, λ_max] in its units. */
  x?: PanelX;
  /** Draw 2/η (default true; false for gradient flow, which has no step). */
  threshold?: boolean;
  /** Also draw the lower measured eigenvalues λ_2 … λ_m of the records, faintly (default false). */
  lower?: boolean;
  /** Mark every measurement with a dot (default false). */
  markers?: boolean;
  /** Legend name of the measured λ_max (default "λ_max (measured)"). */
  measuredLabel?: string;
  /** A note appended to the subtitle (e.g. that nothing was measured). */
  note?: string;
}

/**
 * Measured λ_max vs step against the stability threshold 2/η (a rule for a constant step, a step
 * function 2/η_t for a schedule, clipped where an early warm-up makes it huge).
 */
export function sharpnessPanel(run: PanelRun, o: SharpnessOptions): string {
  const log = o.xType === "log";
  const ax = o.x ?? STEP_X;
  const pts = log ? run.sharpness.filter((p) => p[0] > 0) : run.sharpness;
  const series: Series[] = [];
  let lowest = 0;
  if (o.lower) {
    // Faint lower eigenvalues first, so that λ_max is drawn on top of them.
    const measured = run.records.filter((r) => r.sharpness !== null && r.sharpness.length > 1 && (!log || ax.of(r) > 0));
    const m = measured.reduce((acc, r) => Math.max(acc, r.sharpness!.length), 0);
    const x = Float64Array.from(measured, ax.of);
    for (let j = 1; j < m; j++) {
      const y = Float64Array.from(measured, (r) => r.sharpness![j] ?? Number.NaN);
      for (const v of y) if (Number.isFinite(v) && v < lowest) lowest = v;
      series.push({ name: m > 3 ? `λ_2 … λ_${m}` : m === 3 ? "λ_2, λ_3" : "λ_2", points: { x, y }, color: INK, strokeWidth: 1, opacity: 0.3, legend: j === 1 });
    }
  }
  series.push({
    name: o.measuredLabel ?? "λ_max (measured)",
    points: { x: pts.map((p) => p[0]), y: pts.map((p) => p[1]) },
    color: INK,
    ...(o.markers ? { marker: true } : {}),
  });
  const rules: RuleSpec[] = [...(o.rules ?? [])];
  const threshold = o.threshold !== false;
  const lrs = run.records.map((r) => r.lr);
  const constant = lrs.every((v) => Math.abs(v - lrs[0]!) <= 1e-12 * lrs[0]!);
  // Loops rather than Math.max(...xs): a run can have more measurements than a call has arguments.
  let top = threshold ? Math.max(0, 2 / run.lr) : 0;
  for (const p of pts) if (Number.isFinite(p[1]) && p[1] > top) top = p[1];
  for (const r of rules) if ((r.y ?? 0) > top) top = r.y ?? 0;
  if (top === 0) top = 1;
  if (!threshold) {
    // Gradient flow: no step, no stability threshold.
  } else if (constant) {
    rules.push({ y: 2 / run.lr, label: `2/η = ${short(2 / run.lr)}`, color: "#b2182b", dash: "6,3", legend: "2/η (stability threshold)" });
  } else {
    // 2/η_t of an early warm-up is huge: clip it just above the frame (coordinates far outside the
    // frame add nothing and make the PNG renderer panic).
    const recs = run.records.filter((r) => Number.isFinite(r.lr) && r.lr > 0 && (!log || ax.of(r) > 0));
    series.push({
      name: "2/η_t (stability threshold)",
      points: { x: Float64Array.from(recs, ax.of), y: Float64Array.from(recs, (r) => Math.min(2 / r.lr, 1.5 * top)) },
      color: "#b2182b", dash: "6,3", strokeWidth: 1.25, curve: "step-after",
    });
  }
  return lineChart({
    id: o.id,
    title: o.title,
    ...(o.subtitle || o.note ? { subtitle: (o.subtitle ?? "") + (o.note ?? "") } : {}),
    width: o.width ?? PANEL.width,
    height: o.height ?? PANEL.height,
    x: { label: ax.label, type: o.xType ?? "linear" },
    y: { label: "sharpness λ_max(∇²ℒ)", domain: [lowest < 0 ? lowest * 1.12 : 0, top * 1.12] },
    series,
    rules,
    ...(o.legendPosition ? { legend: { position: o.legendPosition } } : {}),
  });
}

/** Options of `balancePanel`. */
export interface BalanceOptions {
  title: string;
  subtitle?: string;
  id: string;
  /** Number of pathways K (the index runs from 1/K to 1). */
  K: number;
  /** Modes drawn (indices). */
  modes: number[];
  /** A predicted final balance index of the top mode, drawn as a level (null: none). */
  predicted?: { value: number; label: string } | null;
  x?: PanelX;
  xType?: "linear" | "log";
  width?: number;
  height?: number;
}

/**
 * The balance index BI = (Σ_k s_k)²/(K Σ_k s_k²) of each drawn mode vs step (the measure of `dlnlab
 * run`'s table and CSV and of the lab), between 1/K (one pathway carries the mode) and 1 (equal split).
 */
export function balancePanel(run: PanelRun, o: BalanceOptions): string {
  const ax = o.x ?? STEP_X;
  const log = o.xType === "log";
  const series: Series[] = [];
  let lowest = 1 / o.K;
  for (const [j, i] of o.modes.entries()) {
    const recs = run.records.filter((r) => Number.isFinite(r.balanceIndex[i]) && (!log || ax.of(r) > 0));
    for (const r of recs) lowest = Math.min(lowest, r.balanceIndex[i]!);
    series.push({ name: `mode ${i + 1}`, points: { x: Float64Array.from(recs, ax.of), y: Float64Array.from(recs, (r) => r.balanceIndex[i]!) }, color: INK, dash: modeDash(j) });
  }
  const rules: RuleSpec[] = [
    { y: 1, label: "equal split", color: THEORY, dash: "2,3" },
    { y: 1 / o.K, label: `one pathway (1/K = ${short(1 / o.K, 3)})`, color: THEORY, dash: "2,3" },
  ];
  if (o.predicted) rules.push({ y: o.predicted.value, label: short(o.predicted.value, 3), color: THEORY, dash: "5,3", legend: o.predicted.label });
  return lineChart({
    id: o.id,
    title: o.title,
    ...(o.subtitle ? { subtitle: o.subtitle } : {}),
    width: o.width ?? PANEL.width,
    height: o.height ?? PANEL.height,
    x: { label: ax.label, type: o.xType ?? "linear" },
    y: { label: "balance index (Σ_k s_k)²/(K Σ_k s_k²)", domain: [Math.max(0, lowest - 0.05), 1.05] },
    series,
    rules,
    ...(o.modes.length > 1 || o.predicted ? {} : { legend: false as const }),
  });
}

/** The residual r_1 vs step on a symlog axis over [from, to] (sign alternation at the EoS). */
export function residualPanel(run: RunData, from: number, to: number, title: string, id: string, band?: BandSpec): string {
  const recs = run.records.filter((r) => r.step >= from && r.step <= to);
  const amp = Math.max(1e-12, ...recs.map((r) => Math.abs(r.residual[0]!)).filter(Number.isFinite));
  return lineChart({
    id,
    title,
    width: PANEL.width,
    height: PANEL.height,
    x: { label: "GD step t" },
    y: { label: "top-mode residual r_1 = s_1 − σ_1", type: "symlog", constant: Math.max(1e-6, amp * 1e-4) },
    series: [{ name: "r_1", points: { x: steps(recs), y: Float64Array.from(recs, (r) => r.residual[0]!) }, color: INK, strokeWidth: 1, marker: recs.length <= 200 }],
    rules: [{ y: 0, label: "0", color: THEORY, dash: "2,3" }],
    ...(band ? { bands: [band] } : {}),
    legend: band?.label ? undefined : false,
  });
}

/** Variance of the centred gradient-flow leaf coordinates, Var_k(z_k), on a log axis. */
export function leafPanel(run: RunData, title: string, id: string, band?: BandSpec): string {
  const recs = run.records.filter((r) => Number.isFinite(leafVariance(r)) && leafVariance(r) > 0);
  return lineChart({
    id,
    title,
    width: PANEL.width,
    height: PANEL.height,
    x: { label: "GD step t" },
    y: { label: "leaf variance Var_k(z_k) (mode 1)", type: "log" },
    series: [{ name: "Var_k(z_k)", points: { x: steps(recs), y: Float64Array.from(recs, leafVariance) }, color: INK }],
    ...(band ? { bands: [band] } : {}),
    legend: band?.label ? undefined : false,
  });
}

/** The step range where the measured λ_max exceeded 2/η, as a shaded band (or undefined). */
export function eosBand(run: RunData): BandSpec | undefined {
  const { first, last } = run.eos;
  if (first === null || last === null) return undefined;
  return { x: [first, Math.max(last, first + 1)], label: "λ_max > 2/η (Edge of Stability)", color: "#b2182b", opacity: 0.1 };
}

/** Options of `trajectoryRow`. */
export interface TrajectoryRowOptions {
  /** Index of the row (part of the panel ids). */
  j: number;
  /** Start of every panel title, e.g. "h = 2.6". */
  head: string;
  subtitle: string;
  depths: readonly number[];
  sigma: readonly number[];
  modes?: number[];
  /** Predicted final top-mode split, drawn as levels in the pathways' colours (null: none). */
  prediction: readonly number[] | null;
  /** Legend text of those levels; default "prediction". */
  predictionLabel?: string;
  /** λ_single and λ_bal of the top mode, drawn on the sharpness panel. */
  lambdaSingle: number;
  lambdaBalanced: number;
}

/**
 * One run as a row of three panels: mode coefficients with the predicted split, loss, and sharpness
 * against 2/η, λ_single and λ_bal. A run that never settles (not converged, > 5000 steps) is shown on
 * a log step axis, so its early phase stays visible.
 */
export function trajectoryRow(run: RunData, o: TrajectoryRowOptions): string[] {
  const { j, head, subtitle } = o;
  const xType = run.status !== "converged" && run.steps > 5000 ? "log" : "linear";
  const rules = o.prediction ? o.prediction.map((v, k) => levelRule(v, short(v, 3), k)) : [];
  return [
    modesPanel(run, {
      id: `runs-modes-${j}`, title: `${head}: mode coefficients`, subtitle,
      depths: o.depths, sigma: o.sigma, ...(o.modes ? { modes: o.modes } : {}), rules, xType,
      ...(o.prediction ? { extraLegend: [{ label: o.predictionLabel ?? "prediction", color: THEORY, dash: "5,3" }] } : {}),
    }),
    lossPanel(run, `${head}: loss`, `runs-loss-${j}`, subtitle, xType),
    sharpnessPanel(run, {
      id: `runs-sharp-${j}`, title: `${head}: sharpness`, subtitle, xType,
      rules: [
        { y: o.lambdaSingle, label: `λ_single = ${short(o.lambdaSingle)}`, color: THEORY, dash: "2,3" },
        { y: o.lambdaBalanced, label: `λ_bal = ${short(o.lambdaBalanced)}`, color: THEORY, dash: "2,3" },
      ],
    }),
  ];
}

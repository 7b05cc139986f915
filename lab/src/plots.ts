/**
 * @file The four live plots (uPlot on canvas): mode coefficients per pathway, loss on a log axis,
 * sharpness against 2/η and the theory thresholds, and for K = 2 the phase portrait of the top mode
 * in the (s₁, s₂) plane (for K ≠ 2 the balance index instead). Each chart is a list of lines (`LineDef`)
 * read from a run's columns, drawn for the current run and for overlays (a pinned earlier run, faint;
 * the central-flow prediction, dashed), decimated to ~2 points per pixel (min/max, so period-2
 * oscillations stay visible). A chart has its own legend with line-style swatches, a hover readout of
 * the exact recorded values, drag-to-zoom with a reset, direct labels on the reference lines and an
 * optional log x axis. The same lines make the SVG and PNG exports through the CLI's figure builder.
 * Pathway colours and mode dashes are the CLI figures' own (src/plot/palette.ts).
 */
import uPlot from "uplot";
import { INK, MODE_DASHES, REFERENCE, pathwayColor } from "../../src/plot/palette.js";
import { alignTraces, thinPath, type Trace } from "./decimate.js";
import { fmt } from "./format.js";
import { wrapTerms } from "./glossary.js";
import { gradientFlowLeaf, sharpnessLevelSet, zeroLossLine, type Curve } from "./phase.js";
import type { TheorySummary } from "./regime.js";
import type { RunData } from "./series.js";

/** Most modes drawn in the mode-coefficient plot (the top ones), as in the CLI figures. */
export const MAX_MODES = 4;

/** What the charts need to know about the run (or the form, before a run). */
export interface ChartContext {
  depths: number[];
  /** Number of modes d. */
  width: number;
  sigma: number[];
  dynamics: "full" | "reduced" | "flow";
  /** Base (peak) step size η. */
  lr: number;
  /** Planned steps (the x range before a run). */
  steps: number;
  /** End-to-end SVS init scales per pathway, or null. */
  initScales: number[] | null;
  /** The theory of the top mode, or null when it does not apply. */
  theory: TheorySummary | null;
}

/**
 * A trajectory drawn over the current run: a pinned earlier run (faint, "pinned"), or a prediction of
 * the same quantities such as the central flow (dashed, "prediction"). A prediction is any `RunData`
 * (records of step, s, loss, sharpness): the central-flow engine's output plugs in here unchanged.
 */
export interface Overlay {
  /** Legend text, e.g. "pinned: η = 0.55" or "central flow". */
  label: string;
  style: "pinned" | "prediction";
  data: RunData;
  /** Its own context (depths, width, dynamics), which may differ from the current run's. */
  ctx: ChartContext;
}

/** One line of a chart: style, and where its points come from. */
export interface LineDef {
  label: string;
  color: string;
  /** Dash pattern in px (uPlot and SVG alike); none = solid. */
  dash?: number[];
  width?: number;
  /** Dots, no line (sparse measurements). */
  marker?: boolean;
  /** A horizontal reference line at this y (theory), drawn across the x range and labelled at its end. */
  constant?: number;
  /** Text written at the right end of the line on the chart (direct label). */
  direct?: string;
  /** Points from a run's columns (absent for constants). */
  trace?: (data: RunData, ctx: ChartContext) => Trace;
  /** Drawn as this constant while its run has no records yet (2/η before a run). */
  fallback?: number;
  /** Also drawn for overlays (default: every data line). */
  overlay?: boolean;
}

/** One entry of a chart's legend. */
export interface LegendEntry {
  label: string;
  color: string;
  dash?: number[];
  /** Drawn as a dot (a marker series), not a line. */
  marker: boolean;
  opacity?: number;
}

/** Compact tick labels: 3 significant digits, exponents for tiny and huge values. */
function tick(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "";
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(0).replace("e+", "e") : String(Number(v.toPrecision(3)));
}

/** Log-axis ticks: powers of ten only, every k-th decade so that at most ~6 show (uPlot's default adds 2…9 too). */
function logSplits(_u: uPlot, _axis: number, min: number, max: number): number[] {
  const lo = Math.ceil(Math.log10(min) - 1e-9);
  const hi = Math.floor(Math.log10(max) + 1e-9);
  const stride = Math.max(1, Math.ceil((hi - lo + 1) / 6));
  const out: number[] = [];
  for (let e = hi; e >= lo; e -= stride) out.unshift(Math.pow(10, e));
  return out;
}

/** Log-axis labels: 1e-8 style. */
function logTicks(_u: uPlot, splits: number[]): string[] {
  return splits.map((v) => `1e${Math.round(Math.log10(v))}`);
}

const AXIS_FONT = "12px system-ui, sans-serif";
const LABEL_FONT = "bold 12px system-ui, sans-serif";
/** Opacity of a pinned run's lines: visible under the current run, never mistaken for it. */
export const PINNED_ALPHA = 0.3;
/** Dash of a prediction overlay (central flow). */
export const PREDICTION_DASH = [8, 4];

/** A y (or x) axis with a label. */
function axis(label: string, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return { label, font: AXIS_FONT, labelFont: LABEL_FONT, labelSize: 22, stroke: "#333", grid: { stroke: "#e6e6e6", width: 1 }, ticks: { stroke: "#ccc", width: 1 }, ...extra };
}

/** x of a run: the step (GD), or the integration time (gradient flow), as the CLI figures do. */
export function xLabel(ctx: ChartContext, logX = false): string {
  return (ctx.dynamics === "flow" ? "time t = η·steps (dimensionless)" : "GD step t") + (logX ? " (log scale)" : "");
}

function xColumn(ctx: ChartContext, data: RunData): Float64Array {
  return (ctx.dynamics === "flow" ? data.time : data.step).data;
}

/** A chart's SVG axis description (for the exports through the CLI's figure builder). */
export interface ExportAxes {
  x: { label: string; type: "linear" | "log"; domain?: [number, number] };
  y: { label: string; type: "linear" | "log"; domain?: [number, number] };
}

/** One live chart: a uPlot instance, rebuilt when the run's shape changes, fed on demand. */
export abstract class LiveChart {
  protected u: uPlot | null = null;
  protected ctx: ChartContext | null = null;
  protected overlays: readonly Overlay[] = [];
  protected logX = false;
  private legend: LegendEntry[] = [];
  private last: RunData | null = null;
  /** The hover readout element (below the chart). */
  private readonly readout: HTMLElement;
  private readonly legendEl: HTMLElement;

  constructor(
    /** Element that receives the canvas (sized by CSS; the chart follows its width). */
    readonly host: HTMLElement,
    /** Plain-text title, also drawn into exported figures. */
    readonly title: string,
  ) {
    const figure = host.closest("figure") ?? host.parentElement!;
    this.legendEl = figure.querySelector<HTMLElement>(".legend")!;
    this.readout = figure.querySelector<HTMLElement>(".readout")!;
  }

  /** Width of the host in CSS pixels (a phone gets ~320). */
  protected size(): { width: number; height: number } {
    const width = Math.max(240, Math.floor(this.host.clientWidth));
    // Tall enough on a phone for the rotated y label; never taller than a laptop row needs.
    return { width, height: Math.round(Math.min(300, Math.max(230, width * 0.55))) };
  }

  /** Start over for a run (or the form preview) with this context, overlays and x scale. */
  reset(ctx: ChartContext, overlays: readonly Overlay[], logX: boolean): void {
    this.ctx = ctx;
    this.overlays = overlays;
    this.logX = logX;
    this.destroy();
    const options = this.options(ctx);
    this.legend = this.legendOf(options);
    this.renderLegend();
    this.u = new uPlot({ ...options, ...this.size() }, this.empty(ctx), this.host);
  }

  /** Remove the canvas (before a new chart takes the host). */
  destroy(): void {
    this.u?.destroy();
    this.u = null;
  }

  /** Redraw from the run's columns (null: no run yet, theory only). */
  draw(data: RunData | null): void {
    if (!this.u || !this.ctx) return;
    this.last = data;
    this.u.setData(this.data(this.ctx, data, this.u.bbox.width / uPlot.pxRatio || 400));
  }

  /** Back to the full range after a zoom. */
  resetZoom(): void {
    if (this.u) this.u.setData(this.u.data, true);
  }

  /** Follow the host's width. */
  resize(): void {
    if (this.u) this.u.setSize(this.size());
  }

  /** The current data as series of points with their styles (and labelled reference lines), for the SVG export. */
  abstract exportSeries(): { axes: ExportAxes; series: ExportSeries[]; rules: ExportRule[] };

  private legendOf(options: Omit<uPlot.Options, "width" | "height">): LegendEntry[] {
    return options.series.slice(1).flatMap((s) => {
      const label = typeof s.label === "string" ? s.label : "";
      if (!label) return [];
      const marker = s.class === MARKER;
      return [{ label, color: typeof s.stroke === "string" ? s.stroke : INK, ...(s.dash ? { dash: s.dash } : {}), marker, ...(s.alpha !== undefined ? { opacity: s.alpha } : {}) }];
    });
  }

  /** The legend as HTML with SVG swatches that draw each line's own colour and dash (or its dot). */
  private renderLegend(): void {
    const NS = "http://www.w3.org/2000/svg";
    const items = this.legend.map((e) => {
      const li = document.createElement("li");
      const svg = document.createElementNS(NS, "svg");
      svg.setAttribute("width", "26");
      svg.setAttribute("height", "10");
      svg.setAttribute("aria-hidden", "true");
      if (e.marker) {
        const c = document.createElementNS(NS, "circle");
        c.setAttribute("cx", "13");
        c.setAttribute("cy", "5");
        c.setAttribute("r", "3.5");
        c.setAttribute("fill", e.color);
        svg.append(c);
      } else {
        const l = document.createElementNS(NS, "line");
        for (const [k, v] of [["x1", "1"], ["y1", "5"], ["x2", "25"], ["y2", "5"], ["stroke", e.color], ["stroke-width", "2"]]) l.setAttribute(k!, v!);
        if (e.dash) l.setAttribute("stroke-dasharray", e.dash.join(","));
        svg.append(l);
      }
      if (e.opacity !== undefined) svg.setAttribute("opacity", String(e.opacity));
      const text = document.createElement("span");
      text.textContent = e.label;
      wrapTerms(text);
      li.append(svg, text);
      return li;
    });
    this.legendEl.replaceChildren(...items);
  }

  /** The hover text for the cursor at data coordinates (x, y). */
  protected abstract hover(x: number, y: number, data: RunData | null): string;

  /** Hooks shared by every chart: hover readout and direct labels. */
  protected hooks(): uPlot.Hooks.Arrays {
    return {
      setCursor: [
        (u) => {
          const { left, top } = u.cursor;
          if (left === undefined || top === undefined || left < 0 || top < 0) {
            this.readout.textContent = "Hover for values · drag to zoom · double-click or ⟲ to reset";
            return;
          }
          this.readout.textContent = this.hover(u.posToVal(left, "x"), u.posToVal(top, "y"), this.last);
        },
      ],
      draw: [(u) => this.drawDirectLabels(u)],
      // The visible x range, readable by tests and scripts (a canvas shows it only as pixels).
      setScale: [
        (u, key) => {
          if (key !== "x") return;
          const x = u.scales.x!;
          if (x.min !== undefined && x.min !== null) this.host.dataset.xMin = String(x.min);
          if (x.max !== undefined && x.max !== null) this.host.dataset.xMax = String(x.max);
        },
      ],
    };
  }

  /** Direct labels: the text of each labelled line at its right end, in its colour. */
  protected drawDirectLabels(u: uPlot): void {
    const c = u.ctx;
    c.save();
    c.font = `${11 * uPlot.pxRatio}px system-ui, sans-serif`;
    c.textBaseline = "bottom";
    const drawn: string[] = [];
    for (const { text, color, y, left } of this.directLabels()) {
      const py = u.valToPos(y, "y", true);
      if (!Number.isFinite(py) || py < u.bbox.top || py > u.bbox.top + u.bbox.height) continue;
      drawn.push(text);
      c.fillStyle = color;
      // Thresholds at the right end; 2/η at the left, where it never sits on λ_bal's label.
      c.textAlign = left ? "left" : "right";
      c.fillText(text, left ? u.bbox.left + 4 * uPlot.pxRatio : u.bbox.left + u.bbox.width - 4 * uPlot.pxRatio, py - 2 * uPlot.pxRatio);
    }
    c.restore();
    this.host.dataset.directLabels = drawn.join("|");
  }

  /** Labels written on the chart at the right (or left) end of a reference line. */
  protected directLabels(): { text: string; color: string; y: number; left?: boolean }[] {
    return [];
  }

  protected abstract options(ctx: ChartContext): Omit<uPlot.Options, "width" | "height">;
  protected abstract empty(ctx: ChartContext): uPlot.AlignedData;
  protected abstract data(ctx: ChartContext, data: RunData | null, pixels: number): uPlot.AlignedData;
}

/** One series of an SVG export (points already decimated, or a polyline). */
export interface ExportSeries {
  name: string;
  x: number[];
  y: number[];
  color: string;
  dash?: string;
  opacity?: number;
  marker?: boolean;
  line?: boolean;
}

/** A horizontal reference line of an SVG export, labelled beside the frame. */
export interface ExportRule {
  y: number;
  label: string;
  color: string;
  dash?: string;
  legend: string;
}

/** Series class of marker series (dots, no line): their legend entry is a dot too. */
const MARKER = "marker";

/** Value of `col` at the last record with x ≤ `x` (binary search on the sorted x column). */
function valueAt(xs: Float64Array, col: Float64Array, n: number, x: number): { i: number; v: number } | null {
  if (n === 0 || !(x >= xs[0]!)) return null;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xs[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return { i: lo, v: col[lo]! };
}

/** A chart of quantities against the step (or time): lines from `lines(ctx)`, for the run and its overlays. */
abstract class TimeChart extends LiveChart {
  protected abstract lines(ctx: ChartContext): LineDef[];
  protected abstract yAxis(ctx: ChartContext): uPlot.Axis;
  /** Log y axis (loss). */
  protected logY = false;
  /** Fixed y range, or a function of the drawn data. */
  protected yRange?: uPlot.Scale["range"];
  /** Points drawn per series, per overlay: [overlay index (-1 = the run), line] in series order. */
  private plan: { source: number; line: LineDef }[] = [];

  protected options(ctx: ChartContext): Omit<uPlot.Options, "width" | "height"> {
    this.plan = [];
    const series: uPlot.Series[] = [{ label: xLabel(ctx, this.logX) }];
    const add = (source: number, line: LineDef, label: string, alpha?: number, dash?: number[]) => {
      this.plan.push({ source, line });
      const d = dash ?? line.dash;
      series.push({
        label,
        stroke: line.color,
        width: line.width ?? 1.5,
        ...(d ? { dash: d } : {}),
        ...(alpha !== undefined ? { alpha } : {}),
        spanGaps: true,
        ...(line.marker ? { class: MARKER, fill: line.color, paths: () => null, points: { show: true, size: 5, fill: line.color, stroke: line.color } } : { points: { show: false } }),
      });
    };
    const lines = this.lines(ctx);
    this.overlays.forEach((o, j) => {
      for (const line of this.lines(o.ctx)) {
        if (!line.trace || line.overlay === false) continue;
        // A pinned run is faint; a prediction is dashed in the line's own colour.
        if (o.style === "pinned") add(j, line, `${o.label}: ${line.label}`, PINNED_ALPHA);
        else add(j, { ...line, marker: false }, `${o.label}: ${line.label}`, undefined, PREDICTION_DASH);
      }
    });
    for (const line of lines) add(-1, line, line.label);
    return {
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      scales: {
        x: { time: false, ...(this.logX ? { distr: 3 } : {}) },
        y: { ...(this.logY ? { distr: 3 } : {}), ...(this.yRange ? { range: this.yRange } : {}) },
      },
      axes: [axis(xLabel(ctx, this.logX), this.logX ? { splits: logSplits, values: logTicks, filter: (_u, s) => s } : { values: (_u, s) => s.map(tick) }), this.yAxis(ctx)],
      series,
      hooks: this.hooks(),
    };
  }

  protected empty(ctx: ChartContext): uPlot.AlignedData {
    return this.data(ctx, null, 400);
  }

  protected data(ctx: ChartContext, data: RunData | null, pixels: number): uPlot.AlignedData {
    const traces: Trace[] = [];
    const positive: boolean[] = [];
    // The x range of the constants: the data's, or the planned run before there is any.
    let x0 = this.logX ? 1 : 0;
    let x1 = -Infinity;
    const sources = (s: number) => (s < 0 ? (data ? { data, ctx } : null) : this.overlays[s]!);
    for (let s = -1; s < this.overlays.length; s++) {
      const src = sources(s);
      if (src && src.data.length > 0) x1 = Math.max(x1, xColumn(src.ctx, src.data)[src.data.length - 1]!);
    }
    if (!(x1 > x0)) x1 = Math.max(1, ctx.dynamics === "flow" ? ctx.lr * ctx.steps : ctx.steps);
    if (data && data.length > 0 && !this.logX) x0 = Math.min(x0, xColumn(ctx, data)[0]!);
    for (const { source, line } of this.plan) {
      const src = sources(source);
      if (line.constant !== undefined) traces.push({ x: [x0, x1], y: [line.constant, line.constant], n: 2 });
      else if (src && line.trace && src.data.length > 0) traces.push(line.trace(src.data, src.ctx));
      else if (line.fallback !== undefined) traces.push({ x: [x0, x1], y: [line.fallback, line.fallback], n: 2 });
      else traces.push({ x: [], y: [], n: 0 });
      positive.push(this.logY);
    }
    return alignTraces(traces, Math.round(pixels), this.logX, positive) as uPlot.AlignedData;
  }

  protected hover(x: number, _y: number, data: RunData | null): string {
    const ctx = this.ctx;
    if (!ctx || !data || data.length === 0) return `${ctx?.dynamics === "flow" ? "t" : "step"} ≈ ${fmt(x, 5)}`;
    const xs = xColumn(ctx, data);
    const at = valueAt(xs, xs, data.length, x);
    if (!at) return `${ctx.dynamics === "flow" ? "t" : "step"} ≈ ${fmt(x, 5)}`;
    const parts = [`${ctx.dynamics === "flow" ? `t = ${fmt(xs[at.i]!, 6)}` : `step ${data.step.data[at.i]!}`}`];
    for (const line of this.lines(ctx)) {
      if (!line.trace) continue;
      const tr = line.trace(data, ctx);
      // Sparse series (sharpness): the last measured value at or before the cursor.
      let i = at.i;
      while (i > 0 && !Number.isFinite(tr.y[i]!)) i--;
      // 6 significant digits (fmt's exponent form keeps sig − 1).
      if (Number.isFinite(tr.y[i]!)) parts.push(`${line.label} = ${fmt(tr.y[i]!, Math.abs(tr.y[i]!) < 1e-3 || Math.abs(tr.y[i]!) >= 1e5 ? 7 : 6)}`);
    }
    return parts.join(" · ");
  }

  protected override directLabels(): { text: string; color: string; y: number; left?: boolean }[] {
    return this.ctx ? this.lines(this.ctx).flatMap((l) => (l.direct && l.constant !== undefined ? [{ text: l.direct, color: l.color, y: l.constant }] : [])) : [];
  }

  exportSeries(): { axes: ExportAxes; series: ExportSeries[]; rules: ExportRule[] } {
    const u = this.u!;
    const data = u.data as unknown as (number | null)[][];
    const series: ExportSeries[] = [];
    const rules: ExportRule[] = [];
    this.plan.forEach((p, j) => {
      if (p.line.constant !== undefined) {
        // A theory threshold: a labelled reference line in the figure, as the CLI's figures draw them.
        rules.push({ y: p.line.constant, label: p.line.direct ?? p.line.label, color: p.line.color, ...(p.line.dash ? { dash: p.line.dash.join(",") } : {}), legend: p.line.label });
        return;
      }
      const s = u.series[j + 1]!;
      const x: number[] = [];
      const y: number[] = [];
      const col = data[j + 1]!;
      for (let i = 0; i < col.length; i++) if (col[i] !== null && col[i] !== undefined) (x.push(data[0]![i]!), y.push(col[i]!));
      const dash = s.dash && s.dash.length > 0 ? s.dash.join(",") : undefined;
      series.push({ name: String(s.label), x, y, color: p.line.color, ...(dash ? { dash } : {}), ...(s.alpha !== undefined ? { opacity: s.alpha } : {}), ...(p.line.marker ? { marker: true, line: false } : {}) });
    });
    const sx = u.scales.x!;
    const sy = u.scales.y!;
    return {
      axes: {
        x: { label: xLabel(this.ctx!, this.logX), type: this.logX ? "log" : "linear", domain: [sx.min!, sx.max!] },
        y: { label: String(u.axes[1]!.label ?? ""), type: this.logY ? "log" : "linear", ...(this.logY ? {} : { domain: [sy.min!, sy.max!] as [number, number] }) },
      },
      series,
      rules,
    };
  }
}

/** A column of a run as a trace against its x. */
function trace(ctx: ChartContext, data: RunData, y: Float64Array): Trace {
  return { x: xColumn(ctx, data), y, n: data.length };
}

/** Mode coefficients s_{k,i} per pathway vs step, with the predicted stopping split of the top mode. */
export class ModesChart extends TimeChart {
  protected lines(ctx: ChartContext): LineDef[] {
    const out: LineDef[] = [];
    for (let i = 0; i < Math.min(ctx.width, MAX_MODES); i++) {
      ctx.depths.forEach((L, k) => {
        const dash = MODE_DASHES[i];
        out.push({ label: `pathway ${k + 1} (L=${L}), mode ${i + 1}`, color: pathwayColor(k), ...(dash ? { dash: dash.split(",").map(Number) } : {}), trace: (d, c) => trace(c, d, d.s[k * c.width + i]!.data) });
      });
    }
    const t = ctx.theory;
    if (t && t.stop.ok) {
      t.stop.boundary.s.forEach((s, k) => out.push({ label: `predicted stop, pathway ${k + 1} (mode 1)`, color: pathwayColor(k), dash: [2, 4], width: 1, constant: s, direct: `stop s${k + 1}` }));
    }
    return out;
  }

  protected yAxis(): uPlot.Axis {
    return axis("s_k,i (dimensionless)", { size: 56, values: (_u, s) => s.map(tick) });
  }
}

/** Loss ½‖F − Y‖²_F on a log axis. */
export class LossChart extends TimeChart {
  protected override logY = true;

  protected lines(): LineDef[] {
    // Log axis: a loss of exactly 0 has no place on it and is left out.
    return [{ label: "loss", color: INK, trace: (d, c) => trace(c, d, d.loss.data) }];
  }

  protected yAxis(): uPlot.Axis {
    return axis("½‖F − Y‖² (log scale)", { size: 56, splits: logSplits, values: logTicks, filter: (_u, splits) => splits });
  }
}

/** Measured λ_max with 2/η_t and the thresholds λ_single(σ₁), λ_bal(σ₁), each labelled on the chart. */
export class SharpnessChart extends TimeChart {
  protected override yRange: uPlot.Scale["range"] = (u) => this.fit(u);

  protected lines(ctx: ChartContext): LineDef[] {
    // Markers only: a line between sparse measurements would suggest values that were never measured.
    const out: LineDef[] = [{ label: "λ_max (measured)", color: INK, marker: true, width: 1, trace: (d, c) => trace(c, d, d.sharpness.data) }];
    if (ctx.dynamics !== "flow") {
      // 2/η_t from the records (a schedule varies it); before a run, the constant 2/η.
      out.push({ label: "2/η", color: REFERENCE, width: 1.25, dash: [6, 3], overlay: false, fallback: 2 / ctx.lr, trace: (d, c) => trace(c, d, d.stability.data) });
    }
    if (ctx.theory) {
      out.push({ label: "λ_single(σ₁)", color: "#B22222", width: 1, dash: [2, 3], constant: ctx.theory.window.lambdaSingle, direct: "λ_single" });
      out.push({ label: "λ_bal(σ₁)", color: "#2E7D32", width: 1, dash: [2, 3], constant: ctx.theory.window.lambdaBalanced, direct: "λ_bal" });
    }
    return out;
  }

  protected override directLabels(): { text: string; color: string; y: number; left?: boolean }[] {
    const out: { text: string; color: string; y: number; left?: boolean }[] = super.directLabels();
    const ctx = this.ctx;
    if (ctx && ctx.dynamics !== "flow") {
      const last = this.lastStability();
      out.push({ text: "2/η", color: REFERENCE, y: last ?? 2 / ctx.lr, left: true });
    }
    return out;
  }

  private lastStability(): number | null {
    const u = this.u;
    if (!u) return null;
    const j = u.series.findIndex((s) => s.label === "2/η");
    const col = j > 0 ? (u.data[j] as (number | null)[]) : [];
    for (let i = col.length - 1; i >= 0; i--) if (col[i] !== null && col[i] !== undefined) return col[i]!;
    return null;
  }

  /** Follow λ and the thresholds; 2/η of an early warm-up can be far larger and is clipped. */
  private fit(u: uPlot): [number, number] {
    let top = 0;
    let bottom = 0;
    const data = u.data as (number | null)[][];
    for (let s = 1; s < data.length; s++) {
      const col = data[s]!;
      const isEta = u.series[s]?.label === "2/η";
      let lastIdx = -1;
      for (let i = col.length - 1; i >= 0 && lastIdx < 0; i--) if (col[i] !== null && col[i] !== undefined) lastIdx = i;
      for (let i = 0; i < col.length; i++) {
        const v = col[i];
        if (v === null || v === undefined || !Number.isFinite(v)) continue;
        // 2/η counts only at the end of the run (the last, post-warm-up value).
        if (isEta && i !== lastIdx) continue;
        top = Math.max(top, v);
        bottom = Math.min(bottom, v);
      }
    }
    if (top <= bottom) top = bottom + 1;
    return [bottom, top * 1.08];
  }

  protected yAxis(): uPlot.Axis {
    return axis("λ_max (dimensionless)", { size: 56, values: (_u, s) => s.map(tick) });
  }
}

/** K ≠ 2: balance index (Σ_k s_k)²/(K Σ_k s_k²) per mode, 1 = equal split, 1/K = one pathway. */
export class BalanceChart extends TimeChart {
  protected override yRange: uPlot.Scale["range"] = [0, 1.05];

  protected lines(ctx: ChartContext): LineDef[] {
    return Array.from({ length: Math.min(ctx.width, MAX_MODES) }, (_, i) => {
      const dash = MODE_DASHES[i];
      return { label: `mode ${i + 1}`, color: INK, ...(dash ? { dash: dash.split(",").map(Number) } : {}), trace: (d: RunData, c: ChartContext) => trace(c, d, d.balance[i]!.data) };
    });
  }

  protected yAxis(): uPlot.Axis {
    return axis("balance index (1 = equal)", { size: 56, values: (_u, s) => s.map(tick) });
  }
}

/**
 * Paths of single markers (filled circles) for the phase portrait: uPlot's own point drawing relies on
 * the x-index window of mode 1, which a faceted (mode 2) chart does not have.
 */
function markerPaths(size: number, ring = false): uPlot.Series.PathBuilder {
  return (u, seriesIdx) => {
    const [xs, ys] = (u.data[seriesIdx] as unknown as [number[], number[]]) ?? [[], []];
    const path = new Path2D();
    const r = (size / 2) * uPlot.pxRatio;
    for (let i = 0; i < xs.length; i++) {
      const x = u.valToPos(xs[i]!, "x", true);
      const y = u.valToPos(ys[i]!, "y", true);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      path.moveTo(x + r, y);
      path.arc(x, y, r, 0, 2 * Math.PI);
    }
    return { stroke: path, fill: ring ? null : path, clip: undefined, band: undefined, gaps: null, flags: 0 } as unknown as uPlot.Series.Paths;
  };
}

const FACETS: uPlot.Series.Facet[] = [
  { scale: "x", auto: false },
  { scale: "y", auto: false },
];

/** K = 2: the top mode in the (s₁, s₂) plane with the zero-loss line, λ = 2/η, the GF leaf, markers, and any overlay's path. */
export class PhaseChart extends LiveChart {
  private geometry: { zero: Curve; level: Curve; leaf: Curve } | null = null;
  private range: [number, number] = [0, 1];
  /** Overlays drawn as paths (only those with K = 2). */
  private paths: Overlay[] = [];

  protected options(ctx: ChartContext): Omit<uPlot.Options, "width" | "height"> {
    const sigma = ctx.theory?.sigma1 ?? Math.max(0, ...ctx.sigma);
    const depths = [ctx.depths[0]!, ctx.depths[1]!] as [number, number];
    const scales = ctx.initScales && ctx.initScales.length === 2 ? ([ctx.initScales[0]!, ctx.initScales[1]!] as [number, number]) : null;
    let leaf: Curve = { x: [], y: [] };
    if (scales && sigma > 0) {
      try {
        leaf = gradientFlowLeaf(depths, scales, sigma);
      } catch {
        // An init whose leaf coordinate overflows has no drawable leaf; the rest still applies.
      }
    }
    this.geometry = {
      zero: sigma > 0 ? zeroLossLine(sigma) : { x: [], y: [] },
      level: ctx.dynamics !== "flow" ? sharpnessLevelSet(depths, 2 / ctx.lr) : { x: [], y: [] },
      leaf,
    };
    this.range = [Math.min(0, -0.05 * sigma), Math.max(1e-9, 1.08 * sigma)];
    this.paths = this.overlays.filter((o) => o.ctx.depths.length === 2);
    const line = (label: string, stroke: string, width: number, dashArr?: number[], alpha?: number): uPlot.Series => ({
      label, stroke, width, ...(dashArr ? { dash: dashArr } : {}), ...(alpha !== undefined ? { alpha } : {}), facets: FACETS, paths: uPlot.paths.linear!(), points: { show: false },
    });
    const marker = (label: string, stroke: string, size: number, ring = false): uPlot.Series => ({
      label, class: MARKER, stroke, fill: stroke, width: ring ? 2 : 1, facets: FACETS, paths: markerPaths(size, ring), points: { show: false },
    });
    return {
      mode: 2,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false, auto: false, range: () => this.range }, y: { auto: false, range: () => this.range } },
      axes: [
        axis("s₁ = mode-1 coefficient of pathway 1", { values: (_u, s) => s.map(tick) }),
        axis("s₂ (pathway 2)", { size: 56, values: (_u, s) => s.map(tick) }),
      ],
      series: [
        {},
        line("zero loss s₁ + s₂ = σ₁", "#777777", 1.25),
        line("λ(s) = 2/η", "#B22222", 1.25, [6, 3]),
        line("GF leaf through the start", "#2E7D32", 1.25, [2, 3]),
        ...this.paths.map((o) => (o.style === "pinned" ? line(`${o.label}: trajectory`, INK, 1, undefined, PINNED_ALPHA) : line(`${o.label}: trajectory`, INK, 1.25, PREDICTION_DASH))),
        { ...line("trajectory", INK, 1), alpha: 0.8 },
        marker("start", "#777777", 7),
        marker("GF end point", "#2E7D32", 8),
        marker("flattest allocation s*", "#E69F00", 8),
        marker("now", pathwayColor(0), 7),
        // A ring drawn last, so the current point is seen inside it once the run stops there.
        marker("predicted stop", "#B22222", 13, true),
      ],
      hooks: this.hooks(),
    };
  }

  /** The cursor's (s₁, s₂), and the recorded point of the run nearest to it (one pass over the records). */
  protected hover(x: number, y: number, data: RunData | null): string {
    const here = `cursor s₁ = ${fmt(x, 5)}, s₂ = ${fmt(y, 5)}`;
    const ctx = this.ctx;
    if (!ctx || !data || data.length === 0) return here;
    const a = data.s[0]!.data;
    const b = data.s[ctx.width]!.data;
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < data.length; i++) {
      const d = (a[i]! - x) ** 2 + (b[i]! - y) ** 2;
      if (d < bestD) (bestD = d), (best = i);
    }
    return best < 0 ? here : `${here} · nearest record: step ${data.step.data[best]!}, s₁ = ${fmt(a[best]!, 6)}, s₂ = ${fmt(b[best]!, 6)}`;
  }

  protected empty(ctx: ChartContext): uPlot.AlignedData {
    return this.data(ctx, null, 400);
  }

  /** The path of a run's top mode, thinned to pixel cells; grows the view to include it. */
  private path(data: RunData, width: number, pixels: number): Curve {
    const x = data.s[0]!.data;
    const y = data.s[width]!.data;
    let lo = this.range[0];
    let hi = this.range[1];
    for (let i = 0; i < data.length; i++) {
      if (Number.isFinite(x[i]!)) (lo = Math.min(lo, x[i]!)), (hi = Math.max(hi, x[i]!));
      if (Number.isFinite(y[i]!)) (lo = Math.min(lo, y[i]!)), (hi = Math.max(hi, y[i]!));
    }
    // Grow (never shrink during a run) so that a transient overshoot stays in view.
    this.range = [Math.min(this.range[0], lo), Math.max(this.range[1], hi)];
    const cell = (this.range[1] - this.range[0]) / Math.max(100, pixels);
    return thinPath(x, y, data.length, cell, cell);
  }

  protected data(ctx: ChartContext, data: RunData | null, pixels: number): uPlot.AlignedData {
    const g = this.geometry!;
    const t = ctx.theory;
    const pt = (p: readonly number[] | null | undefined): [number[], number[]] => (p ? [[p[0]!], [p[1]!]] : [[], []]);
    const overlays = this.paths.map((o) => {
      const c = this.path(o.data, o.ctx.width, pixels);
      return [c.x, c.y];
    });
    let traj: Curve = { x: [], y: [] };
    let now: number[] | null = null;
    if (data && data.length > 0) {
      traj = this.path(data, ctx.width, pixels);
      now = [data.s[0]!.data[data.length - 1]!, data.s[ctx.width]!.data[data.length - 1]!];
    }
    const start = ctx.initScales && ctx.initScales.length === 2 ? ctx.initScales : null;
    return [
      null,
      [g.zero.x, g.zero.y],
      [g.level.x, g.level.y],
      [g.leaf.x, g.leaf.y],
      ...overlays,
      [traj.x, traj.y],
      pt(start),
      pt(t?.gfEndpoint),
      pt(t?.optimum),
      pt(now),
      pt(t && t.stop.ok ? t.stop.boundary.s : null),
    ] as unknown as uPlot.AlignedData;
  }

  exportSeries(): { axes: ExportAxes; series: ExportSeries[]; rules: ExportRule[] } {
    const u = this.u!;
    const data = u.data as unknown as [number[], number[]][];
    const series = u.series.slice(1).map((s, j) => {
      const [x, y] = data[j + 1] ?? [[], []];
      const dash = s.dash && s.dash.length > 0 ? s.dash.join(",") : undefined;
      const marker = s.class === MARKER;
      return { name: String(s.label), x: [...x], y: [...y], color: typeof s.stroke === "string" ? s.stroke : INK, ...(dash ? { dash } : {}), ...(s.alpha !== undefined ? { opacity: s.alpha } : {}), ...(marker ? { marker: true, line: false } : {}) };
    });
    return {
      axes: { x: { label: String(u.axes[0]!.label), type: "linear", domain: this.range }, y: { label: String(u.axes[1]!.label), type: "linear", domain: this.range } },
      series,
      rules: [],
    };
  }
}

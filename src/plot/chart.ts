/**
 * @file The line-chart builder every figure is made of: series, reference rules and shaded bands on
 * linear, log or symlog axes, rendered by Observable Plot into a headless DOM and returned as stable
 * SVG text. Title, axis labels, rule labels and the legend are drawn here as plain SVG, because Plot
 * puts titles and legends in HTML that a standalone SVG or PNG would lose.
 */
import * as Plot from "@observablehq/plot";
import { decimateMinMax, pixelBuckets } from "./decimate.js";
import { bestLegendPosition, LEGEND_POSITIONS, legendOrigin, legendSize, renderLegend } from "./legend.js";
import type { Box, LegendEntry, LegendPosition } from "./legend.js";
import { INK, REFERENCE } from "./palette.js";
import { headlessDocument, renumberPlotIds, roundSvgNumbers } from "./svg.js";
import { attrs, round2, svgText, textWidth, wrapText } from "./text.js";
import { linearTicks, logTicks, symlogTicks } from "./ticks.js";
import type { AxisTicks, ScaleType } from "./ticks.js";

export { pathwayColor, modeDash } from "./palette.js";
export type { LegendEntry, LegendPosition } from "./legend.js";

/** One data point. */
export interface Point {
  x: number;
  y: number;
}

/** Points of a series: an array of {x, y} or parallel arrays (typed arrays welcome). */
export type SeriesPoints = readonly Point[] | { x: ArrayLike<number>; y: ArrayLike<number> };

/** A line (and/or markers) on the chart. */
export interface Series {
  /** Legend label (markup: `λ_max`, `s_{k,i}`, `10^{-3}`; see text.ts). */
  name: string;
  points: SeriesPoints;
  /** CSS colour; default near-black. */
  color?: string;
  /** SVG dash array in px, e.g. "6,3"; default solid. */
  dash?: string | undefined;
  /** Line width in px; default 1.5. */
  strokeWidth?: number;
  /** Line and marker opacity, 0–1; default 1. */
  opacity?: number;
  /** Draw a dot (radius 2.5 px) at every point; default false. */
  marker?: boolean;
  /** Draw the connecting line; default true (false + marker = scatter). */
  line?: boolean;
  /** "step-after" holds each value until the next x (for schedules); default "linear". */
  curve?: "linear" | "step-after";
  /** List the series in the legend; default true. */
  legend?: boolean;
}

/** A numeric axis. */
export interface AxisSpec {
  /** Axis title with units, e.g. "time t = η·steps" (markup allowed). */
  label: string;
  /** Default "linear". Log axes silently drop non-positive values. */
  type?: ScaleType;
  /** Fixed [min, max]; default: the data (and rules) extent, y widened to whole ticks. */
  domain?: [number, number];
  /** Linear range around 0 of a symlog axis; default 1. */
  constant?: number;
  /** Custom tick label (keeps the automatic tick positions). */
  tickFormat?: (v: number) => string;
}

/** A horizontal (`y`) or vertical (`x`) reference line, labelled beside the frame (y) or inside its top (x). */
export interface RuleSpec {
  y?: number;
  x?: number;
  /** Text beside the line, e.g. "σ_1" or "2/η = 3.2". */
  label: string;
  /** Default dark grey. */
  color?: string;
  /** SVG dash array; default "4,3". */
  dash?: string;
  /** If set, also list the rule in the legend under this text. */
  legend?: string;
}

/** A shaded range of x (vertical strip) or y (horizontal strip); ±Infinity reaches the frame edge. */
export interface BandSpec {
  x?: [number, number];
  y?: [number, number];
  /** If set, the band is listed in the legend. */
  label?: string;
  /** Default grey. */
  color?: string;
  /** Fill opacity; default 0.12. */
  opacity?: number;
}

/** Legend options; `false` hides it. */
export interface LegendSpec {
  /** Corner inside the frame; default: the corner that hides the fewest line segments. */
  position?: LegendPosition;
  /** Explicit rows instead of one per series/rule/band (e.g. colour = pathway, dash = mode). */
  entries?: LegendEntry[];
  /** Columns of rows; default 1. */
  columns?: number;
}

/** Everything a line chart shows. Sizes in px. */
export interface LineChartSpec {
  title: string;
  subtitle?: string;
  /** Default 640. */
  width?: number;
  /** Default 400. */
  height?: number;
  x: AxisSpec;
  y: AxisSpec;
  series: Series[];
  rules?: RuleSpec[];
  bands?: BandSpec[];
  legend?: LegendSpec | false;
  /** Series longer than this are min/max-decimated to ~2 buckets per pixel column; default 4000. */
  decimateAbove?: number;
  /** Prefix of the SVG ids (clip paths) of this chart; default "chart". */
  id?: string;
}

/** Font stack written into every SVG; PNG rendering ships DejaVu Sans so text is identical everywhere. */
export const FONT_FAMILY = "DejaVu Sans, sans-serif";

/**
 * Attributes of a figure's root `<svg>`: size and viewBox in px, the font, centred text in the current
 * colour; `cls` ("dln-plot" for single charts) marks it for the lab's and the report's styles.
 */
export function rootAttrs(width: number, height: number, fontSize: number, cls?: string): string {
  return attrs({
    xmlns: "http://www.w3.org/2000/svg",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    "font-family": FONT_FAMILY,
    "font-size": fontSize,
    "text-anchor": "middle",
    fill: "currentColor",
    class: cls,
  });
}
const TICK_FONT = 11;
const LABEL_FONT = 12;
const TITLE_FONT = 14;
const SUBTITLE_FONT = 11;
const RULE_FONT = 11;
/** Outer whitespace around everything, px. */
const PAD = 10;
const TICK_SIZE = 5;
const TICK_PADDING = 3;

interface Prepared {
  spec: Series;
  x: Float64Array;
  y: Float64Array;
}

/** Everything derived from the spec that does not depend on the layout. */
interface Context {
  spec: LineChartSpec;
  width: number;
  height: number;
  xType: ScaleType;
  yType: ScaleType;
  xConst: number;
  yConst: number;
  rules: RuleSpec[];
  series: Prepared[];
  xs: number[];
  ys: number[];
  titleLines: string[];
  subtitleLines: string[];
}

/** Margins, frame, axes and the drawable (decimated) series for one choice of y headroom. */
interface Layout {
  marginTop: number;
  marginRight: number;
  marginBottom: number;
  marginLeft: number;
  frame: Box;
  xAxis: AxisTicks;
  yAxis: AxisTicks;
  series: Prepared[];
  rules: RuleSpec[];
  px: (v: number) => number;
  py: (v: number) => number;
}

interface Placement {
  entries: LegendEntry[];
  columns: number;
  position: LegendPosition;
  offset: number;
}

/** Ink a legend may cover before another placement is tried, px of line. */
const HIDDEN_OK = 2;

/**
 * Render a line chart to SVG markup (deterministic: same spec, same bytes). An automatic legend goes
 * to the clear corner; if every corner hides data and the y domain is automatic, the domain grows
 * upwards to make room; failing that, the legend slides along the frame side to the clearest spot.
 */
export function lineChart(spec: LineChartSpec): string {
  const ctx = context(spec);
  let layout = computeLayout(ctx, 0);
  const entries = spec.legend === false ? [] : legendEntries(spec, layout.series, layout.rules);
  if (entries.length === 0) return render(ctx, layout, undefined);
  const columns = (spec.legend && spec.legend.columns) || 1;
  const size = legendSize(entries, columns);
  const fixed = spec.legend && spec.legend.position;
  if (fixed && LEGEND_POSITIONS.includes(fixed)) return render(ctx, layout, { entries, columns, position: fixed, offset: 0 });

  const corners = (l: Layout, slide: boolean): ReturnType<typeof bestLegendPosition> => {
    const polylines = l.series.filter((s) => s.spec.line !== false).map((s) => toPixels(s, l.px, l.py));
    const markers = l.series.filter((s) => s.spec.marker).map((s) => toPixels(s, l.px, l.py));
    for (const r of l.rules) polylines.push(ruleToPixels(r, l.frame, l.px, l.py));
    return bestLegendPosition(l.frame, size, polylines, markers, LEGEND_POSITIONS, slide);
  };
  let best = corners(layout, false);
  if (best.hidden > HIDDEN_OK && spec.y.domain === undefined) {
    const roomy = computeLayout(ctx, size.height + 12);
    const b = corners(roomy, false);
    if (b.hidden < best.hidden) [layout, best] = [roomy, b];
  }
  if (best.hidden > HIDDEN_OK) {
    const b = corners(layout, true);
    if (b.hidden < best.hidden) best = b;
  }
  return render(ctx, layout, { entries, columns, position: best.position, offset: best.offset });
}

function context(spec: LineChartSpec): Context {
  const width = spec.width ?? 640;
  const height = spec.height ?? 400;
  const xType = spec.x.type ?? "linear";
  const yType = spec.y.type ?? "linear";
  const validX = (v: number): boolean => Number.isFinite(v) && (xType !== "log" || v > 0);
  const validY = (v: number): boolean => Number.isFinite(v) && (yType !== "log" || v > 0);
  const rules = (spec.rules ?? []).filter((r) => (r.x === undefined ? validY(r.y!) : r.y === undefined && validX(r.x)));
  const series = spec.series.map((s) => prepare(s, xType, yType));
  // Extents: data plus rules (theory lines must be visible even where the data never reach them).
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series) {
    const [x0, x1, y0, y1] = extent(s.x, s.y);
    if (x0 <= x1) xs.push(x0, x1);
    if (y0 <= y1) ys.push(y0, y1);
  }
  for (const r of rules) {
    if (r.x !== undefined) xs.push(r.x);
    if (r.y !== undefined) ys.push(r.y);
  }
  return {
    spec,
    width,
    height,
    xType,
    yType,
    xConst: spec.x.constant ?? 1,
    yConst: spec.y.constant ?? 1,
    rules,
    series,
    xs,
    ys,
    // Bold DejaVu runs ~10 % wider than the regular metrics: wrap the title as if set 10 % larger.
    titleLines: spec.title ? wrapText(spec.title, TITLE_FONT * 1.1, width - 2 * PAD) : [],
    subtitleLines: spec.subtitle ? wrapText(spec.subtitle, SUBTITLE_FONT, width - 2 * PAD) : [],
  };
}

/**
 * Margins and axes with `headroom` px kept free of data at the top of the frame. Top and bottom
 * margins hold fixed text; y ticks follow from the height, the left margin from the widest y tick
 * label, x ticks from the remaining width.
 */
function computeLayout(ctx: Context, headroom: number): Layout {
  const { spec, width, height, xType, yType, xConst, yConst } = ctx;
  const nTitle = ctx.titleLines.length;
  const nSub = ctx.subtitleLines.length;
  const marginTop = PAD + nTitle * (TITLE_FONT + 4) + (nTitle ? 2 : 0) + nSub * (SUBTITLE_FONT + 4) + 12;
  const marginBottom = TICK_SIZE + TICK_PADDING + TICK_FONT + 9 + LABEL_FONT + PAD - 2;
  const frameHeight = height - marginTop - marginBottom;
  const yCount = Math.max(2, Math.round(frameHeight / 45));
  const ys = [...ctx.ys];
  if (headroom > 0 && ys.length > 0) ys.push(raiseTop(ys, yType, yConst, headroom / frameHeight));
  let yAxis = axisTicks(spec.y, yType, yConst, ys, yCount, true);
  // A rule on the top edge would vanish into the frame line: give it a little air.
  const tY = transformOf(yType, yConst);
  const top = tY(yAxis.domain[1]);
  const span = top - tY(yAxis.domain[0]);
  if (spec.y.domain === undefined && ctx.rules.some((r) => r.y !== undefined && Math.abs(tY(r.y) - top) <= 0.01 * Math.abs(span))) {
    ys.push(raiseTop(ys, yType, yConst, 0.05));
    yAxis = axisTicks(spec.y, yType, yConst, ys, yCount, true);
  }
  const yLabelWidth = Math.max(0, ...yAxis.labels.map((l) => textWidth(l, TICK_FONT)));
  const marginLeft = Math.ceil(PAD + LABEL_FONT + 10 + yLabelWidth + TICK_SIZE + TICK_PADDING);
  const ruleLabelWidth = Math.max(0, ...ctx.rules.filter((r) => r.y !== undefined).map((r) => textWidth(r.label, RULE_FONT)));
  let marginRight = Math.ceil(ruleLabelWidth > 0 ? ruleLabelWidth + 8 + PAD : PAD + 6);
  const tX = transformOf(xType, xConst);
  const xTicksFor = (mr: number): AxisTicks =>
    axisTicks(spec.x, xType, xConst, ctx.xs, Math.max(2, Math.round((width - marginLeft - mr) / 85)), false);
  let xAxis = xTicksFor(marginRight);
  // The last x tick label is centred on its tick: keep its right half inside the figure.
  const last = xAxis.ticks.length - 1;
  if (last >= 0) {
    const frac = (tX(xAxis.ticks[last]!) - tX(xAxis.domain[0])) / (tX(xAxis.domain[1]) - tX(xAxis.domain[0]));
    const overhang = textWidth(xAxis.labels[last]!, TICK_FONT) / 2 - (1 - frac) * (width - marginLeft - marginRight);
    if (overhang > marginRight - 8) {
      marginRight = Math.ceil(overhang + 8);
      xAxis = xTicksFor(marginRight);
    }
  }
  const frame: Box = { x: marginLeft, y: marginTop, width: width - marginLeft - marginRight, height: frameHeight };

  // Decimate long series into ~2 buckets per pixel column of the final x axis.
  const limit = spec.decimateAbove ?? 4000;
  const buckets = Math.max(50, Math.round(2 * frame.width));
  const series = ctx.series.map((s) => {
    if (s.x.length <= limit) return s;
    const d = decimateMinMax(s.x, s.y, pixelBuckets(s.x, tX, xAxis.domain, buckets));
    return { spec: s.spec, x: d.x, y: d.y };
  });
  const inside = (v: number, d: [number, number]): boolean => v >= Math.min(...d) && v <= Math.max(...d);
  const rules = ctx.rules.filter((r) => (r.y !== undefined ? inside(r.y, yAxis.domain) : inside(r.x!, xAxis.domain)));
  // Pixel maps identical to Plot's scales (d3 linear/log/symlog over the frame), known before rendering.
  const map = (t: (v: number) => number, d: [number, number], r0: number, r1: number): ((v: number) => number) => {
    const t0 = t(d[0]);
    const k = (r1 - r0) / (t(d[1]) - t0);
    return (v) => r0 + (t(v) - t0) * k;
  };
  const px = map(tX, xAxis.domain, frame.x, frame.x + frame.width);
  const py = map(tY, yAxis.domain, frame.y + frame.height, frame.y);
  return {
    marginTop,
    marginRight,
    marginBottom,
    marginLeft,
    frame,
    xAxis: thinTicks(xAxis, xType, px, (a, b) => (textWidth(a, TICK_FONT) + textWidth(b, TICK_FONT)) / 2 + 8),
    yAxis: thinTicks(yAxis, yType, py, () => TICK_FONT + 3),
    series,
    rules,
    px,
    py,
  };
}

/**
 * Drop tick labels that would collide (closer than `gap(labelA, labelB)` px). Symlog ticks crowd
 * around 0, so there 0 and the largest magnitudes are kept first; elsewhere the first tick leads.
 */
function thinTicks(ax: AxisTicks, type: ScaleType, toPx: (v: number) => number, gap: (a: string, b: string) => number): AxisTicks {
  const order = ax.ticks.map((_, i) => i);
  if (type === "symlog") order.sort((i, j) => (ax.ticks[i] === 0 ? -1 : ax.ticks[j] === 0 ? 1 : Math.abs(ax.ticks[j]!) - Math.abs(ax.ticks[i]!)));
  const kept: number[] = [];
  for (const i of order) {
    const p = toPx(ax.ticks[i]!);
    if (kept.every((j) => Math.abs(toPx(ax.ticks[j]!) - p) >= gap(ax.labels[i]!, ax.labels[j]!))) kept.push(i);
  }
  if (kept.length === ax.ticks.length) return ax;
  kept.sort((i, j) => i - j);
  return { domain: ax.domain, ticks: kept.map((i) => ax.ticks[i]!), labels: kept.map((i) => ax.labels[i]!) };
}

/** Draw the laid-out chart: Plot renders axes, grid and marks; titles, labels and legend are ours. */
function render(ctx: Context, l: Layout, legend: Placement | undefined): string {
  const { spec, width, height, xType, yType, xConst, yConst } = ctx;
  const { frame, xAxis, yAxis } = l;
  const marks: Plot.Markish[] = [];
  for (const b of spec.bands ?? []) {
    if (!b.x && !b.y) continue;
    const clamp = (v: number, d: [number, number]): number => Math.min(Math.max(v, Math.min(...d)), Math.max(...d));
    const channels: Record<string, number> = {};
    if (b.x) [channels.x1, channels.x2] = [clamp(b.x[0], xAxis.domain), clamp(b.x[1], xAxis.domain)];
    if (b.y) [channels.y1, channels.y2] = [clamp(b.y[0], yAxis.domain), clamp(b.y[1], yAxis.domain)];
    marks.push(Plot.rect([channels], { ...channels, fill: b.color ?? "#888888", fillOpacity: b.opacity ?? 0.12 }));
  }
  for (const r of l.rules) {
    const style = { stroke: r.color ?? REFERENCE, strokeDasharray: r.dash ?? "4,3", strokeWidth: 1 };
    marks.push(r.y !== undefined ? Plot.ruleY([r.y], style) : Plot.ruleX([r.x!], style));
  }
  for (const s of l.series) {
    const n = s.x.length;
    if (n === 0) continue;
    const color = s.spec.color ?? INK;
    if (s.spec.line !== false)
      marks.push(
        Plot.line({ length: n }, {
          x: s.x,
          y: s.y,
          stroke: color,
          strokeWidth: s.spec.strokeWidth ?? 1.5,
          strokeOpacity: s.spec.opacity,
          strokeDasharray: s.spec.dash,
          curve: s.spec.curve ?? "linear",
          clip: "frame",
        }),
      );
    if (s.spec.marker)
      marks.push(
        Plot.dot({ length: n }, {
          x: s.x,
          y: s.y,
          r: 2.5,
          fill: color,
          fillOpacity: s.spec.opacity,
          stroke: "white",
          strokeWidth: 0.75,
          clip: "frame",
        }),
      );
  }
  marks.push(Plot.frame({ stroke: "#000000", strokeWidth: 0.75 }));

  const scale = (type: ScaleType, ax: AxisTicks, constant: number): Plot.ScaleOptions => {
    const labelOf = new Map(ax.ticks.map((t, i) => [t, ax.labels[i]!]));
    return {
      type,
      domain: ax.domain,
      ...(type === "symlog" ? { constant } : {}),
      ticks: ax.ticks,
      tickFormat: (v: number) => labelOf.get(v) ?? "",
      tickSize: TICK_SIZE,
      tickPadding: TICK_PADDING,
      grid: true,
      label: null,
    };
  };
  const plot = Plot.plot({
    document: headlessDocument(),
    width,
    height,
    marginTop: l.marginTop,
    marginRight: l.marginRight,
    marginBottom: l.marginBottom,
    marginLeft: l.marginLeft,
    className: "dln-plot",
    x: scale(xType, xAxis, xConst),
    y: scale(yType, yAxis, yConst),
    marks,
  });
  const plotBody = bodyOf((plot as unknown as { outerHTML: string }).outerHTML);

  // Overlays, drawn as SVG on top of Plot's marks.
  let over = "";
  let ty = PAD;
  ctx.titleLines.forEach((line, i) => {
    ty += TITLE_FONT + (i > 0 ? 4 : 0);
    over += svgText(line, PAD, ty, TITLE_FONT, { "font-weight": "bold", "text-anchor": "start", class: i === 0 ? "title" : "title-continued" });
  });
  if (ctx.titleLines.length) ty += 6;
  for (const [i, line] of ctx.subtitleLines.entries()) {
    ty += SUBTITLE_FONT + (i > 0 ? 4 : 0);
    over += svgText(line, PAD, ty, SUBTITLE_FONT, { fill: "#555555", "text-anchor": "start", class: "subtitle" });
  }
  over += svgText(spec.x.label, frame.x + frame.width / 2, height - PAD - 2, LABEL_FONT, { "text-anchor": "middle", class: "x-label" });
  over += svgText(spec.y.label, 0, 0, LABEL_FONT, {
    "text-anchor": "middle",
    transform: `translate(${round2(PAD + LABEL_FONT * 0.8)},${round2(frame.y + frame.height / 2)}) rotate(-90)`,
    class: "y-label",
  });
  over += ruleLabels(l.rules, frame, l.px, l.py);
  if (legend) {
    const size = legendSize(legend.entries, legend.columns);
    const o = legendOrigin(frame, size, legend.position, legend.offset);
    over += renderLegend(legend.entries, o.x, o.y, legend.columns);
  }

  const root = rootAttrs(width, height, TICK_FONT, "dln-plot");
  const background = `<rect${attrs({ width, height, fill: "white" })}/>`;
  const svg = `<svg${root}>${background}${plotBody}${over}</svg>`;
  return renumberPlotIds(roundSvgNumbers(svg), spec.id ?? "chart");
}

/** The y value that leaves a fraction `f` of the frame empty above the data, in the axis transform. */
function raiseTop(ys: number[], type: ScaleType, constant: number, f: number): number {
  const t = transformOf(type, constant);
  const lo = t(Math.min(...ys));
  const hi = t(Math.max(...ys));
  const span = hi > lo ? hi - lo : 1;
  const top = hi + (span * f) / Math.max(0.2, 1 - f);
  if (type === "log") return 10 ** top;
  if (type === "symlog") return Math.sign(top) * constant * Math.expm1(Math.abs(top));
  return top;
}

/** Copy the series into float arrays: non-finite values, and non-positive ones on log axes, become NaN gaps. */
function prepare(s: Series, xType: ScaleType, yType: ScaleType): Prepared {
  const p = s.points;
  const n = Array.isArray(p) ? p.length : Math.min((p as { x: ArrayLike<number> }).x.length, (p as { y: ArrayLike<number> }).y.length);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  if (Array.isArray(p)) {
    const pts = p as readonly Point[];
    for (let i = 0; i < n; i++) {
      x[i] = pts[i]!.x;
      y[i] = pts[i]!.y;
    }
  } else {
    const q = p as { x: ArrayLike<number>; y: ArrayLike<number> };
    for (let i = 0; i < n; i++) {
      x[i] = q.x[i]!;
      y[i] = q.y[i]!;
    }
  }
  for (let i = 0; i < n; i++) {
    const okX = Number.isFinite(x[i]!) && (xType !== "log" || x[i]! > 0);
    const okY = Number.isFinite(y[i]!) && (yType !== "log" || y[i]! > 0);
    if (!okX || !okY) {
      x[i] = Number.NaN;
      y[i] = Number.NaN;
    }
  }
  return { spec: s, x, y };
}

/** [xmin, xmax, ymin, ymax] over finite points; empty gives [∞, −∞, ∞, −∞]. */
function extent(x: Float64Array, y: Float64Array): [number, number, number, number] {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    if (a < x0) x0 = a;
    if (a > x1) x1 = a;
    if (b < y0) y0 = b;
    if (b > y1) y1 = b;
  }
  return [x0, x1, y0, y1];
}

/**
 * Domain, ticks and labels of one axis. `nice` (the y axis) widens an automatic domain to whole tick
 * steps (decades on log axes); otherwise (x) a linear domain only snaps to a tick within 5 % of it.
 */
function axisTicks(a: AxisSpec, type: ScaleType, constant: number, values: number[], count: number, nice: boolean): AxisTicks {
  const fixed = a.domain !== undefined;
  let lo = fixed ? a.domain![0] : Math.min(...values);
  let hi = fixed ? a.domain![1] : Math.max(...values);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = type === "log" ? [1, 10] : [0, 1];
  const niceIt = nice && !fixed;
  const ax: AxisTicks =
    type === "log"
      ? logTicks(lo, hi, count + 1, niceIt)
      : type === "symlog"
        ? symlogTicks(lo, hi, constant, count + 1, niceIt)
        : linearTicks(lo, hi, count, fixed ? false : true, nice ? Infinity : 0.05);
  if (a.tickFormat) ax.labels = ax.ticks.map(a.tickFormat);
  // A fixed domain is kept as given (even reversed); ticks outside it are dropped.
  if (fixed) {
    const [d0, d1] = [Math.min(lo, hi), Math.max(lo, hi)];
    const keep = ax.ticks.map((t, i) => [t, ax.labels[i]!] as const).filter(([t]) => t >= d0 - 1e-12 * Math.abs(d0) && t <= d1 + 1e-12 * Math.abs(d1));
    return { domain: [lo, hi], ticks: keep.map(([t]) => t), labels: keep.map(([, l]) => l) };
  }
  return ax;
}

/** The axis transform in which pixels are linear. */
function transformOf(type: ScaleType, constant: number): (v: number) => number {
  if (type === "log") return Math.log10;
  if (type === "symlog") return (v) => Math.sign(v) * Math.log1p(Math.abs(v) / constant);
  return (v) => v;
}

/** Plot's root carries attributes we set ourselves; keep only its children (minus its inline <style>). */
function bodyOf(svg: string): string {
  const open = /<svg\b[^>]*>/.exec(svg)!;
  const inner = svg.slice(open.index + open[0].length, svg.lastIndexOf("</svg>"));
  return inner.replace(/<style>[\s\S]*?<\/style>/, "");
}

function legendEntries(spec: LineChartSpec, series: Prepared[], rules: RuleSpec[]): LegendEntry[] {
  if (spec.legend && spec.legend.entries) return spec.legend.entries;
  const out: LegendEntry[] = [];
  for (const s of series) {
    if (s.spec.legend === false) continue;
    const line = s.spec.line !== false;
    out.push({
      label: s.spec.name,
      color: s.spec.color ?? INK,
      dash: s.spec.dash,
      strokeWidth: s.spec.strokeWidth,
      opacity: s.spec.opacity,
      kind: s.spec.marker ? (line ? "line+dot" : "dot") : "line",
    });
  }
  for (const r of rules)
    if (r.legend) out.push({ label: r.legend, color: r.color ?? REFERENCE, dash: r.dash ?? "4,3", strokeWidth: 1 });
  for (const b of spec.bands ?? [])
    if (b.label) out.push({ label: b.label, color: b.color ?? "#888888", kind: "band", opacity: Math.max(0.2, b.opacity ?? 0.12) });
  return out;
}

/** Labels of horizontal rules in the right margin (pushed apart when close), of vertical ones inside the top. */
function ruleLabels(rules: RuleSpec[], frame: Box, px: (v: number) => number, py: (v: number) => number): string {
  let out = "";
  const horizontal = rules
    .filter((r) => r.y !== undefined)
    .map((r) => ({ r, y: py(r.y!) }))
    .sort((a, b) => a.y - b.y);
  const gap = RULE_FONT + 2;
  for (let i = 1; i < horizontal.length; i++) horizontal[i]!.y = Math.max(horizontal[i]!.y, horizontal[i - 1]!.y + gap);
  const bottom = frame.y + frame.height + TICK_FONT; // may reach into the tick-label band, never past it
  for (let i = horizontal.length - 1; i >= 0; i--) {
    const limit = i === horizontal.length - 1 ? bottom : horizontal[i + 1]!.y - gap;
    horizontal[i]!.y = Math.min(horizontal[i]!.y, limit);
  }
  for (const { r, y } of horizontal)
    out += svgText(r.label, frame.x + frame.width + 5, y + 0.35 * RULE_FONT, RULE_FONT, { fill: r.color ?? REFERENCE, "text-anchor": "start", class: "rule-label" });
  const vertical = rules
    .filter((r) => r.x !== undefined)
    .map((r) => ({ r, x: px(r.x!) }))
    .sort((a, b) => a.x - b.x);
  const rowEnd: number[] = [];
  for (const { r, x } of vertical) {
    const w = textWidth(r.label, RULE_FONT);
    let row = rowEnd.findIndex((end) => end < x);
    if (row < 0) row = rowEnd.length;
    rowEnd[row] = x + 4 + w + 4;
    out += svgText(r.label, x + 4, frame.y + 13 + row * (RULE_FONT + 3), RULE_FONT, {
      fill: r.color ?? REFERENCE,
      "text-anchor": "start",
      class: "rule-label",
      stroke: "white",
      "stroke-width": 3,
      "paint-order": "stroke",
    });
  }
  return out;
}

function toPixels(s: Prepared, px: (v: number) => number, py: (v: number) => number): Float64Array {
  const out = new Float64Array(2 * s.x.length);
  for (let i = 0; i < s.x.length; i++) {
    const ok = Number.isFinite(s.y[i]!);
    out[2 * i] = ok ? px(s.x[i]!) : Number.NaN;
    out[2 * i + 1] = ok ? py(s.y[i]!) : Number.NaN;
  }
  return out;
}

function ruleToPixels(r: RuleSpec, frame: Box, px: (v: number) => number, py: (v: number) => number): Float64Array {
  if (r.y !== undefined) return Float64Array.of(frame.x, py(r.y), frame.x + frame.width, py(r.y));
  return Float64Array.of(px(r.x!), frame.y, px(r.x!), frame.y + frame.height);
}


/**
 * @file The four live plots (uPlot on canvas): mode coefficients per pathway, loss on a log axis,
 * sharpness against 2/η and the theory thresholds, and for K = 2 the phase portrait of the top mode
 * in the (s₁, s₂) plane (for K ≠ 2 the balance index instead). Each chart redraws from the run's
 * columns decimated to ~2 points per pixel (min/max, so period-2 oscillations stay visible), and
 * only when asked by the page's animation-frame loop. Pathway colours and mode dashes are the CLI
 * figures' own (src/plot/palette.ts).
 */
import uPlot from "uplot";
import { INK, MODE_DASHES, REFERENCE, pathwayColor } from "../../src/plot/palette.js";
import { decimateAligned, thinPath, type Aligned } from "./decimate.js";
import { gradientFlowLeaf, sharpnessLevelSet, zeroLossLine } from "./phase.js";
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
  /** End-to-end SVS init scales per pathway, or null. */
  initScales: number[] | null;
  /** The theory of the top mode, or null when it does not apply. */
  theory: TheorySummary | null;
}

/** uPlot dash array from the palette's SVG dash text. */
function dash(text: string | undefined): number[] | undefined {
  return text ? text.split(",").map(Number) : undefined;
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

const AXIS_FONT = "12px system-ui, sans-serif";
const LABEL_FONT = "bold 12px system-ui, sans-serif";

/** A y (or x) axis with a label. */
function axis(label: string, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return { label, font: AXIS_FONT, labelFont: LABEL_FONT, labelSize: 22, stroke: "#333", grid: { stroke: "#e6e6e6", width: 1 }, ticks: { stroke: "#ccc", width: 1 }, ...extra };
}

/** One entry of a chart's legend. */
export interface LegendEntry {
  label: string;
  color: string;
  dash?: number[];
  /** Drawn as a dot (a marker series), not a line. */
  marker: boolean;
}

/** Series class of marker series (dots, no line): their legend entry is a dot too. */
const MARKER = "marker";

/** One live chart: a uPlot instance, rebuilt when the run's shape changes, fed on demand. */
export abstract class LiveChart {
  protected u: uPlot | null = null;
  protected ctx: ChartContext | null = null;
  dirty = false;

  constructor(
    /** Element that receives the canvas (sized by CSS; the chart follows its width). */
    readonly host: HTMLElement,
    /** Plain-text title, also drawn into exported PNGs. */
    readonly title: string,
  ) {}

  /** Width of the host in CSS pixels (a phone gets ~320). */
  protected size(): { width: number; height: number } {
    const width = Math.max(240, Math.floor(this.host.clientWidth));
    // Tall enough on a phone for the rotated y label; never taller than a laptop row needs.
    return { width, height: Math.round(Math.min(320, Math.max(250, width * 0.6))) };
  }

  /** Legend of exported PNGs, taken from the options (uPlot turns colours into functions). */
  private legend: LegendEntry[] = [];

  /** Start over for a run (or the form preview) with this context. */
  reset(ctx: ChartContext): void {
    this.ctx = ctx;
    this.u?.destroy();
    const options = this.options(ctx);
    this.legend = options.series.slice(1).flatMap((s) =>
      s.label ? [{ label: String(s.label), color: typeof s.stroke === "string" ? s.stroke : INK, ...(s.dash ? { dash: s.dash } : {}), marker: s.class === MARKER }] : [],
    );
    this.u = new uPlot({ ...options, ...this.size() }, this.empty(ctx), this.host);
    this.dirty = true;
  }

  /** Redraw from the run's columns (null: no run yet, theory only). */
  draw(data: RunData | null): void {
    if (!this.u || !this.ctx) return;
    this.u.setData(this.data(this.ctx, data, this.u.bbox.width / uPlot.pxRatio || 400));
    this.dirty = false;
  }

  /** Follow the host's width. */
  resize(): void {
    if (this.u) this.u.setSize(this.size());
  }

  /** The legend as entries (label, colour, dash, line or marker) for exported PNGs, which have no HTML legend. */
  legendEntries(): LegendEntry[] {
    return this.legend;
  }

  /** The chart canvas (plot area and axes), for PNG export. */
  canvas(): HTMLCanvasElement | null {
    return this.u ? this.u.ctx.canvas : null;
  }

  protected abstract options(ctx: ChartContext): Omit<uPlot.Options, "width" | "height">;
  protected abstract empty(ctx: ChartContext): uPlot.AlignedData;
  protected abstract data(ctx: ChartContext, data: RunData | null, pixels: number): uPlot.AlignedData;
}

/** x of a run: the step (GD), or the integration time (gradient flow), as the CLI figures do. */
function xLabel(ctx: ChartContext): string {
  return ctx.dynamics === "flow" ? "time t = η·steps (dimensionless)" : "GD step t";
}

function xColumn(ctx: ChartContext, data: RunData): Float64Array {
  return (ctx.dynamics === "flow" ? data.time : data.step).data;
}

const BASE: Partial<uPlot.Options> = {
  legend: { live: false },
  cursor: { drag: { x: true, y: false } },
};

/** Mode coefficients s_{k,i} per pathway vs step, with the predicted stopping split of the top mode. */
export class ModesChart extends LiveChart {
  private modes(ctx: ChartContext): number[] {
    return Array.from({ length: Math.min(ctx.width, MAX_MODES) }, (_, i) => i);
  }

  private stopLines(ctx: ChartContext): number[] {
    const t = ctx.theory;
    return t && t.stop.ok ? t.stop.boundary.s : [];
  }

  protected options(ctx: ChartContext): Omit<uPlot.Options, "width" | "height"> {
    const series: uPlot.Series[] = [{ label: xLabel(ctx) }];
    for (const i of this.modes(ctx)) {
      ctx.depths.forEach((L, k) => {
        series.push({ label: `pathway ${k + 1} (L=${L}), mode ${i + 1}`, stroke: pathwayColor(k), width: 1.5, dash: dash(MODE_DASHES[i]), points: { show: false } });
      });
    }
    this.stopLines(ctx).forEach((_, k) => {
      series.push({ label: `predicted stop, pathway ${k + 1} (mode 1)`, stroke: pathwayColor(k), width: 1, dash: [2, 4], alpha: 0.7, points: { show: false } });
    });
    return {
      ...BASE,
      scales: { x: { time: false } },
      axes: [axis(xLabel(ctx)), axis("s_k,i (dimensionless)", { size: 56, values: (_u, s) => s.map(tick) })],
      series,
    };
  }

  protected empty(ctx: ChartContext): uPlot.AlignedData {
    return [[], ...Array.from({ length: this.modes(ctx).length * ctx.depths.length + this.stopLines(ctx).length }, () => [])] as uPlot.AlignedData;
  }

  protected data(ctx: ChartContext, data: RunData | null, pixels: number): uPlot.AlignedData {
    if (!data || data.length === 0) return this.empty(ctx);
    const ys: Float64Array[] = [];
    for (const i of this.modes(ctx)) ctx.depths.forEach((_, k) => ys.push(data.s[k * ctx.width + i]!.data));
    const out: Aligned = decimateAligned(xColumn(ctx, data), ys, data.length, Math.round(pixels));
    for (const s of this.stopLines(ctx)) out.push(out[0].map(() => s));
    return out as uPlot.AlignedData;
  }
}

/** Loss ½‖F − Y‖²_F on a log axis. */
export class LossChart extends LiveChart {
  protected options(ctx: ChartContext): Omit<uPlot.Options, "width" | "height"> {
    return {
      ...BASE,
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [axis(xLabel(ctx)), axis("½‖F − Y‖² (log scale)", { size: 56, splits: logSplits, values: logTicks, filter: (_u, splits) => splits })],
      series: [{ label: xLabel(ctx) }, { label: "loss", stroke: INK, width: 1.5, points: { show: false } }],
    };
  }

  protected empty(): uPlot.AlignedData {
    return [[], []];
  }

  protected data(ctx: ChartContext, data: RunData | null, pixels: number): uPlot.AlignedData {
    if (!data || data.length === 0) return this.empty();
    // Log axis: a loss of exactly 0 has no place on it and is left out.
    return decimateAligned(xColumn(ctx, data), [data.loss.data], data.length, Math.round(pixels), [true]) as uPlot.AlignedData;
  }
}

/** Measured λ_max with 2/η_t and the thresholds λ_single(σ₁), λ_bal(σ₁). */
export class SharpnessChart extends LiveChart {
  protected options(ctx: ChartContext): Omit<uPlot.Options, "width" | "height"> {
    const series: uPlot.Series[] = [
      { label: xLabel(ctx) },
      // Markers only: a line between sparse measurements would suggest values that were never measured.
      { label: "λ_max (measured)", class: MARKER, stroke: INK, fill: INK, width: 1, paths: () => null, points: { show: true, size: 5, fill: INK, stroke: INK } },
    ];
    if (ctx.dynamics !== "flow") series.push({ label: "2/η", stroke: REFERENCE, width: 1.25, dash: [6, 3], points: { show: false } });
    if (ctx.theory) {
      series.push({ label: "λ_single(σ₁)", stroke: "#B22222", width: 1, dash: [2, 3], points: { show: false } });
      series.push({ label: "λ_bal(σ₁)", stroke: "#2E7D32", width: 1, dash: [2, 3], points: { show: false } });
    }
    return {
      ...BASE,
      scales: {
        x: { time: false },
        // Follow λ and the thresholds; 2/η of an early warm-up can be far larger and is clipped.
        y: { range: (u) => this.yRange(u) },
      },
      axes: [axis(xLabel(ctx)), axis("λ_max (dimensionless)", { size: 56, values: (_u, s) => s.map(tick) })],
      series,
    };
  }

  private yRange(u: uPlot): [number, number] {
    let top = 0;
    let bottom = 0;
    const data = u.data as (number | null)[][];
    for (let s = 1; s < data.length; s++) {
      const col = data[s]!;
      const isEta = u.series[s]?.label === "2/η";
      for (let i = 0; i < col.length; i++) {
        const v = col[i];
        if (v === null || v === undefined || !Number.isFinite(v)) continue;
        // 2/η counts only at the end of the run (the last, post-warm-up value).
        if (isEta && i !== col.length - 1) continue;
        top = Math.max(top, v);
        bottom = Math.min(bottom, v);
      }
    }
    if (top <= bottom) top = bottom + 1;
    return [bottom, top * 1.08];
  }

  protected empty(ctx: ChartContext): uPlot.AlignedData {
    return this.fill(ctx, [[]]);
  }

  /** Append the constant threshold series (and 2/η before a run) on the given x. */
  private fill(ctx: ChartContext, out: (number | null)[][]): uPlot.AlignedData {
    const x = out[0]! as number[];
    if (out.length === 1) out.push(x.map(() => null));
    if (ctx.dynamics !== "flow" && out.length === 2) out.push(x.map(() => 2 / ctx.lr));
    if (ctx.theory) {
      const { lambdaSingle, lambdaBalanced } = ctx.theory.window;
      out.push(x.map(() => lambdaSingle), x.map(() => lambdaBalanced));
    }
    return out as uPlot.AlignedData;
  }

  protected data(ctx: ChartContext, data: RunData | null, pixels: number): uPlot.AlignedData {
    if (!data || data.length === 0) {
      // Before a run: the lines from theory over the planned steps, so the thresholds show at once.
      return this.fill(ctx, [[0, 1]]);
    }
    const ys = [data.sharpness.data];
    if (ctx.dynamics !== "flow") ys.push(data.stability.data);
    const out = decimateAligned(xColumn(ctx, data), ys, data.length, Math.round(pixels));
    return this.fill(ctx, out as (number | null)[][]);
  }
}

/** K = 2: the top mode in the (s₁, s₂) plane with the zero-loss line, λ = 2/η, the GF leaf and markers. */
export class PhaseChart extends LiveChart {
  private geometry: { zero: { x: number[]; y: number[] }; level: { x: number[]; y: number[] }; leaf: { x: number[]; y: number[] } } | null = null;
  private range: [number, number] = [0, 1];

  protected options(ctx: ChartContext): Omit<uPlot.Options, "width" | "height"> {
    const sigma = ctx.theory?.sigma1 ?? Math.max(0, ...ctx.sigma);
    const depths = [ctx.depths[0]!, ctx.depths[1]!] as [number, number];
    const scales = ctx.initScales && ctx.initScales.length === 2 ? ([ctx.initScales[0]!, ctx.initScales[1]!] as [number, number]) : null;
    let leaf = { x: [] as number[], y: [] as number[] };
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
    const line = (label: string, stroke: string, width: number, dashArr?: number[]): uPlot.Series => ({
      label, stroke, width, ...(dashArr ? { dash: dashArr } : {}), facets: FACETS, paths: uPlot.paths.linear!(), points: { show: false },
    });
    const marker = (label: string, stroke: string, size: number, ring = false): uPlot.Series => ({
      label, class: MARKER, stroke, fill: stroke, width: ring ? 2 : 1, facets: FACETS, paths: markerPaths(size, ring), points: { show: false },
    });
    return {
      mode: 2,
      legend: { live: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false, auto: false, range: () => this.range }, y: { auto: false, range: () => this.range } },
      axes: [
        axis("s₁ (dimensionless); s_k = mode-1 coefficient of pathway k", { values: (_u, s) => s.map(tick) }),
        axis("s₂ (dimensionless)", { size: 56, values: (_u, s) => s.map(tick) }),
      ],
      series: [
        {},
        line("zero loss s₁ + s₂ = σ₁", "#777777", 1.25),
        line("λ(s) = 2/η", "#B22222", 1.25, [6, 3]),
        line("GF leaf through the start", "#2E7D32", 1.25, [2, 3]),
        { ...line("trajectory", INK, 1), alpha: 0.8 },
        marker("start", "#777777", 7),
        marker("GF end point", "#2E7D32", 8),
        marker("flattest allocation s*", "#E69F00", 8),
        marker("now", pathwayColor(0), 7),
        // A ring drawn last, so the current point is seen inside it once the run stops there.
        marker("predicted stop", "#B22222", 13, true),
      ],
    };
  }

  protected empty(ctx: ChartContext): uPlot.AlignedData {
    return this.data(ctx, null, 400);
  }

  protected data(ctx: ChartContext, data: RunData | null, pixels: number): uPlot.AlignedData {
    const g = this.geometry!;
    const t = ctx.theory;
    const pt = (p: readonly number[] | null | undefined): [number[], number[]] => (p ? [[p[0]!], [p[1]!]] : [[], []]);
    let traj: { x: number[]; y: number[] } = { x: [], y: [] };
    let now: number[] | null = null;
    if (data && data.length > 0) {
      let lo = this.range[0];
      let hi = this.range[1];
      const x = data.s[0]!.data;
      const y = data.s[ctx.width]!.data;
      for (let i = 0; i < data.length; i++) {
        if (Number.isFinite(x[i]!)) (lo = Math.min(lo, x[i]!)), (hi = Math.max(hi, x[i]!));
        if (Number.isFinite(y[i]!)) (lo = Math.min(lo, y[i]!)), (hi = Math.max(hi, y[i]!));
      }
      // Grow (never shrink during a run) so that a transient overshoot stays in view.
      this.range = [Math.min(this.range[0], lo), Math.max(this.range[1], hi)];
      const cell = (this.range[1] - this.range[0]) / Math.max(100, pixels);
      traj = thinPath(x, y, data.length, cell, cell);
      now = [x[data.length - 1]!, y[data.length - 1]!];
    }
    const start = ctx.initScales && ctx.initScales.length === 2 ? ctx.initScales : null;
    return [
      null,
      [g.zero.x, g.zero.y],
      [g.level.x, g.level.y],
      [g.leaf.x, g.leaf.y],
      [traj.x, traj.y],
      pt(start),
      pt(t?.gfEndpoint),
      pt(t?.optimum),
      pt(now),
      pt(t && t.stop.ok ? t.stop.boundary.s : null),
    ] as unknown as uPlot.AlignedData;
  }
}

const FACETS: uPlot.Series.Facet[] = [
  { scale: "x", auto: false },
  { scale: "y", auto: false },
];

/** K ≠ 2: balance index (Σ_k s_k)²/(K Σ_k s_k²) per mode, 1 = equal split, 1/K = one pathway. */
export class BalanceChart extends LiveChart {
  protected options(ctx: ChartContext): Omit<uPlot.Options, "width" | "height"> {
    const series: uPlot.Series[] = [{ label: xLabel(ctx) }];
    for (let i = 0; i < Math.min(ctx.width, MAX_MODES); i++) {
      series.push({ label: `mode ${i + 1}`, stroke: INK, width: 1.5, dash: dash(MODE_DASHES[i]), points: { show: false } });
    }
    return {
      ...BASE,
      scales: { x: { time: false }, y: { range: [0, 1.05] } },
      axes: [axis(xLabel(ctx)), axis("balance index (1 = equal)", { size: 56, values: (_u, s) => s.map(tick) })],
      series,
    };
  }

  protected empty(ctx: ChartContext): uPlot.AlignedData {
    return [[], ...Array.from({ length: Math.min(ctx.width, MAX_MODES) }, () => [])] as uPlot.AlignedData;
  }

  protected data(ctx: ChartContext, data: RunData | null, pixels: number): uPlot.AlignedData {
    if (!data || data.length === 0) return this.empty(ctx);
    const ys = data.balance.slice(0, MAX_MODES).map((c) => c.data);
    return decimateAligned(xColumn(ctx, data), ys, data.length, Math.round(pixels)) as uPlot.AlignedData;
  }
}

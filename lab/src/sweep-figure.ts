/**
 * @file The sweep figure on a canvas, redrawn as rows arrive: a heat map of the phase-diagram outcome
 * over two axes (normalised final balance where the run converged, grey status categories otherwise,
 * as `dlnlab sweep plot` draws it) or the profile of the final balance over one axis, with the theory
 * lines of an η or h axis per heat-map row. Hover names the cell; click selects it.
 */
import { CATEGORIES, num, outcome, type TheoryLine } from "../../src/sweep/cells.js";
import type { Row } from "../../src/sweep/rows.js";
import { fmt } from "./format.js";
import { valueKey, type Layout, type LayoutAxis } from "./sweep-state.js";

/** Viridis at 0, ¼, ½, ¾, 1 (the colour of the balance scale, light = balanced). */
const VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];

/** The colour of a normalised balance in [0, 1]. */
export function balanceColor(v: number): string {
  const t = Math.min(1, Math.max(0, v)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(t));
  const mix = (a: string, b: string, u: number) =>
    "#" + [1, 3, 5].map((o) => Math.round(parseInt(a.slice(o, o + 2), 16) * (1 - u) + parseInt(b.slice(o, o + 2), 16) * u).toString(16).padStart(2, "0")).join("");
  return mix(VIRIDIS[i]!, VIRIDIS[i + 1]!, t - i);
}

/** The fill of a row's outcome. */
export function outcomeColor(r: Row): string {
  const o = outcome(r);
  return "value" in o ? balanceColor(o.value) : CATEGORIES.find((c) => c.name === o.category)!.color;
}

const M = { left: 118, right: 16, top: 26, bottom: 58 };

function label(v: unknown): string {
  return typeof v === "number" ? fmt(v, 4) : typeof v === "string" ? v : JSON.stringify(v);
}

/** Positions of an axis's values on [0, 1] and the half-widths of their cells. */
function scale(axis: LayoutAxis, rows: readonly Row[]): { pos: (v: unknown) => number; lo: number; hi: number; at: (u: number) => number } {
  if (!axis.numeric) {
    const keys = axis.values.map(valueKey);
    const n = axis.values.length;
    return { pos: (v) => keys.indexOf(valueKey(v)), lo: -0.5, hi: n - 0.5, at: (u) => u };
  }
  const xs = axis.values.length > 1 ? (axis.values as number[]) : rows.map((r) => num(r[axis.column]));
  // Reduces, not Math.min(...xs): spreading 2·10⁵ arguments overflows V8's stack.
  const min = xs.reduce((m, x) => Math.min(m, x), Number.POSITIVE_INFINITY);
  const max = xs.reduce((m, x) => Math.max(m, x), Number.NEGATIVE_INFINITY);
  const pad = axis.values.length > 1 && max > min ? (max - min) / (2 * (axis.values.length - 1)) : Math.max(1e-9, Math.abs(min) * 0.05);
  return { pos: (v) => num(v), lo: min - pad, hi: max + pad, at: (u) => u };
}

/** The figure and what it knows of the cells it drew. */
export class SweepFigure {
  private readonly ctx: CanvasRenderingContext2D;
  /** Drawn cells: rectangle in CSS pixels and the row. */
  private hits: { x0: number; x1: number; y0: number; y1: number; row: Row }[] = [];
  selected: number | null = null;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext("2d")!;
  }

  /** The row drawn under a point of the canvas (CSS pixels), nearest for a profile. */
  rowAt(x: number, y: number): Row | null {
    let best: Row | null = null;
    let dist = 12;
    for (const h of this.hits) {
      if (x >= h.x0 && x <= h.x1 && y >= h.y0 && y <= h.y1) return h.row;
      const d = Math.hypot(x - (h.x0 + h.x1) / 2, y - (h.y0 + h.y1) / 2);
      if (h.x1 - h.x0 < 12 && d < dist) {
        dist = d;
        best = h.row;
      }
    }
    return best;
  }

  /**
   * Draw the layout with the rows done so far; `lines(rowKey)` gives the theory lines of a heat-map
   * row (or of the profile, key "").
   */
  draw(layout: Layout, rows: readonly Row[], lines: (rowValue: unknown) => TheoryLine[]): void {
    const dpr = window.devicePixelRatio || 1;
    const cssW = this.canvas.clientWidth;
    const cssH = this.canvas.clientHeight;
    if (this.canvas.width !== Math.round(cssW * dpr) || this.canvas.height !== Math.round(cssH * dpr)) {
      this.canvas.width = Math.round(cssW * dpr);
      this.canvas.height = Math.round(cssH * dpr);
    }
    const c = this.ctx;
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.clearRect(0, 0, cssW, cssH);
    c.font = "12px system-ui, sans-serif";
    const left = cssW < 500 ? 84 : M.left;
    const W = cssW - left - M.right;
    const H = cssH - M.top - M.bottom;
    const xs = scale(layout.x, rows);
    const X = (v: number) => left + ((v - xs.lo) / (xs.hi - xs.lo)) * W;
    this.hits = [];
    // Replicates of a cell (hidden axes): the first point in expansion order is drawn, so sort; else
    // every cell has one row and the arrival order will do (sorting 10⁵ rows per frame costs ~30 ms).
    const sorted = layout.hidden.length > 0 ? [...rows].sort((a, b) => num(a.point) - num(b.point)) : rows;
    if (layout.kind === "heatmap" && layout.row) {
      const rv = layout.row.values;
      const band = H / rv.length;
      const rowKeys = rv.map(valueKey);
      const nx = layout.x.values.length;
      const xv = layout.x.values.map((v) => xs.pos(v));
      const edges = (i: number): [number, number] => {
        if (!layout.x.numeric || nx < 2) return [xv[i]! - 0.5, xv[i]! + 0.5];
        const lo = i === 0 ? xv[0]! - (xv[1]! - xv[0]!) / 2 : (xv[i - 1]! + xv[i]!) / 2;
        const hi = i === nx - 1 ? xv[i]! + (xv[i]! - xv[i - 1]!) / 2 : (xv[i]! + xv[i + 1]!) / 2;
        return [lo, hi];
      };
      c.fillStyle = "#f4f5f7";
      c.fillRect(left, M.top, W, H);
      // Index maps, not indexOf: a 10⁵-cell diagram is redrawn while it fills.
      const xIndex = new Map(layout.x.values.map((v, i) => [valueKey(v), i]));
      const rowIndex = new Map(rowKeys.map((k, j) => [k, j]));
      const seen = new Uint8Array(nx * rv.length);
      for (const r of sorted) {
        const i = xIndex.get(valueKey(r[layout.x.column])) ?? -1;
        const j = rowIndex.get(valueKey(r[layout.row.column])) ?? -1;
        if (i < 0 || j < 0 || seen[j * nx + i]) continue;
        seen[j * nx + i] = 1;
        const [lo, hi] = edges(i);
        const x0 = X(lo);
        const x1 = X(hi);
        const y0 = M.top + j * band;
        c.fillStyle = outcomeColor(r);
        c.fillRect(x0, y0, Math.max(1, x1 - x0 + 0.5), band + 0.5);
        this.hits.push({ x0, x1, y0, y1: y0 + band, row: r });
      }
      // Theory lines per row: each network has its own window.
      c.textAlign = "center";
      const labelled: number[] = [];
      rv.forEach((v, j) => {
        for (const line of lines(v)) {
          if (line.x < xs.lo || line.x > xs.hi) continue;
          c.strokeStyle = "#e7298a";
          c.lineWidth = 1.5;
          c.setLineDash(line.dash.split(",").map(Number).map((d) => d * 1.5));
          c.beginPath();
          c.moveTo(X(line.x), M.top + j * band);
          c.lineTo(X(line.x), M.top + (j + 1) * band);
          c.stroke();
          // Labels once, above the figure, where no earlier label sits (2/λ_bal = 2/λ_single at L = 2).
          if (labelled.every((x) => Math.abs(x - X(line.x)) > 56)) {
            labelled.push(X(line.x));
            c.fillStyle = "#a0125e";
            c.fillText(line.label, X(line.x), M.top - 6);
          }
        }
      });
      c.setLineDash([]);
      c.textAlign = "right";
      c.fillStyle = "#1b1b1b";
      const every = Math.max(1, Math.ceil(16 / band));
      rv.forEach((v, j) => {
        if (j % every === 0) c.fillText(label(v), left - 6, M.top + (j + 0.5) * band + 4);
      });
      c.save();
      c.translate(14, M.top + H / 2);
      c.rotate(-Math.PI / 2);
      c.textAlign = "center";
      c.fillText(axisTitle(layout.row.name), 0, 0);
      c.restore();
    } else {
      const Y = (v: number) => M.top + (1 - v / 1.05) * H;
      c.strokeStyle = "#d9d9d9";
      c.lineWidth = 1;
      c.textAlign = "right";
      c.fillStyle = "#1b1b1b";
      for (const t of [0, 0.25, 0.5, 0.75, 1]) {
        c.beginPath();
        c.moveTo(left, Y(t));
        c.lineTo(left + W, Y(t));
        c.stroke();
        c.fillText(String(t), left - 6, Y(t) + 4);
      }
      c.textAlign = "center";
      const labelled: number[] = [];
      for (const line of lines(undefined)) {
        if (line.x < xs.lo || line.x > xs.hi) continue;
        c.strokeStyle = "#e7298a";
        c.lineWidth = 1.5;
        c.setLineDash(line.dash.split(",").map(Number).map((d) => d * 1.5));
        c.beginPath();
        c.moveTo(X(line.x), M.top);
        c.lineTo(X(line.x), M.top + H);
        c.stroke();
        if (labelled.every((x) => Math.abs(x - X(line.x)) > 56)) {
          labelled.push(X(line.x));
          c.fillStyle = "#a0125e";
          c.fillText(line.label, X(line.x), M.top - 6);
        }
      }
      c.setLineDash([]);
      // Outlined dots for a few hundred runs; plain 3-px squares beyond (arcs cost ~5 µs each).
      const dense = sorted.length > 2000;
      c.strokeStyle = "#1b1b1b";
      for (const r of sorted) {
        const o = outcome(r);
        const x = X(xs.pos(r[layout.x.column]));
        const y = "value" in o ? Y(o.value) : Y(0) + 14;
        c.fillStyle = outcomeColor(r);
        if (dense) c.fillRect(x - 1.5, y - 1.5, 3, 3);
        else {
          c.beginPath();
          c.arc(x, y, 4, 0, 2 * Math.PI);
          c.fill();
          c.stroke();
        }
        this.hits.push({ x0: x - 5, x1: x + 5, y0: y - 5, y1: y + 5, row: r });
      }
      c.save();
      c.translate(14, M.top + H / 2);
      c.rotate(-Math.PI / 2);
      c.textAlign = "center";
      c.fillStyle = "#1b1b1b";
      c.fillText("final balance (K·BI − 1)/(K − 1)", 0, 0);
      c.restore();
    }
    // The selected cell, outlined.
    const sel = this.hits.find((h) => num(h.row.point) === this.selected);
    if (sel) {
      c.strokeStyle = "#ff7f00";
      c.lineWidth = 3;
      c.strokeRect(sel.x0, sel.y0, sel.x1 - sel.x0, sel.y1 - sel.y0);
    }
    // x axis: ticks at the values (at most ~10 labels).
    c.strokeStyle = "#1b1b1b";
    c.lineWidth = 1;
    c.beginPath();
    c.moveTo(left, M.top + H);
    c.lineTo(left + W, M.top + H);
    c.stroke();
    c.textAlign = "center";
    c.fillStyle = "#1b1b1b";
    const vals = layout.x.values;
    const step = Math.max(1, Math.ceil(vals.length / Math.max(2, Math.floor(W / 70))));
    vals.forEach((v, i) => {
      if (i % step !== 0 && i !== vals.length - 1) return;
      const x = X(xs.pos(v));
      c.beginPath();
      c.moveTo(x, M.top + H);
      c.lineTo(x, M.top + H + 5);
      c.stroke();
      c.fillText(label(v), x, M.top + H + 18);
    });
    c.fillText(axisTitle(layout.x.name, W < 420), left + W / 2, M.top + H + 42);
  }
}

/** An axis title with its units where known (`short`: for a phone-width figure). */
export function axisTitle(name: string, short = false): string {
  if (name === "h") return short ? "h = η·λ_single (dimensionless)" : "normalised step h = η·λ_single (dimensionless)";
  if (name === "lr" || name === "--lr") return "step size η";
  if (name === "depths" || name === "--depths") return "depths L_k per pathway";
  return name;
}

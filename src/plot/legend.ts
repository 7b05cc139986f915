/**
 * @file The in-figure legend: SVG swatches and labels in a box inside the frame (Observable Plot's own
 * legends are HTML and vanish from a standalone SVG or PNG), placed in the corner where it hides the
 * fewest line segments unless a corner is asked for.
 */
import { attrs, svgText, textWidth, round2 } from "./text.js";

/** One legend row: a swatch drawn like the mark it stands for, and its label (markup allowed). */
export interface LegendEntry {
  label: string;
  color: string;
  /** SVG dash array of a line swatch, e.g. "6,3"; undefined = solid. */
  dash?: string | undefined;
  /** Line width of a line swatch in px; default 1.5. */
  strokeWidth?: number | undefined;
  /** Opacity of the swatch, 0–1; default 1. */
  opacity?: number | undefined;
  /** Swatch shape: a line (default), a dot, a line with a dot, or a filled box (for shaded bands). */
  kind?: "line" | "dot" | "line+dot" | "band" | undefined;
  /** Legend column of this row (0-based); when any entry sets it, it replaces the `columns` split. */
  column?: number | undefined;
}

/** Corner of the frame the legend sits in. */
export type LegendPosition = "top-right" | "top-left" | "bottom-right" | "bottom-left";

/** A rectangle in px. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Legend text size in px. */
export const LEGEND_FONT = 11;
const ROW = 16;
const PAD = 6;
const SWATCH = 24;
const GAP = 6;
const COLUMN_GAP = 14;
/** Distance between the legend box and the frame, px. */
const INSET = 8;

/** Entries split into columns: by their `column` field if any has one, else `columns` columns filled in turn. */
function legendColumns(entries: readonly LegendEntry[], columns: number): LegendEntry[][] {
  if (entries.some((e) => e.column !== undefined)) {
    const keys = [...new Set(entries.map((e) => e.column ?? 0))].sort((a, b) => a - b);
    return keys.map((k) => entries.filter((e) => (e.column ?? 0) === k));
  }
  const cols = Math.max(1, Math.min(Math.floor(columns), entries.length));
  const rows = Math.ceil(entries.length / cols);
  return Array.from({ length: cols }, (_, c) => entries.slice(c * rows, (c + 1) * rows)).filter((c) => c.length > 0);
}

function columnWidth(col: readonly LegendEntry[]): number {
  return SWATCH + GAP + Math.max(0, ...col.map((e) => textWidth(e.label, LEGEND_FONT)));
}

/** Size in px of the legend box for these entries laid out in `columns` columns (filled column by column). */
export function legendSize(entries: readonly LegendEntry[], columns = 1): { width: number; height: number } {
  const cols = legendColumns(entries, columns);
  const rows = Math.max(0, ...cols.map((c) => c.length));
  const width = 2 * PAD + (cols.length - 1) * COLUMN_GAP + cols.reduce((w, c) => w + columnWidth(c), 0);
  return { width: Math.ceil(width + 2), height: rows * ROW + 2 * PAD - 2 };
}

/** SVG group drawing the legend with its top-left corner at (x, y). */
export function renderLegend(entries: readonly LegendEntry[], x: number, y: number, columns = 1): string {
  const { width, height } = legendSize(entries, columns);
  let out = `<g${attrs({ class: "legend", "text-anchor": "start" })}>`;
  out += `<rect${attrs({ x: round2(x), y: round2(y), width, height, rx: 2, fill: "white", "fill-opacity": 0.9, stroke: "#bbbbbb", "stroke-width": 0.75 })}/>`;
  let cx = x + PAD;
  for (const col of legendColumns(entries, columns)) {
    col.forEach((e, r) => {
      const cy = y + PAD + r * ROW + ROW / 2 - 1;
      out += swatch(e, cx, cy);
      out += svgText(e.label, cx + SWATCH + GAP, cy + 0.35 * LEGEND_FONT, LEGEND_FONT, { fill: "#222222" });
    });
    cx += columnWidth(col) + COLUMN_GAP;
  }
  return out + "</g>";
}

function swatch(e: LegendEntry, x: number, cy: number): string {
  const opacity = e.opacity === undefined || e.opacity >= 1 ? undefined : e.opacity;
  const kind = e.kind ?? "line";
  if (kind === "band")
    return `<rect${attrs({ x: round2(x + 2), y: round2(cy - 5), width: SWATCH - 4, height: 10, fill: e.color, "fill-opacity": e.opacity ?? 0.15, stroke: e.color, "stroke-opacity": 0.5, "stroke-width": 0.75 })}/>`;
  let out = "";
  if (kind !== "dot")
    out += `<line${attrs({ x1: round2(x), x2: round2(x + SWATCH), y1: round2(cy), y2: round2(cy), stroke: e.color, "stroke-width": e.strokeWidth ?? 1.5, "stroke-dasharray": e.dash, "stroke-opacity": opacity, "stroke-linecap": "butt" })}/>`;
  if (kind !== "line")
    out += `<circle${attrs({ cx: round2(x + SWATCH / 2), cy: round2(cy), r: 3, fill: e.color, "fill-opacity": opacity, stroke: "white", "stroke-width": 0.75 })}/>`;
  return out;
}

/**
 * Top-left corner of a legend of the given size in a corner of `frame`, moved `offset` px from that
 * corner towards the vertical centre (to slip below or above a line that crosses the corner).
 */
export function legendOrigin(
  frame: Box,
  size: { width: number; height: number },
  position: LegendPosition,
  offset = 0,
): { x: number; y: number } {
  const right = position.endsWith("right");
  const top = position.startsWith("top");
  return {
    x: right ? frame.x + frame.width - INSET - size.width : frame.x + INSET,
    y: top ? frame.y + INSET + offset : frame.y + frame.height - INSET - size.height - offset,
  };
}

/** Corners in order of preference when several hide equally little. */
export const LEGEND_POSITIONS: readonly LegendPosition[] = ["top-right", "top-left", "bottom-right", "bottom-left"];

/**
 * Where the legend box hides the least ink: the length in px of the given polylines (flat
 * [x0, y0, x1, y1, …] pixel arrays, NaN = gap) inside it, plus 5 px per covered marker. Each corner is
 * tried as is and, if `slide` (default true), moved towards the vertical centre in eighths of the
 * frame height; ties go to the smaller slide, then to the earlier corner of `positions`.
 */
export function bestLegendPosition(
  frame: Box,
  size: { width: number; height: number },
  polylines: readonly Float64Array[],
  markers: readonly Float64Array[] = [],
  positions: readonly LegendPosition[] = LEGEND_POSITIONS,
  slide = true,
): { position: LegendPosition; offset: number; hidden: number } {
  let best = { position: positions[0] ?? ("top-right" as LegendPosition), offset: 0, hidden: Infinity };
  let bestScore = Infinity;
  const room = slide ? Math.max(0, (frame.height - size.height) / 2 - INSET) : 0;
  const step = frame.height / 8;
  for (let offset = 0; offset <= room + 1e-9; offset = offset === room ? Infinity : Math.min(room, offset + step)) {
    for (const position of positions) {
      const o = legendOrigin(frame, size, position, offset);
      // A little margin so that lines grazing the box edge count as covered.
      const box = { x: o.x - 3, y: o.y - 3, width: size.width + 6, height: size.height + 6 };
      let hidden = 0;
      for (const p of polylines) hidden += lengthInside(p, box);
      for (const p of markers) hidden += 5 * pointsInside(p, box);
      // Sliding away from the corner costs a little, so a clear corner always wins.
      const score = hidden + 0.05 * offset;
      if (score < bestScore - 1e-9) {
        bestScore = score;
        best = { position, offset, hidden };
      }
    }
  }
  return best;
}

function pointsInside(p: Float64Array, b: Box): number {
  let n = 0;
  for (let i = 0; i + 1 < p.length; i += 2) {
    const x = p[i]!;
    const y = p[i + 1]!;
    if (x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height) n++;
  }
  return n;
}

/** Length in px of a polyline inside the box; a lone point between gaps counts as 1 px. */
export function lengthInside(p: Float64Array, b: Box): number {
  let len = 0;
  const x0 = b.x;
  const x1 = b.x + b.width;
  const y0 = b.y;
  const y1 = b.y + b.height;
  let px = Number.NaN;
  let py = Number.NaN;
  for (let i = 0; i + 1 < p.length; i += 2) {
    const x = p[i]!;
    const y = p[i + 1]!;
    if (Number.isFinite(x) && Number.isFinite(y)) {
      if (Number.isFinite(px)) len += clippedLength(px, py, x, y, x0, y0, x1, y1);
      else if (x >= x0 && x <= x1 && y >= y0 && y <= y1 && !(i + 3 < p.length && Number.isFinite(p[i + 2]!))) len += 1;
    }
    px = x;
    py = y;
  }
  return len;
}

/** Liang–Barsky: length of the part of segment (ax, ay)–(bx, by) inside [x0, x1] × [y0, y1]. */
function clippedLength(ax: number, ay: number, bx: number, by: number, x0: number, y0: number, x1: number, y1: number): number {
  let t0 = 0;
  let t1 = 1;
  const dx = bx - ax;
  const dy = by - ay;
  const ps = [-dx, dx, -dy, dy];
  const qs = [ax - x0, x1 - ax, ay - y0, y1 - ay];
  for (let k = 0; k < 4; k++) {
    const p = ps[k]!;
    const q = qs[k]!;
    if (p === 0) {
      if (q < 0) return 0;
    } else {
      const r = q / p;
      if (p < 0) {
        if (r > t1) return 0;
        if (r > t0) t0 = r;
      } else {
        if (r < t0) return 0;
        if (r < t1) t1 = r;
      }
    }
  }
  return Math.hypot(dx, dy) * Math.max(0, t1 - t0);
}

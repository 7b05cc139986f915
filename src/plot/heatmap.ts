/**
 * @file A heat map of rows of cells over a continuous x axis (e.g. a phase diagram: final balance
 * over the normalised step h, one row per network), with categorical cells for outcomes that have no
 * value, reference marks drawn per row or across all rows, and the colour bar and legend drawn inside
 * the SVG to the right of the frame. Rendered by Observable Plot like `lineChart`, so text, fonts,
 * rounding and ids follow the same conventions (deterministic SVG text).
 */
import * as Plot from "@observablehq/plot";
import { rootAttrs } from "./chart.js";
import { legendSize, renderLegend, type LegendEntry } from "./legend.js";
import { INK } from "./palette.js";
import { headlessDocument, renumberPlotIds, roundSvgNumbers } from "./svg.js";
import { attrs, round2, svgText, textWidth, wrapText } from "./text.js";
import { linearTicks } from "./ticks.js";

/** One cell: an x interval of one row, with a value (coloured) or a category (fixed fill). */
export interface HeatCell {
  x0: number;
  x1: number;
  /** Row label (one of `rows.labels`). */
  row: string;
  /** Value on the colour scale; ignored when `category` is set. */
  value?: number;
  /** Name of a category of `categories` (drawn in its colour instead of a value). */
  category?: string;
}

/** Vertical reference marks of one kind (one legend row), e.g. "h = 2" or "c_L". */
export interface HeatMarks {
  /** Legend text (markup allowed). */
  label: string;
  /** SVG dash array; default solid. */
  dash?: string;
  /** Line colour; default near-black (drawn over a white halo so it shows on any cell colour). */
  color?: string;
  /** Positions: `row` limits a mark to one row; without it the mark spans every row. */
  at: { x: number; row?: string }[];
}

/** Everything a heat map shows. Sizes in px. */
export interface HeatmapSpec {
  title: string;
  subtitle?: string;
  /** Default 640. */
  width?: number;
  /** Default: 90 px + 52 px per row, at least 280. */
  height?: number;
  /** The continuous x axis (label with units; domain default: the cells' extent). */
  x: { label: string; domain?: [number, number] };
  /** Row labels from top to bottom and the axis title. */
  rows: { label: string; labels: string[] };
  cells: HeatCell[];
  /** The colour scale of values: an Observable Plot scheme (default "viridis") over a fixed domain. */
  color: { label: string; domain: [number, number]; scheme?: Plot.ColorScheme; ticks?: number[] };
  /** Outcomes without a value, each with a fill colour and a legend label. */
  categories?: { name: string; color: string; label: string }[];
  marks?: HeatMarks[];
  /** Prefix of the SVG ids of this figure; default "heatmap". */
  id?: string;
}

const TICK_FONT = 11;
const LABEL_FONT = 12;
const TITLE_FONT = 14;
const SUBTITLE_FONT = 11;
const PAD = 10;
/** Height of the colour bar, px. */
const BAR_HEIGHT = 12;

/** Render a heat map to SVG markup (deterministic: same spec, same bytes). */
export function heatmap(spec: HeatmapSpec): string {
  const width = spec.width ?? 640;
  const rows = spec.rows.labels;
  const height = spec.height ?? Math.max(280, 90 + 52 * rows.length + (spec.subtitle ? 16 : 0));
  const titleLines = spec.title ? wrapText(spec.title, TITLE_FONT * 1.1, width - 2 * PAD) : [];
  const subtitleLines = spec.subtitle ? wrapText(spec.subtitle, SUBTITLE_FONT, width - 2 * PAD) : [];
  const marginTop = PAD + titleLines.length * (TITLE_FONT + 4) + (titleLines.length ? 2 : 0) + subtitleLines.length * (SUBTITLE_FONT + 4) + 10;
  const marginBottom = 5 + 3 + TICK_FONT + 9 + LABEL_FONT + PAD - 2;
  const rowLabelWidth = Math.max(0, ...rows.map((r) => textWidth(r, TICK_FONT)));
  const marginLeft = Math.ceil(PAD + LABEL_FONT + 10 + rowLabelWidth + 8);

  // The legend column to the right of the frame: colour bar on top, then categories and marks.
  const scheme = spec.color.scheme ?? "viridis";
  const colorScale = Plot.scale({ color: { type: "linear", scheme, domain: spec.color.domain } });
  const entries: LegendEntry[] = [
    ...(spec.categories ?? []).map((c) => ({ label: c.label, color: c.color, kind: "band" as const, opacity: 1 })),
    ...(spec.marks ?? []).map((m) => ({ label: m.label, color: m.color ?? INK, dash: m.dash, strokeWidth: 1.5 })),
  ];
  const legend = entries.length > 0 ? legendSize(entries) : { width: 0, height: 0 };
  const barTicks = spec.color.ticks ?? linearTicks(spec.color.domain[0], spec.color.domain[1], 4, false).ticks;
  const barBlock = Math.max(160, textWidth(spec.color.label, TICK_FONT));
  const side = Math.ceil(Math.max(legend.width, barBlock) + 2 * PAD);
  const marginRight = side;
  const frame = { x: marginLeft, y: marginTop, width: width - marginLeft - marginRight, height: height - marginTop - marginBottom };

  const xs = spec.cells.flatMap((c) => [c.x0, c.x1]);
  const domain: [number, number] = spec.x.domain ?? [Math.min(...xs), Math.max(...xs)];
  const xAxis = linearTicks(domain[0], domain[1], Math.max(2, Math.round(frame.width / 85)), false, 0);
  const xDomain: [number, number] = spec.x.domain ?? domain;

  const valued = spec.cells.filter((c) => c.category === undefined && c.value !== undefined && Number.isFinite(c.value));
  const categorical = spec.cells.filter((c) => c.category !== undefined);
  const fillOf = new Map((spec.categories ?? []).map((c) => [c.name, c.color]));
  const marks: Plot.Markish[] = [
    // crispEdges: adjacent cells would otherwise show anti-aliased seams.
    Plot.rect(valued, { x1: "x0", x2: "x1", y: "row", fill: (c: HeatCell) => colorScale.apply(c.value!) as string, inset: 0, shapeRendering: "crispEdges" }),
    Plot.rect(categorical, { x1: "x0", x2: "x1", y: "row", fill: (c: HeatCell) => fillOf.get(c.category!) ?? "#cccccc", inset: 0, shapeRendering: "crispEdges" }),
  ];
  for (const m of spec.marks ?? []) {
    const everywhere = m.at.filter((a) => a.row === undefined).map((a) => a.x);
    const perRow = m.at.filter((a) => a.row !== undefined);
    const style = { stroke: m.color ?? INK, strokeWidth: 1.5, strokeDasharray: m.dash };
    const halo = { stroke: "white", strokeWidth: 3.5, strokeOpacity: 0.9 };
    for (const s of [halo, style]) {
      if (everywhere.length) marks.push(Plot.ruleX(everywhere, s));
      // tickX (not ruleX) spans one band of the y scale.
      if (perRow.length) marks.push(Plot.tickX(perRow, { x: "x", y: "row", ...s }));
    }
  }
  marks.push(Plot.frame({ stroke: "#000000", strokeWidth: 0.75 }));
  const labelOf = new Map(xAxis.ticks.map((t, i) => [t, xAxis.labels[i]!]));
  const plot = Plot.plot({
    document: headlessDocument(),
    width,
    height,
    marginTop,
    marginRight,
    marginBottom,
    marginLeft,
    className: "dln-heatmap",
    x: { type: "linear", domain: xDomain, ticks: xAxis.ticks, tickFormat: (v: number) => labelOf.get(v) ?? "", tickSize: 5, tickPadding: 3, label: null },
    y: { type: "band", domain: rows, padding: 0.06, tickSize: 0, tickPadding: 6, label: null },
    marks,
  });
  const outer = (plot as unknown as { outerHTML: string }).outerHTML;
  const open = /<svg\b[^>]*>/.exec(outer)!;
  const body = outer.slice(open.index + open[0].length, outer.lastIndexOf("</svg>")).replace(/<style>[\s\S]*?<\/style>/, "");

  let over = "";
  let ty = PAD;
  titleLines.forEach((line, i) => {
    ty += TITLE_FONT + (i > 0 ? 4 : 0);
    over += svgText(line, PAD, ty, TITLE_FONT, { "font-weight": "bold", "text-anchor": "start", class: i === 0 ? "title" : "title-continued" });
  });
  if (titleLines.length) ty += 6;
  for (const [i, line] of subtitleLines.entries()) {
    ty += SUBTITLE_FONT + (i > 0 ? 4 : 0);
    over += svgText(line, PAD, ty, SUBTITLE_FONT, { fill: "#555555", "text-anchor": "start", class: "subtitle" });
  }
  over += svgText(spec.x.label, frame.x + frame.width / 2, height - PAD - 2, LABEL_FONT, { "text-anchor": "middle", class: "x-label" });
  over += svgText(spec.rows.label, 0, 0, LABEL_FONT, {
    "text-anchor": "middle",
    transform: `translate(${round2(PAD + LABEL_FONT * 0.8)},${round2(frame.y + frame.height / 2)}) rotate(-90)`,
    class: "y-label",
  });

  // Colour bar: a horizontal gradient (left = domain min) with tick labels, then the legend below it.
  const id = spec.id ?? "heatmap";
  const bx = frame.x + frame.width + PAD;
  const barWidth = side - 2 * PAD;
  over += svgText(spec.color.label, bx, frame.y + 8, TICK_FONT, { "text-anchor": "start", class: "colorbar-label" });
  const by = frame.y + 16;
  const [d0, d1] = spec.color.domain;
  let stops = "";
  for (let j = 0; j <= 10; j++) {
    const v = d0 + ((d1 - d0) * j) / 10;
    stops += `<stop${attrs({ offset: `${j * 10}%`, "stop-color": colorScale.apply(v) as string })}/>`;
  }
  over += `<defs><linearGradient${attrs({ id: `${id}-bar`, x1: 0, y1: 0, x2: 1, y2: 0 })}>${stops}</linearGradient></defs>`;
  over += `<rect${attrs({ x: round2(bx), y: round2(by), width: round2(barWidth), height: BAR_HEIGHT, fill: `url(#${id}-bar)`, stroke: "#555555", "stroke-width": 0.5 })}/>`;
  for (const t of barTicks) {
    const x = bx + ((t - d0) / (d1 - d0)) * barWidth;
    over += `<line${attrs({ x1: round2(x), x2: round2(x), y1: round2(by + BAR_HEIGHT), y2: round2(by + BAR_HEIGHT + 4), stroke: "#555555", "stroke-width": 0.75 })}/>`;
    over += svgText(fmtTick(t), x, by + BAR_HEIGHT + 5 + TICK_FONT, TICK_FONT, { "text-anchor": "middle", class: "colorbar-tick" });
  }
  if (entries.length > 0) over += renderLegend(entries, bx - 6, by + BAR_HEIGHT + 14 + TICK_FONT);

  const root = rootAttrs(width, height, TICK_FONT, "dln-plot");
  const svg = `<svg${root}><rect${attrs({ width, height, fill: "white" })}/>${body}${over}</svg>`;
  return renumberPlotIds(roundSvgNumbers(svg), id);
}

/** Colour-bar tick text: at most 3 significant digits, typographic minus. */
function fmtTick(v: number): string {
  return String(Number(v.toPrecision(3))).replace("-", "\u2212");
}

/**
 * @file Several chart SVGs side by side in one SVG (nested `<svg x y>` panels), e.g. small vs large
 * step. Ids are prefixed per panel so that clip paths of different panels never collide.
 */
import { rootAttrs } from "./chart.js";
import { prefixIds, roundSvgNumbers, svgSize } from "./svg.js";
import { attrs, escapeXml, svgText } from "./text.js";

/** Options of `panelGrid`. */
export interface PanelGridOptions {
  /** Panels per row (row-major order). */
  columns: number;
  /** Figure title above all panels (markup allowed). */
  title?: string;
  /** Prefix the panel titles with (a), (b), …; default true. */
  panelLabels?: boolean;
  /** Space between panels, px; default 0 (charts carry their own margins). */
  gap?: number;
}

const TITLE_FONT = 15;
const PAD = 10;

/** Combine chart SVGs into one SVG laid out in a grid; each column is as wide as its widest panel. */
export function panelGrid(svgs: string[], options: PanelGridOptions): string {
  const columns = Math.max(1, Math.floor(options.columns));
  const gap = options.gap ?? 0;
  const sizes = svgs.map(svgSize);
  const rows = Math.ceil(svgs.length / columns);
  const colWidth = Array.from({ length: columns }, (_, c) => Math.max(0, ...sizes.filter((_, i) => i % columns === c).map((s) => s.width)));
  const rowHeight = Array.from({ length: rows }, (_, r) => Math.max(0, ...sizes.slice(r * columns, (r + 1) * columns).map((s) => s.height)));
  const top = options.title ? PAD + TITLE_FONT + 8 : 0;
  const width = colWidth.reduce((a, b) => a + b, 0) + gap * (columns - 1);
  const height = top + rowHeight.reduce((a, b) => a + b, 0) + gap * Math.max(0, rows - 1);

  let body = `<rect${attrs({ width, height, fill: "white" })}/>`;
  if (options.title)
    body += svgText(options.title, PAD, PAD + TITLE_FONT, TITLE_FONT, { "font-weight": "bold", "text-anchor": "start", class: "grid-title" });
  svgs.forEach((svg, i) => {
    const r = Math.floor(i / columns);
    const c = i % columns;
    const x = colWidth.slice(0, c).reduce((a, b) => a + b, 0) + gap * c;
    const y = top + rowHeight.slice(0, r).reduce((a, b) => a + b, 0) + gap * r;
    let panel = prefixIds(svg, `p${i}-`);
    if (options.panelLabels ?? true) panel = labelPanel(panel, `(${panelLetter(i)})`);
    body += panel.replace(/<svg\b([^>]*)>/, (_m, a: string) => `<svg x="${x}" y="${y}"${a.replace(/\s(x|y)="[^"]*"/g, "")}>`);
  });
  const root = rootAttrs(width, height, 11);
  return roundSvgNumbers(`<svg${root}>${body}</svg>`);
}

/** a, b, …, z, aa, ab, … */
function panelLetter(i: number): string {
  let s = "";
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(97 + ((n - 1) % 26)) + s;
  return s;
}

/** Put "(a) " in front of the chart's title, or in its top-left corner when it has none. */
function labelPanel(svg: string, label: string): string {
  const title = /(<text\b[^>]*class="title"[^>]*>)/.exec(svg);
  if (title) return svg.replace(title[1]!, `${title[1]}<tspan font-weight="bold">${escapeXml(label)} </tspan>`);
  return svg.replace(/(<svg\b[^>]*>(?:<rect[^>]*\/>)?)/, `$1${svgText(label, PAD, PAD + 12, 13, { "font-weight": "bold", "text-anchor": "start" })}`);
}

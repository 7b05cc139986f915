/**
 * @file Turning Observable Plot's DOM output into stable SVG text: a headless document (linkedom),
 * numbers rounded to 0.01 px, Plot's process-global clip/marker ids renumbered per figure, and ids
 * prefixed when figures are nested, so that the same data always gives byte-identical SVG.
 */
import type { PlotOptions } from "@observablehq/plot";
import { parseHTML } from "linkedom";

/** The DOM document type Plot renders into (the project compiles without DOM typings). */
export type PlotDocument = NonNullable<PlotOptions["document"]>;

let sharedDocument: PlotDocument | undefined;

/** A headless DOM document for `Plot.plot({document})`, created once (parsing costs milliseconds). */
export function headlessDocument(): PlotDocument {
  sharedDocument ??= parseHTML("<!doctype html><html><head></head><body></body></html>").document as unknown as PlotDocument;
  return sharedDocument;
}

/** Attributes whose values are coordinates or lengths in px. */
const NUMERIC_ATTR = /\s(d|points|transform|x|y|x1|x2|y1|y2|cx|cy|r|rx|width|height|dx|dy|viewBox)="([^"]*)"/g;
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g;

/** Round every coordinate in geometry attributes to `decimals` places (default 2: 0.01 px). */
export function roundSvgNumbers(svg: string, decimals = 2): string {
  const f = 10 ** decimals;
  return svg.replace(NUMERIC_ATTR, (_m, name: string, value: string) => {
    const rounded = value.replace(NUMBER, (s) => {
      const r = Math.round(Number(s) * f) / f;
      return String(r === 0 ? 0 : r);
    });
    return ` ${name}="${rounded}"`;
  });
}

/** Replace Plot's counter-based ids (`plot-clip-17`, …) by `${prefix}-clip-1`, … in order of appearance. */
export function renumberPlotIds(svg: string, prefix: string): string {
  const map = new Map<string, string>();
  const counts = new Map<string, number>();
  return svg.replace(/plot-(clip|marker|pattern)-(\d+)(?!\d)/g, (id: string, kind: string) => {
    let out = map.get(id);
    if (out === undefined) {
      const k = (counts.get(kind) ?? 0) + 1;
      counts.set(kind, k);
      out = `${prefix}-${kind}-${k}`;
      map.set(id, out);
    }
    return out;
  });
}

/** Prefix every id defined in `svg` (and its `url(#…)`/`href="#…"` references) so nested figures never clash. */
export function prefixIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]!);
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (m, lead: string, id: string) =>
    ids.has(id) ? `${lead}${prefix}${id}` : m,
  );
}

/** Width and height in px of an SVG document, from the root's width/height (or viewBox). */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? "";
  const w = /\swidth="([\d.]+)"/.exec(root)?.[1];
  const h = /\sheight="([\d.]+)"/.exec(root)?.[1];
  if (w !== undefined && h !== undefined) return { width: Number(w), height: Number(h) };
  const vb = /\sviewBox="[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)"/.exec(root);
  if (vb) return { width: Number(vb[1]), height: Number(vb[2]) };
  throw new Error("svgSize: the root <svg> has neither width/height nor a viewBox");
}

/** The content of an SVG document between its root tags (for nesting it under new root attributes). */
export function svgBody(svg: string): string {
  const open = /<svg\b[^>]*>/.exec(svg);
  const close = svg.lastIndexOf("</svg>");
  if (!open || close < 0) throw new Error("svgBody: not an <svg> document");
  return svg.slice(open.index + open[0].length, close);
}

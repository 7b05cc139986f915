/**
 * @file Reading figure SVG back in tests: parse it (linkedom), list the visible texts, pull the line
 * paths of the data marks and count their subpaths.
 */
import { DOMParser } from "linkedom";
import { Resvg } from "@resvg/resvg-js";

// linkedom's element type is not the DOM's; the project compiles without DOM typings.
type El = { textContent: string | null; getAttribute(n: string): string | null; querySelectorAll(s: string): Iterable<El> };

/** Parse SVG markup; throws (via resvg's strict XML parser) if it is not well-formed. */
export function parseSvg(svg: string): El {
  new Resvg(svg); // roxmltree rejects malformed XML, linkedom would not
  const doc = new DOMParser().parseFromString(svg, "image/svg+xml") as unknown as { documentElement: El };
  return doc.documentElement;
}

/** Text content of every `<text>` element, in document order. */
export function texts(svg: string): string[] {
  return [...parseSvg(svg).querySelectorAll("text")].map((t) => t.textContent ?? "");
}

/** `d` attributes of the paths drawn by Plot's line marks, one per series, in drawing order. */
export function linePaths(svg: string): string[] {
  return [...parseSvg(svg).querySelectorAll('g[aria-label="line"] path')].map((p) => p.getAttribute("d") ?? "");
}

/** Number of subpaths (M commands) in path data. */
export function subpaths(d: string): number {
  return (d.match(/M/g) ?? []).length;
}

/** The (x, y) vertices of path data made of M/L commands (Plot's linear curve). */
export function vertices(d: string): [number, number][] {
  return [...d.matchAll(/[ML]\s*(-?[\d.]+(?:e-?\d+)?)[,\s](-?[\d.]+(?:e-?\d+)?)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

/** Attribute values of every element matching the selector. */
export function attrsOf(svg: string, selector: string, name: string): string[] {
  return [...parseSvg(svg).querySelectorAll(selector)].map((e) => e.getAttribute(name) ?? "");
}

/**
 * @file The sweep page's state and its faces: the spec (YAML or JSON text, validated by the engine's
 * own `parseSweepSpec`), the URL (`sweep.html?spec={…}&cell=N`, the spec as compact JSON), the figure
 * layout the spec implies (a profile over one varying axis, a heat map over two), and the run-view
 * link of one point (`index.html?preset…&flag=value#run`, the run page's own query). DOM-free.
 */
import { stringify } from "yaml";
import type { RunConfig } from "../../src/config/schema.js";
import { ConfigError, parseConfigText } from "../../src/config/validate.js";
import { axisColumn, axisValues, countPoints, expandSweep, parseSweepSpec, SweepSpecError, type SweepPoint, type SweepSpec } from "../../src/sweep/spec.js";
import { DEFAULT_BASE, baseTexts, evaluate, toQuery, type LabState } from "./state.js";

/** A spec read from text: its raw form (what the URL carries) and the validated spec. */
export interface ParsedSpec {
  raw: Record<string, unknown>;
  spec: SweepSpec;
  points: number;
}

/** Parse and validate spec text (YAML or JSON); throws an Error whose message is one line naming the field. */
export function parseSpecText(text: string, file = "spec"): ParsedSpec {
  try {
    const { raw } = parseConfigText(text, file);
    const spec = parseSweepSpec(raw ?? {}, file);
    return { raw: (raw ?? {}) as Record<string, unknown>, spec, points: countPoints(spec) };
  } catch (err) {
    if (err instanceof ConfigError || err instanceof SweepSpecError) throw new Error(err.message);
    throw err;
  }
}

/** The spec as the page's editor shows it (YAML). */
export function specText(raw: unknown): string {
  return stringify(raw, { flowCollectionPadding: false });
}

/** URL query of the page: the raw spec as compact JSON, and the selected point. */
export function sweepQuery(raw: unknown, cell: number | null): string {
  const params = new URLSearchParams();
  params.set("spec", JSON.stringify(raw));
  if (cell !== null) params.set("cell", String(cell));
  // Keep JSON's punctuation readable in the address bar; only what a query needs is escaped.
  return params.toString().replace(/%2C/gi, ",").replace(/%3A/gi, ":").replace(/%5B/gi, "[").replace(/%5D/gi, "]").replace(/%7B/gi, "{").replace(/%7D/gi, "}");
}

/** The page's state read from a URL query, with a note for every parameter it could not use. */
export function fromSweepQuery(query: string): { text: string | null; cell: number | null; notes: string[] } {
  const params = new URLSearchParams(query);
  const notes: string[] = [];
  let text: string | null = null;
  const json = params.get("spec");
  if (json !== null) {
    try {
      text = specText(JSON.parse(json));
    } catch {
      notes.push("the spec in the link is not valid JSON; started from the example");
    }
  }
  const cellText = params.get("cell");
  const cell = cellText !== null && /^\d+$/.test(cellText) ? Number(cellText) : null;
  if (cellText !== null && cell === null) notes.push(`ignored cell=${JSON.stringify(cellText)} (expected a point index)`);
  for (const key of params.keys()) if (key !== "spec" && key !== "cell") notes.push(`ignored unknown parameter ${JSON.stringify(key)}`);
  return { text, cell, notes };
}

/** Key of an axis value as the runs table stores it (numbers as numbers, anything else as JSON text). */
export function valueKey(v: unknown): string {
  return typeof v === "number" ? `n${v}` : typeof v === "bigint" ? `n${Number(v)}` : `s${typeof v === "string" && v.startsWith("[") ? v : JSON.stringify(v)}`;
}

/** One drawn axis: its name, the runs-table column and its values in order. */
export interface LayoutAxis {
  name: string;
  column: string;
  values: unknown[];
  /** All values are numbers: positions on a numeric scale; otherwise positions 0 … n − 1. */
  numeric: boolean;
}

/** What the page draws: a profile over one varying axis or a heat map over two. */
export interface Layout {
  kind: "profile" | "heatmap";
  x: LayoutAxis;
  row: LayoutAxis | null;
  /** Further varying axes, not drawn: the first point of each (x, row) cell is shown. */
  hidden: string[];
}

/**
 * The layout of a spec: the varying dimensions (an axis with more than one value; a zip group counts
 * once), x the first numeric one, the heat map's rows the next; random search
 * draws a profile over its first axis. Null when nothing varies.
 */
export function layoutOf(spec: SweepSpec): Layout | null {
  // A zip group counts once, by its first numeric axis (its first axis if none is numeric).
  const zipped = new Map<string, string>();
  for (const g of spec.zip) {
    const lead = g.find((a) => axisValues(a, spec.axes[a]!).every((v) => typeof v === "number")) ?? g[0]!;
    for (const a of g) zipped.set(a, lead);
  }
  const dims: LayoutAxis[] = [];
  for (const [name, axis] of Object.entries(spec.axes)) {
    if ((zipped.get(name) ?? name) !== name) continue;
    const values = axisValues(name, axis);
    if (values.length < 2 && !spec.random) continue;
    dims.push({ name, column: axisColumn(name), values, numeric: values.every((v) => typeof v === "number") || (spec.random !== undefined && "from" in axis) });
  }
  if (dims.length === 0) return null;
  const x = dims.find((d) => d.numeric) ?? dims[0]!;
  const rest = dims.filter((d) => d !== x);
  if (spec.random || rest.length === 0) return { kind: "profile", x, row: null, hidden: rest.map((d) => d.name) };
  return { kind: "heatmap", x, row: rest[0]!, hidden: rest.slice(1).map((d) => d.name) };
}

/** One point of a spec, built by the engine's expansion. */
export function pointAt(spec: SweepSpec, index: number): SweepPoint | undefined {
  return expandSweep(spec, { range: [index, index + 1] })[0];
}

/** The lab run state of a config: the defaults plus every flag whose text differs from them. */
export function stateOfConfig(config: RunConfig): LabState {
  const defaults = baseTexts(DEFAULT_BASE);
  const texts = baseTexts({ ...DEFAULT_BASE, raw: config as unknown as Record<string, unknown> });
  const overrides = new Map([...texts].filter(([k, t]) => t !== "" && t !== defaults.get(k)));
  return { base: DEFAULT_BASE, overrides };
}

/**
 * The run page's query for a point, and whether the run page resolves it to the very same engine spec
 * (false when the point sets fields that have no `run` flag, so the single run would differ).
 */
export function runLink(point: SweepPoint): { query: string; exact: boolean } {
  const state = stateOfConfig(point.config);
  const ev = evaluate(state);
  return { query: toQuery(state), exact: ev.ok && JSON.stringify(ev.spec) === JSON.stringify(point.spec) };
}

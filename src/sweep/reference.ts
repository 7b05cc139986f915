/**
 * @file The sweep reference generated from the code itself, so docs/sweeps.md cannot drift from what
 * is validated and written: the spec's fields (from the zod schema) and the columns of `runs` and `trajectories`.
 */
import { z } from "zod";
import { SweepSpecSchema, parseSweepSpec } from "./spec.js";
import { runColumns, trajectoryColumns } from "./rows.js";

type Node = {
  type?: string; enum?: unknown[]; const?: unknown; items?: Node; properties?: Record<string, Node>;
  anyOf?: Node[]; oneOf?: Node[]; additionalProperties?: Node; default?: unknown; description?: string;
};

function typeOf(n: Node): string {
  if (n.const !== undefined) return JSON.stringify(n.const);
  if (n.enum) return n.enum.map((e) => JSON.stringify(e)).join(" \\| ");
  const alts = n.anyOf ?? n.oneOf;
  if (alts) return alts.map(typeOf).join(" \\| ");
  if (n.type === "array") return `${n.items ? typeOf(n.items) : "value"}[]`;
  return n.type ?? "value";
}

function walk(n: Node, path: string, out: string[][]): void {
  const alts = n.anyOf ?? n.oneOf;
  if (alts && alts.every((a) => a.type === "object")) {
    for (const a of alts) walk({ ...a, description: undefined }, path, out);
    return;
  }
  if (n.type === "object" && n.properties) {
    for (const [key, child] of Object.entries(n.properties)) walk(child, path ? `${path}.${key}` : key, out);
    return;
  }
  if (n.type === "object" && n.additionalProperties && typeof n.additionalProperties === "object" && n.additionalProperties.anyOf) {
    out.push([path, "object", "", n.description ?? ""]);
    walk(n.additionalProperties, `${path}.NAME`, out);
    return;
  }
  out.push([path, typeOf(n), n.default === undefined ? "" : `\`${JSON.stringify(n.default)}\``, n.description ?? ""]);
}

const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/\\\\\|/g, "\\|");

/** The spec's field table as Markdown (field, type, default, meaning). */
export function sweepSpecMarkdownTable(): string {
  const rows: string[][] = [];
  walk(z.toJSONSchema(SweepSpecSchema, { io: "input", unrepresentable: "any" }) as Node, "", rows);
  return ["| field | type | default | meaning |", "|---|---|---|---|", ...rows.map(([p, t, d, m]) => `| \`${p}\` | ${t} | ${d} | ${esc(m!)} |`)].join("\n");
}

/** The columns of `runs` as Markdown, with k = pathway and i = mode (1-based) in the per-pathway names. */
export function runColumnsMarkdownTable(): string {
  const spec = parseSweepSpec({ base: {}, axes: { h: { values: [1] } }, predict: true });
  const cols = runColumns(spec, []).map((c) => ({
    ...c,
    name: c.name.replace(/^axis_h$/, "axis_NAME").replace(/^pred_s_1_1$/, "pred_s_{k}_1").replace(/^s_1_1$/, "s_{k}_{i}").replace(/^balance_1$/, "balance_{i}"),
    description: c.name === "axis_h" ? "one per axis: its value (numbers as DOUBLE, lists and words as JSON text); NAME = the axis with every non-alphanumeric run as _" : c.description.replace(/pathway 1 in mode 1/, "pathway k in mode i").replace(/of mode 1,/, "of mode i,").replace(/of pathway 1 in mode 1/, "of pathway k in mode 1"),
  }));
  return ["| column | type | meaning |", "|---|---|---|", ...cols.map((c) => `| \`${c.name}\` | ${c.type} | ${esc(c.description)} |`)].join("\n");
}

/** The columns of `trajectories` as Markdown (k = pathway, i = mode, 1-based). */
export function trajectoryColumnsMarkdownTable(): string {
  const cols = trajectoryColumns([]).map((c) => ({
    ...c,
    name: c.name.replace(/^s_1_1$/, "s_{k}_{i}").replace(/^balance_1$/, "balance_{i}"),
    description: c.description.replace(/pathway 1 in mode 1/, "pathway k in mode i").replace(/of mode 1 /, "of mode i "),
  }));
  return ["| column | type | meaning |", "|---|---|---|", ...cols.map((c) => `| \`${c.name}\` | ${c.type} | ${esc(c.description)} |`)].join("\n");
}

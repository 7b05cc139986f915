/**
 * @file The config reference generated from the schema itself, so the documentation of every field
 * (type, default, meaning) cannot drift from what is validated: `dlnlab schema` prints the JSON Schema
 * (for editors), and docs/config.md embeds the table made here.
 */
import { z } from "zod";
import { RunConfigSchema } from "./schema.js";

/** The JSON Schema (draft 2020-12) of a run config file, as accepted on input (defaults optional). */
export function runConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(RunConfigSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

/** One documented field of the config. */
export interface FieldDoc {
  path: string;
  type: string;
  default: string;
  description: string;
}

type Node = {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  items?: Node;
  properties?: Record<string, Node>;
  anyOf?: Node[];
  oneOf?: Node[];
  default?: unknown;
  description?: string;
  minimum?: number;
  exclusiveMinimum?: number;
};

function typeOf(n: Node): string {
  if (n.const !== undefined) return JSON.stringify(n.const);
  if (n.enum) return n.enum.map((e) => JSON.stringify(e)).join(" \\| ");
  const alts = n.anyOf ?? n.oneOf;
  if (alts) return alts.map(typeOf).join(" \\| ");
  if (n.type === "array") return `${n.items ? typeOf(n.items) : "value"}[]`;
  let t = n.type ?? "value";
  if (n.exclusiveMinimum !== undefined) t += ` > ${n.exclusiveMinimum}`;
  else if (n.minimum !== undefined && n.minimum > -1e15) t += ` ≥ ${n.minimum}`;
  return t;
}

function walk(n: Node, path: string, out: FieldDoc[], variant = ""): void {
  const alts = n.anyOf ?? n.oneOf;
  if (alts && alts.every((a) => a.type === "object")) {
    // A discriminated union: document each variant's fields under "path (type: X)".
    if (n.description) out.push({ path, type: "object", default: n.default === undefined ? "" : JSON.stringify(n.default), description: n.description });
    for (const a of alts) {
      const tag = a.properties?.type?.const;
      walk({ ...a, description: undefined, default: undefined }, path, out, tag === undefined ? "" : ` (type: ${String(tag)})`);
    }
    return;
  }
  if (n.type === "object" && n.properties) {
    if (path && (n.description || n.default !== undefined)) {
      out.push({ path: path + variant, type: "object", default: n.default === undefined ? "" : JSON.stringify(n.default), description: n.description ?? "" });
    }
    for (const [key, child] of Object.entries(n.properties)) walk(child, path ? `${path}.${key}` : key, out, variant);
    return;
  }
  out.push({ path: path + variant, type: typeOf(n), default: n.default === undefined ? "" : JSON.stringify(n.default), description: n.description ?? "" });
}

/** Every field of the run config with its type, default and description. */
export function runConfigFields(): FieldDoc[] {
  const out: FieldDoc[] = [];
  walk(runConfigJsonSchema() as Node, "", out);
  return out;
}

/** The field table as Markdown. */
export function runConfigMarkdownTable(): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/\\\\\|/g, "\\|");
  const rows = runConfigFields().map((f) => `| \`${f.path}\` | ${f.type} | ${f.default ? `\`${f.default}\`` : ""} | ${esc(f.description)} |`);
  return ["| field | type | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

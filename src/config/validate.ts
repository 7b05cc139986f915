/**
 * @file Reading and validating run configs: YAML/JSON text with source positions, and one-line errors
 * that name where a bad value came from — the flag the user typed, or `file:line:col` and the field.
 */
import { LineCounter, isMap, isPair, isScalar, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { RunConfigSchema, type RunConfig } from "./schema.js";
import { flagForPath } from "./flags.js";

/** A config that cannot be used; the message is one line naming the flag or field. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Where the values of a raw config came from, to name them in errors. */
export interface ConfigOrigin {
  /** Config file name, if any. */
  file?: string;
  /** Source position (1-based) of the value at a path in the file (of the key itself when `key`), if known. */
  locate?: (path: readonly PropertyKey[], key?: boolean) => { line: number; col: number } | undefined;
  /** Field paths ("a.b") set by flags, with the flag. */
  setBy?: ReadonlyMap<string, string>;
}

/** Parse YAML or JSON text; syntax errors become a ConfigError with `file:line:col`. */
export function parseConfigText(text: string, file: string): { raw: unknown; origin: ConfigOrigin } {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = lineCounter.linePos(err.pos[0]);
    const msg = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+.*$/, "");
    throw new ConfigError(`${file}:${pos.line}:${pos.col}: ${msg}`);
  }
  const raw: unknown = doc.toJS();
  if (raw !== null && raw !== undefined && (typeof raw !== "object" || Array.isArray(raw))) {
    throw new ConfigError(`${file}: expected a mapping of config fields at the top level`);
  }
  const locate = (path: readonly PropertyKey[]) => {
    // The value's node, or for a missing/unknown key the nearest enclosing node.
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
      const range = (node as { range?: [number, number, number] } | null)?.range;
      if (range) {
        const p = lineCounter.linePos(range[0]);
        return { line: p.line, col: p.col };
      }
    }
    return undefined;
  };
  const locateKey = (parent: readonly PropertyKey[], key: string) => {
    const node = parent.length === 0 ? doc.contents : doc.getIn(parent as unknown[], true);
    if (isMap(node)) {
      for (const item of node.items) {
        if (isPair(item) && isScalar(item.key) && item.key.value === key && item.key.range) {
          const p = lineCounter.linePos(item.key.range[0]);
          return { line: p.line, col: p.col };
        }
      }
    }
    return locate(parent);
  };
  return {
    raw: raw ?? {},
    origin: {
      file,
      locate: (path, key = false) => {
        const last = path[path.length - 1];
        return typeof last === "string" && (key || doc.getIn(path as unknown[], true) === undefined)
          ? locateKey(path.slice(0, -1), last)
          : locate(path);
      },
    },
  };
}

function describeValue(raw: unknown, path: readonly PropertyKey[]): string {
  let v: unknown = raw;
  for (const key of path) {
    if (v === null || typeof v !== "object") return "";
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  if (v === undefined) return "";
  const text = typeof v === "number" && !Number.isFinite(v) ? String(v) : JSON.stringify(v);
  return text === undefined ? "" : ` (got ${text.length > 40 ? text.slice(0, 37) + "…" : text})`;
}

/** One human sentence for a zod issue, without the location. */
function issueText(issue: z.core.$ZodIssue, raw: unknown): { path: PropertyKey[]; text: string; key?: boolean } {
  const path = [...issue.path];
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    const known = issue.keys.length > 1 ? ` (and ${issue.keys.length - 1} more)` : "";
    return { path: [...path, key], text: `unknown field${known}`, key: true };
  }
  let text = issue.message.replace(/^Invalid input: /, "");
  if (issue.code === "invalid_type") {
    const received = describeValue(raw, path);
    text = received === "" ? `is required (${issue.expected})` : `expected ${issue.expected}${received}`;
    return { path, text };
  }
  return { path, text: text + describeValue(raw, path) };
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

/**
 * Validate a raw config (defaults applied). The first problem is reported as one line, naming the
 * flag that set the value or the config field with its file position; further problems are counted.
 */
export function validateRunConfig(raw: unknown, origin: ConfigOrigin = {}): RunConfig {
  const result = RunConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issueText(issues[0]!, raw);
  const more = issues.length > 1 ? ` (${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  const flag = origin.setBy ? flagForPath(first.path, origin.setBy) : undefined;
  if (flag) throw new ConfigError(`${flag}: ${first.text}${more}`);
  throw new ConfigError(`${describeField(first.path, origin, first.key)}: ${first.text}${more}`);
}

/** A config field as errors name it: `file:line:col: field` (or `file: field`, or the field alone). */
export function describeField(path: readonly PropertyKey[], origin: ConfigOrigin, key = false): string {
  const field = formatPath(path) || "config";
  const pos = origin.file ? origin.locate?.(path, key) : undefined;
  const where = origin.file ? (pos ? `${origin.file}:${pos.line}:${pos.col}: ` : `${origin.file}: `) : "";
  return `${where}${field}`;
}

/**
 * @file Reading and validating run configs: YAML/JSON text with source positions, and one-line errors
 * that name where a bad value came from — the flag the user typed, or `file:line:col` and the field.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document } from "yaml";
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

/**
 * Largest config text accepted, characters: a run config is a few hundred bytes and a sweep spec with
 * thousands of explicit axis values a few tens of kB, so this only stops files that are not configs
 * (or generated ones that should be a sweep) before parsing them costs seconds.
 */
export const MAX_CONFIG_CHARS = 256 * 1024;
/** YAML aliases expanded at most (the yaml library's guard against alias-expansion bombs). */
const MAX_ALIASES = 100;

/** `file:line:col` of a character offset. */
function at(file: string, lineCounter: LineCounter, offset: number): string {
  const pos = lineCounter.linePos(offset);
  return `${file}:${pos.line}:${pos.col}`;
}

/**
 * A ConfigError for the first key that occurs twice in one mapping, or null. Linear in the size of the
 * document: the yaml library's own `uniqueKeys` check compares every pair of keys (12 s for 40 000 keys).
 */
function duplicateKey(node: unknown, file: string, lineCounter: LineCounter): ConfigError | null {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const n = stack.pop();
    if (isMap(n)) {
      const seen = new Set<unknown>();
      for (const item of n.items) {
        const key = isScalar(item.key) ? item.key.value : item.key;
        if (seen.has(key) && isScalar(item.key)) {
          return new ConfigError(`${item.key.range ? at(file, lineCounter, item.key.range[0]) : file}: the key ${JSON.stringify(key)} occurs twice in one mapping`);
        }
        seen.add(key);
        stack.push(item.value);
      }
    } else if (isSeq(n)) {
      stack.push(...n.items);
    }
  }
  return null;
}

/**
 * Parse YAML or JSON text (a file named `*.json` must be strict JSON); syntax errors, duplicate keys,
 * alias bombs and oversized texts become a one-line ConfigError with `file:line:col`.
 */
export function parseConfigText(text: string, file: string): { raw: unknown; origin: ConfigOrigin } {
  if (text.length > MAX_CONFIG_CHARS) {
    throw new ConfigError(`${file}: ${(text.length / 1024).toFixed(0)} kB is more than a config may hold (${MAX_CONFIG_CHARS / 1024} kB); is it a config file?`);
  }
  const lineCounter = new LineCounter();
  // Source positions come from the YAML parse (JSON is YAML 1.2), so a .json file is also checked by JSON.parse for strictness.
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const msg = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+.*$/, "");
    throw new ConfigError(`${at(file, lineCounter, err.pos[0])}: ${msg}`);
  }
  if (/\.json$/i.test(file)) {
    try {
      JSON.parse(text);
    } catch (err) {
      const message = (err as Error).message;
      const offset = Number(/at position (\d+)/.exec(message)?.[1] ?? Number.NaN);
      const where = Number.isFinite(offset) ? at(file, lineCounter, offset) : file;
      throw new ConfigError(`${where}: not valid JSON (${message.replace(/ in JSON at position \d+.*$/, "").replace(/\s+/g, " ")}); a .json config must be strict JSON (no comments, trailing commas or YAML), or rename it .yaml`);
    }
  }
  const dup = duplicateKey(doc.contents, file, lineCounter);
  if (dup) throw dup;
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      throw new ConfigError(`${file}: its YAML aliases expand to too much (more than ${MAX_ALIASES} alias uses per node); write the values out`);
    }
    if (err instanceof ReferenceError || err instanceof TypeError) throw new ConfigError(`${file}: ${err.message.split("\n")[0]}`);
    throw err;
  }
  const raw: unknown = js;
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

/**
 * @file Experiment files: YAML text → a validated config of a registered kind, with one-line errors
 * that name `file:line:col` and the field; a config plus a size → the resolved config a runner uses;
 * and the canonical JSON that identifies a resolved config (hashed by the suite to skip finished work).
 */
import type { z } from "zod";
import { ConfigError, parseConfigText } from "../config/validate.js";
import { KINDS, kindOf } from "./registry.js";
import type { AnyKind, ExperimentMeta, Size } from "./types.js";

export { ConfigError };

/** A validated experiment config (any kind). */
export type ExperimentConfig = ExperimentMeta & { sizes: { quick: unknown; full: unknown } } & Record<string, unknown>;

/** A config with the budget of one size (the kind-specific settings stay as they are). */
export type ResolvedExperiment = ExperimentMeta & Record<string, unknown> & { size: Size; budget: unknown };

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): string {
  let v: unknown = raw;
  for (const key of path) {
    if (v === null || typeof v !== "object") return "";
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  if (v === undefined) return "";
  const text = JSON.stringify(v);
  return text === undefined ? "" : ` (got ${text.length > 40 ? text.slice(0, 37) + "…" : text})`;
}

/**
 * Parse and validate an experiment file. `file` names it in errors; `expectName` (the file stem), if
 * given, must equal the config's `name`. Throws ConfigError with one line: `file:line:col: field: problem`.
 */
export function parseExperiment(text: string, file: string, expectName?: string): ExperimentConfig {
  const { raw, origin } = parseConfigText(text, file);
  const obj = raw as Record<string, unknown>;
  const where = (path: readonly PropertyKey[], key = false): string => {
    const pos = origin.locate?.(path, key);
    return pos ? `${file}:${pos.line}:${pos.col}` : file;
  };
  const kindName = obj.kind;
  const kind = typeof kindName === "string" ? kindOf(kindName) : undefined;
  if (!kind) {
    const known = [...KINDS.keys()].join(", ");
    throw new ConfigError(`${where(["kind"])}: kind: ${kindName === undefined ? "is required" : `unknown kind ${JSON.stringify(kindName)}`}; one of ${known}`);
  }
  const result = (kind.schema as z.ZodType).safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues;
    const issue = issues[0]!;
    let path = [...issue.path];
    let text: string;
    let key = false;
    if (issue.code === "unrecognized_keys") {
      path = [...path, issue.keys[0]!];
      text = "unknown field";
      key = true;
    } else if (issue.code === "invalid_type" && valueAt(raw, path) === "") {
      text = `is required (${issue.expected})`;
    } else {
      text = issue.message.replace(/^Invalid input: /, "") + valueAt(raw, path);
    }
    const more = issues.length > 1 ? ` (${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
    throw new ConfigError(`${where(path, key)}: ${formatPath(path) || "config"}: ${text}${more}`);
  }
  const config = result.data as ExperimentConfig;
  if (expectName !== undefined && config.name !== expectName) {
    throw new ConfigError(`${where(["name"])}: name: "${config.name}" differs from the file name "${expectName}.yaml"`);
  }
  return config;
}

/** The kind of a validated config. */
export function kindFor(config: { kind: string }): AnyKind {
  const kind = kindOf(config.kind);
  if (!kind) throw new RangeError(`kind: unknown kind ${JSON.stringify(config.kind)}`);
  return kind;
}

/** Pick the budget of `size` (smoke: derived from quick by the kind). */
export function resolveExperiment(config: ExperimentConfig, size: Size): ResolvedExperiment {
  const { sizes, ...rest } = config;
  const budget = size === "smoke" ? kindFor(config).smoke(sizes.quick) : size === "full" ? sizes.full : sizes.quick;
  return { ...(rest as ExperimentMeta & Record<string, unknown>), size, budget };
}

/** JSON with object keys sorted at every level: equal configs give equal text (and hash). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * @file The experiment suite on disk: the `experiments/` folder shipped with dlnlab (or another one),
 * every file validated up front (a bad file stops the command with one line and exit code 2), the
 * `--only` selection, and the hash that identifies a resolved experiment (config + size + version), so
 * that finished work is reused only when nothing that affects it has changed.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalJson, ConfigError, parseExperiment, resolveExperiment, type ExperimentConfig, type ResolvedExperiment } from "../../experiments/config.js";
import type { Size } from "../../experiments/types.js";
import { VERSION } from "../../version.js";
import { UsageError } from "../errors.js";

/** The experiments folder of this package (beside dist/ and src/). */
export function defaultExperimentsDir(): string {
  return fileURLToPath(new URL("../../../experiments/", import.meta.url));
}

/** One experiment of the suite, resolved for a size. */
export interface SuiteEntry {
  /** The YAML file it came from. */
  file: string;
  config: ExperimentConfig;
  resolved: ResolvedExperiment;
  /** sha256 of the resolved config, the size and the dlnlab version (hex). */
  hash: string;
}

/** Hash of a resolved experiment: equal iff its settings, size and the dlnlab version are equal. */
export function experimentHash(resolved: ResolvedExperiment): string {
  return createHash("sha256").update(canonicalJson({ dlnlab: VERSION, experiment: resolved })).digest("hex");
}

/** Load and validate every `*.yaml` in `dir` (sorted by name), keep `only` if given, resolve for `size`. */
export function loadSuite(dir: string, size: Size, only?: readonly string[]): SuiteEntry[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--experiments: ${dir} is not a folder`);
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
  if (files.length === 0) throw new UsageError(`--experiments: ${dir} holds no .yaml experiment files`);
  const entries: SuiteEntry[] = [];
  for (const f of files) {
    const file = join(dir, f);
    let config: ExperimentConfig;
    try {
      config = parseExperiment(readFileSync(file, "utf8"), file, basename(f, ".yaml"));
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    const resolved = resolveExperiment(config, size);
    entries.push({ file, config, resolved, hash: experimentHash(resolved) });
  }
  if (!only || only.length === 0) return entries;
  const names = entries.map((e) => e.config.name);
  for (const n of only) {
    if (!names.includes(n)) throw new UsageError(`--only: unknown experiment ${JSON.stringify(n)}; one of ${names.join(", ")}`);
  }
  return entries.filter((e) => only.includes(e.config.name));
}

/**
 * @file Shared helpers of the experiment tests: load a shipped experiment file, resolve it with a
 * budget of the test's choosing, and run its tasks in-process (no worker pool).
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { kindFor, parseExperiment, resolveExperiment, type ExperimentConfig, type ResolvedExperiment } from "../../src/experiments/config.js";

/** The shipped experiments folder. */
export const EXPERIMENTS = fileURLToPath(new URL("../../experiments/", import.meta.url));

/** Names of every shipped experiment file (without .yaml). */
export function experimentNames(): string[] {
  return readdirSync(EXPERIMENTS).filter((f) => f.endsWith(".yaml")).map((f) => f.replace(/\.yaml$/, "")).sort();
}

/** Parse a shipped experiment file. */
export function loadExperiment(name: string): ExperimentConfig {
  return parseExperiment(readFileSync(`${EXPERIMENTS}${name}.yaml`, "utf8"), `${name}.yaml`, name);
}

/** Resolve a shipped experiment at the quick size with budget fields overridden. */
export function resolveWith(name: string, budget: Record<string, unknown> = {}): ResolvedExperiment {
  const r = resolveExperiment(loadExperiment(name), "quick");
  return { ...r, budget: { ...(r.budget as object), ...budget } };
}

/** Run every task of a resolved experiment in-process and assemble its data. */
export function runAll(r: ResolvedExperiment): { data: any; parts: Record<string, unknown> } {
  const kind = kindFor(r);
  const parts: Record<string, unknown> = {};
  for (const t of kind.plan(r)) parts[t.id] = kind.runTask(r, t.args, () => {});
  return { data: kind.assemble(r, parts), parts };
}

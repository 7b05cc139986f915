/**
 * @file The one-call library API: `await run(config)` validates a run config given as a plain object
 * (the fields of a config file, docs/config.md) exactly as `dlnlab run CONFIG` does, runs it with the
 * CLI's own core (src/engine/run.ts) and returns what `dlnlab run --json` prints plus every record.
 * Portable: no files, no Node APIs; it runs in Node, worker threads and browsers.
 */
import { lambdaSingleOf, resolveRunConfig } from "./config/schema.js";
import { validateRunConfig } from "./config/validate.js";
import { runSpec, type RunOutput, type RunSpecOptions } from "./engine/run.js";

/** Options of `run` (all optional). */
export type RunOptions = Omit<RunSpecOptions, "name">;

/**
 * Validate `config` (a plain object with the fields of a config file; defaults fill the rest), run it
 * to its end and return its result (status, stop, final state, timing, resolved config, columns: the
 * object `dlnlab run --json` prints) with `records`, the whole recorded trajectory. Throws
 * `ConfigError` (one line naming the field) for an invalid config.
 * @example const r = await run({ depths: [4, 4], width: 1, target: { sigma: [1] }, lr: 0.625, steps: 100_000, dynamics: "reduced" }); r.status // "converged"
 */
export async function run(config: Record<string, unknown>, options: RunOptions = {}): Promise<RunOutput> {
  const valid = validateRunConfig(config, {});
  const spec = resolveRunConfig(valid);
  return runSpec(spec, { ...options, name: valid.name ?? null, lambdaSingle: lambdaSingleOf(spec) });
}

/**
 * @file The dlnlab library, in namespaces: `engine` (simulation, models, dynamics, measurement,
 * kernels), `theory` (closed forms and solvers of docs/theory.md §3–§6, §9–§10), `config` (run-config schema,
 * validation, presets, the trajectory CSV format) and `experiments` (the reproduction suite's kinds),
 * plus the one-call `run(config)`. Everything here is portable: Node, worker threads and browsers.
 */
export * as engine from "./engine/index.js";
export * as theory from "./theory/index.js";
export * as config from "./config/index.js";
export * as experiments from "./experiments/index.js";
export { run, type RunOptions } from "./run.js";
export type { RunOutput, RunResult } from "./engine/run.js";
export type { RunConfig } from "./config/schema.js";
export type { SimulationSpec, TrajectoryRecord } from "./engine/index.js";
export { VERSION } from "./version.js";

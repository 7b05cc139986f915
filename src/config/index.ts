/**
 * @file The `config` namespace of the library: the run-config schema (zod) and its resolution into an
 * engine spec, config text parsing and validation with one-line errors, the flag ↔ field table, the
 * embedded presets, the generated reference, and the plain-file trajectory format (CSV) of results.
 */
export { AUTO_DENSE, RunConfigSchema, resolveRunConfig, type RunConfig } from "./schema.js";
export { ConfigError, parseConfigText, validateRunConfig, type ConfigOrigin } from "./validate.js";
export { FIELD_FLAGS, FlagError, applyFlags, type FieldFlag, type ModelName } from "./flags.js";
export { PRESETS, findPreset, type Preset } from "./presets.js";
export { runConfigJsonSchema, runConfigFields } from "./reference.js";
export { csvHeader, csvRow, finalState, parseTrajectoryCsv, trajectoryColumns, type Column, type FinalState } from "../data/trajectory.js";

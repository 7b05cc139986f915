/**
 * @file Assembles a run config from what the user gave: a YAML/JSON file or an embedded preset, then
 * the field flags on top, validated with errors that name the flag or `file:line:col` and field.
 */
import { existsSync, readFileSync } from "node:fs";
import { FIELD_FLAGS, FlagError, applyFlags } from "../config/flags.js";
import { findPreset, PRESETS } from "../config/presets.js";
import { resolveRunConfig, type RunConfig } from "../config/schema.js";
import { ConfigError, parseConfigText, validateRunConfig, type ConfigOrigin } from "../config/validate.js";
import type { SimulationSpec } from "../engine/simulate.js";
import { UsageError } from "./errors.js";

/** Commander option key of a field flag ("--init-scales" → "initScales"). */
export function optionKey(flag: string): string {
  return flag.replace(/^--/, "").replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The field-flag values present in commander's parsed options, keyed by flag. */
export function flagValues(opts: Record<string, unknown>): Map<string, string> {
  const values = new Map<string, string>();
  for (const spec of FIELD_FLAGS) {
    const v = opts[optionKey(spec.flag)];
    if (typeof v === "string") values.set(spec.flag, v);
  }
  return values;
}

/** Load, merge and validate: file or preset (or neither: the defaults), then flags. */
export function loadRunConfig(
  file: string | undefined,
  preset: string | undefined,
  flags: ReadonlyMap<string, string>,
): { config: RunConfig; spec: SimulationSpec } {
  if (file && preset) throw new UsageError("give either a CONFIG file or --preset, not both");
  let raw: Record<string, unknown> = {};
  let origin: ConfigOrigin = {};
  if (file) {
    if (!existsSync(file)) throw new UsageError(`CONFIG: ${file} does not exist`);
    try {
      const parsed = parseConfigText(readFileSync(file, "utf8"), file);
      raw = parsed.raw as Record<string, unknown>;
      origin = parsed.origin;
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
  } else if (preset) {
    const p = findPreset(preset);
    if (!p) throw new UsageError(`--preset: unknown preset ${JSON.stringify(preset)}; one of ${PRESETS.map((x) => x.name).join(", ")}`);
    raw = p.config;
    origin = { file: `preset ${preset}` };
  }
  try {
    const { config: merged, setBy } = applyFlags(raw, flags);
    const config = validateRunConfig(merged, { ...origin, setBy });
    return { config, spec: resolveRunConfig(config) };
  } catch (err) {
    if (err instanceof FlagError || err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

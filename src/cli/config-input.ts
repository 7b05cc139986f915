/**
 * @file Assembles a run config from what the user gave: a YAML/JSON file, an embedded preset or the
 * saved config of a run being resumed, then the field flags and `--init-from` on top, validated with
 * errors that name the flag or `file:line:col` and field; and reads the .npz state of a file init.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { totalmem } from "node:os";
import { dirname, resolve } from "node:path";
import { decodeNpz, NpyFormatError } from "../data/npz.js";
import { stateFromArrays } from "../data/states.js";
import { FIELD_FLAGS, FlagError, applyFlags, flagForPath } from "../config/flags.js";
import { MAX_WORKSPACE_BYTES, formatBytes, formatDuration, runFootprint } from "../engine/footprint.js";
import { findPreset, PRESETS } from "../config/presets.js";
import { resolveRunConfig, type RunConfig } from "../config/schema.js";
import { ConfigError, describeField, parseConfigText, validateRunConfig, type ConfigOrigin } from "../config/validate.js";
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

/** Where a run config starts besides a file or a preset. */
export interface ConfigBase {
  /** A validated config saved by an earlier run (its config.json), the base of `--resume`. */
  saved?: { raw: Record<string, unknown>; file: string };
  /** `--init-from FILE.npz`: start from a saved state (`init: { type: file, path }`). */
  initFrom?: string;
}

/**
 * A YAML or JSON file given on the command line (`label` names the argument in errors), parsed with
 * parseConfigText's limits: a missing file, a directory and a bad text are each one UsageError line.
 */
export function readConfigFile(file: string, label: string): ReturnType<typeof parseConfigText> {
  if (!existsSync(file)) throw new UsageError(`${label}: ${file} does not exist`);
  if (statSync(file).isDirectory()) throw new UsageError(`${label}: ${file} is a directory, not a YAML or JSON file`);
  try {
    return parseConfigText(readFileSync(file, "utf8"), file);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/** Load, merge and validate: file, preset or saved config (or none: the defaults), then flags and --init-from. */
export function loadRunConfig(
  file: string | undefined,
  preset: string | undefined,
  flags: ReadonlyMap<string, string>,
  base: ConfigBase = {},
): { config: RunConfig; spec: SimulationSpec } {
  if (file && preset) throw new UsageError("give either a CONFIG file or --preset, not both");
  let raw: Record<string, unknown> = {};
  let origin: ConfigOrigin = {};
  if (file) {
    const parsed = readConfigFile(file, "CONFIG");
    raw = parsed.raw as Record<string, unknown>;
    origin = parsed.origin;
    // A state file named in a config is found beside the config, wherever the command runs.
    const init = raw.init as { type?: unknown; path?: unknown } | undefined;
    if (init?.type === "file" && typeof init.path === "string" && init.path !== "") raw.init = { ...init, path: resolve(dirname(file), init.path) };
  } else if (base.saved) {
    raw = base.saved.raw;
    origin = { file: base.saved.file };
  } else if (preset) {
    const p = findPreset(preset);
    if (!p) throw new UsageError(`--preset: unknown preset ${JSON.stringify(preset)}; one of ${PRESETS.map((x) => x.name).join(", ")}`);
    raw = p.config;
    origin = { file: `preset ${preset}` };
  }
  try {
    const { config: merged, setBy } = applyFlags(raw, flags);
    if (base.initFrom !== undefined) {
      if (base.initFrom.trim() === "") throw new UsageError("--init-from: expected a .npz file, got an empty path");
      const clash = [...setBy].find(([path]) => path === "init" || path.startsWith("init.") || path.startsWith("mlp.init"));
      if (clash) throw new UsageError(`--init-from: cannot be combined with ${clash[1]} (both set the initialisation)`);
      merged.init = { type: "file", path: resolve(base.initFrom) };
      setBy.set("init", "--init-from");
    }
    const config = validateRunConfig(merged, { ...origin, setBy });
    const spec = resolveRunConfig(config);
    checkRunFits(spec, (path) => flagForPath(path, setBy) ?? describeField(path, origin));
    return { config, spec };
  } catch (err) {
    if (err instanceof FlagError || err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * The size fields of a run, by config path: their largest value, their default, and the same spec with
 * that size halved (depths: every depth), to find which of them makes a run large.
 */
const SIZE_FIELDS: readonly { path: readonly string[]; value: (s: SimulationSpec) => number; base: number; halve: (s: SimulationSpec) => SimulationSpec }[] = [
  { path: ["width"], value: (s) => s.width, base: 2, halve: (s) => ({ ...s, width: Math.ceil(s.width / 2) }) },
  { path: ["depths"], value: (s) => Math.max(...s.depths), base: 4, halve: (s) => ({ ...s, depths: s.depths.map((L) => Math.ceil(L / 2)) }) },
  { path: ["mlp", "hidden"], value: (s) => Math.max(...(s.mlp?.hidden ?? [1])), base: 64, halve: (s) => (s.mlp ? { ...s, mlp: { ...s.mlp, hidden: s.mlp.hidden.map((h) => Math.ceil(h / 2)) } } : s) },
  { path: ["classifier", "hidden"], value: (s) => s.classifier?.hidden ?? 1, base: 2, halve: (s) => (s.classifier ? { ...s, classifier: { ...s.classifier, hidden: Math.ceil(s.classifier.hidden / 2) } } : s) },
  { path: ["classifier", "data", "points"], value: (s) => s.classifier?.data.points ?? 1, base: 20, halve: (s) => (s.classifier ? { ...s, classifier: { ...s.classifier, data: { ...s.classifier.data, points: Math.ceil(s.classifier.data.points / 2) } } } : s) },
];

/**
 * Refuse, before anything is allocated, a run this machine cannot hold: its estimated memory
 * (src/engine/footprint.ts) above the machine's, named by the size field that makes it large (the one
 * far above its default that the memory grows fastest with), and a `sharpness.top` above the Hessian's dimension.
 * `name` gives the flag or config field of a path.
 */
export function checkRunFits(spec: SimulationSpec, name: (path: readonly string[]) => string, memory = totalmem()): void {
  const fp = runFootprint(spec);
  if (spec.sharpness.top > fp.hessianDim) {
    throw new UsageError(`${name(["sharpness", "top"])}: at most ${fp.hessianDim} (the number of parameters, the Hessian's dimension), got ${spec.sharpness.top}`);
  }
  const tooBig = fp.bytes > memory ? `more than this machine's ${formatBytes(memory)}` : fp.workspaceBytes > MAX_WORKSPACE_BYTES ? `its network's workspace alone about ${formatBytes(fp.workspaceBytes)}, more than the 4 GiB one array can hold` : null;
  if (tooBig !== null) {
    // The culprit: the field far above its default that the memory grows fastest with (score = the
    // memory's exponent in that field, from halving it, times log(value/default)).
    let culprit = SIZE_FIELDS[0]!;
    let best = -Infinity;
    for (const f of SIZE_FIELDS) {
      const exponent = Math.log2(fp.bytes / runFootprint(f.halve(spec)).bytes);
      const score = exponent * Math.log(Math.max(1, f.value(spec) / f.base));
      if (score > best) [best, culprit] = [score, f];
    }
    throw new UsageError(
      `${name(culprit.path)}: this run needs about ${formatBytes(fp.bytes)} of memory (${fp.params < 1e6 ? fp.params : fp.params.toExponential(1)} parameters), ${tooBig}; make it smaller`,
    );
  }
}

/** A note for runs estimated to take over an hour (null otherwise): the user can stop and resume them. */
export function longRunNote(spec: SimulationSpec): string | null {
  const { seconds } = runFootprint(spec);
  if (seconds === null || seconds < 3600) return null;
  return `dlnlab: note: this run may take about ${formatDuration(seconds)} (a rough estimate); Ctrl-C stops it, writing what is done, and --resume --out DIR continues it\n`;
}

/**
 * The parameters θ of a run whose init is a .npz file (`--init-from` / `init: { type: file }`), read and
 * checked array by array against the run's shapes; `label` names the flag or field in errors.
 */
export function loadInitialState(spec: SimulationSpec, label: string): Float64Array {
  if (spec.init.type !== "file") throw new RangeError("loadInitialState: the run's init is not a file");
  const path = spec.init.path;
  if (!existsSync(path)) throw new UsageError(`${label}: ${path} does not exist`);
  if (statSync(path).isDirectory()) throw new UsageError(`${label}: ${path} is a directory, not a .npz file`);
  try {
    return stateFromArrays(spec, decodeNpz(new Uint8Array(readFileSync(path))));
  } catch (err) {
    if (err instanceof NpyFormatError) throw new UsageError(`${label} ${path}: ${err.message}`);
    throw err;
  }
}

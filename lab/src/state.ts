/**
 * @file The lab's experiment state and its three faces: the form (one text per CLI flag), the URL
 * (`?preset=NAME&lr=0.7`, the flags' own names without `--`) and the CLI command that runs the same
 * config. A state is a base config (an embedded preset, an experiment file or the defaults) plus the
 * flags that differ from it — exactly `dlnlab run [--preset NAME | FILE] --flag value …` — so a lab
 * link and a CLI command are interchangeable. Validation reuses the CLI's own flag parser, schema and
 * one-line messages. DOM-free: it runs in Node tests too.
 */
import { FIELD_FLAGS, FlagError, applyFlags, parseFlagValue, type FieldFlag } from "../../src/config/flags.js";
import { resolveRunConfig, type RunConfig } from "../../src/config/schema.js";
import { ConfigError, validateRunConfig, type ConfigOrigin } from "../../src/config/validate.js";
import { plannedRecords, type SimulationSpec } from "../../src/engine/simulate.js";
import { MAX_BYTES, estimateRun, fmtBytes } from "./cost.js";

/** A config the lab can start from: an embedded preset, or one run of a reproduction-suite experiment. */
export interface BaseConfig {
  /** URL/CLI identity: `preset` → `?preset=id` / `--preset id`; `experiment` → `?experiment=id` / its flags. */
  kind: "preset" | "experiment";
  /** Preset name, or "experiment-file-stem/run-slug". */
  id: string;
  /** Shown in the preset picker. */
  label: string;
  /** One-line description shown beside the preset picker. */
  description: string;
  /** The raw run config, validated like the CLI validates it. */
  raw: Record<string, unknown>;
  /** Where the raw values came from, for messages. */
  origin: ConfigOrigin;
}

/** The defaults (no preset): `dlnlab run` with flags only. */
export const DEFAULT_BASE: BaseConfig = { kind: "preset", id: "", label: "CLI defaults (no preset)", description: "dlnlab run with no config: K = 2, depth 4, d = 2, full matrices, η = 0.625.", raw: {}, origin: {} };

/** What the user set: a base and the flags that differ from it (keys are flag names without `--`). */
export interface LabState {
  base: BaseConfig;
  overrides: Map<string, string>;
}

/**
 * A flag with the optional model metadata of the CLI's table (which models it applies to, and where it
 * writes for an MLP); read loosely so the lab follows the table as it grows.
 */
type FlagMeta = FieldFlag & { models?: readonly string[]; mlpPath?: readonly string[] };

/** The model the texts describe ("dln" unless --model says otherwise). */
export function modelOf(texts: ReadonlyMap<string, string>): string {
  return texts.get("model") || "dln";
}

/** Key of a flag in the URL and in `LabState.overrides`: the CLI flag without its dashes. */
export function flagKey(f: FieldFlag): string {
  return f.flag.slice(2);
}

/** The flag of a key ("lr" → --lr entry), or undefined. */
export function flagByKey(key: string): FieldFlag | undefined {
  return FIELD_FLAGS.find((f) => flagKey(f) === key);
}

/** Value of a config at a field path. */
function at(config: unknown, path: readonly string[]): unknown {
  let v = config;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** A config value as the text its flag takes ("" when the field is absent or has no flag form). */
export function textOf(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.every((x) => typeof x === "number") ? value.join(",") : "";
  if (typeof value === "number" || typeof value === "string") return String(value);
  if (typeof value === "boolean") return value ? "on" : "off";
  return "";
}

/** The base config after defaults (it is valid: presets and experiment files are checked when loaded). */
export function baseConfig(base: BaseConfig): RunConfig {
  return validateRunConfig(base.raw, base.origin);
}

/** Every flag's text in the base config. */
export function baseTexts(base: BaseConfig): Map<string, string> {
  const config = baseConfig(base) as Record<string, unknown>;
  const mlp = config.model === "mlp";
  return new Map(FIELD_FLAGS.map((f: FlagMeta) => [flagKey(f), textOf(at(config, mlp && f.mlpPath ? f.mlpPath : f.path))]));
}

/** Flag texts the form shows: the base's, then the overrides, with the types that flags imply (--init-std ⇒ gaussian). */
export function formTexts(state: LabState): Map<string, string> {
  const texts = baseTexts(state.base);
  for (const [key, text] of state.overrides) texts.set(key, text);
  for (const f of FIELD_FLAGS) {
    if (!f.impliesType || !state.overrides.has(flagKey(f))) continue;
    const typeFlag = FIELD_FLAGS.find((g) => g.path.join(".") === [...f.path.slice(0, -1), "type"].join("."));
    if (typeFlag && !state.overrides.has(flagKey(typeFlag))) texts.set(flagKey(typeFlag), f.impliesType);
  }
  return texts;
}

/**
 * Whether a flag applies given the current texts: variant fields only for their variant (init scales
 * for svs, std for gaussian, warm-up, piecewise and decay fields for their schedule, solver settings for flow).
 */
export function isApplicable(key: string, texts: ReadonlyMap<string, string>): boolean {
  const model = modelOf(texts);
  const flag = flagByKey(key) as FlagMeta | undefined;
  if (flag?.models && !flag.models.includes(model)) return false;
  switch (key) {
    case "init-scales":
      return texts.get("init") === "svs";
    case "init-std":
      // An MLP's Gaussian std, unless its He-normal scale is set instead.
      return model === "mlp" ? (texts.get("he-scale") ?? "") === "" : texts.get("init") === "gaussian";
    case "warmup-steps":
    case "warmup-start":
      return texts.get("schedule") === "warmup";
    case "boundaries":
    case "factors":
      return texts.get("schedule") === "piecewise";
    case "decay-steps":
    case "decay-power":
      return texts.get("schedule") === "decay";
    case "flow-system":
    case "rtol":
    case "atol":
      return texts.get("dynamics") === "flow";
    default:
      return true;
  }
}

/**
 * Texts a control gets when its variant is switched on and the base has no value for it (a warm-up
 * needs a length): reasonable starting points, not defaults of the schema.
 */
export const VARIANT_STARTS: Readonly<Record<string, string>> = {
  "init-std": "0.01",
  "init-scales": "0.0016,0.00130321",
  "warmup-steps": "500",
  boundaries: "1000",
  factors: "0.5,1",
  "decay-steps": "1000",
};

/**
 * Set one flag's text, keeping `overrides` minimal (a text equal to the base's is dropped). Switching
 * a type fills the new variant's empty fields from `VARIANT_STARTS`.
 */
export function setFlag(state: LabState, key: string, text: string): LabState {
  const base = baseTexts(state.base);
  const overrides = new Map(state.overrides);
  if (text === base.get(key)) overrides.delete(key);
  else overrides.set(key, text);
  const flag = flagByKey(key);
  if (flag && flag.path[flag.path.length - 1] === "type") {
    // Choosing a type drops values of flags that imply another one (--init-std ⇒ gaussian), which
    // would otherwise switch the type back when the state is read again.
    const parent = flag.path.slice(0, -1).join(".");
    for (const f of FIELD_FLAGS) {
      if (f.impliesType && f.impliesType !== text && f.path.slice(0, -1).join(".") === parent) overrides.delete(flagKey(f));
    }
  }
  const next = { base: state.base, overrides };
  const texts = formTexts(next);
  // Only the linear network's variants: an MLP's empty fields mean "its documented default".
  if (modelOf(texts) !== "dln") return next;
  for (const [k, start] of Object.entries(VARIANT_STARTS)) {
    if (isApplicable(k, texts) && (texts.get(k) ?? "") === "") overrides.set(k, start);
  }
  return next;
}

/** The flags (with dashes) that the run applies on top of the base: applicable ones that differ from it. */
export function appliedFlags(state: LabState): Map<string, string> {
  const texts = formTexts(state);
  const keys = new Set([...state.overrides.keys()].filter((key) => isApplicable(key, texts)));
  // A flag under `target` replaces the whole default target: the basis travels with the σ the form
  // shows, so a link never depends on the default spectrum staying what it is today.
  if (keys.has("basis") && (texts.get("sigma") ?? "") !== "") keys.add("sigma");
  const out = new Map<string, string>();
  for (const f of FIELD_FLAGS) {
    const key = flagKey(f);
    if (keys.has(key)) out.set(f.flag, texts.get(key)!);
  }
  return out;
}

/** The outcome of validating a state. */
export type Evaluation =
  | { ok: true; config: RunConfig; spec: SimulationSpec }
  | {
      ok: false;
      /** Message per flag key (shown next to its control), as the CLI would print it. */
      errors: Map<string, string>;
      /** Messages that belong to no control (a field only the base config sets). */
      general: string[];
    };

/** Most records the page keeps for one run (memory: ~1 KB per record at d = 8). */
export const MAX_RECORDS = 1_000_000;

/**
 * Models the page can show: networks fitting a target Y, whose theory panel, phase portrait and
 * thresholds it draws. The deep linear classifier (docs/theory.md §9) has none of these; it runs from the CLI.
 */
export const LAB_MODELS: readonly string[] = ["dln", "mlp"];

/**
 * Validate like `dlnlab run`: every applied flag parsed by the CLI's parser (all flag errors at once),
 * then the merged config through the CLI's schema and messages, which name the flag that set a bad
 * value. Adds one browser-only limit: the number of records a run keeps in the page.
 */
export function evaluate(state: LabState): Evaluation {
  const errors = new Map<string, string>();
  const applied = appliedFlags(state);
  for (const [flag, text] of applied) {
    try {
      parseFlagValue(FIELD_FLAGS.find((f) => f.flag === flag)!, text);
    } catch (err) {
      if (!(err instanceof FlagError)) throw err;
      errors.set(flag.slice(2), err.message);
    }
  }
  if (errors.size > 0) return { ok: false, errors, general: [] };
  let config: RunConfig;
  try {
    const { config: merged, setBy } = applyFlags(state.base.raw, applied);
    config = validateRunConfig(merged, { ...state.base.origin, setBy });
  } catch (err) {
    if (!(err instanceof ConfigError || err instanceof FlagError)) throw err;
    const flag = /^(--[a-z-]+)/.exec(err.message)?.[1];
    if (flag && flagByKey(flag.slice(2))) {
      // The schema names its first problem only: every flag that is bad on its own is reported too,
      // so a link with several bad values shows them all at once.
      const all = flagsBadAlone(state, applied);
      if (!all.has(flag.slice(2))) all.set(flag.slice(2), err.message);
      return { ok: false, errors: all, general: [] };
    }
    // The base set the bad field (e.g. its init scales no longer match a K changed by --depths): name
    // the control whose flag sets that field, else report it under the run buttons.
    const field = FIELD_FLAGS.find((f) => err.message.includes(`${f.path.join(".")}:`) || err.message.includes(`${f.path.join(".")}[`));
    if (field) return { ok: false, errors: new Map([[flagKey(field), err.message]]), general: [] };
    return { ok: false, errors, general: [err.message] };
  }
  if (!LAB_MODELS.includes(config.model)) {
    const message = `--model: the lab shows networks fitting a target (${LAB_MODELS.join(", ")}); run model ${config.model} with \`npx dlnlab run --model ${config.model}\``;
    return { ok: false, errors: new Map([["model", message]]), general: [] };
  }
  const spec = resolveRunConfig(config);
  const records = plannedRecords(spec.record, spec.steps);
  if (records > MAX_RECORDS) {
    return {
      ok: false,
      errors: new Map([["record-every", `--record-every: ${spec.record.every} would keep ${records} records in the page; the lab keeps at most ${MAX_RECORDS} (use ≥ ${Math.ceil(spec.steps / (MAX_RECORDS - 2))})`]]),
      general: [],
    };
  }
  const cost = estimateRun(spec);
  if (cost.bytes > MAX_BYTES) {
    // Fewer records help only if a handful of them fits: otherwise the width is what is too large.
    const fewest = estimateRun({ ...spec, record: { every: Math.max(1, spec.steps) } });
    const key = cost.memoryBy === "records" && fewest.bytes <= MAX_BYTES ? "record-every" : "width";
    const what = key === "record-every" ? `${records} records` : cost.memoryBy === "records" ? "its records" : "the network's workspaces";
    return {
      ok: false,
      errors: new Map([[key, `--${key}: ${key === "width" ? spec.width : spec.record.every} needs about ${fmtBytes(cost.bytes)} of memory for ${what}; the lab runs at most ${fmtBytes(MAX_BYTES)} in a browser tab (use the CLI: npx dlnlab run)`]]),
      general: [],
    };
  }
  return { ok: true, config, spec };
}

/** Flags (keys) whose value fails validation with no other flag applied, with the CLI's message. */
function flagsBadAlone(state: LabState, applied: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [flag, text] of applied) {
    try {
      const { config: merged, setBy } = applyFlags(state.base.raw, new Map([[flag, text]]));
      validateRunConfig(merged, { ...state.base.origin, setBy });
    } catch (err) {
      if (!(err instanceof ConfigError || err instanceof FlagError)) throw err;
      if (err.message.startsWith(`${flag}:`)) out.set(flag.slice(2), err.message);
    }
  }
  return out;
}

/** URL query of a state: the base (`preset` or `config`), then the overrides in --help order. */
export function toQuery(state: LabState): string {
  const params = new URLSearchParams();
  if (state.base.id) params.set(state.base.kind, state.base.id);
  const texts = formTexts(state);
  for (const f of FIELD_FLAGS) {
    const key = flagKey(f);
    const text = state.overrides.get(key);
    if (text !== undefined && isApplicable(key, texts)) params.set(key, text);
  }
  // Commas and slashes are safe in a query and keep it readable (?depths=4,4 rather than 4%2C4).
  return params.toString().replace(/%2C/gi, ",").replace(/%2F/gi, "/");
}

/** A state read from a URL query, with a note for every parameter it could not use. */
export interface ParsedQuery {
  state: LabState;
  notes: string[];
}

/** Parse `?preset=…&lr=…` against the known bases; unknown names are reported, not fatal. */
export function fromQuery(query: string, bases: readonly BaseConfig[]): ParsedQuery {
  const params = new URLSearchParams(query);
  const notes: string[] = [];
  let base = DEFAULT_BASE;
  for (const kind of ["preset", "experiment"] as const) {
    const id = params.get(kind);
    if (id === null) continue;
    const found = bases.find((b) => b.kind === kind && b.id === id);
    if (found) base = found;
    else notes.push(`${kind} ${JSON.stringify(id)} is not known to this lab; started from the defaults`);
  }
  const overrides = new Map<string, string>();
  for (const [key, value] of params) {
    if (key === "preset" || key === "experiment") continue;
    if (flagByKey(key)) overrides.set(key, value);
    else notes.push(`ignored unknown parameter ${JSON.stringify(key)}`);
  }
  return { state: { base, overrides }, notes };
}

/** Quote a word for a POSIX shell when it needs it. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_.,:/=+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `dlnlab run` command that runs the same config as this state: `--preset NAME` and the changed
 * flags for an embedded preset; for an experiment run (which the CLI knows only through the suite),
 * every applicable flag whose value differs from the CLI's default.
 */
export function cliCommand(state: LabState): string {
  const words = ["npx", "dlnlab", "run"];
  if (state.base.kind === "preset") {
    if (state.base.id) words.push("--preset", state.base.id);
    for (const [flag, text] of appliedFlags(state)) words.push(flag, text);
  } else {
    const defaults = baseTexts(DEFAULT_BASE);
    const texts = formTexts(state);
    const differs = (key: string) => isApplicable(key, texts) && (texts.get(key) ?? "") !== "" && texts.get(key) !== defaults.get(key);
    for (const f of FIELD_FLAGS) {
      const key = flagKey(f);
      // σ goes with a basis flag (see appliedFlags).
      if (differs(key) || (key === "sigma" && differs("basis"))) words.push(f.flag, texts.get(key)!);
    }
  }
  return words.map(shellWord).join(" ");
}

/**
 * @file The command-line flags of `dlnlab run` and the config fields they set. The same table maps
 * validation errors back to the flag the user typed, and lets the browser lab store its state in a
 * URL with the same names. Values are parsed here (numbers, lists, words); ranges and cross-field
 * rules are checked by the schema, whose errors are then reported under the flag's name.
 */
import { ACTIVATION_NAMES } from "../engine/mlp/activations.js";
import { BOTTLENECK_BASES } from "../engine/saddle/init.js";
import { MARGIN_LOSS_NAMES } from "../engine/classifier/losses.js";

/** How a flag's text becomes a value ("boolean": on/off, true/false, yes/no or 1/0). */
export type FlagKind = "int" | "number" | "int-list" | "number-list" | "word" | "int-or-auto" | "boolean";

/** The models a run config can describe (its `model` field). */
export type ModelName = "dln" | "mlp" | "classifier";

/** One flag that sets one config field. */
export interface FieldFlag {
  /** The flag as typed, e.g. "--init-scales". */
  flag: string;
  /** Path of the config field it sets. */
  path: readonly string[];
  kind: FlagKind;
  /** Placeholder shown in --help. */
  arg: string;
  /** Help text (with the default). */
  help: string;
  /** Allowed words for kind "word". */
  choices?: readonly string[];
  /** Setting this flag switches the object at `path[0..-2]` to this `type` (e.g. --init-std ⇒ gaussian). */
  impliesType?: string;
  /** The models the flag applies to (default: every model); using it with another model is an error. */
  models?: readonly ModelName[];
  /** The field the flag sets when the model is mlp, if not `path` (--init-std sets mlp.init.std). */
  mlpPath?: readonly string[];
  /** The field the flag sets when the model is classifier, if not `path` (--init-std sets classifier.init.std). */
  classifierPath?: readonly string[];
}

/**
 * Every field flag of `dlnlab run`, in --help order. The names of the first eleven are fixed by outside
 * tooling; the MLP flags (--model, --activation, --hidden, --bias, --he-scale) come next, then the flags of
 * the saddle-escape initialisation, decreasing steps and the classifier (docs/theory.md §9–§10).
 */
export const FIELD_FLAGS: readonly FieldFlag[] = [
  { flag: "--width", path: ["width"], kind: "int", arg: "<d>", help: "width d of every layer (default 2)" },
  { flag: "--depths", path: ["depths"], kind: "int-list", arg: "<L1,L2,…>", help: "depth of each pathway; K = count (default 4,4)" },
  { flag: "--sigma", path: ["target", "sigma"], kind: "number-list", arg: "<σ1,σ2,…>", help: "target singular values, padded with zeros to the width (default 1,0.5)" },
  { flag: "--init-scales", path: ["init", "scales"], kind: "number-list", arg: "<α1,α2,…>", help: "end-to-end init scales α_k of a depth-balanced SVS init; every layer starts at α_k^(1/L_k) (default 0.0016,0.00130321)", impliesType: "svs", models: ["dln"] },
  { flag: "--lr", path: ["lr"], kind: "number", arg: "<η>", help: "base (peak) step size η (default 0.625; or give --h)" },
  { flag: "--steps", path: ["steps"], kind: "int", arg: "<n>", help: "number of GD steps; gradient flow integrates to time lr·steps (default 5000)" },
  { flag: "--dynamics", path: ["dynamics"], kind: "word", arg: "<kind>", choices: ["full", "reduced", "flow", "central"], help: "full (GD on full matrices), reduced (exact per-mode GD, SVS inits), flow (gradient flow) or central (central flow of GD at the Edge of Stability; --flow-system picks full or reduced) (default full)" },
  { flag: "--seed", path: ["seed"], kind: "int", arg: "<n>", help: "seed of every random choice (default 0)" },
  { flag: "--sharpness-every", path: ["sharpness", "every"], kind: "int-or-auto", arg: "<n|auto>", help: "top Hessian eigenvalue every n steps, 0 = start and end only (default auto: every 9th record of the auto plan, every record for reduced dynamics; ≈ 200 measurements with a fixed --record-every)" },
  { flag: "--basis", path: ["target", "basis"], kind: "word", arg: "<basis>", choices: ["identity", "symmetric", "general"], help: "singular vectors of the target: identity, random U = V (symmetric) or random U ≠ V (general) (default identity)" },
  { flag: "--init", path: ["init", "type"], kind: "word", arg: "<type>", choices: ["svs", "svs-layers", "gaussian"], help: "initialisation type of the linear network (default svs)", models: ["dln"] },
  { flag: "--init-std", path: ["init", "std"], kind: "number", arg: "<std>", help: "std of an i.i.d. Gaussian init (implies --init gaussian); with --model mlp or classifier the std of its weights", impliesType: "gaussian", mlpPath: ["mlp", "init", "std"], classifierPath: ["classifier", "init", "std"] },
  { flag: "--schedule", path: ["schedule", "type"], kind: "word", arg: "<type>", choices: ["constant", "warmup", "piecewise", "decay"], help: "step-size schedule (default constant)" },
  { flag: "--warmup-steps", path: ["schedule", "steps"], kind: "int", arg: "<W>", help: "linear warm-up over W steps (implies --schedule warmup)", impliesType: "warmup" },
  { flag: "--warmup-start", path: ["schedule", "start"], kind: "number", arg: "<f>", help: "warm-up starts at f·lr, f in [0,1] (default 0)", impliesType: "warmup" },
  { flag: "--boundaries", path: ["schedule", "boundaries"], kind: "int-list", arg: "<t1,t2,…>", help: "steps where a piecewise-constant schedule changes (implies --schedule piecewise)", impliesType: "piecewise" },
  { flag: "--factors", path: ["schedule", "factors"], kind: "number-list", arg: "<m0,m1,…>", help: "multipliers of lr per piece (boundaries + 1 values)", impliesType: "piecewise" },
  { flag: "--record-every", path: ["record", "every"], kind: "int-or-auto", arg: "<n|auto>", help: "record observables every n steps (default auto: every step for the first 600, then 600 records at stride 3, 600 at 9, …; the config's record.dense sets the 600)" },
  { flag: "--record-per-decade", path: ["record", "perDecade"], kind: "int", arg: "<n>", help: "record on a time grid instead: n records per decade of the elapsed time τ = Σ η_t (for schedules and log-time plots)" },
  { flag: "--sharpness-top", path: ["sharpness", "top"], kind: "int", arg: "<m>", help: "number of top Hessian eigenvalues to measure (default 1)" },
  { flag: "--sharpness-method", path: ["sharpness", "method"], kind: "word", arg: "<m>", choices: ["auto", "lanczos", "blocks"], help: "lanczos (exact HVP) or blocks (exact SVS formulas, reduced only) (default auto: blocks for reduced runs of at most 128 layers in all, else lanczos)" },
  { flag: "--flow-system", path: ["flow", "system"], kind: "word", arg: "<s>", choices: ["full", "reduced"], help: "what gradient flow and the central flow integrate: full matrices or reduced scalars (default full)" },
  { flag: "--rtol", path: ["flow", "rtol"], kind: "number", arg: "<x>", help: "relative tolerance of the gradient-flow ODE solver (default 1e-10)" },
  { flag: "--atol", path: ["flow", "atol"], kind: "number", arg: "<x>", help: "absolute tolerance of the gradient-flow ODE solver (default 1e-12)" },
  { flag: "--loss-tol", path: ["stop", "lossTol"], kind: "number", arg: "<x>", help: "converged when loss ≤ x·½‖Y‖² (default 1e-20)" },
  { flag: "--model", path: ["model"], kind: "word", arg: "<model>", choices: ["dln", "mlp", "classifier"], help: "dln (deep linear network), mlp (nonlinear multi-pathway MLP, see --activation) or classifier (deep linear classifier on separable data, see --loss) (default dln)" },
  { flag: "--activation", path: ["mlp", "activation"], kind: "word", arg: "<φ>", choices: ACTIVATION_NAMES, help: `MLP activation: ${ACTIVATION_NAMES.join(", ")} (default tanh)`, models: ["mlp"] },
  { flag: "--hidden", path: ["mlp", "hidden"], kind: "int-list", arg: "<h|h1,h2,…>", help: "hidden width: MLP, one for all pathways or one per pathway (default 64); classifier (default: the width)", models: ["mlp", "classifier"], classifierPath: ["classifier", "hidden"] },
  { flag: "--bias", path: ["mlp", "bias"], kind: "boolean", arg: "<on|off>", help: "learnable biases in every MLP layer (default off)", models: ["mlp"] },
  { flag: "--he-scale", path: ["mlp", "init", "scale"], kind: "number", arg: "<c>", help: "He-normal MLP init with std c·√(2/fan_in) (instead of --init-std)", impliesType: "he", models: ["mlp"] },
  { flag: "--epsilon", path: ["mlp", "init", "epsilon"], kind: "number", arg: "<ε>", help: "bottleneck MLP init: the small layers start at scale ε, the others at O(1) (see --small-layers, --init-base)", impliesType: "bottleneck", models: ["mlp"] },
  { flag: "--small-layers", path: ["mlp", "init", "layers"], kind: "int-list", arg: "<l1,l2,…>", help: "1-based layers at scale ε of a bottleneck init (implies it; default every layer)", impliesType: "bottleneck", models: ["mlp"] },
  { flag: "--init-base", path: ["mlp", "init", "base"], kind: "word", arg: "<base>", choices: BOTTLENECK_BASES, help: "O(1) draw of a bottleneck init before the small layers are scaled by ε: identity, orthogonal or he (default identity)", impliesType: "bottleneck", models: ["mlp"] },
  { flag: "--loss-fraction", path: ["stop", "lossFraction"], kind: "number", arg: "<f>", help: "also stop (converged) once loss ≤ f·initial loss: the escape from a small-init plateau, checked at every step (gradient flow: every ODE solver step)" },
  { flag: "--decay-steps", path: ["schedule", "timescale"], kind: "int", arg: "<T>", help: "decreasing step η_t = lr·(1 + t/T)^(−p) (implies --schedule decay)", impliesType: "decay" },
  { flag: "--decay-power", path: ["schedule", "power"], kind: "number", arg: "<p>", help: "exponent p of the decreasing step (default 1)", impliesType: "decay" },
  { flag: "--loss", path: ["classifier", "loss"], kind: "word", arg: "<ℓ>", choices: MARGIN_LOSS_NAMES, help: "classifier margin loss: logistic or exponential (default logistic)", models: ["classifier"] },
  { flag: "--points", path: ["classifier", "data", "points"], kind: "int", arg: "<n>", help: "number of separable data points of the classifier (default 20)", models: ["classifier"] },
  { flag: "--h", path: ["h"], kind: "number", arg: "<h>", help: "normalised step h: lr = h/λ_single, λ_single = max_k L_k σ_1^(2−2/L_k) (docs/theory.md §4); instead of --lr" },
  { flag: "--margin", path: ["classifier", "data", "margin"], kind: "number", arg: "<γ>", help: "the classifier's data are redrawn until y·u*ᵀx ≥ γ (default 0.1)", models: ["classifier"] },
];

/** Flag texts that mean true and false for kind "boolean". */
const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = { on: true, off: false, true: true, false: false, yes: true, no: false, "1": true, "0": false };

/** A flag-value parse failure; `message` names the flag. */
export class FlagError extends Error {
  override readonly name = "FlagError";
}

function parseScalar(flag: string, raw: string, integer: boolean): number {
  const text = raw.trim();
  const x = text === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(x)) throw new FlagError(`${flag}: expected a finite number, got ${JSON.stringify(raw)}`);
  if (integer && !Number.isInteger(x)) throw new FlagError(`${flag}: expected an integer, got ${JSON.stringify(raw)}`);
  return x;
}

/** Parse a flag's text according to its kind (numbers must be finite; lists are comma-separated). */
export function parseFlagValue(spec: FieldFlag, raw: string): unknown {
  switch (spec.kind) {
    case "int":
      return parseScalar(spec.flag, raw, true);
    case "number":
      return parseScalar(spec.flag, raw, false);
    case "int-or-auto":
      return raw.trim() === "auto" ? "auto" : parseScalar(spec.flag, raw, true);
    case "int-list":
    case "number-list": {
      const parts = raw.split(",");
      if (parts.some((p) => p.trim() === "")) {
        throw new FlagError(`${spec.flag}: expected a comma-separated list of numbers such as 1,0.5, got ${JSON.stringify(raw)}`);
      }
      return parts.map((p, i) => parseScalar(`${spec.flag} (item ${i + 1})`, p, spec.kind === "int-list"));
    }
    case "boolean": {
      const v = BOOLEAN_WORDS[raw.trim().toLowerCase()];
      if (v === undefined) throw new FlagError(`${spec.flag}: expected on or off, got ${JSON.stringify(raw)}`);
      return v;
    }
    case "word":
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new FlagError(`${spec.flag}: expected one of ${spec.choices.join(", ")}, got ${JSON.stringify(raw)}`);
      }
      return raw;
  }
}

type Json = Record<string, unknown>;

/** Deep copy of plain data (unlike a JSON round trip, keeps Infinity and NaN so they can be reported). */
function deepClone(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(deepClone);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v as Json).map(([k, x]) => [k, deepClone(x)]));
  }
  return v;
}

/**
 * Apply flag values (by flag name, raw text) onto a raw config object and return the
 * new object with the paths that flags set. A flag that implies a type (e.g. --init-std ⇒ gaussian)
 * replaces the enclosing object when its type differs; --sigma removes an explicit target matrix.
 * The model (--model, else the config's `model`, else dln) decides where a flag with an `mlpPath`
 * writes, and a flag meant for another model is an error; --model drops the other models' settings
 * (`mlp` and `classifier` for dln, the linear `init` and the other section for mlp and classifier).
 */
export function applyFlags(raw: Json, values: ReadonlyMap<string, string>): { config: Json; setBy: Map<string, string> } {
  const config = deepClone(raw) as Json;
  const setBy = new Map<string, string>();
  if (values.has("--h") && values.has("--lr")) throw new FlagError("--h: give either --h or --lr (lr = h/λ_single), not both");
  // A flag for the step replaces the config's other way of giving it (a file's lr under --h, and back).
  if (values.has("--h")) delete config.lr;
  if (values.has("--lr")) delete config.h;
  const modelFlag = FIELD_FLAGS.find((f) => f.flag === "--model")!;
  const modelText = values.get(modelFlag.flag);
  const model: unknown = modelText !== undefined ? parseFlagValue(modelFlag, modelText) : config.model ?? "dln";
  if (modelText !== undefined) {
    for (const other of ["init", "mlp", "classifier"]) if (other !== (model === "dln" ? "init" : model)) delete config[other];
  }
  const isType = (f: FieldFlag) => f.path[f.path.length - 1] === "type";
  const pathFor = (f: FieldFlag) => (model === "mlp" && f.mlpPath) || (model === "classifier" && f.classifierPath) || f.path;
  // Two flags that choose different variants of one object (`--he-scale` ⇒ mlp.init he, `--init-std` ⇒
  // gaussian; `--schedule constant` and `--warmup-steps`) would silently drop one of them: refuse the pair.
  // The variant a flag chooses is its `impliesType`, or the value of a type flag; the table above is the data.
  const chosen = new Map<string, { flag: string; type: string }>();
  for (const spec of FIELD_FLAGS) {
    const text = values.get(spec.flag);
    if (text === undefined) continue;
    const type = isType(spec) ? String(parseFlagValue(spec, text)) : spec.impliesType;
    if (type === undefined || (spec.models && !spec.models.includes(model as ModelName))) continue;
    const object = pathFor(spec).slice(0, -1).join(".");
    const before = chosen.get(object);
    if (before && before.type !== type) {
      throw new FlagError(`${spec.flag}: cannot be combined with ${before.flag} (${before.flag} sets ${object}.type ${before.type}, ${spec.flag} needs ${type})`);
    }
    if (!before) chosen.set(object, { flag: spec.flag, type });
  }
  // Type-choosing flags first, so that e.g. `--init svs-layers` does not wipe what other flags set.
  const ordered = [...FIELD_FLAGS.filter(isType), ...FIELD_FLAGS.filter((f) => !isType(f))];
  for (const spec of ordered) {
    const text = values.get(spec.flag);
    if (text === undefined) continue;
    const value = parseFlagValue(spec, text);
    if (spec.models && !spec.models.includes(model as ModelName)) {
      throw new FlagError(
        !spec.models.includes("dln")
          ? `${spec.flag}: only used with --model ${spec.models.join(" or ")}`
          : model === "mlp"
            ? `${spec.flag}: not used by MLP models (model: mlp); their initialisation is --init-std or --he-scale`
            : `${spec.flag}: not used by model ${String(model)}`,
      );
    }
    const path = pathFor(spec);
    const parentPath = path.slice(0, -1);
    let parent: Json = config;
    for (const key of parentPath) {
      const next = parent[key];
      if (typeof next !== "object" || next === null || Array.isArray(next)) parent[key] = {};
      parent = parent[key] as Json;
    }
    const field = path[path.length - 1]!;
    if (field === "type" && parent.type !== value) {
      // Switching type: keep nothing of the old variant (its fields would be unknown to the new one).
      for (const key of Object.keys(parent)) delete parent[key];
    }
    if (spec.impliesType && parent.type !== spec.impliesType) {
      for (const key of Object.keys(parent)) delete parent[key];
      parent.type = spec.impliesType;
    }
    if (spec.flag === "--sigma") delete parent.matrix;
    parent[field] = value;
    setBy.set(path.join("."), spec.flag);
  }
  return { config, setBy };
}

/** The flag that set `path` (or the closest enclosing path set by a flag), if any. */
export function flagForPath(path: readonly PropertyKey[], setBy: ReadonlyMap<string, string>): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const key = path.slice(0, n).map(String).join(".");
    const flag = setBy.get(key);
    if (flag) {
      const rest = path.slice(n);
      return typeof rest[0] === "number" ? `${flag} (item ${rest[0] + 1})` : flag;
    }
  }
  return undefined;
}

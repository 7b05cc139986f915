/**
 * @file The form's controls: one per CLI flag (same names, same parsing), with a label, a unit, help
 * text and a place for its error message, grouped as a researcher thinks about an experiment. The
 * choices of select controls come from the CLI's flag table, so they cannot drift apart. DOM-free.
 */
import { FIELD_FLAGS } from "../../src/config/flags.js";
import { LAB_MODELS } from "./state.js";

/** One control of the form. */
export interface FieldDef {
  /** Flag key (the CLI flag without `--`), or a lab-only key ("K", "multiple"). */
  key: string;
  label: string;
  /** Unit or form of the value, shown after the label. */
  unit: string;
  help: string;
  /** text input (with an input mode for phone keyboards) or select. */
  control: "text" | "select";
  inputmode?: "decimal" | "numeric" | "text";
  /** Words and their descriptions for selects. */
  options?: { value: string; text: string }[];
  /** Shown in the collapsed "More settings" group. */
  advanced?: boolean;
}

/** A group of fields under a heading. */
export interface FieldGroup {
  title: string;
  fields: FieldDef[];
}

const OPTION_TEXT: Readonly<Record<string, string>> = {
  identity: "identity (U = V = I)",
  symmetric: "random U = V (symmetric)",
  general: "random U ≠ V (general)",
  svs: "SVS, depth-balanced (scales α_k)",
  "svs-layers": "SVS, per-layer scalars (from the config)",
  gaussian: "Gaussian i.i.d. (std)",
  constant: "constant η",
  warmup: "linear warm-up to η",
  piecewise: "piecewise constant (× η)",
  decay: "decreasing, η·(1 + t/T)^(−p)",
  full: "GD on full matrices",
  reduced: "exact reduced GD (per mode)",
  flow: "gradient flow (ODE)",
  auto: "auto",
  dln: "deep linear network",
  mlp: "nonlinear MLP (docs/theory.md §7)",
  on: "on",
  off: "off",
  lanczos: "Lanczos on the exact HVP",
  blocks: "exact SVS blocks (reduced)",
};

/** Select options of a flag, from the CLI's flag table (on/off for boolean flags). */
function choices(key: string): { value: string; text: string }[] {
  const f = FIELD_FLAGS.find((g) => g.flag === `--${key}`);
  const words = (f?.kind as string) === "boolean" ? ["off", "on"] : (f?.choices ?? []);
  return words.map((value) => ({ value, text: OPTION_TEXT[value] ?? value }));
}

/** True when the CLI has this flag (the MLP flags arrive with the MLP model). */
function hasFlag(key: string): boolean {
  return FIELD_FLAGS.some((f) => f.flag === `--${key}`);
}

/** A plain control for a flag the lab has no hand-written entry for: the CLI's own help text. */
function genericField(key: string): FieldDef {
  const f = FIELD_FLAGS.find((g) => g.flag === `--${key}`)!;
  const select = f.kind === "word" || (f.kind as string) === "boolean";
  return {
    key,
    label: key.replace(/-/g, " ").replace(/^./, (c) => c.toUpperCase()),
    unit: f.arg.replace(/[<>]/g, ""),
    help: f.help.charAt(0).toUpperCase() + f.help.slice(1) + ".",
    control: select ? "select" : "text",
    ...(select ? { options: choices(key) } : { inputmode: "text" as const }),
    advanced: true,
  };
}

/** MLP controls, shown when the CLI has the MLP model (docs/theory.md §7). */
const MLP_FIELDS: FieldDef[] = ([
  { key: "activation", label: "Activation φ", unit: "", help: "Applied after every layer but the last.", control: "select", options: choices("activation") },
  { key: "hidden", label: "Hidden width", unit: "units, one or one per pathway", help: "Empty: the documented default.", control: "text", inputmode: "text" },
  { key: "bias", label: "Biases", unit: "", help: "Learnable biases on every layer.", control: "select", options: choices("bias") },
  { key: "he-scale", label: "He-normal scale c", unit: "× √(2/fan_in)", help: "He-normal init instead of the Gaussian std.", control: "text", inputmode: "decimal" },
] satisfies FieldDef[]).filter((f) => hasFlag(f.key));

/** The form, in order. Keys other than "K" and "multiple" are CLI flags. */
const CURATED: readonly FieldGroup[] = [
  {
    title: "Network",
    fields: [
      ...(hasFlag("model") ? [{ key: "model", label: "Model", unit: "", help: "The linear network of the theory, or a nonlinear multi-pathway MLP.", control: "select" as const, options: choices("model").filter((o) => LAB_MODELS.includes(o.value)) }] : []),
      { key: "K", label: "Pathways K", unit: "count", help: "How many parallel pathways; sets the lengths of the depth and init-scale lists.", control: "text", inputmode: "numeric" },
      { key: "depths", label: "Depths L₁,…,L_K", unit: "layers, comma-separated", help: "Layers per pathway; the number of entries is K.", control: "text", inputmode: "text" },
      { key: "width", label: "Width d", unit: "units per layer", help: "Every layer is d×d; the target has d modes.", control: "text", inputmode: "numeric" },
      ...MLP_FIELDS,
    ],
  },
  {
    title: "Target Y = U diag(σ) Vᵀ",
    fields: [
      { key: "sigma", label: "Singular values σ₁,σ₂,…", unit: "comma-separated", help: "Padded with zeros to the width; the largest, σ₁, sets the thresholds.", control: "text", inputmode: "text" },
      { key: "basis", label: "Singular vectors", unit: "", help: "Random bases are drawn from the seed.", control: "select", options: choices("basis") },
    ],
  },
  {
    title: "Initialisation",
    fields: [
      { key: "init", label: "Initialisation", unit: "", help: "SVS inits start every layer of pathway k at α_k^{1/L_k}.", control: "select", options: choices("init") },
      { key: "init-scales", label: "Init scales α₁,…,α_K", unit: "end-to-end, comma-separated", help: "One per pathway (or one for all); tiny differences decide the winner.", control: "text", inputmode: "text" },
      { key: "init-std", label: "Init standard deviation", unit: "per entry", help: "Standard deviation of the i.i.d. Gaussian weights.", control: "text", inputmode: "decimal" },
    ],
  },
  {
    title: "Step size",
    fields: [
      { key: "lr", label: "Step size η", unit: "peak, dimensionless", help: "GD step; a schedule scales it by its multiplier.", control: "text", inputmode: "decimal" },
      { key: "multiple", label: "η as a multiple of 2/λ_single", unit: "× 2/λ_single(σ₁)", help: "1 is where winner-takes-all minima lose stability; h = η·λ_single is twice this.", control: "text", inputmode: "decimal" },
      { key: "schedule", label: "Schedule", unit: "", help: "Multipliers of η over the steps.", control: "select", options: choices("schedule") },
      { key: "warmup-steps", label: "Warm-up length W", unit: "steps", help: "η_t = η·(f + (1 − f)·min(1, (t+1)/W)).", control: "text", inputmode: "numeric" },
      { key: "warmup-start", label: "Warm-up start f", unit: "× η, in [0, 1]", help: "The multiplier at step 0.", control: "text", inputmode: "decimal" },
      { key: "boundaries", label: "Boundaries t₁,t₂,…", unit: "steps, increasing", help: "Steps at which the multiplier changes.", control: "text", inputmode: "text" },
      { key: "factors", label: "Factors m₀,m₁,…", unit: "× η, one more than boundaries", help: "Multiplier of η on each piece.", control: "text", inputmode: "text" },
      { key: "decay-steps", label: "Decay time T", unit: "steps", help: "η_t = η·(1 + t/T)^(−p): halved (p = 1) at t = T.", control: "text", inputmode: "numeric" },
      { key: "decay-power", label: "Decay power p", unit: "> 0", help: "Empty: 1 (inverse-time decay).", control: "text", inputmode: "decimal" },
    ],
  },
  {
    title: "Run",
    fields: [
      { key: "dynamics", label: "Dynamics", unit: "", help: "Reduced GD is exact for SVS inits and fastest; gradient flow has no step size.", control: "select", options: choices("dynamics") },
      { key: "steps", label: "Steps", unit: "GD steps", help: "Gradient flow integrates to time η·steps.", control: "text", inputmode: "numeric" },
      { key: "seed", label: "Seed", unit: "integer", help: "Seeds every random choice (bases, Gaussian init, Lanczos start).", control: "text", inputmode: "numeric" },
    ],
  },
  {
    title: "More settings",
    fields: [
      { key: "record-every", label: "Record every", unit: "steps, or auto", help: "auto: every step for the first 600, then 600 records at stride 3, 600 at 9, …: dense early, log-spaced later, odd so that period-2 oscillations stay visible.", control: "text", inputmode: "text", advanced: true },
      { key: "sharpness-every", label: "Sharpness every", unit: "steps, 0 or auto", help: "Top Hessian eigenvalue every n steps (0: first and last step only); auto ≈ 200 times.", control: "text", inputmode: "text", advanced: true },
      { key: "sharpness-top", label: "Eigenvalues measured", unit: "count", help: "How many of the largest Hessian eigenvalues.", control: "text", inputmode: "numeric", advanced: true },
      { key: "sharpness-method", label: "Sharpness method", unit: "", help: "auto: Lanczos for full matrices, exact blocks for reduced dynamics.", control: "select", options: choices("sharpness-method"), advanced: true },
      { key: "flow-system", label: "Gradient flow of", unit: "", help: "Integrate the full matrices or the reduced scalars.", control: "select", options: [{ value: "full", text: "full matrices" }, { value: "reduced", text: "reduced scalars" }], advanced: true },
      { key: "rtol", label: "ODE relative tolerance", unit: "", help: "Dormand–Prince 5(4) error control.", control: "text", inputmode: "decimal", advanced: true },
      { key: "atol", label: "ODE absolute tolerance", unit: "", help: "Dormand–Prince 5(4) error control.", control: "text", inputmode: "decimal", advanced: true },
      { key: "loss-tol", label: "Convergence tolerance", unit: "× ½‖Y‖²", help: "The run stops as converged when the loss falls below this.", control: "text", inputmode: "decimal", advanced: true },
    ],
  },
];

/** The form: the hand-written groups, and "Other settings" for CLI flags they do not cover. */
export const FIELD_GROUPS: readonly FieldGroup[] = (() => {
  const covered = new Set(CURATED.flatMap((g) => g.fields.map((f) => f.key)));
  const rest = FIELD_FLAGS.map((f) => f.flag.slice(2)).filter((k) => !covered.has(k));
  return rest.length === 0 ? CURATED : [...CURATED, { title: "Other settings", fields: rest.map(genericField) }];
})();

/** Every field, flat: the hand-written ones, then a plain control for any other CLI flag. */
export const FIELDS: readonly FieldDef[] = FIELD_GROUPS.flatMap((g) => g.fields);

/** Lab-only controls (not CLI flags): derived from and written back into flags. */
export const DERIVED_KEYS: ReadonlySet<string> = new Set(["K", "multiple"]);

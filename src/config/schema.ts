/**
 * @file The run configuration: a zod schema (what a YAML/JSON config file or the flags may say, with
 * defaults), cross-field rules, and `resolveRunConfig`, which turns a validated config into the
 * engine's fully explicit `SimulationSpec` (auto settings filled in, scales broadcast).
 */
import { z } from "zod";
import { timeGridSteps, type RecordPlan, type SimulationSpec } from "../engine/simulate.js";
import { ACTIVATION_NAMES } from "../engine/mlp/activations.js";
import type { MlpRunSpec } from "../engine/simulate.js";
import { BOTTLENECK_BASES } from "../engine/saddle/init.js";
import { MARGIN_LOSS_NAMES } from "../engine/classifier/losses.js";
import type { ClassifierSpec } from "../engine/classifier/system.js";
import { svd } from "../engine/linalg/dense.js";
import { singlePathSharpnesses } from "../theory/sharpness.js";

const finite = z.number();
const positive = z.number().gt(0, { message: "must be > 0" });
const nonNegative = z.number().gte(0, { message: "must be >= 0" });
const posInt = z.int().gte(1, { message: "must be an integer >= 1" });
const nonNegInt = z.int().gte(0, { message: "must be an integer >= 0" });

/** The base step size when a config gives neither `lr` nor `h`. */
export const DEFAULT_LR = 0.625;

/** The target spectrum when a config gives neither `target.sigma` nor `target.matrix` (cut to the width). */
const DEFAULT_SIGMA = [1, 0.5];

const TargetSchema = z
  .strictObject({
    sigma: z.array(nonNegative).min(1, { message: "needs at least one singular value" }).optional()
      .describe("Target singular values σ_1 ≥ σ_2 ≥ …, padded with zeros to the width (default 1, 0.5, cut to the width)."),
    basis: z.enum(["identity", "symmetric", "general"]).default("identity")
      .describe("Singular vectors: identity, a seeded random orthogonal U = V (symmetric) or U ≠ V (general)."),
    matrix: z.array(z.array(finite)).optional().describe("An explicit width×width target (rows); exclusive with sigma."),
  })
  .describe("The target Y = U diag(σ) Vᵀ.");

const InitSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("svs"),
      scales: z.array(positive).min(1).describe("End-to-end scales α_k (one per pathway, or one for all); every layer starts at α_k^{1/L_k}."),
    }),
    z.strictObject({
      type: z.literal("svs-layers"),
      scales: z.array(z.array(finite)).min(1).describe("Per-layer scalars c_{k,l} (one row of L_k numbers per pathway)."),
    }),
    z.strictObject({
      type: z.literal("gaussian"),
      std: positive.describe("Standard deviation of the i.i.d. Gaussian entries."),
    }),
    z.strictObject({
      type: z.literal("file"),
      path: z.string().min(1, { message: "must name a .npz file" })
        .describe("A .npz state (arrays W{k}_{l}, b{k}_{l}; the layout of initial.npz / final.npz, README): the run starts from it. model dln (full or flow) and mlp."),
    }),
  ])
  .describe("Initialisation.");

/** Records per phase of the geometric record plan (`record.every: auto`): ≈ 1 500 records for 5 000 steps, ≈ 4 400 for 10⁶, ≈ 6 900 for 10⁸. */
export const AUTO_DENSE = 600;

/** The linear network's default initialisation (also how a config that leaves `init` alone is recognised). */
const DEFAULT_INIT = { type: "svs" as const, scales: [0.0016, 0.00130321] };

const MlpInitSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("gaussian"),
      std: positive.describe("Standard deviation of every weight entry (biases start at 0)."),
    }),
    z.strictObject({
      type: z.literal("he"),
      scale: positive.default(1).describe("Multiplier of the He-normal standard deviation √(2/fan_in) (biases start at 0)."),
    }),
    z.strictObject({
      type: z.literal("bottleneck"),
      epsilon: positive.describe("Scale ε of the small layers (docs/theory.md §10: saddle escape)."),
      layers: z.array(posInt).min(1).optional().describe("1-based layers at scale ε, the same in every pathway (default: every layer)."),
      base: z.enum(BOTTLENECK_BASES).default("identity")
        .describe("O(1) draw of every layer before the small ones are multiplied by ε: identity (ones on the diagonal), orthogonal (seeded Haar) or he (N(0, 2/fan_in))."),
      scale: positive.default(1).describe("Multiplier of the base draw: the scale of the layers that are not small."),
    }),
  ])
  .describe("Initialisation of the MLP's weights.");

/** The `mlp` section (model: mlp). Its defaults are the settings documented in docs/mlp.md. */
const MlpSchema = z
  .strictObject({
    activation: z.enum(ACTIVATION_NAMES).default("tanh").describe("Activation φ after every layer but the last: linear, tanh, relu, gelu (exact, x·Φ(x)), swish, erf or sin."),
    hidden: z.union([posInt, z.array(posInt).min(1)], { error: "must be an integer >= 1 or a list of them (one per pathway)" }).default(64)
      .describe("Hidden width of every pathway, or one per pathway."),
    bias: z.boolean().default(false).describe("Learnable biases on every layer."),
    init: MlpInitSchema.default({ type: "gaussian", std: 0.01 }),
    input: z.array(z.array(finite)).min(1, { message: "needs at least one row" }).optional()
      .describe("Input matrix X as rows (d_in rows × width columns, one column per sample); default the identity I_width."),
  })
  .describe("The multi-pathway MLP f_k(X) = W_L φ(⋯φ(W_1 X)) of model: mlp (docs/theory.md §7); its depths are `depths`.");

/** The `classifier` section (model: classifier, docs/theory.md §9). */
const ClassifierSchema = z
  .strictObject({
    loss: z.enum(MARGIN_LOSS_NAMES).default("logistic").describe("Margin loss ℓ(y·f(x)): logistic log(1 + e^{−z}) or exponential e^{−z}."),
    hidden: z.union([posInt, z.array(posInt).length(1)], { error: "must be an integer >= 1 (one width: the classifier has one pathway)" }).optional()
      .describe("Hidden width h of W_1 … W_{L−1} (default: the width d)."),
    data: z
      .strictObject({
        points: z.int().gte(2, { message: "must be an integer >= 2" }).default(20).describe("Number of points n (labels alternate ±1)."),
        mean: positive.default(1).describe("Distance of the two Gaussian cluster centres ±mean·u* from the origin."),
        spread: positive.default(1).describe("Standard deviation of the isotropic clusters."),
        margin: positive.default(0.1).describe("Points with y·u*ᵀx < margin are redrawn: separable through the origin with margin ≥ this along u*."),
      })
      .default({ points: 20, mean: 1, spread: 1, margin: 0.1 })
      .describe("Seeded linearly separable data in dimension d = width (drawn from the run's seed)."),
    init: z
      .strictObject({ type: z.literal("gaussian"), std: positive.describe("Standard deviation of every weight entry.") })
      .default({ type: "gaussian", std: 0.3 })
      .describe("Initialisation of the classifier's weights."),
  })
  .describe("The deep linear classifier x ↦ W_L⋯W_1 x (scalar output, depth = depths[0], input dimension = width) of model: classifier (docs/theory.md §9).");

const ScheduleSchema = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("constant") }),
    z.strictObject({
      type: z.literal("warmup"),
      steps: posInt.describe("Warm-up length W: η_t = lr·(start + (1 − start)·min(1, (t+1)/W))."),
      start: z.number().gte(0).lte(1, { message: "must be in [0, 1]" }).default(0).describe("Initial multiplier."),
    }),
    z.strictObject({
      type: z.literal("piecewise"),
      boundaries: z.array(nonNegInt).describe("Increasing steps at which the multiplier changes."),
      factors: z.array(positive).min(1).describe("Multipliers of lr, one per segment (boundaries + 1)."),
    }),
    z.strictObject({
      type: z.literal("decay"),
      timescale: posInt.describe("Time scale T (steps) of a decreasing step η_t = lr·(1 + t/T)^(−power)."),
      power: positive.default(1).describe("Exponent of the decay (1: inverse-time, 0.5: inverse square root)."),
    }),
  ])
  .describe("Step-size schedule, as multipliers of lr.");

/** The run config as written in a file or assembled from flags (before defaults). */
export const RunConfigSchema = z
  .strictObject({
    name: z.string().optional().describe("A label for the run (used in figure titles)."),
    width: posInt.default(2).describe("Width d: every layer is d×d."),
    depths: z.array(posInt).min(1, { message: "needs at least one pathway" }).default([4, 4])
      .describe("Depth L_k of each pathway; K = number of entries."),
    target: TargetSchema.default({ basis: "identity" }),
    model: z.enum(["dln", "mlp", "classifier"]).default("dln")
      .describe("dln: the deep linear network; mlp: the nonlinear multi-pathway MLP set by `mlp`; classifier: the deep linear classifier on separable data set by `classifier`."),
    mlp: MlpSchema.optional(),
    classifier: ClassifierSchema.optional(),
    init: InitSchema.default(DEFAULT_INIT).describe("Initialisation of the linear network (model: dln)."),
    lr: positive.optional().describe("Base (peak) step size η (default 0.625; exclusive with h)."),
    h: positive.optional()
      .describe("Normalised step h: lr = h/λ_single, λ_single = max_k L_k σ_1^(2−2/L_k) the sharpest single-path minimum of the top mode (docs/theory.md §4); exclusive with lr."),
    schedule: ScheduleSchema.default({ type: "constant" }),
    steps: nonNegInt.default(5000).describe("GD steps (gradient flow: integrate to time lr·steps)."),
    dynamics: z.enum(["full", "reduced", "flow", "central"]).default("full")
      .describe("full: GD on full matrices; reduced: exact per-mode GD (SVS inits); flow: gradient flow; central: the central flow of GD at the Edge of Stability (docs/theory.md §11; system and tolerances from flow)."),
    seed: z.int().default(0).describe("Seed of every random choice (bases, Gaussian init, Lanczos start)."),
    record: z
      .strictObject({
        every: z.union([posInt, z.literal("auto")], { error: 'must be an integer >= 1 or "auto"' }).default("auto")
          .describe("Record every N steps; auto = the geometric plan: every step for the first `dense` steps, then `dense` records at stride 3, `dense` at stride 9, … (dense early, log-spaced later, odd strides so period-2 oscillations stay visible; the count follows the run's actual length)."),
        dense: posInt.optional().describe(`Records per phase of the geometric plan (record.every: auto only); default ${AUTO_DENSE}.`),
        perDecade: posInt.optional().describe("A time grid instead of a step plan: N records per decade of the elapsed time τ = Σ_t η_t (the first step whose τ reaches max(τ_last·10^{1/N}, η)); for learning-rate schedules and long runs read on a log-time axis (record.every: auto only)."),
      })
      .default({ every: "auto" })
      .describe("When observables are recorded."),
    sharpness: z
      .strictObject({
        every: z.union([nonNegInt, z.literal("auto")], { error: 'must be an integer >= 0 or "auto"' }).default("auto")
          .describe("Measure sharpness every N steps (0: only at the start and end); auto = at every 9th record of the geometric plan (reduced dynamics: every record), or about 200 measurements with a fixed record.every."),
        top: posInt.default(1).describe("Number of top Hessian eigenvalues."),
        method: z.enum(["auto", "lanczos", "blocks"]).default("auto")
          .describe("auto: Lanczos on the exact HVP for full matrices, exact SVS blocks for reduced dynamics."),
        tol: positive.default(1e-10).describe("Lanczos relative residual tolerance (bounds the eigenvalue error)."),
        maxIter: posInt.default(200).describe("Lanczos maximum Hessian-vector products per measurement (the Krylov basis itself is bounded by thick restart)."),
      })
      .default({ every: "auto", top: 1, method: "auto", tol: 1e-10, maxIter: 200 })
      .describe("Measurement of the top Hessian eigenvalues."),
    stop: z
      .strictObject({
        lossTol: positive.default(1e-20).describe("Converged when loss ≤ lossTol·½‖Y‖²_F."),
        divergeFactor: positive.default(1e8).describe("Diverged when loss > divergeFactor·max(initial loss, ½‖Y‖²_F)."),
        window: z.int().gte(4, { message: "must be an integer >= 4" }).default(256)
          .describe("Final steps inspected to tell oscillating from max-steps."),
        lossFraction: z.number().gt(0, { message: "must be in (0, 1)" }).lt(1, { message: "must be in (0, 1)" }).optional()
          .describe("Also converged once loss ≤ lossFraction·(initial loss): the escape from a small-initialisation plateau (checked at every step; gradient flow: at every ODE solver step)."),
      })
      .default({ lossTol: 1e-20, divergeFactor: 1e8, window: 256 })
      .describe("When a run ends early, and how its end is classified."),
    flow: z
      .strictObject({
        system: z.enum(["full", "reduced"]).default("full").describe("Integrate the full matrices or the exact reduced scalars."),
        rtol: positive.default(1e-10).describe("Relative tolerance of the ODE solver."),
        atol: positive.default(1e-12).describe("Absolute tolerance of the ODE solver."),
      })
      .default({ system: "full", rtol: 1e-10, atol: 1e-12 })
      .describe("Gradient flow and central flow (dynamics: flow, central) settings."),
    central: z
      .strictObject({
        top: posInt.default(3).describe("Full matrices and MLPs: how many top Hessian eigenvalues may sit at the edge together."),
        tau: positive.default(20).describe("Relaxation time (GD steps) that holds the solver on S = 2/η."),
      })
      .default({ top: 3, tau: 20 })
      .describe("Central flow (dynamics: central) settings."),
  })
  .superRefine((c, ctx) => {
    const K = c.depths.length;
    if (c.record.dense !== undefined && c.record.every !== "auto") {
      ctx.addIssue({ code: "custom", path: ["record", "dense"], message: `is the geometric plan's phase length; it cannot be combined with a fixed record.every (${c.record.every})` });
    }
    if (c.record.perDecade !== undefined && c.record.every !== "auto") {
      ctx.addIssue({ code: "custom", path: ["record", "perDecade"], message: `is a time grid; it cannot be combined with a fixed record.every (${c.record.every})` });
    }
    if (c.record.perDecade !== undefined && c.record.dense !== undefined) {
      ctx.addIssue({ code: "custom", path: ["record", "perDecade"], message: "is a time grid; it cannot be combined with record.dense (the geometric plan)" });
    }
    const t = c.target;
    if (t.sigma && t.matrix) ctx.addIssue({ code: "custom", path: ["target", "matrix"], message: "give either sigma or matrix, not both" });
    // Neither sigma nor matrix (e.g. only --basis given): the default spectrum applies (resolveRunConfig).
    if (t.sigma && t.sigma.length > c.width) {
      ctx.addIssue({ code: "custom", path: ["target", "sigma"], message: `has ${t.sigma.length} values but the width is ${c.width}` });
    }
    // The modes are numbered from the largest singular value (s_k_1 is the top mode, as in `theory rank`).
    const rise = t.sigma ? t.sigma.findIndex((x, i) => i > 0 && x > t.sigma![i - 1]!) : -1;
    if (t.sigma && rise > 0) {
      ctx.addIssue({ code: "custom", path: ["target", "sigma", rise], message: `expected non-increasing singular values σ_1 ≥ σ_2 ≥ … (modes are numbered from the largest), got ${t.sigma[rise - 1]} then ${t.sigma[rise]}` });
    }
    if (t.matrix) {
      if (t.matrix.length !== c.width || t.matrix.some((row) => row.length !== c.width)) {
        ctx.addIssue({ code: "custom", path: ["target", "matrix"], message: `must be ${c.width}×${c.width} (the width)` });
      }
    }
    if (c.lr !== undefined && c.h !== undefined) ctx.addIssue({ code: "custom", path: ["h"], message: "give either lr or h (lr = h/λ_single), not both" });
    if (c.h !== undefined && c.model === "classifier") {
      ctx.addIssue({ code: "custom", path: ["h"], message: "the normalised step needs a target (λ_single of its top mode); model classifier has none: give lr" });
    } else if (c.h !== undefined && (t.sigma ? Math.max(...t.sigma) === 0 : t.matrix ? t.matrix.every((row) => row.every((x) => x === 0)) : false)) {
      ctx.addIssue({ code: "custom", path: ["h"], message: "the target is zero, so λ_single = 0 and h cannot set lr: give lr" });
    }
    const init = c.init;
    if (init.type === "file" && c.model === "classifier") {
      ctx.addIssue({ code: "custom", path: ["init", "type"], message: "file states are for model dln or mlp; the classifier starts from classifier.init" });
    }
    // The linear init's shape is checked only where it is used (model: dln); an MLP has mlp.init.
    if (c.model === "dln" && init.type === "svs" && init.scales.length !== 1 && init.scales.length !== K) {
      ctx.addIssue({ code: "custom", path: ["init", "scales"], message: `has ${init.scales.length} values; expected 1 or ${K} (one per pathway)` });
    }
    if (c.model === "dln" && init.type === "svs-layers") {
      if (init.scales.length !== K) {
        ctx.addIssue({ code: "custom", path: ["init", "scales"], message: `has ${init.scales.length} rows; expected ${K} (one per pathway)` });
      } else {
        init.scales.forEach((row, k) => {
          if (row.length !== c.depths[k]) {
            ctx.addIssue({ code: "custom", path: ["init", "scales", k], message: `has ${row.length} values; pathway ${k + 1} has depth ${c.depths[k]}` });
          }
        });
      }
    }
    const reduced = c.dynamics === "reduced" || ((c.dynamics === "flow" || c.dynamics === "central") && c.flow.system === "reduced");
    if (c.dynamics === "central" && c.schedule.type !== "constant") {
      ctx.addIssue({ code: "custom", path: ["schedule", "type"], message: "the central flow is defined for a constant step size; use schedule type constant" });
    }
    if (c.dynamics === "central" && c.model === "classifier") {
      ctx.addIssue({ code: "custom", path: ["dynamics"], message: "central is defined for model: dln and mlp (a target to fit), not classifier" });
    }
    if (c.model !== "mlp" && c.mlp !== undefined) {
      ctx.addIssue({ code: "custom", path: ["mlp"], message: "is only used with model: mlp" });
    }
    if (c.model !== "classifier" && c.classifier !== undefined) {
      ctx.addIssue({ code: "custom", path: ["classifier"], message: "is only used with model: classifier" });
    }
    if (c.model === "classifier") {
      if (K !== 1) ctx.addIssue({ code: "custom", path: ["depths"], message: `model classifier has one pathway: give one depth, e.g. [3] (--depths 3), not ${K}` });
      if (c.dynamics === "reduced") ctx.addIssue({ code: "custom", path: ["dynamics"], message: "reduced dynamics are not defined for model: classifier; use full or flow" });
      else if (reduced) ctx.addIssue({ code: "custom", path: ["flow", "system"], message: "reduced dynamics are not defined for model: classifier; use full" });
      const set = t.sigma ? "sigma" : t.matrix ? "matrix" : t.basis !== "identity" ? "basis" : null;
      if (set) ctx.addIssue({ code: "custom", path: ["target", set], message: "the target is not used by model: classifier (its data are classifier.data)" });
      if (JSON.stringify(init) !== JSON.stringify(DEFAULT_INIT)) {
        ctx.addIssue({ code: "custom", path: ["init"], message: "is the linear network's initialisation; for model: classifier set classifier.init" });
      }
    }
    const bottleneck = c.model === "mlp" && c.mlp?.init.type === "bottleneck" ? c.mlp.init : null;
    if (bottleneck?.layers) {
      const L = Math.min(...c.depths);
      bottleneck.layers.forEach((l, j) => {
        if (l > L) ctx.addIssue({ code: "custom", path: ["mlp", "init", "layers", j], message: `layer ${l} does not exist (the shallowest pathway has depth ${L})` });
        if (bottleneck.layers!.indexOf(l) !== j) ctx.addIssue({ code: "custom", path: ["mlp", "init", "layers", j], message: `layer ${l} is listed twice` });
      });
    }
    if (c.model === "mlp") {
      if (c.dynamics === "reduced") {
        ctx.addIssue({ code: "custom", path: ["dynamics"], message: "reduced dynamics are not defined for MLPs (model: mlp); use full or flow" });
      } else if (reduced) {
        ctx.addIssue({ code: "custom", path: ["flow", "system"], message: "reduced dynamics are not defined for MLPs (model: mlp); use full" });
      }
      if (JSON.stringify(init) !== JSON.stringify(DEFAULT_INIT) && init.type !== "file") {
        ctx.addIssue({ code: "custom", path: ["init"], message: "is the linear network's initialisation; for model: mlp set mlp.init (or init: { type: file, path })" });
      }
      const m = c.mlp;
      if (m && Array.isArray(m.hidden) && m.hidden.length !== 1 && m.hidden.length !== K) {
        ctx.addIssue({ code: "custom", path: ["mlp", "hidden"], message: `has ${m.hidden.length} values; expected 1 or ${K} (one per pathway)` });
      }
      if (m?.input) {
        const bad = m.input.findIndex((row) => row.length !== c.width);
        if (bad >= 0) ctx.addIssue({ code: "custom", path: ["mlp", "input", bad], message: `has ${m.input[bad]!.length} columns; expected ${c.width} (one per sample: the width)` });
      }
    }
    if (reduced && (init.type === "gaussian" || init.type === "file")) {
      ctx.addIssue({ code: "custom", path: ["init", "type"], message: `reduced dynamics need an SVS initialisation (svs or svs-layers), not ${init.type}` });
    }
    if (!reduced && c.sharpness.method === "blocks") {
      ctx.addIssue({ code: "custom", path: ["sharpness", "method"], message: "blocks needs reduced dynamics" });
    }
    const s = c.schedule;
    if (s.type === "piecewise") {
      if (s.factors.length !== s.boundaries.length + 1) {
        ctx.addIssue({ code: "custom", path: ["schedule", "factors"], message: `has ${s.factors.length} values; expected ${s.boundaries.length + 1} (boundaries + 1)` });
      }
      for (let j = 1; j < s.boundaries.length; j++) {
        if (s.boundaries[j]! <= s.boundaries[j - 1]!) {
          ctx.addIssue({ code: "custom", path: ["schedule", "boundaries", j], message: "boundaries must increase" });
        }
      }
    }
  })
  // A config with neither lr nor h runs at the default lr (so a validated config says which step it uses).
  .transform((c) => (c.lr === undefined && c.h === undefined ? { ...c, lr: DEFAULT_LR } : c));

/** A validated run config (defaults applied, "auto" settings not yet resolved). */
export type RunConfig = z.output<typeof RunConfigSchema>;

/** Number of sharpness measurements `sharpness.every: auto` aims for with a fixed record stride. */
const AUTO_SHARPNESS = 200;
/** Sharpness at every this many records of the geometric plan (`sharpness.every: auto`, odd: both phases of a period-2 orbit). */
const AUTO_SHARPNESS_RECORDS = 9;

/** Top singular value σ_1 of a resolved target (the largest of `sigma`, or of the explicit matrix). */
function topSingularValue(width: number, target: SimulationSpec["target"]): number {
  if (target.matrix) return svd(width, target.matrix.flat()).s[0] ?? 0;
  return Math.max(0, ...(target.sigma ?? []));
}

/**
 * λ_single = max_k L_k σ_1^(2−2/L_k) of a spec (the sharpest single-path minimum of the top mode,
 * docs/theory.md §4; a depth-1 pathway counts as in `theory window`), the scale of the normalised
 * step h = η·λ_single; null for the classifier (no target) or σ_1 = 0.
 */
export function lambdaSingleOf(spec: Pick<SimulationSpec, "width" | "depths" | "target" | "model">): number | null {
  if (spec.model === "classifier") return null;
  const sigma1 = topSingularValue(spec.width, spec.target);
  if (!(sigma1 > 0)) return null;
  return Math.max(...singlePathSharpnesses(spec.depths, sigma1));
}

/** Resolve "auto" settings and broadcast one init scale to all pathways: the engine's explicit spec. */
export function resolveRunConfig(c: RunConfig): SimulationSpec {
  const K = c.depths.length;
  const recordEvery = c.record.every === "auto" ? 1 : c.record.every;
  const record: RecordPlan = c.record.perDecade !== undefined
    ? { every: 1, at: timeGridSteps(resolveLr(c, resolveTarget(c)), c.schedule, c.steps, c.record.perDecade) }
    : c.record.every === "auto" ? { every: 1, dense: c.record.dense ?? AUTO_DENSE } : { every: c.record.every };
  // Exact SVS blocks measure the sharpness of reduced runs (GD, or the central flow of the reduced system).
  const reducedRun = c.dynamics === "reduced" || (c.dynamics === "central" && c.flow.system === "reduced");
  let sharpEvery: number;
  let everyRecord: number | undefined;
  if (c.sharpness.every === "auto" && c.record.every === "auto") {
    // The geometric plan: sharpness on its records, as dense early and as sparse late as they are.
    sharpEvery = 0;
    everyRecord = reducedRun ? 1 : AUTO_SHARPNESS_RECORDS;
  } else if (c.sharpness.every === "auto" && reducedRun) {
    // Exact SVS blocks are cheap next to anything else a run records: measure at every record.
    sharpEvery = recordEvery;
  } else if (c.sharpness.every === "auto") {
    const raw = Math.max(1, Math.floor(c.steps / AUTO_SHARPNESS));
    // Land on recorded steps (a multiple of the record interval), with an odd multiple so that the
    // alternating sharpness of Edge-of-Stability oscillations is sampled on both phases.
    let multiple = Math.max(1, Math.round(raw / recordEvery));
    if (multiple > 1 && multiple % 2 === 0) multiple += 1;
    sharpEvery = multiple * recordEvery;
  } else {
    sharpEvery = c.sharpness.every;
  }
  const init = c.init.type === "svs" && c.init.scales.length === 1 ? { type: "svs" as const, scales: new Array<number>(K).fill(c.init.scales[0]!) } : c.init;
  // model and mlp appear only in MLP specs, so every linear spec (and its config.json) is unchanged.
  const mlp = c.model === "mlp" ? { model: "mlp" as const, mlp: resolveMlp(c.mlp ?? MlpSchema.parse({}), K) } : {};
  const classifier = c.model === "classifier" ? { model: "classifier" as const, classifier: resolveClassifier(c.classifier ?? ClassifierSchema.parse({}), c.width) } : {};
  const target = resolveTarget(c);
  return {
    width: c.width,
    depths: [...c.depths],
    ...mlp,
    ...classifier,
    target,
    init,
    lr: resolveLr(c, target),
    schedule: c.schedule,
    steps: c.steps,
    dynamics: c.dynamics,
    flow: c.flow,
    ...(c.dynamics === "central" ? { central: c.central } : {}),
    seed: c.seed,
    record,
    sharpness: { every: sharpEvery, ...(everyRecord !== undefined ? { everyRecord } : {}), top: c.sharpness.top, method: c.sharpness.method, tol: c.sharpness.tol, maxIter: c.sharpness.maxIter },
    stop: c.stop,
  };
}

/** The engine's target of a config. A classifier's coefficients are the predictor's coordinates along (ŵ_SVM, …): levels (1, 0, …, 0). */
function resolveTarget(c: RunConfig): SimulationSpec["target"] {
  return c.model === "classifier" ? { sigma: [1], basis: "identity" as const }
    : c.target.matrix ? { matrix: c.target.matrix } : { sigma: c.target.sigma ?? DEFAULT_SIGMA.slice(0, c.width), basis: c.target.basis };
}

/** lr as given, or h/λ_single for a config that gives the normalised step h. */
function resolveLr(c: RunConfig, target: SimulationSpec["target"]): number {
  if (c.h === undefined) return c.lr ?? DEFAULT_LR;
  const lambda = lambdaSingleOf({ width: c.width, depths: c.depths, target, model: c.model });
  // Validation refuses h for the classifier; a zero target has no top mode to normalise by.
  if (lambda === null) throw new RangeError("h: the target's top singular value is 0, so λ_single = 0 and h cannot set lr; give lr");
  return c.h / lambda;
}

/** The engine's classifier spec: the hidden width defaults to the input dimension. */
function resolveClassifier(c: z.output<typeof ClassifierSchema>, width: number): ClassifierSpec {
  const hidden = c.hidden === undefined ? width : typeof c.hidden === "number" ? c.hidden : c.hidden[0];
  return { loss: c.loss, hidden, data: c.data, init: c.init };
}

/** The engine's MLP spec: one hidden width per pathway. */
function resolveMlp(m: z.output<typeof MlpSchema>, K: number): MlpRunSpec {
  const hidden = typeof m.hidden === "number" ? new Array<number>(K).fill(m.hidden) : m.hidden.length === 1 ? new Array<number>(K).fill(m.hidden[0]!) : [...m.hidden];
  return { activation: m.activation, hidden, bias: m.bias, init: m.init, ...(m.input ? { input: m.input } : {}) };
}

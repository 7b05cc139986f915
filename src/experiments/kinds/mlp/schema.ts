/**
 * @file Kind `mlp`: its config schema (zod) and config type; the kind itself is kind.ts, its checks checks.ts, its figures figures.ts.
 */
import { z } from "zod";
import { ACTIVATION_NAMES } from "../../../engine/mlp/activations.js";
import { metaFields, StepRunsSchema } from "../../common.js";

const posInt = z.int().gte(1, { message: "must be an integer >= 1" });

export const activation = z.enum(ACTIVATION_NAMES);

/** The multi-pathway MLP and its rank-one target (K = 2 pathways of equal depth). */
export const MlpNetworkSchema = z
  .strictObject({
    width: posInt.describe("Width d: the inputs are X = I_d (d samples, one per column), the outputs have d rows."),
    depths: z.array(z.int().gte(3, { message: "must be an integer >= 3 (depth ≤ 2 has no re-balancing window)" }))
      .length(2, { message: "needs exactly 2 pathways (the linear theory's stopping boundary is exact for K = 2)" })
      .describe("Depth L of each of the K = 2 pathways (equal)."),
    sigma: z.number().gt(0).describe("σ of the rank-one target Y = σe₁e₁ᵀ."),
    hidden: posInt.default(64).describe("Hidden width of every pathway."),
    initStd: z.number().gt(0).describe("Standard deviation of the i.i.d. Gaussian weights (no biases)."),
    activation: activation.default("tanh").describe("Activation φ of the trajectory runs (the sweep names its own)."),
    seed: z.int().default(0).describe("Seed of the weights of the trajectory runs (the sweep's seeds are in its budget)."),
  })
  .superRefine((n, ctx) => {
    if (n.depths[0] !== n.depths[1]) ctx.addIssue({ code: "custom", path: ["depths"], message: "the pathways must have equal depth" });
  });

/** A validated MLP network. */
export type MlpNetwork = z.output<typeof MlpNetworkSchema>;

const BudgetSchema = z.strictObject({
  steps: posInt.describe("GD steps of every run (no early stop except convergence to the engine's loss tolerance)."),
  sharpnessEvery: posInt.optional().describe("Trajectory runs: measure λ_max every this many steps at first (odd is best); default 25."),
  seeds: z.array(z.int()).min(1).optional().describe("Sweep: seeds of the weights (the balance is the median over them)."),
  h: z.array(z.number().gt(0, { message: "must be > 0" })).min(2).optional().describe("Sweep: the grid of h = η·λ_single, increasing."),
});

/** Config of an `mlp` experiment. */
export const MlpSchema = z
  .strictObject({
    ...metaFields,
    kind: z.literal("mlp"),
    network: MlpNetworkSchema,
    runs: StepRunsSchema
      .optional()
      .describe("Trajectory runs (Fig. 3) of network.activation from network.seed."),
    sweep: z
      .strictObject({
        activations: z.array(activation).min(2).describe("Activations swept; must include linear (the reference: the deep linear network)."),
      })
      .optional()
      .describe("Final balance over the budget's h grid and seeds (Fig. 7)."),
    sizes: z.strictObject({ quick: BudgetSchema, full: BudgetSchema }),
  })
  .superRefine((c, ctx) => {
    if (!c.runs && !c.sweep) ctx.addIssue({ code: "custom", path: ["runs"], message: "give runs, a sweep, or both" });
    const labels = (c.runs ?? []).map((r) => r.label);
    labels.forEach((l, j) => {
      if (labels.indexOf(l) !== j) ctx.addIssue({ code: "custom", path: ["runs", j, "label"], message: `"${l}" is used twice` });
    });
    if (c.sweep) {
      const acts = c.sweep.activations;
      if (!acts.includes("linear")) ctx.addIssue({ code: "custom", path: ["sweep", "activations"], message: "must include linear (the reference network)" });
      acts.forEach((a, j) => {
        if (acts.indexOf(a) !== j) ctx.addIssue({ code: "custom", path: ["sweep", "activations", j], message: `${a} is listed twice` });
      });
    }
    for (const size of ["quick", "full"] as const) {
      const b = c.sizes[size];
      if (c.sweep) {
        if (!b.h) ctx.addIssue({ code: "custom", path: ["sizes", size, "h"], message: "is required (the sweep's grid)" });
        if (!b.seeds) ctx.addIssue({ code: "custom", path: ["sizes", size, "seeds"], message: "is required (the sweep's seeds)" });
        b.h?.forEach((h, j) => {
          if (j > 0 && !(h > b.h![j - 1]!)) ctx.addIssue({ code: "custom", path: ["sizes", size, "h", j], message: "the grid must increase" });
        });
      } else {
        if (b.h) ctx.addIssue({ code: "custom", path: ["sizes", size, "h"], message: "is only used with a sweep" });
        if (b.seeds) ctx.addIssue({ code: "custom", path: ["sizes", size, "seeds"], message: "is only used with a sweep" });
      }
    }
  });

/** A validated `mlp` config. */
export type MlpConfig = z.output<typeof MlpSchema>;

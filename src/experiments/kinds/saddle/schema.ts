/**
 * @file Kind `saddle`: its config schema (zod) and config type; the kind itself is kind.ts, its checks checks.ts, its figures figures.ts.
 */
import { z } from "zod";
import { ACTIVATION_NAMES } from "../../../engine/mlp/activations.js";
import { BOTTLENECK_BASES } from "../../../engine/saddle/init.js";
import { metaFields } from "../../common.js";

const posInt = z.int().gte(1, { message: "must be an integer >= 1" });

const BudgetSchema = z.strictObject({
  epsilon: z.strictObject({
    from: z.number().gt(0).describe("Smallest ε."),
    to: z.number().gt(0).lt(1).describe("Largest ε."),
    points: z.int().gte(3, { message: "must be an integer >= 3" }).describe("Geometric grid points."),
  }),
  rtol: z.number().gt(0).describe("Relative tolerance of the gradient-flow solver (absolute: 1e-3 of it)."),
});

/** Config of a `saddle` experiment. */
export const SaddleSchema = z
  .strictObject({
    ...metaFields,
    kind: z.literal("saddle"),
    network: z.strictObject({
      width: posInt.describe("Width d (inputs X = I_d, target σe₁e₁ᵀ)."),
      depth: z.int().gte(3, { message: "must be an integer >= 3" }).describe("Depth L."),
      sigma: z.number().gt(0).describe("Singular value σ of the rank-one target."),
    }),
    bases: z.array(z.strictObject({
      base: z.enum(BOTTLENECK_BASES).describe("O(1) draw of every layer before the first r are scaled by ε."),
      hidden: posInt.describe("Hidden width h."),
      seed: z.int().default(0).describe("Seed of the base draw."),
    })).min(1),
    activations: z.array(z.enum(ACTIVATION_NAMES)).min(1).describe("Activations; must include linear (the reference of the rescaled escape times)."),
    small: z.array(z.int().gte(2, { message: "must be an integer >= 2" })).min(2).describe("Numbers r of small layers (the first r layers start at ε)."),
    fraction: z.number().gt(0).lt(1).describe("Escape when the loss falls to this fraction of its initial value."),
    deviationR: z.int().gte(3).describe("r at which the rescaled escape times and the imbalance drift are analysed."),
    traceR: z.int().gte(2).describe("r whose loss curves are kept for the figures."),
    gd: z.strictObject({
      r: z.int().gte(2),
      epsilon: z.number().gt(0).lt(1),
      lrs: z.array(z.number().gt(0)).length(2, { message: "give two step sizes (the convergence order needs two)" }),
    }).describe("Small-step GD against GF: linear activation, first base."),
    sizes: z.strictObject({ quick: BudgetSchema, full: BudgetSchema }),
  })
  .superRefine((c, ctx) => {
    if (!c.activations.includes("linear")) ctx.addIssue({ code: "custom", path: ["activations"], message: "must include linear (the reference network)" });
    c.activations.forEach((a, j) => {
      if (a === "relu") {
        ctx.addIssue({ code: "custom", path: ["activations", j], message: "relu is not smooth: gradient flow chatters on its kinks (and its imbalances are conserved like linear ones)" });
      }
    });
    c.small.forEach((r, j) => {
      if (r > c.network.depth) ctx.addIssue({ code: "custom", path: ["small", j], message: `must be at most the depth ${c.network.depth}` });
    });
    if (!c.small.includes(c.deviationR)) ctx.addIssue({ code: "custom", path: ["deviationR"], message: "must be one of small" });
    if (!c.small.includes(c.traceR)) ctx.addIssue({ code: "custom", path: ["traceR"], message: "must be one of small" });
    if (c.gd.r > c.network.depth) ctx.addIssue({ code: "custom", path: ["gd", "r"], message: `must be at most the depth ${c.network.depth}` });
    for (const size of ["quick", "full"] as const) {
      const e = c.sizes[size].epsilon;
      if (!(e.to > e.from)) ctx.addIssue({ code: "custom", path: ["sizes", size, "epsilon", "to"], message: "must be larger than from" });
    }
  });

/** A validated `saddle` config. */
export type SaddleConfig = z.output<typeof SaddleSchema>;

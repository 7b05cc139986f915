/**
 * @file Kind `phase`: its config schema (zod) and config type; the kind itself is kind.ts, its checks checks.ts, its figures figures.ts.
 */
import { z } from "zod";
import { metaFields } from "../../common.js";

const posInt = z.int().gte(1, { message: "must be an integer >= 1" });

const BudgetSchema = z.strictObject({
  points: z.int().gte(3, { message: "must be an integer >= 3" }).describe("Grid points in h per row."),
  steps: posInt.describe("Most GD steps per cell."),
});

/** Config of a `phase` experiment. */
export const PhaseSchema = z
  .strictObject({
    ...metaFields,
    kind: z.literal("phase"),
    pathways: z.array(z.int().gte(2, { message: "must be an integer >= 2" })).min(1).describe("Numbers of pathways K (one panel each)."),
    depths: z.array(z.int().gte(3, { message: "must be an integer >= 3 (λ_bal < λ_single needs L > 2)" })).min(1).describe("Depths L (one row each)."),
    sigma: z.number().gt(0).default(1).describe("Target singular value of the one mode."),
    init: z.strictObject({
      scale: z.number().gt(0).describe("End-to-end scale α_1 of pathway 1."),
      ratio: z.number().gt(0).lt(1).describe("α_k = scale·ratio^(k−1): pathway 1 starts largest and wins under gradient flow."),
    }),
    h: z.strictObject({ from: z.number().gt(0), to: z.number().gt(0) }).describe("Range of h = η·λ_single."),
    sizes: z.strictObject({ quick: BudgetSchema, full: BudgetSchema }),
  })
  .superRefine((c, ctx) => {
    if (!(c.h.to > c.h.from)) ctx.addIssue({ code: "custom", path: ["h", "to"], message: "must be larger than h.from" });
  });

/** A validated `phase` config. */
export type PhaseConfig = z.output<typeof PhaseSchema>;

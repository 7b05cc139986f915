/**
 * @file Kind `warmup`: its config schema (zod) and config type; the kind itself is kind.ts, its checks checks.ts, its figures figures.ts.
 */
import { z } from "zod";
import { metaFields, NetworkSchema } from "../../common.js";

const BudgetSchema = z.strictObject({
  steps: z.int().gte(1, { message: "must be an integer >= 1" }).describe("Most GD steps of both runs."),
});

/** Config of a `warmup` experiment. */
export const WarmupSchema = z
  .strictObject({
    ...metaFields,
    kind: z.literal("warmup"),
    network: NetworkSchema,
    h: z.number().gt(0).describe("Peak normalised step h = η·λ_single."),
    warmup: z.strictObject({
      steps: z.int().gte(1).describe("Warm-up length W: η_t = η·(start + (1 − start)·min(1, (t+1)/W))."),
      start: z.number().gte(0).lte(1).default(0).describe("Initial multiplier."),
    }),
    sizes: z.strictObject({ quick: BudgetSchema, full: BudgetSchema }),
  })
  .superRefine((c, ctx) => {
    if (new Set(c.network.depths).size !== 1) ctx.addIssue({ code: "custom", path: ["network", "depths"], message: "the warm-up experiment uses equal depths" });
    if (c.network.width !== 1 || c.network.target.sigma.length !== 1) ctx.addIssue({ code: "custom", path: ["network", "target", "sigma"], message: "one mode: give one σ and width 1" });
  });

/** A validated `warmup` config. */
export type WarmupConfig = z.output<typeof WarmupSchema>;

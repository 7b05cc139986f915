/**
 * @file Kind `rank`: its config schema (zod) and config type; the kind itself is kind.ts, its checks checks.ts, its figures figures.ts.
 */
import { z } from "zod";
import { metaFields, NetworkSchema } from "../../common.js";

const posInt = z.int().gte(1, { message: "must be an integer >= 1" });

const BudgetSchema = z.strictObject({
  steps: posInt.describe("Most GD steps per run."),
  sweepPoints: z.int().gte(2).describe("Step sizes in the sweep."),
});

/** Config of a `rank` experiment. */
export const RankSchema = z
  .strictObject({
    ...metaFields,
    kind: z.literal("rank"),
    network: NetworkSchema,
    lrs: z.array(z.number().gt(0)).min(1).describe("Step sizes η of the detail runs."),
    dynamics: z.enum(["full", "reduced"]).default("reduced").describe("Dynamics of the detail runs."),
    compare: z.boolean().default(false).describe("Also run reduced twins of full detail runs and compare."),
    sweep: z.strictObject({ from: z.number().gt(0), to: z.number().gt(0) }).describe("Range of η of the sweep (reduced dynamics)."),
    sizes: z.strictObject({ quick: BudgetSchema, full: BudgetSchema }),
  })
  .superRefine((c, ctx) => {
    if (new Set(c.network.depths).size !== 1) ctx.addIssue({ code: "custom", path: ["network", "depths"], message: "rank-k balancing is stated for equal depths" });
    if (c.network.target.sigma.length < 2) ctx.addIssue({ code: "custom", path: ["network", "target", "sigma"], message: "needs at least 2 singular values" });
    if (c.compare && c.dynamics !== "full") ctx.addIssue({ code: "custom", path: ["compare"], message: "needs dynamics: full" });
    if (!(c.sweep.to > c.sweep.from)) ctx.addIssue({ code: "custom", path: ["sweep", "to"], message: "must be larger than sweep.from" });
  });

/** A validated `rank` config. */
export type RankConfig = z.output<typeof RankSchema>;

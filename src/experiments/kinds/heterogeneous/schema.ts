/**
 * @file Kind `heterogeneous`: its config schema (zod) and config type; the kind itself is kind.ts, its checks checks.ts, its figures figures.ts.
 */
import { z } from "zod";
import { metaFields, NetworkSchema, RunLabelSchema } from "../../common.js";

const posInt = z.int().gte(1, { message: "must be an integer >= 1" });

const BudgetSchema = z.strictObject({
  steps: posInt.describe("Most GD steps of every run (the top-of-window run converges slowly)."),
  sharpnessEvery: posInt.optional().describe("Measure λ_max every this many steps."),
});

/** Config of a `heterogeneous` experiment. */
export const HeterogeneousSchema = z
  .strictObject({
    ...metaFields,
    kind: z.literal("heterogeneous"),
    network: NetworkSchema,
    runs: z
      .array(z.strictObject({
        label: RunLabelSchema,
        fraction: z.number().gt(0).lte(1, { message: "must be in (0, 1]: η = fraction·2/λ_bal" })
          .describe("Step as a fraction of the top of the window, η = fraction·2/λ_bal."),
      }))
      .min(1),
    sizes: z.strictObject({ quick: BudgetSchema, full: BudgetSchema }),
  })
  .superRefine((c, ctx) => {
    if (c.network.depths.length < 2) ctx.addIssue({ code: "custom", path: ["network", "depths"], message: "needs at least 2 pathways" });
    if (c.network.target.sigma.length !== 1 || c.network.width !== 1) {
      ctx.addIssue({ code: "custom", path: ["network", "target", "sigma"], message: "a heterogeneous experiment follows one mode: give one σ and width 1" });
    }
    const labels = c.runs.map((r) => r.label);
    labels.forEach((l, j) => {
      if (labels.indexOf(l) !== j) ctx.addIssue({ code: "custom", path: ["runs", j, "label"], message: `"${l}" is used twice` });
    });
  });

/** A validated `heterogeneous` config. */
export type HeterogeneousConfig = z.output<typeof HeterogeneousSchema>;

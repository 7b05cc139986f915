/**
 * @file Kind `pair`: its config schema (zod) and config type; the kind itself is kind.ts, its checks checks.ts, its figures figures.ts.
 */
import { z } from "zod";
import { metaFields, NetworkSchema, StepRunsSchema } from "../../common.js";

const posInt = z.int().gte(1, { message: "must be an integer >= 1" });

const BudgetSchema = z.strictObject({
  steps: posInt.describe("Most GD steps of every run."),
  width: posInt.optional().describe("Layer width (overrides network.width; extra modes have σ = 0)."),
  sharpnessEvery: posInt.optional().describe("Measure λ_max every this many steps (odd is best)."),
});

/** Config of a `pair` experiment. */
export const PairSchema = z
  .strictObject({
    ...metaFields,
    kind: z.literal("pair"),
    network: NetworkSchema,
    runs: StepRunsSchema,
    dynamics: z.enum(["full", "reduced"]).default("reduced").describe("full matrices or the exact reduced dynamics."),
    compare: z.boolean().default(false).describe("Also run the reduced dynamics and compare (dynamics: full only)."),
    reference: z
      .array(z.strictObject({
        run: z.string(), s: z.array(z.number()).min(1), atol: z.number().gt(0), source: z.string(),
      }))
      .default([])
      .describe("Published final top-mode coefficients to compare with (e.g. docs/theory.md §4's reference check)."),
    sizes: z.strictObject({ quick: BudgetSchema, full: BudgetSchema }),
  })
  .superRefine((c, ctx) => {
    if (c.compare && c.dynamics !== "full") ctx.addIssue({ code: "custom", path: ["compare"], message: "needs dynamics: full (it compares full matrices with the reduced dynamics)" });
    if (new Set(c.network.depths).size !== 1) ctx.addIssue({ code: "custom", path: ["network", "depths"], message: "a pair experiment needs equal depths (use kind: heterogeneous)" });
    const labels = c.runs.map((r) => r.label);
    labels.forEach((l, j) => {
      if (labels.indexOf(l) !== j) ctx.addIssue({ code: "custom", path: ["runs", j, "label"], message: `"${l}" is used twice` });
    });
    c.reference.forEach((ref, j) => {
      if (!labels.includes(ref.run)) ctx.addIssue({ code: "custom", path: ["reference", j, "run"], message: `no run is labelled "${ref.run}"` });
      if (ref.s.length !== c.network.depths.length) ctx.addIssue({ code: "custom", path: ["reference", j, "s"], message: `needs ${c.network.depths.length} values (one per pathway)` });
    });
    for (const size of ["quick", "full"] as const) {
      const w = c.sizes[size].width;
      if (w !== undefined && w < c.network.target.sigma.length) {
        ctx.addIssue({ code: "custom", path: ["sizes", size, "width"], message: `is smaller than the ${c.network.target.sigma.length} target singular values` });
      }
    }
  });

/** A validated `pair` config. */
export type PairConfig = z.output<typeof PairSchema>;

/**
 * @file Kind `central`: its config schema (zod) and config type; the kind itself is kind.ts, its checks checks.ts, its figures figures.ts.
 */
import { z } from "zod";
import { metaFields, RunLabelSchema } from "../../common.js";

const posInt = z.int().gte(1, { message: "must be an integer >= 1" });

const BudgetSchema = z.strictObject({
  steps: posInt.describe("GD steps of the reduced cases (full-matrix and MLP cases: `fullSteps`)."),
  fullSteps: z.int().gte(0, { message: "must be an integer >= 0" }).describe("GD steps of the full-matrix and MLP cases (0: leave them out)."),
});

/** One compared case: a `dlnlab run` config (without dynamics and steps) and which system runs it. */
const CaseSchema = z.strictObject({
  label: RunLabelSchema,
  system: z.enum(["reduced", "full"]).describe("reduced: exact reduced GD and the reduced central flow; full: full matrices or the MLP."),
  config: z.record(z.string(), z.unknown()).describe("Run-config fields (docs/config.md) shared by GD and the flow."),
});

/** Config of a `central` experiment. */
export const CentralSchema = z.strictObject({
  ...metaFields,
  kind: z.literal("central"),
  cases: z.array(CaseSchema).min(1),
  tolerances: z.strictObject({
    endSplit: z.number().gt(0).describe("Largest |s_GD − s_flow| at the end, any pathway and mode (units of σ_1)."),
    duration: z.number().gt(0).describe("Largest relative error of the re-balancing duration."),
    trajectory: z.number().gt(0).describe("Largest |s̄_GD(t) − s_flow(t + δ)|/σ_1 once GD has self-stabilised (δ aligns the drifts' 10 % points)."),
  }),
  sizes: z.strictObject({ quick: BudgetSchema, full: BudgetSchema }),
});

/** A validated `central` config. */
export type CentralConfig = z.output<typeof CentralSchema>;

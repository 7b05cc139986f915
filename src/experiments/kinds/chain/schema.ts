/**
 * @file Kind `chain`: its config schema (zod) and config type; the kind itself is kind.ts, its checks checks.ts, its figures figures.ts.
 */
import { z } from "zod";
import { metaFields } from "../../common.js";

const BudgetSchema = z.strictObject({
  grid: z.int().gte(11, { message: "must be an integer >= 11" }).describe("Points of the grid search for the worst start in (0, 1)."),
});

/** Config of a `chain` experiment. */
export const ChainSchema = z.strictObject({
  ...metaFields,
  kind: z.literal("chain"),
  depths: z.array(z.int().gte(2, { message: "must be an integer >= 2 (c_1 = 2 by definition)" })).min(1).describe("Chain depths L."),
  epsilon: z.number().gt(0).lt(0.5).describe("Relative distance from c_L of the two shown steps, h = c_L(1 ± ε)."),
  iterations: z.int().gte(2).lte(1000).describe("GD steps shown from the worst start."),
  sizes: z.strictObject({ quick: BudgetSchema, full: BudgetSchema }),
});

/** A validated `chain` config. */
export type ChainConfig = z.output<typeof ChainSchema>;

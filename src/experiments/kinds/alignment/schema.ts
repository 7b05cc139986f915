/**
 * @file Kind `alignment`: its config schema (zod) and config type; the kind itself is kind.ts, its checks checks.ts, its figures figures.ts.
 */
import { z } from "zod";
import { MARGIN_LOSS_NAMES } from "../../../engine/classifier/losses.js";
import { metaFields } from "../../common.js";

const posInt = z.int().gte(1, { message: "must be an integer >= 1" });

const BudgetSchema = z.strictObject({
  steps: posInt.describe("GD steps of every run."),
});

const RunSchema = z.strictObject({
  label: z.string().min(1).describe("Shown in figures and file names."),
  loss: z.enum(MARGIN_LOSS_NAMES).describe("Margin loss: logistic or exponential."),
  lr: z.number().gt(0).describe("Step size η_0 (constant, or the start of the decay)."),
  decay: posInt.optional().describe("Decreasing step η_t = η_0/(1 + t/T) with T = decay steps; absent: constant."),
});

/** Config of an `alignment` experiment. */
export const AlignmentSchema = z.strictObject({
  ...metaFields,
  kind: z.literal("alignment"),
  data: z.strictObject({
    dimension: z.int().gte(2, { message: "must be an integer >= 2" }).describe("Input dimension d."),
    points: z.int().gte(2).describe("Number of points n."),
    mean: z.number().gt(0).default(1).describe("Distance of the cluster centres from the origin."),
    spread: z.number().gt(0).default(1).describe("Standard deviation of the clusters."),
    margin: z.number().gt(0).describe("Smallest kept distance y·u*ᵀx along the drawing direction u*."),
  }),
  network: z.strictObject({
    depth: z.int().gte(2, { message: "must be an integer >= 2 (alignment needs two layers)" }).describe("Depth L."),
    hidden: posInt.describe("Hidden width h."),
    initStd: z.number().gt(0).describe("Standard deviation of the i.i.d. Gaussian initial weights."),
  }),
  seed: z.int().default(0).describe("Seed of the data (and of the initial weights)."),
  runs: z.array(RunSchema).min(1),
  fit: z.strictObject({
    decades: z.number().gt(0).describe("Rates are fitted over the last this many decades of gradient-flow time τ."),
  }),
  sizes: z.strictObject({ quick: BudgetSchema, full: BudgetSchema }),
});

/** A validated `alignment` config. */
export type AlignmentConfig = z.output<typeof AlignmentSchema>;

/**
 * @file Figure builders by experiment kind: each turns a resolved config and its assembled data into
 * finished figures (SVG text) with the theory drawn on the measurements.
 */
import { alignmentFigures } from "./alignment.js";
import { centralFigures } from "./central.js";
import { chainFigures } from "./chain.js";
import { heterogeneousFigures } from "./heterogeneous.js";
import { mlpFigures } from "./mlp.js";
import { pairFigures } from "./pair.js";
import { phaseFigures } from "./phase.js";
import { rankFigures } from "./rank.js";
import { saddleFigures } from "./saddle.js";
import { warmupFigures } from "./warmup.js";
import type { Figure } from "./panels.js";

export type { Figure } from "./panels.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Builder = (r: any, data: any) => Figure[];

const BUILDERS: Record<string, Builder> = {
  pair: pairFigures,
  heterogeneous: heterogeneousFigures,
  chain: chainFigures,
  phase: phaseFigures,
  rank: rankFigures,
  warmup: warmupFigures,
  mlp: mlpFigures,
  alignment: alignmentFigures,
  saddle: saddleFigures,
  central: centralFigures,
};

/** The figures of an experiment of kind `kind` (none for an unknown kind). */
export function figuresFor(kind: string, r: unknown, data: unknown): Figure[] {
  const build = BUILDERS[kind];
  return build ? build(r as never, data) : [];
}

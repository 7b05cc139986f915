/**
 * @file Figure builders by experiment kind: each turns a resolved config and its assembled data into
 * finished figures (SVG text) with the theory drawn on the measurements.
 */
import { alignmentFigures } from "../kinds/alignment/figures.js";
import { centralFigures } from "../kinds/central/figures.js";
import { chainFigures } from "../kinds/chain/figures.js";
import { heterogeneousFigures } from "../kinds/heterogeneous/figures.js";
import { mlpFigures } from "../kinds/mlp/figures.js";
import { pairFigures } from "../kinds/pair/figures.js";
import { phaseFigures } from "../kinds/phase/figures.js";
import { rankFigures } from "../kinds/rank/figures.js";
import { saddleFigures } from "../kinds/saddle/figures.js";
import { warmupFigures } from "../kinds/warmup/figures.js";
import type { Figure } from "./panels.js";
import type { ExperimentKind, ExperimentMeta, Resolved } from "../types.js";
import { alignmentKind } from "../kinds/alignment/kind.js";
import { centralKind } from "../kinds/central/kind.js";
import { chainKind } from "../kinds/chain/kind.js";
import { heterogeneousKind } from "../kinds/heterogeneous/kind.js";
import { mlpKind } from "../kinds/mlp/kind.js";
import { pairKind } from "../kinds/pair/kind.js";
import { phaseKind } from "../kinds/phase/kind.js";
import { rankKind } from "../kinds/rank/kind.js";
import { saddleKind } from "../kinds/saddle/kind.js";
import { warmupKind } from "../kinds/warmup/kind.js";

export type { Figure } from "./panels.js";

/**
 * A kind's figure builder, typed by the kind: `figures(pairKind, pairFigures)` compiles only when the
 * builder takes that kind's resolved config and assembled data.
 */
function figures<C extends ExperimentMeta & { sizes: { quick: unknown; full: unknown } }, P, D, A>(
  kind: ExperimentKind<C, P, D, A>, build: (r: Resolved<C>, data: D) => Figure[],
): [string, (r: unknown, data: unknown) => Figure[]] {
  return [kind.kind, (r, data) => build(r as Resolved<C>, data as D)];
}

const BUILDERS = new Map([
  figures(pairKind, pairFigures),
  figures(heterogeneousKind, heterogeneousFigures),
  figures(chainKind, chainFigures),
  figures(phaseKind, phaseFigures),
  figures(rankKind, rankFigures),
  figures(warmupKind, warmupFigures),
  figures(mlpKind, mlpFigures),
  figures(alignmentKind, alignmentFigures),
  figures(saddleKind, saddleFigures),
  figures(centralKind, centralFigures),
]);

/** Whether the kind called `kind` has figures (every kind of the registry does: test/experiments/figures.test.ts). */
export function hasFigures(kind: string): boolean {
  return BUILDERS.has(kind);
}

/** The figures of an experiment of kind `kind`; throws RangeError naming a kind without a builder. */
export function figuresFor(kind: string, r: unknown, data: unknown): Figure[] {
  const build = BUILDERS.get(kind);
  if (!build) throw new RangeError(`kind: no figures for experiment kind "${kind}" (src/experiments/figures/index.ts lists each kind's builder)`);
  return build(r, data);
}

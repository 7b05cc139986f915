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
import type { ExperimentKind, ExperimentMeta, Resolved } from "../types.js";
import { alignmentKind } from "../alignment.js";
import { centralKind } from "../central.js";
import { chainKind } from "../chain.js";
import { heterogeneousKind } from "../heterogeneous.js";
import { mlpKind } from "../mlp.js";
import { pairKind } from "../pair.js";
import { phaseKind } from "../phase.js";
import { rankKind } from "../rank.js";
import { saddleKind } from "../saddle.js";
import { warmupKind } from "../warmup.js";

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

/**
 * @file The experiment kinds by name: the `kind` field of an experiment file picks one of these.
 * Adding a kind means writing its module (schema, plan, runner, checks) and listing it here.
 */
import { alignmentKind } from "./alignment.js";
import { centralKind } from "./central.js";
import { chainKind } from "./chain.js";
import { heterogeneousKind } from "./heterogeneous.js";
import { mlpKind } from "./mlp.js";
import { pairKind } from "./pair.js";
import { phaseKind } from "./phase.js";
import { rankKind } from "./rank.js";
import { saddleKind } from "./saddle.js";

import type { AnyKind } from "./types.js";
import { warmupKind } from "./warmup.js";

/** Every experiment kind, by its `kind` name. */
export const KINDS: ReadonlyMap<string, AnyKind> = new Map<string, AnyKind>(
  [pairKind, heterogeneousKind, chainKind, phaseKind, rankKind, warmupKind, mlpKind, alignmentKind, saddleKind, centralKind].map((k) => [k.kind, k]),
);

/** The kind called `name`, or undefined. */
export function kindOf(name: string): AnyKind | undefined {
  return KINDS.get(name);
}

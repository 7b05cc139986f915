/**
 * @file The experiment kinds by name: the `kind` field of an experiment file picks one of these.
 * Adding a kind means writing its folder, kinds/<kind>/ (schema.ts: its config schema; kind.ts: plan,
 * runner and the kind object, re-exporting the other two; checks.ts: its checks; figures.ts: its
 * figures), listing the kind here and its figures in figures/index.ts.
 */
import { alignmentKind } from "./kinds/alignment/kind.js";
import { centralKind } from "./kinds/central/kind.js";
import { chainKind } from "./kinds/chain/kind.js";
import { heterogeneousKind } from "./kinds/heterogeneous/kind.js";
import { mlpKind } from "./kinds/mlp/kind.js";
import { pairKind } from "./kinds/pair/kind.js";
import { phaseKind } from "./kinds/phase/kind.js";
import { rankKind } from "./kinds/rank/kind.js";
import { saddleKind } from "./kinds/saddle/kind.js";

import type { AnyKind } from "./types.js";
import { warmupKind } from "./kinds/warmup/kind.js";

/** Every experiment kind, by its `kind` name. */
export const KINDS: ReadonlyMap<string, AnyKind> = new Map<string, AnyKind>(
  [pairKind, heterogeneousKind, chainKind, phaseKind, rankKind, warmupKind, mlpKind, alignmentKind, saddleKind, centralKind].map((k) => [k.kind, k]),
);

/** The kind called `name`, or undefined. */
export function kindOf(name: string): AnyKind | undefined {
  return KINDS.get(name);
}

/**
 * @file Kind `chain`: the checks of its data against the theory, with their tolerances (kind.ts runs it, figures.ts draws it).
 */
import { categoryCheck, closeCheck, type Check } from "../../checks.js";
import { short } from "../../common.js";
import type { Resolved } from "../../types.js";
import type { ChainData } from "./kind.js";
import type { ChainConfig } from "./schema.js";

type R = Resolved<ChainConfig>;

/** Tolerances of the chain checks. */
export const CHAIN_TOLERANCES = {
  /** Relative: the grid + golden-section maximiser and the bisection are accurate to ~1e-12. */
  knifeEdge: 1e-8,
} as const;

/** Checks of a chain experiment. */
export function chainChecks(r: R, data: ChainData): Check[] {
  const out: Check[] = [];
  for (const d of data.depths) {
    out.push(closeCheck({
      provenance: "paper",
      name: `deep-chain knife edge at c_L (L = ${d.L})`, claim: "docs/theory.md §5; paper §6, App. F",
      predicted: d.cL, measured: d.measured, tolerance: CHAIN_TOLERANCES.knifeEdge, kind: "rel",
      note: "measured: bisection on h for the sign of the worst overshoot's next iterate, worst start by grid search (independent of the boundary system)",
    }));
    const zb = d.below.z[2] ?? Number.NaN;
    const za = d.above.z[2] ?? Number.NaN;
    out.push(categoryCheck({
      provenance: "paper",
      name: `h = c_L(1 − ${r.epsilon}) returns into (0, 1), c_L(1 + ${r.epsilon}) crosses 0 (L = ${d.L})`,
      claim: "paper §6, Fig. 5",
      predicted: "z₂ ∈ (0, 1) below; z₂ < 0 above",
      measured: `z₂ = ${short(zb)} below; z₂ = ${short(za)} above`,
      pass: zb > 0 && zb < 1 && za < 0,
    }));
  }
  const two = data.depths.find((d) => d.L === 2);
  if (two) {
    out.push(closeCheck({
      provenance: "consistency",
      name: "closed form c_2 = 3√3 − 2", claim: "docs/theory.md §5",
      predicted: 3 * Math.sqrt(3) - 2, measured: two.measured, tolerance: CHAIN_TOLERANCES.knifeEdge, kind: "rel",
    }));
  }
  const sorted = [...data.depths].sort((a, b) => a.L - b.L);
  const increasing = sorted.every((d, j) => d.measured > 2 && (j === 0 || d.measured > sorted[j - 1]!.measured));
  out.push(categoryCheck({
    provenance: "paper",
    name: "c_L > 2 and increasing with depth", claim: "docs/theory.md §5; paper Prop. 6.3",
    predicted: "2 < c_L increasing in L", measured: sorted.map((d) => `L=${d.L}: ${short(d.measured)}`).join(", "),
    pass: increasing,
  }));
  return out;
}

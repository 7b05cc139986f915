/**
 * @file Kind `rank`: the checks of its data against the theory, with their tolerances (kind.ts runs it, figures.ts draws it).
 */
import { rebalancedRank } from "../../../theory/index.js";
import { categoryCheck, closeCheck, maxAbsDiff, type Check } from "../../checks.js";
import { short } from "../../common.js";
import { trajectoryDifference } from "../pair/kind.js";
import type { Resolved } from "../../types.js";
import { ONSET_MARGIN, PINNED, type RankData, measuredRank, pinnedRatios, sharesOf } from "./kind.js";
import type { RankConfig } from "./schema.js";

type R = Resolved<RankConfig>;

/** Checks of a rank experiment. */
export function rankChecks(r: R, data: RankData): Check[] {
  const out: Check[] = [];
  const { depths, target } = r.network;
  data.runs.forEach((run, j) => {
    const lr = r.lrs[j]!;
    const pred = rebalancedRank(depths, target.sigma, lr);
    const pinned = pinnedRatios(depths, run.centre, lr);
    const shares = sharesOf(run.centre, target.sigma);
    const got = measuredRank(pinned);
    out.push(categoryCheck({
      provenance: "paper",
      name: `exactly ${pred.rank} mode${pred.rank === 1 ? "" : "s"} re-balanced at η = ${lr}`,
      claim: "docs/theory.md §4 (rank-k balancing); paper eq. 24",
      predicted: `rank ${pred.rank}`, measured: `rank ${got}`, pass: got === pred.rank && run.status === "converged",
      note: `λ_i·η/2 per mode ${pinned.map((x) => short(x, 3)).join(", ")} (re-balanced: ≥ ${PINNED}); dominant shares ${shares.map((x) => short(x, 3)).join(", ")} ` +
        `vs gradient flow ${data.gfShares.map((x) => short(x, 3)).join(", ")}; onsets 2/λ_single(σ_i) = ${pred.onset.map((x) => short(x)).join(", ")}; ` +
        `${pred.admissible ? "η is in the admissible band" : "η is outside the admissible band"}; status ${run.status}`,
    }));
  });
  const onsets = rebalancedRank(depths, target.sigma, r.sweep.from).onset;
  const clear = data.sweep.filter((p) => onsets.every((o, i) => p.lr < o * (1 - ONSET_MARGIN) || p.lr > data.gfOnsets[i]! * (1 + ONSET_MARGIN)));
  const agree = clear.filter((p) => measuredRank(p.pinned) === rebalancedRank(depths, target.sigma, p.lr).rank).length;
  out.push(closeCheck({
    provenance: "paper",
    name: "measured rank equals the predicted rank across the η sweep",
    claim: "docs/theory.md §4 (rank-k balancing)",
    predicted: 1, measured: clear.length > 0 ? agree / clear.length : Number.NaN, tolerance: 0,
    note: `fraction of the ${clear.length} swept steps (of ${data.sweep.length}) where the counts agree, leaving out steps between the idealised onset ` +
      `2/λ_single(σ_i) = ${onsets.map((x) => short(x)).join(", ")} and the onset of the actual gradient-flow end point 2/λ(s^GF_i) = ` +
      `${data.gfOnsets.map((x) => short(x)).join(", ")} (± ${ONSET_MARGIN * 100} %)`,
  }));
  data.twins.forEach((twin, j) => {
    if (!twin) return;
    const run = data.runs[j]!;
    const { early, onset } = trajectoryDifference(run, twin, target.sigma[0]!);
    out.push(closeCheck({
      provenance: "consistency",
      name: `full matrices reproduce the reduced dynamics until the first overshoot (η = ${r.lrs[j]})`,
      claim: "docs/theory.md §2 (exact reduction; modes decouple in any basis)",
      predicted: 0, measured: early, tolerance: 1e-9,
      note: `max |s_full − s_reduced|/σ_1 over all modes, pathways and common records before step ${onset ?? run.steps}; ${target.basis} target basis, ` +
        `d = ${run.final.s[0]!.length}; drift out of the SVS set ≤ ${short(Math.max(...run.records.map((x) => x.drift)), 3)}`,
    }));
    if (!["converged", "max-steps"].includes(run.status) || !["converged", "max-steps"].includes(twin.status)) return;
    out.push(closeCheck({
      provenance: "consistency",
      name: `full matrices and reduced dynamics end at the same point (η = ${r.lrs[j]})`,
      claim: "docs/theory.md §2",
      predicted: 0, measured: maxAbsDiff(run.centre.flat(), twin.centre.flat()) / target.sigma[0]!, tolerance: 1e-7,
      note: `max |s_full − s_reduced|/σ_1 of the final states (${run.status} / ${twin.status})`,
    }));
  });
  return out;
}

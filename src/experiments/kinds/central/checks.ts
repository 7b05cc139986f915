/**
 * @file Kind `central`: the checks of its data against the theory, with their tolerances (kind.ts runs it, figures.ts draws it).
 */
import { closeCheck, type Check } from "../../checks.js";
import { short } from "../../common.js";
import type { Resolved } from "../../types.js";
import { type CentralCase, type CentralData, endSplitError, trajectoryError } from "./kind.js";
import type { CentralConfig } from "./schema.js";

type R = Resolved<CentralConfig>;

/** The compared numbers of one case. */
export function caseMetrics(c: CentralCase): {
  endSplit: number; durationGd: number | null; durationFlow: number | null; durationError: number | null;
  trajectory: number | null; trajectoryUnshifted: number | null; amplitudeError: number | null;
} {
  const dg = c.gdTiming ? c.gdTiming[1] - c.gdTiming[0] : null;
  const df = c.flowTiming ? c.flowTiming[1] - c.flowTiming[0] : null;
  const shift = c.gdTiming && c.flowTiming ? c.flowTiming[0] - c.gdTiming[0] : null;
  return {
    endSplit: endSplitError(c),
    durationGd: dg,
    durationFlow: df,
    durationError: dg !== null && df !== null ? Math.abs(df - dg) / dg : null,
    trajectory: shift !== null ? trajectoryError(c, shift, c.gdTiming![0]) : null,
    trajectoryUnshifted: c.gdTiming ? trajectoryError(c, 0, c.gdTiming[0]) : null,
    amplitudeError: c.amplitudeError,
  };
}

/** Checks of a central experiment. */
export function centralChecks(r: R, data: CentralData): Check[] {
  const out: Check[] = [];
  const claim = "docs/theory.md §11 (central flow)";
  // The central flow is dlnlab's prediction of GD here (the central-flows paper does not treat these networks).
  const provenance = "approximation" as const;
  for (const c of data.cases) {
    const m = caseMetrics(c);
    out.push(closeCheck({
      name: `${c.label}: central-flow end split vs GD's`, claim, provenance, predicted: 0, measured: m.endSplit, tolerance: r.tolerances.endSplit,
      note: `max_{k,i} |s̄_GD − s_flow| at step ${c.gd.step.at(-1)}; GD ${c.gdStatus}, final λη/2 = ${c.gdFinalRatio === null ? "–" : short(c.gdFinalRatio, 4)} ` +
        "(GD stops slightly past the flow's boundary, on the balanced side: the flow does not model the decay of the oscillation)",
    }));
    // The lag model's end is the flow's final state: compare only with a GD run that has ended.
    if (c.laggedEnd && c.gdStatus === "converged") {
      const g = c.gd.s[c.gd.s.length - 1]!;
      out.push(closeCheck({
        name: `${c.label}: end split with GD's amplitude lag vs GD's`, claim, provenance, predicted: 0,
        measured: Math.max(...c.laggedEnd.map((v, k) => Math.abs(v - g[k]![0]!))), tolerance: r.tolerances.endSplit,
        note: "the flow with x as a state, d ln x/dt = 2 ln|ηS − 1| from 20 steps after the entry: models GD stopping past the boundary",
      }));
    }
    if (m.durationError !== null) {
      out.push(closeCheck({
        name: `${c.label}: re-balancing duration`, claim, provenance, predicted: m.durationGd!, measured: m.durationFlow!, tolerance: r.tolerances.duration, kind: "rel",
        note: "steps for the top mode's balancing gap to go from 10 % to 90 % of its drop (GD: two-step averages). GD is faster: its first " +
          "overshoot past 2/η (a catapult the flow, entering the edge exactly at 2/η, does not have) moves part of the signal at once, and " +
          "near the end its decaying oscillation keeps drifting past the flow's end point",
      }));
    }
    if (m.trajectory !== null) {
      out.push(closeCheck({
        name: `${c.label}: trajectory once GD has self-stabilised`, claim, provenance, predicted: 0, measured: m.trajectory, tolerance: r.tolerances.trajectory,
        note: `max |s̄_GD(t) − s_flow(t + δ)|/σ_1 for t ≥ GD's 10 % point, δ = ${short(c.flowTiming![0] - c.gdTiming![0], 4)} steps aligning the drifts ` +
          `(the flow enters the edge at 2/η, GD overshoots first); without the shift ${short(m.trajectoryUnshifted!, 3)}`,
      }));
    }
  }
  return out;
}

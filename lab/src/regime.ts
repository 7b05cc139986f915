/**
 * @file What the theory predicts for the lab's current inputs (docs/theory.md §3–§6): the step-size
 * thresholds of the top mode, which regime the chosen step lies in, the flattest allocation, the
 * gradient-flow end point and the predicted stopping point. A thin layer over src/theory that turns
 * its RangeErrors into "not applicable" notes, so the panel can update on every keystroke. DOM-free.
 */
import {
  gradientFlowEndpoint, optimalAllocation, rebalancedRank, stabilityWindow, stoppingBoundary,
  type RankReport, type StabilityWindow, type StoppingBoundary,
} from "../../src/theory/index.js";

/** The regimes of docs/theory.md §4–§5 for the (peak) step η of the top mode. */
export type RegimeId = "flow" | "winner-takes-all" | "rebalancing" | "above-wcr" | "above-balanced";

/** The label the page shows for each regime (tests look for these words). */
export const REGIME_LABELS: Readonly<Record<RegimeId, string>> = {
  flow: "gradient flow: winner-takes-all (no step size)",
  "winner-takes-all": "below 2/λ_single: winner-takes-all",
  rebalancing: "re-balancing window",
  "above-wcr": "above η_WCR: the dominant pathway may flip sign",
  "above-balanced": "above 2/λ_bal: no stable SVS minimum",
};

/** Which regime a step η is in: strict inequalities put the thresholds themselves in the lower regime. */
export function classifyStep(lr: number, w: StabilityWindow): RegimeId {
  if (lr >= w.etaBalanced) return "above-balanced";
  if (lr >= w.etaWcr) return "above-wcr";
  if (lr > w.etaSingle) return "rebalancing";
  return "winner-takes-all";
}

/** The inputs the theory needs (parsed from the form; any of them may be missing). */
export interface TheoryInputs {
  depths: readonly number[];
  /** Target singular values (the top one, max σ, sets the thresholds). */
  sigma: readonly number[];
  /** Base (peak) step size η. */
  lr: number;
  dynamics: "full" | "reduced" | "flow";
  /** End-to-end init scales α_k (one per pathway or one for all) of an SVS init; null for other inits. */
  initScales: readonly number[] | null;
}

/** Everything the theory panel and the plots' reference lines show. */
export interface TheorySummary {
  /** σ₁, the largest target singular value. */
  sigma1: number;
  window: StabilityWindow;
  regime: RegimeId;
  label: string;
  /** The (peak) step size η the summary is for. */
  lr: number;
  /** η in units of 2/λ_single (the "multiple" control): η·λ_single/2. */
  multiple: number;
  /** h = η·λ_single, the normalised step of docs/theory.md §4–§5. */
  h: number;
  /** The flattest allocation s* of the top mode (docs/theory.md §3). */
  optimum: number[];
  /** GF end point of the top mode from the init scales (SVS init, K ≥ 2), else null. */
  gfEndpoint: number[] | null;
  /** Predicted stopping point of the top mode, or why there is none. */
  stop: { ok: true; boundary: StoppingBoundary } | { ok: false; reason: string };
  /** Rank-k balancing over the spectrum (homogeneous depth only), else null. */
  rank: RankReport | null;
}

/** Broadcast one init scale to K pathways, as the config does. */
function scalesFor(K: number, scales: readonly number[] | null): number[] | null {
  if (!scales) return null;
  if (scales.length === 1) return new Array<number>(K).fill(scales[0]!);
  return scales.length === K ? [...scales] : null;
}

/** The theory for the given inputs; throws RangeError (naming the input) when they cannot be used. */
export function theorySummary(inp: TheoryInputs): TheorySummary {
  const K = inp.depths.length;
  const sigma1 = Math.max(...inp.sigma);
  if (!(sigma1 > 0)) throw new RangeError("sigma: the thresholds need a largest singular value σ₁ > 0");
  const window = stabilityWindow(inp.depths, sigma1);
  const regime = inp.dynamics === "flow" ? "flow" : classifyStep(inp.lr, window);
  const optimum = optimalAllocation(inp.depths, sigma1).s;
  const scales = scalesFor(K, inp.initScales);
  let gfEndpoint: number[] | null = null;
  if (scales && K >= 2) {
    try {
      gfEndpoint = gradientFlowEndpoint(inp.depths, sigma1, scales);
    } catch {
      gfEndpoint = null; // e.g. a leaf coordinate that overflows for a huge init: no GF prediction
    }
  }
  let stop: TheorySummary["stop"];
  if (inp.dynamics === "flow") stop = { ok: false, reason: "gradient flow ends at the GF end point" };
  else if (K < 2) stop = { ok: false, reason: "a single pathway has nothing to re-balance" };
  else if (!scales) stop = { ok: false, reason: "needs an SVS initialisation (init scales)" };
  else {
    try {
      stop = { ok: true, boundary: stoppingBoundary(inp.depths, sigma1, inp.lr, { initScales: scales }) };
    } catch (err) {
      // The theory's own sentence, without the leading "lr: 0.5" (the panel shows η already).
      stop = { ok: false, reason: (err as Error).message.replace(/^lr: \S+ is /, "η is ").replace(/^[a-zA-Z]+: /, "") };
    }
  }
  let rank: RankReport | null = null;
  if (inp.depths.every((L) => L === inp.depths[0]) && inp.sigma.length > 1 && inp.dynamics !== "flow") {
    const sorted = [...inp.sigma].sort((a, b) => b - a);
    rank = rebalancedRank(inp.depths, sorted, inp.lr);
  }
  return {
    sigma1,
    window,
    regime,
    label: REGIME_LABELS[regime],
    lr: inp.lr,
    multiple: inp.lr / window.etaSingle,
    h: inp.lr * window.lambdaSingle,
    optimum,
    gfEndpoint,
    stop,
    rank,
  };
}

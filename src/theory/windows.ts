/**
 * @file Step-size thresholds of docs/theory.md §4–§5 (paper Sections 5–6, eq. 17 and 24): GD is
 * linearly stable at a minimum iff η < 2/λ; the single-path minimum, the flattest allocation and
 * the WCR ceiling give the re-balancing window and, over a spectrum, the rank of re-balancing.
 */
import { optimalAllocation } from "./allocation.js";
import { wcrConstant } from "./chain.js";
import { balancedSharpness, pathwayTerm, singlePathSharpness, singlePathSharpnesses } from "./sharpness.js";
import * as check from "./validate.js";

/**
 * Linear-stability threshold of GD at a minimum of sharpness λ: `η* = 2/λ` (GD is stable iff η < η*;
 * +∞ for λ = 0).
 * @example stabilityThreshold(4) // 0.5
 */
export function stabilityThreshold(lambda: number): number {
  check.nonNegative("lambda", lambda);
  return 2 / lambda;
}

/** Step-size thresholds of one mode of target σ. All η values are step sizes (units of lr). */
export interface StabilityWindow {
  /** `2/max_k λ_k`, λ_k = L_k σ^{2−2/L_k} the single-path minimum through pathway k: the sharpest one. */
  etaSingle: number;
  /** `2/λ_k` for each pathway k (the flattest single-path minimum has the largest). */
  etaSinglePerPathway: number[];
  /** `2/λ_bal`, λ_bal the sharpness of the optimal allocation (= L K^{2/L−1} σ^{2−2/L} homogeneous). */
  etaBalanced: number;
  /** `c_{L_min} / (L_min σ^{2−2/L_min})`: the WCR ceiling of the shallowest pathway as a lone chain. */
  etaWcr: number;
  /** λ of the sharpest single-path minimum, max_k λ_k. */
  lambdaSingle: number;
  /** λ of the optimal (flattest) allocation. */
  lambdaBalanced: number;
  /** c_{L_min}, the normalised WCR constant used for etaWcr. */
  cL: number;
  /** Admissible re-balancing band (lower, upper) = (etaSingle, min(etaBalanced, etaWcr)). */
  lower: number;
  upper: number;
  /** Which ceiling binds: "balanced" when etaBalanced ≤ etaWcr, else "wcr". */
  binding: "balanced" | "wcr";
  /** True when lower ≥ upper (e.g. homogeneous depth ≤ 2, where λ_bal = λ_single). */
  empty: boolean;
}

/**
 * Re-balancing window of a mode with target σ > 0 over pathways of the given depths:
 * `(2/λ_single, min(2/λ_bal, η_WCR))` (docs/theory.md §4–§5). For heterogeneous depths `etaSingle` is
 * set by the sharpest single-path minimum (`2/max_k L_k σ^{2−2/L_k}`; depth-1 pathways counted
 * exactly, see `singlePathSharpnesses`), `etaBalanced` by the optimal allocation of §3 and
 * `etaWcr` by the shallowest pathway (`c_{L_min}/(L_min σ^{2−2/L_min})`).
 * @example stabilityWindow([4, 4], 1) // etaSingle 0.5, etaBalanced 1/√2 ≈ 0.7071, etaWcr ≈ 0.9946
 */
export function stabilityWindow(depths: readonly number[], sigma: number): StabilityWindow {
  check.depths("depths", depths);
  check.positive("sigma", sigma);
  const singles = singlePathSharpnesses(depths, sigma);
  const lambdaSingle = Math.max(...singles);
  const lambdaBalanced = optimalAllocation(depths, sigma).sharpness;
  const Lmin = Math.min(...depths);
  const cL = wcrConstant(Lmin);
  const etaSingle = 2 / lambdaSingle;
  const etaBalanced = 2 / lambdaBalanced;
  const etaWcr = cL / (Lmin === 1 ? 1 : pathwayTerm(Lmin, sigma));
  const upper = Math.min(etaBalanced, etaWcr);
  return {
    etaSingle,
    etaSinglePerPathway: singles.map((l) => 2 / l),
    etaBalanced,
    etaWcr,
    lambdaSingle,
    lambdaBalanced,
    cL,
    lower: etaSingle,
    upper,
    binding: etaBalanced <= etaWcr ? "balanced" : "wcr",
    empty: !(etaSingle < upper),
  };
}

/** Which modes of a spectrum a step re-balances (rank-k balancing, docs/theory.md §4). */
export interface RankReport {
  /** Number of modes with λ_single(σ_i) > 2/η: they leave the single-path attractor. */
  rank: number;
  /** Per mode: λ_single(σ_i) > 2/η. */
  rebalanced: boolean[];
  /** Per mode: the onset step 2/λ_single(σ_i) above which mode i re-balances. */
  onset: number[];
  /** 2/λ_bal(σ_1): above it even the balanced top mode is unstable. */
  etaBalanced: number;
  /** η_WCR = c_L/λ_single(σ_1): above it the top mode's transient may flip sign. */
  etaWcr: number;
  /** η < 2/λ_bal(σ_1). */
  belowBalanced: boolean;
  /** η < η_WCR. */
  belowWcr: boolean;
  /** belowBalanced and belowWcr: the prediction "exactly the top `rank` modes re-balance" applies. */
  admissible: boolean;
}

/**
 * Rank-k balancing for a homogeneous network (all depths L, K = depths.length) and target
 * spectrum σ_1 ≥ σ_2 ≥ … ≥ 0 (σ_1 > 0) at step η: mode i re-balances iff `λ_single(σ_i) =
 * L σ_i^{2−2/L} > 2/η`; the count is meaningful when η < min(2/λ_bal(σ_1), η_WCR(σ_1)).
 * @example rebalancedRank([4, 4], [1, 0.6, 0.3], 0.6).rank // 1
 */
export function rebalancedRank(depths: readonly number[], sigmas: readonly number[], lr: number): RankReport {
  const L = check.homogeneous("depths", depths);
  const K = depths.length;
  if (sigmas.length === 0) throw new RangeError("sigma: expected at least one singular value");
  sigmas.forEach((s, i) => check.nonNegative(`sigma[${i}]`, s));
  for (let i = 1; i < sigmas.length; i++) {
    if (sigmas[i]! > sigmas[i - 1]!) {
      throw new RangeError(`sigma: expected non-increasing singular values, got ${sigmas[i - 1]} then ${sigmas[i]}`);
    }
  }
  check.positive("sigma[0]", sigmas[0]!);
  check.positive("lr", lr);
  const onset = sigmas.map((s) => 2 / singlePathSharpness(L, s, K));
  const rebalanced = onset.map((eta) => lr > eta);
  const etaBalanced = 2 / balancedSharpness(L, sigmas[0]!, K);
  const etaWcr = wcrConstant(L) / (L === 1 ? 1 : pathwayTerm(L, sigmas[0]!));
  const belowBalanced = lr < etaBalanced;
  const belowWcr = lr < etaWcr;
  return {
    rank: rebalanced.filter(Boolean).length,
    rebalanced,
    onset,
    etaBalanced,
    etaWcr,
    belowBalanced,
    belowWcr,
    admissible: belowBalanced && belowWcr,
  };
}

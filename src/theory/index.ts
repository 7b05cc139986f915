/**
 * @file Public entry of the theory module (docs/theory.md §3–§6): closed forms and solvers for the
 * sharpness of allocations, the flattest allocation, stability windows, the deep-chain WCR
 * ceiling, gradient-flow leaves and the stopping boundary; and the related dynamics of §9–§10 (risk
 * decay of the deep linear classifier, saddle-escape times). Pure float64 functions, no Node APIs.
 */
export {
  balancedSharpness, marginalSharpness, modeSharpness, pathwaySharpness, reductionFactor, sharpness,
  singlePathSharpness, singlePathSharpnesses, type SharpnessReport,
} from "./sharpness.js";
export { allocationSharpness, kktResidual, optimalAllocation, type Allocation } from "./allocation.js";
export { chainMap, chainStep, wcrConstant, wcrStep, worstOvershoot, type WorstOvershoot } from "./chain.js";
export { rebalancedRank, stabilityThreshold, stabilityWindow, type RankReport, type StabilityWindow } from "./windows.js";
export {
  centredLeaf, defaultInitScales, gradientFlowEndpoint, initialLeaf, leafCoordinate, leafDriftRate, shareFromLeaf,
  zeroLossOnLeaf, type LeafPoint,
} from "./leaves.js";
export {
  stoppingBoundary, type BoundaryApproximation, type BoundaryMethod, type BoundaryOptions, type StoppingBoundary,
} from "./boundary.js";
export {
  centralFlowPrediction, type CentralPrediction, type CentralPredictionOptions, type CentralSample,
} from "./central.js";
export { brentRoot, walkUntil, type RootOptions, type RootResult } from "./roots.js";
export { riskDecaySlope } from "./alignment.js";
export { activationClass, chainEscapeTime, leadingEscapeTime, logEscapeSlope, type ActivationClass, type ChainEscapeSpec } from "./saddle.js";

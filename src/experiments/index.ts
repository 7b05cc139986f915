/**
 * @file The `experiments` namespace of the library: the declarative experiment kinds of the
 * reproduction suite (`dlnlab reproduce`), their configs, runners and checks. Figures and the report
 * (src/experiments/figures, report.ts) need Node and are not part of it.
 */
export { KINDS, kindOf } from "./registry.js";
export type { AnyKind, DataFile, ExperimentKind, ExperimentMeta, ProgressFn, Resolved, Size, TaskPlan } from "./types.js";
export { canonicalJson, kindFor, parseExperiment, resolveExperiment, type ExperimentConfig, type ResolvedExperiment } from "./config.js";
export { atLeastCheck, belowCheck, categoryCheck, closeCheck, maxAbsDiff, tally, type Check, type ErrorKind } from "./checks.js";
export { endToEndScales, lambdaSingle, NetworkSchema, runNetwork, runSimulation, type Network, type RunData, type RunSettings, type SpecBuilder } from "./common.js";
export { EosTracker, leafVariance, type EosStats } from "./eos.js";
export { pairChecks, pairKind, pairTheory, PairSchema, type PairConfig, type PairData, type PairTheory } from "./pair.js";
export { heterogeneousChecks, heterogeneousKind, heteroTheory, HeterogeneousSchema, type HeterogeneousConfig, type HeterogeneousData } from "./heterogeneous.js";
export { chainChecks, chainKind, ChainSchema, measuredKnifeEdge, type ChainConfig, type ChainData } from "./chain.js";
export { phaseChecks, phaseKind, PhaseSchema, runCell, transitions, type Cell, type PhaseConfig, type PhaseData, type PhaseRow } from "./phase.js";
export { measuredRank, rankChecks, rankKind, RankSchema, type RankConfig, type RankData } from "./rank.js";
export { warmupChecks, warmupKind, WarmupSchema, type WarmupConfig, type WarmupData } from "./warmup.js";
export {
  failedPoint, linearTheoryBalance, linearTheoryShares, medianBalance, MLP_REGIMES, MLP_TOLERANCES, mlpChecks, mlpKind, MlpNetworkSchema, mlpRunConfig, MlpSchema,
  mlpTheory, predictedOutcome, regimeOf, runMlpTrajectory, runSweepPoint, sweepThreshold,
  type MlpConfig, type MlpData, type MlpNetwork, type MlpRegime, type MlpTheory, type SweepCurve, type SweepData, type SweepPoint,
} from "./mlp.js";
export { alignmentChecks, alignmentKind, AlignmentSchema, analyseRun, runAlignment, type AlignmentConfig, type AlignmentData, type AlignmentRecord, type AlignmentRun } from "./alignment.js";
export { analyseSaddle, chainTheory, epsilonGrid, imbalanceIntegral, measuredClass, runGd, runSeries, saddleChecks, saddleKind, SaddleSchema, type SaddleConfig, type SaddleData, type SaddleSeries } from "./saddle.js";

/**
 * @file The `experiments` namespace of the library: the declarative experiment kinds of the
 * reproduction suite (`dlnlab reproduce`; one folder per kind: kinds/<kind>/schema.ts the config
 * schema, kind.ts the plan, runner and the kind object, checks.ts the checks and their tolerances),
 * their configs, runners and checks. Figures (kinds/<kind>/figures.ts, the shared
 * panels and registry in figures/) and the report (report.ts) need Node and are not part of it.
 */
export { KINDS, kindOf } from "./registry.js";
export type { AnyKind, DataFile, ExperimentKind, ExperimentMeta, ProgressFn, Resolved, Size, TaskPlan } from "./types.js";
export { canonicalJson, kindFor, parseExperiment, resolveExperiment, type ExperimentConfig, type ResolvedExperiment } from "./config.js";
export { atLeastCheck, belowCheck, categoryCheck, closeCheck, maxAbsDiff, tally, type Check, type ErrorKind } from "./checks.js";
export { endToEndScales, lambdaSingle, NetworkSchema, runNetwork, runSimulation, suiteRecordPlan, type Network, type RunData, type RunSettings } from "./common.js";
export { EosTracker, leafVariance, type EosStats } from "./eos.js";
export { pairChecks, pairKind, pairTheory, PairSchema, type PairConfig, type PairData, type PairTheory } from "./kinds/pair/kind.js";
export { heterogeneousChecks, heterogeneousKind, heteroTheory, HeterogeneousSchema, type HeterogeneousConfig, type HeterogeneousData } from "./kinds/heterogeneous/kind.js";
export { chainChecks, chainKind, ChainSchema, measuredKnifeEdge, type ChainConfig, type ChainData } from "./kinds/chain/kind.js";
export { phaseChecks, phaseKind, PhaseSchema, runCell, transitions, type Cell, type PhaseConfig, type PhaseData, type PhaseRow } from "./kinds/phase/kind.js";
export { measuredRank, rankChecks, rankKind, RankSchema, type RankConfig, type RankData } from "./kinds/rank/kind.js";
export { warmupChecks, warmupKind, WarmupSchema, type WarmupConfig, type WarmupData } from "./kinds/warmup/kind.js";
export {
  failedPoint, linearTheoryBalance, linearTheoryShares, medianBalance, MLP_REGIMES, MLP_TOLERANCES, mlpChecks, mlpKind, MlpNetworkSchema, mlpRunConfig, MlpSchema,
  mlpTheory, predictedOutcome, regimeOf, runMlpTrajectory, runSweepPoint, sweepThreshold,
  type MlpConfig, type MlpData, type MlpNetwork, type MlpRegime, type MlpTheory, type SweepCurve, type SweepData, type SweepPoint,
} from "./kinds/mlp/kind.js";
export { alignmentChecks, alignmentKind, AlignmentSchema, analyseRun, runAlignment, type AlignmentConfig, type AlignmentData, type AlignmentRecord, type AlignmentRun } from "./kinds/alignment/kind.js";
export { analyseSaddle, chainTheory, epsilonGrid, imbalanceIntegral, measuredClass, runGd, runSeries, saddleChecks, saddleKind, SaddleSchema, type SaddleConfig, type SaddleData, type SaddleSeries } from "./kinds/saddle/kind.js";

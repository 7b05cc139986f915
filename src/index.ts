/**
 * @file The dlnlab library: the engine (models, dynamics, measurement, kernels), the theory, and the
 * run-config schema. Everything here is portable: it runs unchanged in Node, worker threads and browsers.
 */
// Engine: running simulations.
export { Simulation, type SimulationOptions, type SimulationSnapshot, type SimulationSpec, type StopInfo } from "./engine/simulate.js";
export type { RunStatus, TrajectoryRecord } from "./engine/types.js";
// Engine: the model and its pieces.
export { MultiPathwayDLN } from "./engine/model.js";
export { createTarget, type Target, type TargetBasis, type TargetSpec } from "./engine/target.js";
export { initialize, layerScales, type GaussianInit, type InitSpec, type SvsInit, type SvsLayersInit } from "./engine/init.js";
export { makeSchedule, type ConstantSchedule, type DecaySchedule, type PiecewiseSchedule, type ScheduleSpec, type WarmupSchedule } from "./engine/schedule.js";
export { Rng } from "./engine/rng.js";
export {
  balancedCoefficients, balancedFlowRhs, balancedGdStep, balancedGdStepTyped, ipow, layerCoefficients, layerFlowRhs, layerGdStep, layerScratch,
  reducedStateSize, type ReducedSpec,
} from "./engine/dynamics/reduced.js";
export { BalancedSystem, FullSystem, LayerSystem, type SharpnessMethod, type System } from "./engine/dynamics/systems.js";
export { DormandPrince, type OdeOptions, type OdeRhs, type OdeStats } from "./engine/dynamics/ode.js";
// Engine: measurement.
export {
  LanczosSolver, topEigenpairs, type LanczosOptions, type LanczosResult, type LanczosSolverOptions, type LanczosStatus, type LanczosWarmStart,
  type SymmetricOperator, type TopEigenpairs, type TopEigenpairsOptions,
} from "./engine/measure/lanczos.js";
export { balancedToLayers, modeBlock, pairBlock, svsHessianTop, type LayerPoint } from "./engine/measure/hessian-blocks.js";
export { balanceIndex, balancingGap, layerScalar, leafValue } from "./engine/measure/observables.js";
export { tridiagonalEigen, type TridiagonalEigen } from "./engine/measure/tridiagonal.js";
// Engine: kernels and small dense linear algebra.
export { getDefaultBackend, gemmJs, jsBackend, setDefaultBackend, type Backend, type Workspace } from "./engine/linalg/kernels.js";
export { frobenius, identity, matmul, randomOrthogonal, svd, symmetricEigenvalues } from "./engine/linalg/dense.js";
// Theory (docs/theory.md §3–§6, §9–§10).
export * from "./theory/index.js";
// Run configs and result files.
export { RunConfigSchema, resolveRunConfig, type RunConfig } from "./config/schema.js";
export { ConfigError, parseConfigText, validateRunConfig, type ConfigOrigin } from "./config/validate.js";
export { FIELD_FLAGS, applyFlags, type FieldFlag } from "./config/flags.js";
export { PRESETS, findPreset, type Preset } from "./config/presets.js";
export { runConfigJsonSchema, runConfigFields } from "./config/reference.js";
export { csvHeader, csvRow, parseTrajectoryCsv, trajectoryColumns, type Column } from "./data/trajectory.js";
export { VERSION } from "./version.js";
// Nonlinear multi-pathway MLPs (docs/theory.md §7): model, activations, initialisation, system.
export { MultiPathwayMLP, type MlpLayerShape } from "./engine/mlp/model.js";
export { ACTIVATION_NAMES, getActivation, type Activation, type ActivationName } from "./engine/mlp/activations.js";
export { erf, erfc } from "./engine/mlp/erf.js";
export { initializeMlp } from "./engine/mlp/init.js";
export type { MlpArchitecture, MlpGaussianInit, MlpHeInit, MlpInitSpec, MlpSpec } from "./engine/mlp/spec.js";
export { MlpSystem } from "./engine/dynamics/systems.js";
export type { ModelName } from "./config/flags.js";
// Experiments: declarative experiment kinds, their runners and checks (the `dlnlab reproduce` suite).
export { KINDS, kindOf } from "./experiments/registry.js";
export type { AnyKind, DataFile, ExperimentKind, ExperimentMeta, ProgressFn, Resolved, Size, TaskPlan } from "./experiments/types.js";
export { canonicalJson, kindFor, parseExperiment, resolveExperiment, type ExperimentConfig, type ResolvedExperiment } from "./experiments/config.js";
export { atLeastCheck, belowCheck, categoryCheck, closeCheck, maxAbsDiff, tally, type Check, type ErrorKind } from "./experiments/checks.js";
export { endToEndScales, lambdaSingle, NetworkSchema, runNetwork, runSimulation, type Network, type RunData, type RunSettings, type SpecBuilder } from "./experiments/common.js";
export { EosTracker, leafVariance, type EosStats } from "./experiments/eos.js";
export { pairChecks, pairKind, pairTheory, PairSchema, type PairConfig, type PairData, type PairTheory } from "./experiments/pair.js";
export { heterogeneousChecks, heterogeneousKind, heteroTheory, HeterogeneousSchema, type HeterogeneousConfig, type HeterogeneousData } from "./experiments/heterogeneous.js";
export { chainChecks, chainKind, ChainSchema, measuredKnifeEdge, type ChainConfig, type ChainData } from "./experiments/chain.js";
export { phaseChecks, phaseKind, PhaseSchema, runCell, transitions, type Cell, type PhaseConfig, type PhaseData, type PhaseRow } from "./experiments/phase.js";
export { measuredRank, rankChecks, rankKind, RankSchema, type RankConfig, type RankData } from "./experiments/rank.js";
export { warmupChecks, warmupKind, WarmupSchema, type WarmupConfig, type WarmupData } from "./experiments/warmup.js";
export {
  failedPoint, linearTheoryBalance, linearTheoryShares, medianBalance, MLP_REGIMES, MLP_TOLERANCES, mlpChecks, mlpKind, MlpNetworkSchema, mlpRunConfig, MlpSchema,
  mlpTheory, predictedOutcome, regimeOf, runMlpTrajectory, runSweepPoint, sweepThreshold,
  type MlpConfig, type MlpData, type MlpNetwork, type MlpRegime, type MlpTheory, type SweepCurve, type SweepData, type SweepPoint,
} from "./experiments/mlp.js";
// Related dynamics (docs/theory.md §9–§10): the deep linear classifier on separable data (layer alignment) and
// saddle escape from small initialisation; decreasing step sizes; least squares with confidence intervals.
export { DeepLinearClassifier, layerSpectrum, type ClassifierLayerShape, type LayerSpectrum } from "./engine/classifier/model.js";
export { ClassifierSystem, initializeClassifier, type ClassifierInit, type ClassifierSpec } from "./engine/classifier/system.js";
export { getMarginLoss, MARGIN_LOSS_NAMES, type MarginLoss, type MarginLossName } from "./engine/classifier/losses.js";
export { separableData, type SeparableData, type SeparableDataSpec } from "./engine/classifier/data.js";
export { kktResiduals, maxMarginDirection, type KktResiduals, type LabelledPoints, type MaxMarginSolution } from "./engine/classifier/svm.js";
export { BOTTLENECK_BASES, baseDraw, initializeBottleneck, smallLayers, type BottleneckBase, type BottleneckInit } from "./engine/saddle/init.js";
export { flowEscapeTime, gdEscapeTime, type EscapeResult, type FlowEscapeOptions, type GdEscapeOptions } from "./engine/saddle/escape.js";
export type { MlpRunSpec } from "./engine/simulate.js";
export { betaIncomplete, linearFit, logGamma, studentTCdf, studentTQuantile, type LinearFit } from "./engine/measure/regression.js";
export { alignmentChecks, alignmentKind, AlignmentSchema, analyseRun, runAlignment, type AlignmentConfig, type AlignmentData, type AlignmentRecord, type AlignmentRun } from "./experiments/alignment.js";
export { analyseSaddle, chainTheory, epsilonGrid, imbalanceIntegral, measuredClass, runGd, runSeries, saddleChecks, saddleKind, SaddleSchema, type SaddleConfig, type SaddleData, type SaddleSeries } from "./experiments/saddle.js";

/**
 * @file The `engine` namespace of the library: running simulations (the `Simulation` driver, its
 * record plans and the run core shared with the CLI), the models (deep linear network, MLP, deep linear
 * classifier) and their pieces, the dynamics (GD systems, reduced steps, ODE), measurement (Lanczos,
 * SVS Hessian blocks, observables, regression) and the kernels. Portable: Node, workers, browsers.
 */
// Running simulations.
export {
  nextPlannedRecord, plannedRecords, RECORD_GROWTH, recordIndex, recordStride, Simulation,
  type MlpRunSpec, type RecordPlan, type SimulationOptions, type SimulationSnapshot, type SimulationSpec, type StopInfo,
} from "./simulate.js";
export {
  drive, nextChunk, runColumns, runResult, runSpec, SLICE_MS,
  type DriveOptions, type RunOutput, type RunResult, type RunResultParts, type RunSpecOptions,
} from "./run.js";
export type { RunStatus, TrajectoryRecord } from "./types.js";
// The deep linear network and its pieces.
export { MultiPathwayDLN } from "./model.js";
export { createTarget, type Target, type TargetBasis, type TargetSpec } from "./target.js";
export { initialize, layerScales, type GaussianInit, type InitSpec, type SvsInit, type SvsLayersInit } from "./init.js";
export { makeSchedule, type ConstantSchedule, type DecaySchedule, type PiecewiseSchedule, type ScheduleSpec, type WarmupSchedule } from "./schedule.js";
export { Rng } from "./rng.js";
// Dynamics.
export {
  balancedCoefficients, balancedFlowRhs, balancedGdStep, balancedGdStepTyped, ipow, layerCoefficients, layerFlowRhs, layerGdStep, layerScratch,
  reducedStateSize, type ReducedSpec,
} from "./dynamics/reduced.js";
export { BalancedSystem, FullSystem, LayerSystem, MlpSystem, type SharpnessMethod, type System } from "./dynamics/systems.js";
export { DormandPrince, type OdeOptions, type OdeRhs, type OdeStats } from "./dynamics/ode.js";
// Measurement.
export {
  LanczosSolver, topEigenpairs, type LanczosOptions, type LanczosResult, type LanczosSolverOptions, type LanczosStatus, type LanczosWarmStart,
  type SymmetricOperator, type TopEigenpairs, type TopEigenpairsOptions,
} from "./measure/lanczos.js";
export { balancedToLayers, modeBlock, pairBlock, svsHessianTop, type LayerPoint } from "./measure/hessian-blocks.js";
export { balanceIndex, balancingGap, layerScalar, leafValue, normalisedBalance } from "./measure/observables.js";
export { tridiagonalEigen, type TridiagonalEigen } from "./measure/tridiagonal.js";
export { betaIncomplete, linearFit, logGamma, studentTCdf, studentTQuantile, type LinearFit } from "./measure/regression.js";
// Kernels and small dense linear algebra.
export { getDefaultBackend, gemmJs, jsBackend, setDefaultBackend, type Backend, type Workspace } from "./linalg/kernels.js";
export { frobenius, identity, matmul, randomOrthogonal, svd, symmetricEigenvalues } from "./linalg/dense.js";
// Nonlinear multi-pathway MLPs (docs/theory.md §7).
export { MultiPathwayMLP, type MlpLayerShape } from "./mlp/model.js";
export { ACTIVATION_NAMES, getActivation, type Activation, type ActivationName } from "./mlp/activations.js";
export { erf, erfc } from "./mlp/erf.js";
export { initializeMlp } from "./mlp/init.js";
export type { MlpArchitecture, MlpGaussianInit, MlpHeInit, MlpInitSpec, MlpSpec } from "./mlp/spec.js";
// The deep linear classifier on separable data (docs/theory.md §9) and saddle escape from small initialisation (§10).
export { DeepLinearClassifier, layerSpectrum, type ClassifierLayerShape, type LayerSpectrum } from "./classifier/model.js";
export { ClassifierSystem, initializeClassifier, type ClassifierInit, type ClassifierSpec } from "./classifier/system.js";
export { getMarginLoss, MARGIN_LOSS_NAMES, type MarginLoss, type MarginLossName } from "./classifier/losses.js";
export { separableData, type SeparableData, type SeparableDataSpec } from "./classifier/data.js";
export { kktResiduals, maxMarginDirection, type KktResiduals, type LabelledPoints, type MaxMarginSolution } from "./classifier/svm.js";
export { BOTTLENECK_BASES, baseDraw, initializeBottleneck, smallLayers, type BottleneckBase, type BottleneckInit } from "./saddle/init.js";
export { flowEscapeTime, gdEscapeTime, type EscapeResult, type FlowEscapeOptions, type GdEscapeOptions } from "./saddle/escape.js";

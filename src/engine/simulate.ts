/**
 * @file The run driver: builds target, initialisation and system from a `SimulationSpec`, then
 * advances GD (full or reduced) or gradient flow in chunks, recording observables and watching for
 * convergence, divergence and Edge-of-Stability oscillation. It is synchronous and allocation-light;
 * callers (CLI, worker, browser) decide how to chunk `advance` calls, report progress, and stop.
 */
import { createTarget, type Target, type TargetSpec } from "./target.js";
import { initialize, layerScales, type InitSpec } from "./init.js";
import { makeSchedule, type ScheduleSpec } from "./schedule.js";
import { Rng } from "./rng.js";
import { BalancedSystem, FullSystem, LayerSystem, MlpSystem, type SharpnessMethod, type System } from "./dynamics/systems.js";
import { initializeMlp } from "./mlp/init.js";
import type { MlpInitSpec, MlpSpec } from "./mlp/spec.js";
import { initializeBottleneck, type BottleneckInit } from "./saddle/init.js";
import { ClassifierSystem, initializeClassifier, type ClassifierSpec } from "./classifier/system.js";
import { DormandPrince, type OdeState } from "./dynamics/ode.js";
import { CentralFlow, ReducedEdgeModel, WeightEdgeModel, type CentralState, type EdgeModel } from "./dynamics/central.js";
import type { WeightModel } from "./dynamics/systems.js";
import { balanceIndex, balancingGap, layerScalar, leafValue } from "./measure/observables.js";
import type { Backend } from "./linalg/kernels.js";
import type { LanczosWarmStart } from "./measure/lanczos.js";
import type { RunStatus, TrajectoryRecord } from "./types.js";

/** The MLP section of a run: the MLP's spec, whose initialisation may also be a bottleneck one (docs/theory.md §10). */
export type MlpRunSpec = Omit<MlpSpec, "init"> & { init: MlpInitSpec | BottleneckInit };

/** Everything that defines a run (the validated, fully resolved config). */
export interface SimulationSpec {
  /** Width d of every layer. */
  width: number;
  /** Depth L_k of each pathway (K = depths.length). */
  depths: number[];
  target: TargetSpec;
  /** Initialisation of the linear network (not used by MLPs, which have `mlp.init`). */
  init: InitSpec;
  /**
   * "dln" (default when absent): the deep linear network; "mlp": the nonlinear multi-pathway MLP of `mlp`;
   * "classifier": the deep linear classifier on separable data of `classifier` (docs/theory.md §9).
   */
  model?: "dln" | "mlp" | "classifier";
  /** Architecture and initialisation of the MLP (model "mlp" only). */
  mlp?: MlpRunSpec;
  /** Loss, hidden width, data and initialisation of the classifier (model "classifier" only; depth = depths[0], d = width). */
  classifier?: ClassifierSpec;
  /** Base step size η (peak of the schedule; also the time unit of gradient flow). */
  lr: number;
  schedule: ScheduleSpec;
  /** Number of GD steps (for flow: integrate to time lr·steps). */
  steps: number;
  /**
   * "full": GD on full matrices (or the MLP); "reduced": exact reduced GD (SVS inits, DLN only); "flow": gradient flow;
   * "central": the central flow of GD at the Edge of Stability (docs/theory.md §11), of the system `flow.system`.
   */
  dynamics: "full" | "reduced" | "flow" | "central";
  flow: {
    /** Integrate the full matrices or the reduced scalars. */
    system: "full" | "reduced";
    rtol: number;
    atol: number;
  };
  /** Central-flow settings (dynamics "central"; defaults top 3, tau 20). */
  central?: {
    /** Full matrices and MLPs: how many top Hessian eigenvalues may sit at the edge together. */
    top: number;
    /** Relaxation time τ (GD steps) holding the solver on S = 2/η. */
    tau: number;
  };
  seed: number;
  /** When observables are recorded: a fixed stride, or the geometric plan of `RecordPlan` (see `recordStride`). */
  record: RecordPlan;
  sharpness: {
    /** Measure the top Hessian eigenvalues every this many steps (0: only at the start and end). */
    every: number;
    /** Also measure at every n-th record of the plan (counted from step 0; odd n keeps period-2 oscillations visible); absent: none. */
    everyRecord?: number;
    /** Also measure at the multiples of `sharpnessStride` (recorded steps, at least `min` steps and, once the record stride s exceeds 1, `records`·s apart); absent: none. */
    perStride?: { min: number; records: number };
    /** How many of the largest eigenvalues to measure. */
    top: number;
    /** "auto": Lanczos for full matrices, exact SVS blocks for reduced dynamics. */
    method: "auto" | SharpnessMethod;
    /** Lanczos relative residual tolerance. */
    tol: number;
    /** Lanczos maximum Krylov dimension. */
    maxIter: number;
  };
  stop: {
    /** Converged when loss ≤ lossTol·½‖Y‖²_F. */
    lossTol: number;
    /** Diverged when loss > divergeFactor·max(initial loss, ½‖Y‖²_F) or anything is non-finite. */
    divergeFactor: number;
    /** Steps inspected at the end to tell "oscillating" (residual sign flips in ≥ 75%) from "max-steps". */
    window: number;
    /** Also converged once loss ≤ lossFraction·(initial loss) (escape from a plateau; checked at every step, gradient flow at every solver step). */
    lossFraction?: number;
    /**
     * Watch for a sign flip of a layer (reduced GD: a layer scalar below 0, where the SVS chart breaks):
     * the run notes the first step whose state has one (`Simulation.signFlip`) and goes on. Checked at
     * every step; absent: not watched.
     */
    signFlip?: "note";
  };
}

/**
 * When a run records its observables (always at the first and the last step as well).
 * - `{ every: n }`: every n steps.
 * - `{ every: n, dense: D }` (geometric): D records at stride n, then D at stride 3n, D at 9n, …: dense
 *   through the early transient, log-spaced later (≈ D·log₃(2T/(nD) + 1) records over T steps, so the
 *   count follows the run's actual length, not its step budget), and every stride odd when n is, so a
 *   period-2 oscillation alternates between consecutive records.
 */
export interface RecordPlan {
  /** Stride in steps (of the first phase of the geometric or logarithmic plan). */
  every: number;
  /** Records per phase of the geometric plan (each phase triples the stride); absent: a fixed stride. */
  dense?: number;
  /**
   * The logarithmic plan (instead of `dense`): stride `every` below step `until`, then 3·every below
   * 3·until, 9·every below 9·until, …, recording at the multiples of the stride of each phase: about
   * (2/3)·until/every records per tripling of the run's length (the reproduction suite's runs).
   */
  until?: number;
  /** Explicit record steps, ascending (instead of a stride; `every` is then unused), e.g. a time grid (timeGridSteps). */
  at?: readonly number[];
}

/**
 * A time grid of record steps: up to `perDecade` records per decade of the elapsed time τ_t = Σ_{s<t} η_s
 * of GD with step lr and `schedule` over `steps` steps — the first step whose τ reaches the next grid
 * time, which after a record at (τ, η) is max(τ·10^{1/perDecade}, η) (a record's τ overshoots its grid
 * time by less than a step, so there are somewhat fewer where steps are long next to τ). Step 0 is
 * always the first; the run's last step is recorded anyway.
 */
export function timeGridSteps(lr: number, schedule: ScheduleSpec, steps: number, perDecade: number): number[] {
  const lrAt = makeSchedule(lr, schedule);
  const ratio = Math.pow(10, 1 / perDecade);
  const at: number[] = [];
  let time = 0;
  let next = 0;
  for (let t = 0; t < steps; t++) {
    const eta = lrAt(t);
    if (time >= next) {
      at.push(t);
      next = Math.max(time * ratio, eta);
    }
    time += eta;
  }
  return at;
}

/** Index of the first entry of an ascending list that is ≥ t (the list's length if none). */
function lowerBound(xs: readonly number[], t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Growth of the stride from one phase of the geometric record plan to the next (odd: strides stay odd). */
export const RECORD_GROWTH = 3;

/** `sharpness.method: auto` uses the exact SVS blocks for reduced runs up to this many layers Σ L_k, Lanczos above. */
export const AUTO_BLOCKS_MAX_LAYERS = 128;

/**
 * The central flow of a GD run's config (docs/theory.md §11): the same network, target, init, step size
 * and budget, integrated as `dynamics: "central"` of the run's own system (reduced scalars for a reduced
 * run, full matrices otherwise), so its records share the run's step axis. The CLI's `--predict central`
 * and the lab's dashed overlay are this spec's run. Throws RangeError naming `dynamics` for a flow.
 */
export function centralFlowSpec(spec: SimulationSpec): SimulationSpec {
  if (spec.dynamics === "flow" || spec.dynamics === "central") {
    throw new RangeError(`dynamics: the central-flow prediction compares with a GD run; this run's dynamics is ${spec.dynamics}`);
  }
  return { ...spec, dynamics: "central", flow: { ...spec.flow, system: spec.dynamics === "reduced" ? "reduced" : "full" } };
}

/** The system class of each `System.kind`. */
export interface SystemOfKind {
  full: FullSystem;
  balanced: BalancedSystem;
  layers: LayerSystem;
  mlp: MlpSystem;
  classifier: ClassifierSystem;
}

/**
 * A run's system as the class of its kind, for measurements only that class offers (the classifier's
 * margins, an MLP's weights): checked at run time, so a spec of another model fails with a RangeError
 * here instead of a wrong cast downstream.
 */
export function systemOfKind<K extends keyof SystemOfKind>(sys: System, kind: K): SystemOfKind[K] {
  if (sys.kind !== kind) throw new RangeError(`expected a ${kind} system, the run built a ${sys.kind} system`);
  return sys as unknown as SystemOfKind[K];
}

/** A spec's system at its initial state, with its target: what `buildSystem` returns. */
export interface BuiltSystem {
  system: System;
  target: Target;
  /** The seed's stream reserved for the central flow (after target, init and measurement). */
  centralRng: Rng;
}

/**
 * The run layer's build table: a spec's model and dynamics → its system (full matrices; the reduced
 * depth-balanced or per-layer scalars; the MLP, its bottleneck inits included; the classifier),
 * initialised from the spec's init and seed exactly as a Simulation of the spec starts (the seed's
 * streams in order: target, init, measurement, central flow). Everything that needs a system builds it
 * here. Throws RangeError naming the field for a combination that has no system.
 */
export function buildSystem(spec: SimulationSpec, backend?: Backend): BuiltSystem {
  const rng = new Rng(spec.seed);
  const targetRng = rng.fork();
  const initRng = rng.fork();
  const measureRng = rng.fork();
  const centralRng = rng.fork();
  const target = createTarget(spec.width, spec.target, targetRng);
  const reduced = isReduced(spec);
  let system: System;
  const sharpMethod = sharpnessMethodOf(spec);
  if (spec.model === "mlp") {
    if (!spec.mlp) throw new RangeError("mlp: model mlp needs its mlp settings (activation, hidden, bias, init)");
    if (reduced) {
      throw new RangeError(`${spec.dynamics === "reduced" ? "dynamics" : "flow.system"}: reduced dynamics are not defined for MLPs (model: mlp); use full GD or gradient flow of the full system`);
    }
    if (sharpMethod === "blocks") throw new RangeError("sharpness.method: blocks needs reduced dynamics; MLPs use lanczos");
    const mlp = new MlpSystem(spec.depths, target, spec.mlp, measureRng, backend);
    const init = spec.mlp.init;
    if (init.type === "bottleneck") initializeBottleneck(mlp.model, init, initRng);
    else initializeMlp(mlp.model, init, initRng);
    system = mlp;
  } else if (spec.model === "classifier") {
    if (!spec.classifier) throw new RangeError("classifier: model classifier needs its classifier settings (loss, hidden, data, init)");
    if (reduced) throw new RangeError(`${spec.dynamics === "reduced" ? "dynamics" : "flow.system"}: reduced dynamics are not defined for model: classifier`);
    if (sharpMethod === "blocks") throw new RangeError("sharpness.method: blocks needs reduced dynamics; the classifier uses lanczos");
    if (spec.depths.length !== 1) throw new RangeError(`depths: model classifier has one pathway, got ${spec.depths.length}`);
    // The classifier's "target" is its data: drawn from the stream that draws target bases.
    const cls = new ClassifierSystem(spec.width, spec.depths[0]!, spec.classifier, targetRng, measureRng, backend);
    initializeClassifier(cls.model, spec.classifier.init, initRng);
    system = cls;
  } else if (reduced) {
    const scales = layerScales(spec.init, spec.depths);
    if (!scales) throw new RangeError("init: reduced dynamics need an SVS initialisation (type svs or svs-layers)");
    const d = spec.width;
    if (spec.init.type === "svs") {
      const a0 = new Float64Array(spec.depths.length * d);
      spec.depths.forEach((_, k) => a0.fill(scales[k][0], k * d, (k + 1) * d));
      system = new BalancedSystem(spec.depths, target.sigma, a0, sharpMethod, measureRng);
    } else {
      const total = spec.depths.reduce((a, b) => a + b, 0);
      const x0 = new Float64Array(total * d);
      let base = 0;
      spec.depths.forEach((L, k) => {
        for (let l = 0; l < L; l++) x0.fill(scales[k][l], (base + l) * d, (base + l + 1) * d);
        base += L;
      });
      system = new LayerSystem(spec.depths, target.sigma, x0, sharpMethod, measureRng);
    }
  } else {
    if (sharpMethod === "blocks") throw new RangeError("sharpness.method: blocks needs reduced dynamics");
    const full = new FullSystem(spec.depths, target, measureRng, backend);
    initialize(full.model, spec.init, initRng);
    system = full;
  }
  return { system, target, centralRng };
}

/** What a stop event sees besides the loss: the run's bounds at this point. */
export interface StopBounds {
  /** Diverged above this loss (stop.divergeFactor · max(initial loss, ½‖Y‖²)). */
  divergence: number;
  /** Converged at or below this loss (stop.lossTol · ½‖Y‖², or the loss fraction's level when higher). */
  convergence: number;
  /** stop.lossFraction, if set (escape from a plateau). */
  lossFraction: number | undefined;
  initialLoss: number;
}

/** A stop rule of the run layer: a small function of the pre-step loss at step t; it names why when it fires. */
export interface StopEvent {
  readonly name: string;
  /** The status of a run it ends. */
  readonly status: RunStatus;
  /** The reason when the run ends at step t with this loss, else null. */
  fire(loss: number, t: number, bounds: StopBounds): string | null;
}

/**
 * The loss events, in the order they are tried. Every step loop pre-filters with their union
 * (`!(loss ≤ divergence) || loss ≤ convergence`, hoisted out of the loop) and, when it trips, replays to
 * that step and lets these say which fired, so the reported step and the final state are the stopping
 * step's. The end-of-budget classification (oscillating or max-steps) is `Simulation.classifyEnd`.
 */
export const STOP_EVENTS: readonly StopEvent[] = [
  {
    name: "non-finite",
    status: "diverged",
    fire: (loss, t) => (Number.isFinite(loss) ? null : `loss became non-finite (${loss}) at step ${t}`),
  },
  {
    name: "diverged",
    status: "diverged",
    fire: (loss, t, b) => (loss > b.divergence ? `loss ${loss.toExponential(3)} exceeded the divergence bound ${b.divergence.toExponential(3)} at step ${t}` : null),
  },
  {
    name: "converged",
    status: "converged",
    fire: (loss, t, b) => {
      if (!(loss <= b.convergence)) return null;
      const escaped = b.lossFraction !== undefined && loss <= b.lossFraction * b.initialLoss;
      const what = escaped ? `${b.lossFraction} × the initial loss (escape from the plateau)` : "tolerance";
      return `loss ${loss.toExponential(3)} ≤ ${what} ${b.convergence.toExponential(3)} at step ${t}`;
    },
  },
];

/** Whether a run steps or integrates the reduced per-mode scalars instead of full matrices. */
export function isReduced(spec: SimulationSpec): boolean {
  return spec.dynamics === "reduced" || ((spec.dynamics === "flow" || spec.dynamics === "central") && spec.flow.system === "reduced");
}

/**
 * The sharpness method a run uses, `auto` resolved: the exact SVS blocks for reduced runs while they are
 * cheap (their dense eigenproblems grow as (Σ L_k)³: 1 s per measurement at Σ L_k = 200, 13 min at 2 000,
 * where Lanczos on the exact HVP takes 0.3 s and agrees to 1e-11), Lanczos otherwise.
 */
export function sharpnessMethodOf(spec: SimulationSpec): SharpnessMethod {
  if (spec.sharpness.method !== "auto") return spec.sharpness.method;
  const layers = spec.depths.reduce((a, b) => a + b, 0);
  return isReduced(spec) && layers <= AUTO_BLOCKS_MAX_LAYERS ? "blocks" : "lanczos";
}

/**
 * Phase of step t in a record plan: its steps [start, end), its stride, its first record step
 * `origin` (records at origin + j·stride inside the phase), and the number of records before it.
 */
function recordPhase(plan: RecordPlan, t: number): { start: number; end: number; stride: number; origin: number; before: number } {
  let start = 0;
  let stride = plan.every;
  let before = 0;
  if (plan.until !== undefined) {
    // Records at the multiples of each phase's stride; phases end at until·3^j. O(log t) phases.
    let end = plan.until;
    while (t >= end) {
      before += Math.ceil(end / stride) - Math.ceil(start / stride);
      start = end;
      end *= RECORD_GROWTH;
      stride *= RECORD_GROWTH;
    }
    return { start, end, stride, origin: Math.ceil(start / stride) * stride, before };
  }
  if (plan.dense === undefined) return { start: 0, end: Number.POSITIVE_INFINITY, stride: plan.every, origin: 0, before: 0 };
  // At most ~35 phases before strides pass 2^53: the loop is O(log t).
  while (t >= start + plan.dense * stride) {
    start += plan.dense * stride;
    stride *= RECORD_GROWTH;
    before += plan.dense;
  }
  return { start, end: start + plan.dense * stride, stride, origin: start, before };
}

/** Index of step t in the plan's sequence of record steps (0 at t = 0), or −1 if t is not one (first/last aside). */
export function recordIndex(plan: RecordPlan, t: number): number {
  if (plan.at) {
    const j = lowerBound(plan.at, t);
    return plan.at[j] === t ? j : -1;
  }
  const { stride, origin, before } = recordPhase(plan, t);
  const off = t - origin;
  return off >= 0 && off % stride === 0 ? before + off / stride : -1;
}

/**
 * Steps between sharpness measurements at step t under `sharpness.perStride`: the record stride s
 * there times the odd integer ⌊max(min, records·s)/s⌋ (⌊max(min, 1)⌋ while s = 1), made odd by
 * adding 1: always a multiple of the stride, so a measured step is a recorded one, and odd, so a
 * period-2 oscillation alternates between measurements.
 */
export function sharpnessStride(plan: RecordPlan, perStride: { min: number; records: number }, t: number): number {
  const s = recordStride(plan, t);
  const n = Math.max(1, Math.floor(Math.max(perStride.min, s > 1 ? perStride.records * s : 1) / s));
  return s * (n % 2 === 0 ? n + 1 : n);
}

/** The stride of the record plan at step t (steps between consecutive records there). */
export function recordStride(plan: RecordPlan, t: number): number {
  if (plan.at) {
    // The gap from the listed step at or before t to the next one (1 past the list).
    const j = lowerBound(plan.at, t + 1);
    return j > 0 && j < plan.at.length ? plan.at[j]! - plan.at[j - 1]! : 1;
  }
  return recordPhase(plan, t).stride;
}

/** The first step ≥ t at which the plan records (not capped by the run's length). */
export function nextPlannedRecord(plan: RecordPlan, t: number): number {
  if (plan.at) return plan.at[lowerBound(plan.at, t)] ?? Number.MAX_SAFE_INTEGER;
  const { end, stride, origin } = recordPhase(plan, t);
  const next = origin + Math.max(0, Math.ceil((t - origin) / stride)) * stride;
  // Past the phase's end the next phase's first record is due (its origin).
  return next < end ? next : nextPlannedRecord(plan, end);
}

/** The first step ≥ t that a run of `spec` records: its record plan, its sharpness cadence, or its last step. */
export function nextRecordStep(spec: Pick<SimulationSpec, "record" | "sharpness" | "steps">, t: number): number {
  const { record, sharpness, steps } = spec;
  let next = nextPlannedRecord(record, t);
  if (sharpness.every > 0) next = Math.min(next, Math.ceil(t / sharpness.every) * sharpness.every);
  return Math.min(next, steps);
}

/** Number of records a run of `steps` steps keeps under `plan` (first and last included; sharpness-only records not counted). */
export function plannedRecords(plan: RecordPlan, steps: number): number {
  if (steps <= 0) return 1;
  if (plan.at) return lowerBound(plan.at, steps) + 1;
  const { stride, origin, before } = recordPhase(plan, steps);
  // Records at steps < `steps`, plus the last step.
  return before + Math.max(0, Math.ceil((steps - origin) / stride)) + 1;
}

/** Where and why a run stopped early. */
export interface StopInfo {
  step: number;
  reason: string;
}

/** Resumable state of a simulation (plain data, JSON-serialisable). */
export interface SimulationSnapshot {
  step: number;
  time: number;
  state: number[];
  initialLoss: number;
  topResidualHistory: number[];
  /** The sharpness solver's warm start (absent or null: cold), so a resumed run measures the same bits. */
  sharpnessWarmStart?: LanczosWarmStart | null;
  /** With stop.signFlip: the first step with a negative layer scalar so far (null: none). */
  signFlip?: number | null;
  /**
   * Gradient flow: the solver's own state (ahead of `step` by up to one solver step), its time, the
   * matched step of a pending stop (−1: none) and its memory; central flow: the flow's memory. Absent
   * or null: the integration starts afresh at `state` (older snapshots; the numbers then differ in
   * the last bits from an uninterrupted run).
   */
  integrator?: { y: number[]; time: number; stop: number; ode: OdeState } | { central: CentralState } | null;
}

/** Options of a simulation that are not part of its definition. */
export interface SimulationOptions {
  /** Kernel backend for the full-matrix model (default: the fastest available). */
  backend?: Backend;
  /** Called with every record as it is made. */
  onRecord?: (record: TrajectoryRecord) => void;
  /** Keep every record in `records` (default true; streaming callers may turn it off). */
  keepRecords?: boolean;
  /** Continue from a snapshot instead of the initialisation. */
  resume?: SimulationSnapshot;
  /** Start from exactly this state θ (the system's state vector) instead of the spec's init: required for `init: { type: "file" }` (unless resuming), allowed for any. */
  initialState?: ArrayLike<number>;
}

/** A run in progress. */
export class Simulation {
  readonly spec: SimulationSpec;
  readonly target: Target;
  readonly system: System;
  readonly records: TrajectoryRecord[] = [];
  /** Index of the next GD step to take (= steps taken so far). */
  step = 0;
  /** Elapsed time Σ η (GD) or integration time (flow). */
  time = 0;
  /** Final status once the run is over, else null. */
  status: RunStatus | null = null;
  /** Set when the run stopped before its last step. */
  stopInfo: StopInfo | null = null;
  /** Pre-step loss of the first step (reference for the divergence bound). */
  initialLoss = Number.NaN;

  private readonly lrAt: (t: number) => number;
  private readonly options: SimulationOptions;
  private readonly coeff: Float64Array;
  /** Per-layer weight norms of systems that report them (MLP), else null. */
  private readonly norms: Float64Array | null;
  private readonly topResidual: Float64Array;
  private ode: DormandPrince | null = null;
  private central: CentralFlow | null = null;
  private readonly centralRng: Rng;
  private flowY: Float64Array | null = null;
  /** Time of the ODE solver's own state `flowY` (gradient flow; ahead of the recorded step by up to one solver step). */
  private odeTime = 0;
  /** Gradient flow: the matched step at which the run stops (a stop rule met by a solver state), else −1. */
  private flowStop = -1;
  private lastRecordedStep = -1;
  /** State at the start of the current tight GD loop (replayed from when a stop is found inside it). */
  private loopStart: Float64Array | null = null;
  /** With stop.signFlip (reduced GD): the first step whose state has a negative layer scalar, else null. */
  signFlip: number | null = null;

  constructor(spec: SimulationSpec, options: SimulationOptions = {}) {
    this.spec = spec;
    this.options = options;
    const built = buildSystem(spec, options.backend);
    this.system = built.system;
    this.target = built.target;
    this.centralRng = built.centralRng;
    this.lrAt = makeSchedule(spec.lr, spec.schedule);
    this.coeff = new Float64Array(this.system.K * this.system.d);
    this.norms = this.system.layerNorms ? new Float64Array(spec.depths.reduce((a, b) => a + b, 0)) : null;
    this.topResidual = new Float64Array(Math.max(4, spec.stop.window));
    const x = options.initialState;
    if (spec.init.type === "file" && !options.resume && !x) throw new RangeError(`init: type file (${spec.init.path}) needs the state passed as initialState`);
    if (x && !options.resume) {
      if (x.length !== this.system.state.length) throw new RangeError(`init: the given state has ${x.length} entries, this run needs ${this.system.state.length}`);
      this.system.state.set(x);
    }
    if (options.resume) this.restore(options.resume);
  }

  /** True once the run has ended (any status). */
  get done(): boolean {
    return this.status !== null;
  }

  /** The step size of GD step t (NaN for gradient flow). */
  lr(t: number): number {
    return this.spec.dynamics === "flow" ? Number.NaN : this.lrAt(t);
  }

  /** True for the ODE-integrated dynamics (gradient flow, central flow). */
  private get integrated(): boolean {
    return this.spec.dynamics === "flow" || this.spec.dynamics === "central";
  }

  private isRecordStep(t: number): boolean {
    const { record, sharpness, steps } = this.spec;
    return t === 0 || t === steps || recordIndex(record, t) >= 0 || (sharpness.every > 0 && t % sharpness.every === 0);
  }

  private wantsSharpness(t: number): boolean {
    const { every, everyRecord, perStride } = this.spec.sharpness;
    if (t === 0 || t === this.spec.steps || (every > 0 && t % every === 0)) return true;
    if (perStride !== undefined && t % sharpnessStride(this.spec.record, perStride, t) === 0) return true;
    if (everyRecord === undefined) return false;
    const idx = recordIndex(this.spec.record, t);
    return idx >= 0 && idx % everyRecord === 0;
  }

  /** Record observables at the current state (assumes `system.evaluate()` was just called). */
  private makeRecord(loss: number, withSharpness: boolean): TrajectoryRecord {
    const sys = this.system;
    const { K, d, depths } = sys;
    sys.coefficients(this.coeff);
    const s: number[][] = [];
    const leaf: number[][] = [];
    // Gradient-flow leaves (docs/theory.md §6) are a property of linear pathways of a target; an MLP or a classifier has none.
    const linear = sys.kind !== "mlp" && sys.kind !== "classifier";
    for (let k = 0; k < K; k++) {
      const row = Array.from(this.coeff.subarray(k * d, (k + 1) * d));
      s.push(row);
      leaf.push(row.map((x) => (linear ? leafValue(depths[k]!, layerScalar(x, depths[k]!)) : Number.NaN)));
    }
    const perMode = (f: (v: number[]) => number) => Array.from({ length: d }, (_, i) => f(s.map((row) => row[i])));
    const { top, tol, maxIter } = this.spec.sharpness;
    const record: TrajectoryRecord = {
      step: this.step,
      time: this.time,
      lr: this.lr(this.step),
      loss,
      residual: Array.from(sys.residual),
      s,
      balanceIndex: perMode(balanceIndex),
      gap: perMode(balancingGap),
      leaf,
      drift: sys.drift(),
      sharpness: withSharpness && Number.isFinite(loss) ? sys.sharpness(top, { tol, maxIter }) : null,
    };
    if (this.central) {
      this.central.evaluate(sys.state);
      const c = this.central;
      const x = Array.from({ length: this.edgeModel!.groups }, (_, j) => c.x(j)).flat();
      let edge = 0;
      for (let j = 0; j < this.edgeModel!.groups; j++) edge += c.active(j);
      record.central = { x, averageLoss: c.averageLoss(), edge };
      // central.evaluate moved the full models' parameters through shifted points: restore the caches.
      sys.evaluate();
    }
    if (this.norms && sys.layerNorms) {
      sys.layerNorms(this.norms);
      let o = 0;
      record.layerNorms = depths.map((L) => Array.from(this.norms!.subarray(o, (o += L))));
    }
    this.lastRecordedStep = this.step;
    if (this.options.keepRecords !== false) this.records.push(record);
    this.options.onRecord?.(record);
    return record;
  }

  private divergenceBound(): number {
    return this.spec.stop.divergeFactor * Math.max(this.initialLoss, this.target.halfNormSq);
  }

  private convergenceBound(): number {
    const { lossTol, lossFraction } = this.spec.stop;
    const bound = lossTol * (this.target.halfNormSq > 0 ? this.target.halfNormSq : 1);
    return lossFraction === undefined || Number.isNaN(this.initialLoss) ? bound : Math.max(bound, lossFraction * this.initialLoss);
  }

  /** Track the top-mode residual of the last `window` steps for the final classification. */
  private track(t: number): void {
    this.topResidual[t % this.topResidual.length] = this.system.residual[0];
  }

  /** The stop events (STOP_EVENTS) on the loss at step t, in order; the first that fires ends the run at t. Returns true when the run is over. */
  private check(loss: number, t: number): boolean {
    if (Number.isNaN(this.initialLoss)) this.initialLoss = loss;
    const bounds: StopBounds = { divergence: this.divergenceBound(), convergence: this.convergenceBound(), lossFraction: this.spec.stop.lossFraction, initialLoss: this.initialLoss };
    for (const event of STOP_EVENTS) {
      const why = event.fire(loss, t, bounds);
      if (why !== null) {
        this.finish(event.status, why, t);
        return true;
      }
    }
    return false;
  }

  private finish(status: RunStatus, reason: string, at: number = this.step): void {
    this.status = status;
    this.stopInfo = status === "max-steps" || status === "oscillating" ? null : { step: at, reason };
    // Make sure the final state is recorded, with sharpness (non-finite states have none).
    if (this.lastRecordedStep !== this.step) {
      const loss = this.system.evaluate();
      // An interruption's measurement is off the plan: it must not become the warm start of the next
      // planned one, or a resumed run would measure other bits than an uninterrupted one.
      const warm = status === "interrupted" ? this.system.sharpnessWarmStart() : undefined;
      this.makeRecord(loss, Number.isFinite(loss));
      if (warm !== undefined) this.system.setSharpnessWarmStart(warm);
    }
  }

  /**
   * Classify a run that used all its steps: "oscillating" when, over the last `window` steps, the
   * top-mode residual flips sign at ≥ 75% of the steps and its amplitude does not decay (the mean
   * |r| of the second half is at least 90% of that of the first) — a period-2 orbit or Edge-of-Stability
   * bouncing. A residual that alternates while shrinking (η·λ ∈ (1, 2)) is convergence, not oscillation.
   */
  private classifyEnd(): RunStatus {
    if (this.integrated) return "max-steps";
    const w = this.topResidual.length;
    const n = Math.min(w, this.spec.steps);
    if (n < 4) return "max-steps";
    const r = (j: number) => this.topResidual[(this.step - n + j) % w]; // j = 0 … n−1, oldest first
    let flips = 0;
    let first = 0;
    let second = 0;
    for (let j = 0; j < n; j++) {
      if (j > 0 && r(j) * r(j - 1) < 0) flips++;
      if (j < n / 2) first += Math.abs(r(j));
      else second += Math.abs(r(j));
    }
    const amplitude = second / (n - Math.ceil(n / 2));
    const floor = 1e-12 * Math.max(1, this.target.sigma[0]);
    return flips >= 0.75 * (n - 1) && second >= 0.9 * first && amplitude > floor ? "oscillating" : "max-steps";
  }

  /**
   * Advance by at most `maxSteps` steps (GD) or matched steps (flow). Returns true when the run is
   * over. Records are made on schedule; the run ends early on convergence or divergence.
   */
  advance(maxSteps: number): boolean {
    if (this.done) return true;
    if (this.spec.dynamics === "central") return this.advanceCentral(maxSteps);
    return this.spec.dynamics === "flow" ? this.advanceFlow(maxSteps) : this.advanceGd(maxSteps);
  }

  /** The first step ≥ t at which a record is due (capped at the last step); `advance(nextRecordStep(step) − step + 1)` makes exactly one more record. */
  nextRecordStep(t: number): number {
    return nextRecordStep(this.spec, t);
  }

  /** Whether this run watches for sign flips (stop.signFlip, on the layer scalars of reduced GD). */
  private get watchesSigns(): boolean {
    return this.spec.stop.signFlip === "note" && this.spec.dynamics === "reduced";
  }

  /** Note step t as the first sign flip if the state has a negative layer scalar now. */
  private noteSign(t: number): void {
    if (this.signFlip !== null) return;
    const x = this.system.state;
    for (let j = 0; j < x.length; j++) {
      if (x[j]! < 0) {
        this.signFlip = t;
        return;
      }
    }
  }

  private advanceGd(maxSteps: number): boolean {
    const sys = this.system;
    const end = Math.min(this.spec.steps, this.step + maxSteps);
    const hist = this.topResidual;
    const w = hist.length;
    const residual = sys.residual;
    const watch = this.watchesSigns;
    if (watch && this.step === 0) this.noteSign(0);
    while (this.step < end) {
      const t0 = this.step;
      if (this.isRecordStep(t0)) {
        const eta = this.lrAt(t0);
        const loss = sys.evaluate();
        if (this.check(loss, t0)) return true;
        this.makeRecord(loss, this.wantsSharpness(t0));
        sys.update(eta);
        this.track(t0);
        this.step = t0 + 1;
        this.time += eta;
        if (watch) this.noteSign(t0 + 1);
        continue;
      }
      // Tight loop up to the next record: fused evaluate + update, bounds hoisted. `!(loss <= bound)`
      // also catches NaN. The state is already at t + 1 when the pre-step loss of t is known, so a stop
      // found here replays the loop from its saved start to step t (the same steps, bit for bit): the
      // final state is the stopping step's, as on a recorded step, whatever the record plan.
      const stop = Math.min(end, this.nextRecordStep(t0));
      const diverge = this.divergenceBound();
      const converge = this.convergenceBound();
      const start = (this.loopStart ??= new Float64Array(sys.state.length));
      start.set(sys.state);
      const time0 = this.time;
      let time = time0;
      let t = t0;
      // Only the last w steps of the run feed the end-of-run classification (oscillating or not):
      // skipping the store before them is ~0.4 ns per pathway update of the reduced benchmark.
      const histFrom = this.spec.steps - w;
      const lrAt = this.lrAt;
      let hit = -1;
      while (t < stop) {
        const eta = lrAt(t);
        const loss = sys.step(eta);
        if (t >= histFrom) hist[t % w] = residual[0];
        time += eta;
        t++;
        if (!(loss <= diverge) || loss <= converge) {
          hit = t - 1;
          break;
        }
        // The state at step t (a stopping step's successor, discarded by the replay, is never looked at).
        if (watch && this.signFlip === null) this.noteSign(t);
      }
      if (hit >= 0) {
        sys.state.set(start);
        time = time0;
        for (t = t0; t < hit; t++) {
          const eta = lrAt(t);
          sys.step(eta);
          time += eta;
        }
        this.step = hit;
        this.time = time;
        if (this.check(sys.evaluate(), hit)) return true;
        // The re-evaluated loss passes after all (rounding of the fused loss): take the step as a recorded step does.
        const eta = lrAt(hit);
        sys.update(eta);
        this.track(hit);
        this.step = hit + 1;
        this.time = time + eta;
        if (watch) this.noteSign(hit + 1);
        continue;
      }
      this.step = t;
      this.time = time;
    }
    if (this.step >= this.spec.steps) {
      const loss = sys.evaluate();
      if (!this.check(loss, this.step)) this.finish(this.classifyEnd(), "");
    }
    return this.done;
  }

  private advanceFlow(maxSteps: number): boolean {
    const sys = this.system;
    const eta = this.spec.lr;
    const steps = this.spec.steps;
    const ode = this.ode ?? this.flowSolver();
    const y = this.flowY!;
    const end = Math.min(steps, this.step + maxSteps);
    while (this.step < end) {
      const t = this.step;
      if (this.isRecordStep(t) && this.lastRecordedStep !== t) {
        const loss = sys.evaluate();
        // Stops are judged on the solver's states below; only the start (always recorded) is checked here.
        if (t === 0 && this.check(loss, t)) return true;
        this.makeRecord(loss, this.wantsSharpness(t));
      }
      if (t === this.flowStop) {
        // Landed on the step after the state that met a stop rule (GF's loss only decreases, so it holds here too).
        if (this.check(sys.evaluate(), t)) return true;
        this.flowStop = -1;
      }
      let next = Math.min(end, this.nextRecordStep(t + 1), this.flowStop >= 0 ? this.flowStop : steps);
      try {
        // Steps of the controller's own length, shortened only to land on the run's end (or stop) time:
        // never on a record or a slice boundary, so the final state does not depend on the record plan
        // or on slicing. The stop rules are judged on the solver's own states for the same reason (one
        // more evaluation per solver step); a stop lands on the first matched step after the state that met it.
        while (this.odeTime < next * eta) {
          this.odeTime = ode.step(y, this.odeTime, (this.flowStop >= 0 ? this.flowStop : steps) * eta);
          if (this.flowStop >= 0) continue;
          sys.state.set(y);
          const loss = sys.evaluate();
          if (!(loss <= this.divergenceBound()) || loss <= this.convergenceBound()) {
            this.flowStop = Math.min(steps, Math.max(t + 1, Math.ceil(this.odeTime / eta)));
            next = Math.min(next, this.flowStop);
          }
        }
      } catch (err) {
        this.step = next;
        this.time = next * eta;
        this.finish("diverged", (err as Error).message);
        return true;
      }
      // The state at step `next`: the solver's own where it landed there (end or stop), else its dense output.
      if (this.odeTime === next * eta) sys.state.set(y);
      else ode.interpolate(next * eta, sys.state);
      this.step = next;
      this.time = next * eta;
    }
    if (this.step >= steps) {
      const loss = sys.evaluate();
      if (!this.check(loss, this.step)) this.finish("max-steps", "");
    }
    return this.done;
  }

  /** The gradient-flow solver, started at the current state. */
  private flowSolver(): DormandPrince {
    const sys = this.system;
    const { rtol, atol } = this.spec.flow;
    this.ode = new DormandPrince(sys.state.length, (_t, y, dy) => sys.flowRhs(y, dy), { rtol, atol });
    // The solver's own state: the full system's vector field writes its argument into the model's θ.
    this.flowY = Float64Array.from(sys.state);
    this.odeTime = this.step * this.spec.lr;
    return this.ode;
  }

  private edgeModel: EdgeModel | null = null;

  /** The central flow of this run's system (created on first use; its phase is re-derived from the state). */
  private centralFlow(restore?: CentralState): CentralFlow {
    if (this.central) return this.central;
    const sys = this.system;
    const top = this.spec.central?.top ?? 3;
    if (sys instanceof BalancedSystem || sys instanceof LayerSystem) {
      this.edgeModel = new ReducedEdgeModel(sys.spec, sys.kind);
    } else if (sys.kind === "full" || sys.kind === "mlp") {
      this.edgeModel = new WeightEdgeModel((sys as unknown as { model: WeightModel }).model, top, this.centralRng);
    } else {
      throw new RangeError(`dynamics: central is not defined for model ${this.spec.model ?? "dln"} (${sys.kind})`);
    }
    const { rtol, atol } = this.spec.flow;
    this.central = new CentralFlow(this.edgeModel, { lr: this.spec.lr, rtol, atol, tau: this.spec.central?.tau ?? 20 });
    if (restore) this.central.restore(restore);
    else this.central.settle(sys.state);
    return this.central;
  }

  private advanceCentral(maxSteps: number): boolean {
    const sys = this.system;
    const flow = this.centralFlow();
    const end = Math.min(this.spec.steps, this.step + maxSteps);
    const eta = this.spec.lr;
    const y = (this.flowY ??= new Float64Array(sys.state.length));
    while (this.step < end) {
      const t = this.step;
      if (this.isRecordStep(t)) {
        const loss = sys.evaluate();
        if (this.check(loss, t)) return true;
        this.makeRecord(loss, this.wantsSharpness(t));
      }
      let next = t + 1;
      while (next < end && !this.isRecordStep(next)) next++;
      try {
        // A copy again: the weight models' vector field writes its argument into θ.
        y.set(sys.state);
        flow.advance(y, t, next);
        sys.state.set(y);
      } catch (err) {
        this.step = next;
        this.time = next * eta;
        this.finish("diverged", (err as Error).message);
        return true;
      }
      this.step = next;
      this.time = next * eta;
    }
    if (this.step >= this.spec.steps) {
      const loss = sys.evaluate();
      if (!this.check(loss, this.step)) this.finish("max-steps", "");
    }
    return this.done;
  }

  /** Stop now (e.g. Ctrl-C) with status "interrupted", recording the current state. */
  interrupt(): void {
    if (this.done) return;
    this.finish("interrupted", "interrupted by the user");
  }

  /** The last record (the final state once the run is over). */
  get last(): TrajectoryRecord | undefined {
    return this.records[this.records.length - 1];
  }

  /** Resumable state (call between `advance` calls). */
  snapshot(): SimulationSnapshot {
    return {
      step: this.step,
      time: this.time,
      state: Array.from(this.system.state),
      initialLoss: this.initialLoss,
      topResidualHistory: Array.from(this.topResidual),
      sharpnessWarmStart: this.system.sharpnessWarmStart(),
      ...(this.watchesSigns ? { signFlip: this.signFlip } : {}),
      integrator: this.ode && this.flowY
        ? { y: Array.from(this.flowY), time: this.odeTime, stop: this.flowStop, ode: this.ode.save() }
        : this.central
          ? { central: this.central.save() }
          : null,
    };
  }

  private restore(s: SimulationSnapshot): void {
    if (s.state.length !== this.system.state.length) {
      throw new RangeError(`resume: snapshot has ${s.state.length} state entries, this run needs ${this.system.state.length}`);
    }
    this.system.state.set(s.state);
    this.step = s.step;
    this.time = s.time;
    this.initialLoss = s.initialLoss;
    this.topResidual.set(s.topResidualHistory.slice(0, this.topResidual.length));
    this.system.setSharpnessWarmStart(s.sharpnessWarmStart ?? null);
    if (this.watchesSigns) {
      if (s.signFlip !== undefined && s.signFlip !== null && !(Number.isSafeInteger(s.signFlip) && s.signFlip >= 0 && s.signFlip <= s.step)) {
        throw new RangeError(`resume: the snapshot's signFlip ${JSON.stringify(s.signFlip)} is not a step in [0, ${s.step}]`);
      }
      this.signFlip = s.signFlip ?? null;
    }
    const integ = s.integrator;
    if (integ && "central" in integ) {
      if (this.spec.dynamics !== "central") throw new RangeError("resume: the snapshot holds a central flow, this run's dynamics is " + this.spec.dynamics);
      this.centralFlow(integ.central);
    } else if (integ) {
      if (this.spec.dynamics !== "flow") throw new RangeError("resume: the snapshot holds a gradient-flow solver, this run's dynamics is " + this.spec.dynamics);
      if (!Array.isArray(integ.y) || integ.y.length !== this.system.state.length) throw new RangeError(`resume: the flow solver's state has ${Array.isArray(integ.y) ? integ.y.length : 0} entries, this run needs ${this.system.state.length}`);
      if (!Number.isFinite(integ.time) || !Number.isInteger(integ.stop)) throw new RangeError("resume: the flow solver's time or stop step is damaged");
      const ode = this.flowSolver();
      ode.restore(integ.ode);
      this.flowY!.set(integ.y);
      this.odeTime = integ.time;
      this.flowStop = integ.stop;
    }
    // The snapshot's own step was already recorded by the interrupted run.
    this.lastRecordedStep = s.step - 1;
  }
}

/**
 * @file What a run will cost before anything is allocated: its parameters, the samples a step passes
 * through them, the engine's memory (following the workspaces the models allocate: src/engine/model.ts,
 * mlp/model.ts, classifier/model.ts, plus the Lanczos basis and the ODE solver's stages) and an
 * order-of-magnitude time from nominal speeds. The CLI refuses a run that cannot fit in memory and warns
 * about one that would take hours; the lab does the same in the browser; sweep shards are balanced by
 * `stepCost`. Portable: no Node APIs.
 */
import { isReduced, plannedRecords, sharpnessMethodOf, type SimulationSpec } from "./simulate.js";

/** Weights of a fully connected chain with these widths: Σ fan_in·fan_out. */
function chainWeights(widths: readonly number[]): number {
  let s = 0;
  for (let j = 0; j + 1 < widths.length; j++) s += widths[j]! * widths[j + 1]!;
  return s;
}

/** The size of a run's model. */
export interface RunSize {
  /** Numbers the dynamics update each step (d·Σ L_k scalars for reduced dynamics). */
  params: number;
  /** Trainable parameters of the full model: the dimension of its Hessian (the cap of `sharpness.top`). */
  hessianDim: number;
  /** Samples each step passes through the parameters (the d columns of X = I; the classifier's points). */
  samples: number;
  /** Hidden activations a forward pass keeps (samples × hidden units, summed over layers; 0 for the DLN, whose layer products are counted per layer). */
  hiddenCells: number;
}

/** Parameters, samples and hidden activations of a run. */
export function runSize(spec: SimulationSpec): RunSize {
  const d = spec.width;
  const model = spec.model ?? "dln";
  if (model === "mlp" && spec.mlp) {
    const mlp = spec.mlp;
    const dIn = mlp.input?.length ?? d;
    let params = 0;
    let hiddenCells = 0;
    spec.depths.forEach((L, k) => {
      const h = mlp.hidden[k] ?? mlp.hidden[0] ?? d;
      const widths = [dIn, ...Array.from({ length: Math.max(0, L - 1) }, () => h), d];
      params += chainWeights(widths) + (mlp.bias ? widths.slice(1).reduce((a, b) => a + b, 0) : 0);
      hiddenCells += Math.max(0, L - 1) * h * d;
    });
    return { params, hessianDim: params, samples: d, hiddenCells };
  }
  if (model === "classifier" && spec.classifier) {
    const L = spec.depths[0] ?? 1;
    const h = spec.classifier.hidden;
    const n = spec.classifier.data.points;
    const params = chainWeights([d, ...Array.from({ length: Math.max(0, L - 1) }, () => h), 1]);
    return { params, hessianDim: params, samples: n, hiddenCells: Math.max(0, L - 1) * h * n };
  }
  const layers = spec.depths.reduce((a, b) => a + b, 0);
  const full = d * d * layers;
  // Full matrices: d × d layers applied to the d columns of X = I; reduced: d scalars per layer.
  return isReduced(spec)
    ? { params: d * layers, hessianDim: full, samples: 1, hiddenCells: 0 }
    : { params: full, hessianDim: full, samples: d, hiddenCells: 0 };
}

/**
 * Estimated cost of one GD step (or right-hand-side evaluation) of a run, in multiply-adds: a forward
 * and a backward pass, about 3 × parameters × samples. Full DLN matrices: 3·d³·Σ_k L_k; reduced
 * dynamics: 3·d·Σ_k L_k; MLP: 3·d·Σ fan_in·fan_out over each pathway's layers (X has d columns);
 * classifier: 3·n·Σ fan_in·fan_out of d → h … h → 1 (n data points).
 */
export function stepCost(spec: SimulationSpec): number {
  return sizeStepCost(runSize(spec));
}

/** `stepCost` from a run's size. */
function sizeStepCost({ params, samples }: RunSize): number {
  return 3 * params * samples;
}

/**
 * Nominal speeds, for the time estimate only (the real rate shows once a run goes): multiply-adds per
 * second of the WebAssembly SIMD kernels (full-matrix GD at d = 8–64 runs at 1–3·10⁹ on the development
 * machine) and reduced per-mode pathway updates per second (10⁶ reduced steps of K = 2, d = 2 in 1.4 s).
 */
const MULADDS_PER_SECOND = 1e9;
const REDUCED_UPDATES_PER_SECOND = 3e6;
/** Lanczos steps assumed per sharpness measurement, and gradient evaluations per Hessian-vector product. */
const LANCZOS_STEPS = 40;
const GRADIENTS_PER_HVP = 3;
/** Bytes the Lanczos basis may use (src/engine/measure/lanczos.ts caps it at 64 MB). */
const LANCZOS_BYTES = 64 * 1024 ** 2;
/** State-sized vectors an adaptive ODE solver keeps (Dormand–Prince stages, error estimate, dense output). */
const ODE_VECTORS = 12;

/** The estimate of one run. */
export interface RunFootprint extends RunSize {
  /** Estimated memory of the engine (bytes), records not included. */
  bytes: number;
  /** Bytes of the model's one workspace (its θ, gradient and buffers: one WebAssembly memory or ArrayBuffer). */
  workspaceBytes: number;
  /** Estimated time of one step (seconds), sharpness measurements spread over the steps. */
  secondsPerStep: number;
  /** Estimated engine time of the whole run (seconds), or null for adaptive-step flows (no step count to go by). */
  seconds: number | null;
  /**
   * Estimated time of the longest piece of work that cannot be cut (seconds): one step, one adaptive
   * solver step (about ten evaluations) or one sharpness measurement. A host that must stay responsive
   * (Ctrl-C) runs a run whose pieces are long away from its event loop.
   */
  unitSeconds: number;
}

/** Sharpness measurements a run plans: every `sharpness.every` steps or every `everyRecord`-th record, and at the start and end. */
function measurements(spec: SimulationSpec): number {
  const { every, everyRecord } = spec.sharpness;
  return 2 + (every > 0 ? Math.floor(spec.steps / every) : 0) + (everyRecord ? Math.ceil(plannedRecords(spec.record, spec.steps) / everyRecord) : 0);
}

/** Memory and time of a run, before anything is allocated (see the file comment for what is counted). */
export function runFootprint(spec: SimulationSpec): RunFootprint {
  const size = runSize(spec);
  const { params, samples, hiddenCells, hessianDim } = size;
  const model = spec.model ?? "dln";
  const reduced = isReduced(spec);
  // Workspaces: θ, ∇ℒ, v, Hv (4 × params) and the forward/backward buffers. DLN: per layer the
  // products P, dP, M, dM (d² each, 4 × params in all) and 3 d × d matrices; MLP: inputs, outputs and
  // residuals (3·d·n), each pathway's output and its derivative (2·K·d·n), 8 buffers per hidden cell;
  // classifier: the data (n·d), 4 per point, 8 per hidden cell. Reduced dynamics: a few per scalar.
  const d = spec.width;
  const K = spec.depths.length;
  let doubles: number;
  if (reduced) doubles = 16 * params;
  else if (model === "mlp") doubles = 4 * params + 3 * d * samples + 2 * K * d * samples + 8 * hiddenCells;
  else if (model === "classifier") doubles = 4 * params + samples * (d + 4) + 8 * hiddenCells;
  else doubles = 8 * params + 3 * d * d;
  if (spec.dynamics === "flow" || spec.dynamics === "central") doubles += ODE_VECTORS * params;
  const blocks = sharpnessMethodOf(spec) === "blocks";
  const lanczos = blocks ? 0 : Math.min(LANCZOS_BYTES, 8 * hessianDim * spec.sharpness.maxIter);
  const bytes = 8 * doubles + lanczos;
  const stepSeconds = reduced ? (spec.width * spec.depths.length) / REDUCED_UPDATES_PER_SECOND : sizeStepCost(size) / MULADDS_PER_SECOND;
  const measureSeconds = blocks ? stepSeconds : (LANCZOS_STEPS * GRADIENTS_PER_HVP * 3 * hessianDim * (samples || 1)) / MULADDS_PER_SECOND;
  const steps = Math.max(1, spec.steps);
  const total = steps * stepSeconds + measurements(spec) * measureSeconds;
  const adaptive = spec.dynamics === "flow" || spec.dynamics === "central";
  const unitSeconds = Math.max((adaptive ? 10 : 1) * stepSeconds, measureSeconds);
  return { ...size, bytes, workspaceBytes: 8 * doubles, secondsPerStep: total / steps, seconds: adaptive ? null : total, unitSeconds };
}

/** Bytes as "1.6 GB". */
export function formatBytes(bytes: number): string {
  const two = (x: number) => String(Number(x.toPrecision(2)));
  if (bytes >= 1e12) return `${two(bytes / 1e12)} TB`;
  if (bytes >= 1e9) return `${two(bytes / 1e9)} GB`;
  if (bytes >= 1e6) return `${two(bytes / 1e6)} MB`;
  return `${Math.ceil(bytes / 1e3)} kB`;
}

/** The largest single array (WebAssembly memory, or an ArrayBuffer in Node 20) a workspace can be: 4 GiB. */
export const MAX_WORKSPACE_BYTES = 4 * 1024 ** 3;

/** Seconds as "40 s", "3 min", "2 h", "5 days". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

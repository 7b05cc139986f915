/**
 * @file Kind `alignment` (docs/theory.md §9, Ji & Telgarsky 2018): a deep linear classifier (model
 * `classifier`, one pathway, scalar output) trained by GD on seeded linearly separable data with the
 * logistic and exponential losses, constant and decreasing steps. Each run is one task; it records on a
 * geometric grid of gradient-flow time τ = Σ η_t the risk, every layer's ‖W_l‖_F and ‖W_l‖₂, the
 * alignment |v_{l+1}ᵀu_l| of adjacent layers' top singular vectors, and the angle between the
 * end-to-end predictor w = (W_L⋯W_1)ᵀ and the hard-margin SVM direction (quadprog). Checks compare
 * the measured rates over the last decades of τ with the predicted ones (see `alignmentChecks`).
 */
import { RunConfigSchema, resolveRunConfig } from "../../../config/schema.js";
import { makeSchedule } from "../../../engine/schedule.js";
import { Simulation, systemOfKind, timeGridSteps } from "../../../engine/simulate.js";
import type { ClassifierSystem } from "../../../engine/classifier/system.js";
import type { MarginLossName } from "../../../engine/classifier/losses.js";
import { short } from "../../common.js";
import type { DataFile, ExperimentKind, ProgressFn, Resolved, TaskPlan } from "../../types.js";
import { nowMs } from "../../../engine/clock.js";
import { alignmentChecks, analyseRun } from "./checks.js";
import { type AlignmentConfig, AlignmentSchema } from "./schema.js";

export * from "./schema.js";
export * from "./checks.js";

type R = Resolved<AlignmentConfig>;

/** Observables at one recorded step. */
export interface AlignmentRecord {
  step: number;
  /** Gradient-flow time τ = Σ_{s<t} η_s. */
  time: number;
  lr: number;
  risk: number;
  /** ‖w‖ of the end-to-end predictor. */
  wNorm: number;
  /** ∠(w, ŵ_SVM) in radians (from atan2, accurate near 0). */
  angle: number;
  /** Normalised margin min_i y_i wᵀx_i/‖w‖ (→ γ). */
  margin: number;
  /** ‖W_l‖_F and ‖W_l‖₂ per layer. */
  fro: number[];
  spectral: number[];
  /** |v_{l+1}ᵀu_l| for l = 1 … L−1. */
  align: number[];
}

/** One finished run. */
export interface AlignmentRun {
  label: string;
  loss: MarginLossName;
  lr: number;
  decay: number | null;
  depth: number;
  records: AlignmentRecord[];
  /** Gradient-flow time at the last step. */
  timeEnd: number;
  /** max_l ‖C_l(end) − C_l(window start)‖_F/‖C_l(window start)‖_F, C_l = W_{l+1}ᵀW_{l+1} − W_lW_lᵀ (a GF invariant). */
  invariantDriftWindow: number;
  /** The same from the initialisation (GD with a large first step moves it early on). */
  invariantDriftInit: number;
  /** w/‖w‖ at the first and the last step. */
  predictor: { initial: number[]; final: number[] };
  /** The data and the SVM (the same in every run). */
  svm: { direction: number[]; margin: number; support: number[]; kkt: number; X: number[]; y: number[]; d: number; n: number; alpha: number[] };
  seconds: number;
}

/** Data of an alignment experiment. */
export interface AlignmentData {
  runs: AlignmentRun[];
}

/** Records per decade of τ. */
const PER_DECADE = 40;

/** C_l = W_{l+1}ᵀW_{l+1} − W_lW_lᵀ (h×h) for every adjacent pair, from the layers of the classifier. */
export function invariants(sys: ClassifierSystem): Float64Array[] {
  const m = sys.model;
  const out: Float64Array[] = [];
  for (let l = 0; l < m.L - 1; l++) {
    const up = m.shapes[l + 1]!;
    const lo = m.shapes[l]!;
    const A = m.layer(l + 1);
    const B = m.layer(l);
    const h = lo.rows;
    const C = new Float64Array(h * h);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < h; j++) {
        let s = 0;
        for (let r = 0; r < up.rows; r++) s += A[r * up.cols + i]! * A[r * up.cols + j]!;
        let q = 0;
        for (let c = 0; c < lo.cols; c++) q += B[i * lo.cols + c]! * B[j * lo.cols + c]!;
        C[i * h + j] = s - q;
      }
    }
    out.push(C);
  }
  return out;
}

function relChange(now: Float64Array[], ref: Float64Array[]): number {
  let worst = 0;
  now.forEach((C, l) => {
    const R0 = ref[l]!;
    let diff = 0;
    let norm = 0;
    for (let j = 0; j < C.length; j++) {
      diff += (C[j]! - R0[j]!) ** 2;
      norm += R0[j]! ** 2;
    }
    worst = Math.max(worst, Math.sqrt(diff / norm));
  });
  return worst;
}

/** Run one configuration of the experiment (a task). */
export function runAlignment(r: R, run: AlignmentConfig["runs"][number], progress: ProgressFn = () => {}): AlignmentRun {
  const spec = resolveRunConfig(RunConfigSchema.parse({
    model: "classifier",
    width: r.data.dimension,
    depths: [r.network.depth],
    classifier: {
      loss: run.loss, hidden: r.network.hidden,
      data: { points: r.data.points, mean: r.data.mean, spread: r.data.spread, margin: r.data.margin },
      init: { type: "gaussian", std: r.network.initStd },
    },
    lr: run.lr,
    schedule: run.decay ? { type: "decay", timescale: run.decay } : { type: "constant" },
    steps: r.budget.steps,
    seed: r.seed,
    sharpness: { every: 0 },
  }));
  const steps = r.budget.steps;
  const sim = new Simulation({
    ...spec,
    // PER_DECADE records per decade of τ = Σ η_t, and no stop rule: the separable loss only decays.
    record: { every: 1, at: timeGridSteps(spec.lr, spec.schedule, steps, PER_DECADE) },
    stop: { ...spec.stop, lossTol: Number.NEGATIVE_INFINITY, divergeFactor: Number.POSITIVE_INFINITY },
  }, { keepRecords: false, onRecord: (rec) => record(rec.step, rec.time, lrAt(rec.step)) });
  const sys = systemOfKind(sim.system, "classifier");
  const lrAt = makeSchedule(spec.lr, spec.schedule);
  let timeEnd = 0;
  for (let t = 0; t < steps; t++) timeEnd += lrAt(t);
  const windowStart = timeEnd * Math.pow(10, -r.fit.decades);
  const t0 = nowMs();
  const records: AlignmentRecord[] = [];
  const u = sys.svm.direction;
  const d = sys.d;
  const C0 = invariants(sys);
  const unit = (): number[] => {
    sys.evaluate();
    const w = Array.from(sys.model.predictor);
    const n = Math.hypot(...w);
    return w.map((x) => x / n);
  };
  const initial = unit();
  let Cwin: Float64Array[] | null = null;
  const record = (step: number, time: number, lr: number) => {
    const risk = sys.evaluate();
    const w = sys.model.predictor;
    let dot = 0;
    let nn = 0;
    for (let j = 0; j < d; j++) {
      dot += w[j]! * u[j]!;
      nn += w[j]! * w[j]!;
    }
    let perp = 0;
    for (let j = 0; j < d; j++) perp += (w[j]! - dot * u[j]!) ** 2;
    const wNorm = Math.sqrt(nn);
    const sp = sys.model.spectra();
    const align = sp.slice(0, -1).map((s, l) => Math.abs(sp[l + 1]!.v.reduce((a, x, j) => a + x * s.u[j]!, 0)));
    const margin = Math.min(...sys.model.margins) / wNorm;
    records.push({
      step, time, lr, risk, wNorm, angle: Math.atan2(Math.sqrt(perp), dot), margin,
      fro: sp.map((s) => s.frobenius), spectral: sp.map((s) => s.spectral), align,
    });
    if (Cwin === null && time >= windowStart) Cwin = invariants(sys);
  };
  while (!sim.advance(100_000)) progress(sim.step / steps);
  const time = sim.time;
  const Cend = invariants(sys);
  const final = unit();
  const svm = sys.svm;
  return {
    label: run.label, loss: run.loss, lr: run.lr, decay: run.decay ?? null, depth: r.network.depth, records, timeEnd: time,
    invariantDriftWindow: Cwin ? relChange(Cend, Cwin) : Number.NaN,
    invariantDriftInit: relChange(Cend, C0),
    predictor: { initial, final },
    svm: {
      direction: Array.from(svm.direction), margin: svm.margin, support: svm.support,
      kkt: Math.max(svm.kkt.primal, svm.kkt.dual, svm.kkt.stationarity, svm.kkt.complementarity),
      X: Array.from(sys.data.X), y: Array.from(sys.data.y), d: sys.data.d, n: sys.data.n, alpha: Array.from(svm.alpha),
    },
    seconds: (nowMs() - t0) / 1000,
  };
}

const runId = (j: number) => `run-${j + 1}`;

/** The `alignment` kind. */
export const alignmentKind: ExperimentKind<AlignmentConfig, AlignmentRun, AlignmentData, { run: number }> = {
  kind: "alignment",
  schema: AlignmentSchema,
  smoke: (quick) => ({ steps: Math.min(quick.steps, 3000) }),
  plan: (r: R): TaskPlan<{ run: number }>[] => r.runs.map((run, j) => ({ id: runId(j), label: run.label, weight: r.budget.steps, args: { run: j } })),
  runTask: (r: R, args, progress) => runAlignment(r, r.runs[args.run]!, progress),
  assemble: (r: R, parts) => ({ runs: r.runs.map((_, j) => parts[runId(j)]!) }),
  checks: alignmentChecks,
  dataFiles: alignmentFiles,
  summary: (r: R, data: AlignmentData) => ({
    svm: { margin: data.runs[0]!.svm.margin, direction: data.runs[0]!.svm.direction, supportVectors: data.runs[0]!.svm.support.length, kktResidual: data.runs[0]!.svm.kkt },
    runs: data.runs.map((run) => {
      const a = analyseRun(run, r.fit.decades);
      const last = run.records[run.records.length - 1]!;
      return {
        label: run.label, loss: run.loss, lr: run.lr, decay: run.decay, timeEnd: run.timeEnd,
        final: { risk: last.risk, angle: last.angle, ratio: last.spectral.map((s, l) => s / last.fro[l]!), align: last.align, wNorm: last.wNorm },
        rates: { risk: a.risk.slope, riskPredicted: a.riskPredicted, ratio: a.ratio.map((f) => f.slope), align: a.align.map((f) => f.slope), angle: a.angle.slope },
        invariantDriftWindow: run.invariantDriftWindow,
      };
    }),
  }),
};

/** Data files: every record of every run, and the data set with the SVM. */
function alignmentFiles(r: R, data: AlignmentData): DataFile[] {
  const L = r.network.depth;
  const head = ["run", "loss", "step", "time", "lr", "risk", "w_norm", "angle_rad", "margin",
    ...Array.from({ length: L }, (_, l) => `fro_${l + 1}`), ...Array.from({ length: L }, (_, l) => `spectral_${l + 1}`),
    ...Array.from({ length: L - 1 }, (_, l) => `align_${l + 1}_${l + 2}`)];
  const rows = [head.join(",")];
  for (const run of data.runs) {
    for (const rec of run.records) {
      rows.push([JSON.stringify(run.label), run.loss, rec.step, rec.time, rec.lr, rec.risk, rec.wNorm, rec.angle, rec.margin, ...rec.fro, ...rec.spectral, ...rec.align].join(","));
    }
  }
  const svm = data.runs[0]!.svm;
  const pts = [["i", "y", ...Array.from({ length: svm.d }, (_, j) => `x_${j + 1}`), "alpha", "svm_margin"].join(",")];
  for (let i = 0; i < svm.n; i++) {
    const x = svm.X.slice(i * svm.d, (i + 1) * svm.d);
    const m = svm.y[i]! * x.reduce((a, v, j) => a + v * svm.direction[j]!, 0);
    pts.push([i, svm.y[i], ...x, svm.alpha[i], m].join(","));
  }
  return [
    {
      name: "alignment.csv",
      description: "Every recorded step of every run (geometric in τ, 40 per decade): run label, loss, GD step, τ = Σ η, step size, risk, ‖w‖, " +
        "∠(w, ŵ_SVM) in radians, normalised margin min_i y_i wᵀx_i/‖w‖, ‖W_l‖_F and ‖W_l‖₂ per layer, |v_{l+1}ᵀu_l| per adjacent pair",
      content: rows.join("\n") + "\n",
    },
    {
      name: "data.csv",
      description: `The separable data (n = ${svm.n}, d = ${svm.d}): label, coordinates, SVM dual multiplier α_i and margin y_i ŵᵀx_i along the max-margin direction ŵ = (${svm.direction.map((x) => short(x, 6)).join(", ")}), γ = ${short(svm.margin, 6)}`,
      content: pts.join("\n") + "\n",
    },
  ];
}

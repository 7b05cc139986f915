/**
 * @file Kind `alignment` (docs/theory.md §9, Ji & Telgarsky 2018): a deep linear classifier (model
 * `classifier`, one pathway, scalar output) trained by GD on seeded linearly separable data with the
 * logistic and exponential losses, constant and decreasing steps. Each run is one task; it records on a
 * geometric grid of gradient-flow time τ = Σ η_t the risk, every layer's ‖W_l‖_F and ‖W_l‖₂, the
 * alignment |v_{l+1}ᵀu_l| of adjacent layers' top singular vectors, and the angle between the
 * end-to-end predictor w = (W_L⋯W_1)ᵀ and the hard-margin SVM direction (quadprog). Checks compare
 * the measured rates over the last decades of τ with the predicted ones (see `alignmentChecks`).
 */
import { z } from "zod";
import { RunConfigSchema, resolveRunConfig } from "../../../config/schema.js";
import { makeSchedule } from "../../../engine/schedule.js";
import { Simulation, systemOfKind, timeGridSteps } from "../../../engine/simulate.js";
import type { ClassifierSystem } from "../../../engine/classifier/system.js";
import { MARGIN_LOSS_NAMES, type MarginLossName } from "../../../engine/classifier/losses.js";
import { linearFit } from "../../../engine/measure/regression.js";
import { riskDecaySlope } from "../../../theory/alignment.js";
import { atLeastCheck, closeCheck, type Check } from "../../checks.js";
import { metaFields, short } from "../../common.js";
import type { DataFile, ExperimentKind, ProgressFn, Resolved, TaskPlan } from "../../types.js";
import { nowMs } from "../../../engine/clock.js";

const posInt = z.int().gte(1, { message: "must be an integer >= 1" });

const BudgetSchema = z.strictObject({
  steps: posInt.describe("GD steps of every run."),
});

const RunSchema = z.strictObject({
  label: z.string().min(1).describe("Shown in figures and file names."),
  loss: z.enum(MARGIN_LOSS_NAMES).describe("Margin loss: logistic or exponential."),
  lr: z.number().gt(0).describe("Step size η_0 (constant, or the start of the decay)."),
  decay: posInt.optional().describe("Decreasing step η_t = η_0/(1 + t/T) with T = decay steps; absent: constant."),
});

/** Config of an `alignment` experiment. */
export const AlignmentSchema = z.strictObject({
  ...metaFields,
  kind: z.literal("alignment"),
  data: z.strictObject({
    dimension: z.int().gte(2, { message: "must be an integer >= 2" }).describe("Input dimension d."),
    points: z.int().gte(2).describe("Number of points n."),
    mean: z.number().gt(0).default(1).describe("Distance of the cluster centres from the origin."),
    spread: z.number().gt(0).default(1).describe("Standard deviation of the clusters."),
    margin: z.number().gt(0).describe("Smallest kept distance y·u*ᵀx along the drawing direction u*."),
  }),
  network: z.strictObject({
    depth: z.int().gte(2, { message: "must be an integer >= 2 (alignment needs two layers)" }).describe("Depth L."),
    hidden: posInt.describe("Hidden width h."),
    initStd: z.number().gt(0).describe("Standard deviation of the i.i.d. Gaussian initial weights."),
  }),
  seed: z.int().default(0).describe("Seed of the data (and of the initial weights)."),
  runs: z.array(RunSchema).min(1),
  fit: z.strictObject({
    decades: z.number().gt(0).describe("Rates are fitted over the last this many decades of gradient-flow time τ."),
  }),
  sizes: z.strictObject({ quick: BudgetSchema, full: BudgetSchema }),
});

/** A validated `alignment` config. */
export type AlignmentConfig = z.output<typeof AlignmentSchema>;
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
function invariants(sys: ClassifierSystem): Float64Array[] {
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

/** Fitted rates of one run over its last `decades` of τ. */
export interface RunRates {
  /** Records in the fit window. */
  window: AlignmentRecord[];
  /** ln R vs ln τ. */
  risk: ReturnType<typeof linearFit>;
  /** The rate law's slope averaged over the window's margin scales ℓ = γ‖w‖. */
  riskPredicted: number;
  /** Per layer l < L: ln(1 − ‖W_l‖₂²/‖W_l‖²_F) vs ln ‖W_l‖²_F. */
  ratio: ReturnType<typeof linearFit>[];
  /** Per pair l: ln(1 − |v_{l+1}ᵀu_l|) vs ln ‖W_l‖²_F. */
  align: ReturnType<typeof linearFit>[];
  /** ln ∠(w, ŵ) vs ln ‖w‖. */
  angle: ReturnType<typeof linearFit>;
}

/** The rates of a run (pure; used by checks, summary and figures). */
export function analyseRun(run: AlignmentRun, decades: number): RunRates {
  const start = run.timeEnd * Math.pow(10, -decades);
  const window = run.records.filter((rec) => rec.time >= start && rec.time > 0);
  const ln = Math.log;
  const L = run.depth;
  const gamma = run.svm.margin;
  const riskPredicted = window.reduce((a, rec) => a + riskDecaySlope(gamma * rec.wNorm, L), 0) / window.length;
  const ratio = Array.from({ length: L - 1 }, (_, l) =>
    linearFit(window.map((rec) => ln(rec.fro[l]! ** 2)), window.map((rec) => ln(1 - (rec.spectral[l]! / rec.fro[l]!) ** 2))));
  const align = Array.from({ length: L - 1 }, (_, l) =>
    linearFit(window.map((rec) => ln(rec.fro[l]! ** 2)), window.map((rec) => ln(1 - rec.align[l]!))));
  return {
    window,
    risk: linearFit(window.map((rec) => ln(rec.time)), window.map((rec) => ln(rec.risk))),
    riskPredicted,
    ratio,
    align,
    angle: linearFit(window.map((rec) => ln(rec.wNorm)), window.map((rec) => ln(rec.angle))),
  };
}

/** Tolerances of the alignment checks (absolute, on fitted log-log slopes). */
export const ALIGNMENT_TOLERANCES = {
  /** The rate law neglects O(ℓ^{−2/L}) layer imbalance and e^{−ℓ/2} transients: a few hundredths at ℓ ≈ 10–15. */
  risk: 0.05,
  /** 1 − ratio² = (bounded mass)/‖W‖²_F once the bounded mass has settled. */
  ratio: 0.1,
  /** One-sided: Davis–Kahan gives at least −2. */
  align: 0.15,
  /** ‖w_⊥‖ still drifts by a few per cent per decade of τ at the ends of the runs. */
  angle: 0.15,
  /** The GF invariants move in GD by O(η²‖∇‖²) per step, tiny once the risk is small. */
  invariant: 1e-3,
  /** quadprog's solution satisfies KKT to rounding. */
  kkt: 1e-9,
} as const;

/** Checks of an alignment experiment. */
export function alignmentChecks(r: R, data: AlignmentData): Check[] {
  const T = ALIGNMENT_TOLERANCES;
  const out: Check[] = [];
  const svm = data.runs[0]!.svm;
  out.push(closeCheck({
    provenance: "consistency",
    name: `hard-margin SVM direction by quadprog: KKT residual (n = ${svm.n}, d = ${svm.d}, ${svm.support.length} support vectors, γ = ${short(svm.margin)})`,
    claim: "docs/theory.md §9 (max-margin direction)",
    predicted: 0, measured: svm.kkt, tolerance: T.kkt,
    note: "largest of primal infeasibility, negative multipliers, ‖w − Σα_i y_i x_i‖/‖w‖ and max|α_i(y_i wᵀx_i − 1)|/max α",
  }));
  const win = `last ${r.fit.decades} decades of τ`;
  for (const run of data.runs) {
    const a = analyseRun(run, r.fit.decades);
    const first = run.records[0]!;
    const last = run.records[run.records.length - 1]!;
    const tag = run.label;
    const p = 2 - 2 / run.depth;
    out.push(closeCheck({
      provenance: "ji-telgarsky-2018",
      name: `risk → 0 at the rate of the aligned flow (${tag})`, claim: "docs/theory.md §9; Ji & Telgarsky (2018) risk convergence",
      predicted: a.riskPredicted, measured: a.risk.slope, tolerance: T.risk,
      note: `slope of ln R against ln τ over the ${win} (τ = Σ η_t up to ${short(run.timeEnd)}); risk ${first.risk.toExponential(2)} → ${last.risk.toExponential(2)}. ` +
        `Predicted: dR/dτ = −cℓ^p R² with p = 2 − 2/L = ${short(p)} and ℓ = γ‖w‖ gives the slope −(1 + p/ℓ + p(p+1)/ℓ² + …), averaged over the window (ℓ ≈ ${short(run.svm.margin * a.window[0]!.wNorm, 3)}–${short(run.svm.margin * last.wNorm, 3)})`,
    }));
    for (let l = 0; l < run.depth - 1; l++) {
      const ratio = last.spectral[l]! / last.fro[l]!;
      out.push(closeCheck({
        provenance: "ji-telgarsky-2018",
        name: `‖W_${l + 1}‖₂/‖W_${l + 1}‖_F → 1: 1 − ratio² ∝ ‖W_${l + 1}‖_F^{−2} (${tag})`, claim: "docs/theory.md §9; Ji & Telgarsky (2018) rank-one layers",
        predicted: -1, measured: a.ratio[l]!.slope, tolerance: T.ratio,
        note: `slope of ln(1 − ‖W‖₂²/‖W‖²_F) against ln ‖W‖²_F over the ${win}; final ratio ${short(ratio, 6)} at ‖W‖²_F = ${short(last.fro[l]! ** 2)}. ` +
          "Predicted: the GF invariants C_l = W_{l+1}ᵀW_{l+1} − W_lW_lᵀ bound ‖W_l‖²_F − ‖W_l‖₂² ≤ Σ_{j≥l}(λ_max(C_j) − tr C_j) while ‖W_l‖_F grows without bound",
      }));
      out.push(atLeastCheck({
        provenance: "ji-telgarsky-2018",
        name: `|v_${l + 2}ᵀu_${l + 1}| → 1 at least like ‖W_${l + 1}‖_F^{−4} (${tag})`, claim: "docs/theory.md §9; Ji & Telgarsky (2018) layer alignment",
        predicted: 2, measured: -a.align[l]!.slope, tolerance: T.align,
        note: `decay exponent of 1 − |v_{l+1}ᵀu_l| in ‖W_l‖²_F (minus the fitted slope) over the ${win}; final alignment ${short(last.align[l]!, 8)}. ` +
          "Predicted: Davis–Kahan on W_{l+1}ᵀW_{l+1} = W_lW_lᵀ + C_l gives sin∠(v_{l+1}, u_l) ≤ 2‖C_l‖₂/(‖W_l‖₂² − σ₂(W_l)²), so 1 − |cos| = O(‖W_l‖_F^{−4}) (a lower bound on the exponent)",
      }));
    }
    out.push(closeCheck({
      provenance: "ji-telgarsky-2018",
      name: `predictor → max-margin direction: ∠(w, ŵ) ∝ 1/‖w‖ ∝ 1/ln τ (${tag})`, claim: "docs/theory.md §9; Ji & Telgarsky (2018), Soudry et al. (2018)",
      predicted: -1, measured: a.angle.slope, tolerance: T.angle,
      note: `slope of ln ∠(w, ŵ) against ln ‖w‖ over the ${win}; angle ${short((first.angle * 180) / Math.PI)}° → ${short((last.angle * 180) / Math.PI, 3)}°, ‖w‖ = ${short(last.wNorm)} ≈ ln(τ)/γ. ` +
        "Predicted: w = ŵ‖w‖ + w_⊥ with w_⊥ converging, so the angle falls like ‖w_⊥‖/‖w‖ (logistic: Ji & Telgarsky; exponential-tailed losses: Soudry et al.)",
    }));
    out.push(closeCheck({
      provenance: "ji-telgarsky-2018",
      name: `the gradient-flow invariants W_{l+1}ᵀW_{l+1} − W_lW_lᵀ hold in the late phase of GD (${tag})`, claim: "docs/theory.md §6, §9 (mechanism of the alignment)",
      predicted: 0, measured: run.invariantDriftWindow, tolerance: T.invariant,
      note: `largest relative change over the ${win}; from the initialisation it is ${short(run.invariantDriftInit, 3)} (the first large steps move it, then it freezes)`,
    }));
  }
  return out;
}

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

/**
 * @file Kind `saddle` (docs/theory.md §10, Rawal & DeWeese 2026): escape from the small-initialisation
 * plateau. One pathway (`model: mlp`, K = 1) of depth L, rank-one target σe₁e₁ᵀ, the first r layers at
 * scale ε and the others at O(1) (a `bottleneck` initialisation: identity base — the permutation-
 * symmetric manifold — or He-normal with r layers rescaled by ε), for linear and smooth activations.
 * Every (base, activation) pair is one task: for every r and every ε of a geometric grid, the gradient-
 * flow escape time τ (loss ≤ fraction·initial, event-located) and the layer-norm imbalances
 * Δ_l = ‖W_{l+1}‖²_F − ‖W_l‖²_F along the way. A last task times small-step GD against GF.
 *
 * What is compared (see `saddleChecks`): the fitted exponent of τ against ε (95% CI) with r − 2; for
 * r = 2 the linear growth of τ in ln(1/ε); the linear network against the exact escape time of the deep
 * chain; the conservation of Δ_l for linear networks and, for smooth activations, the exact identity
 * dΔ_1/dx = 2ψ(x)/φ'(x), ψ = φ − zφ', on the identity base; and the universality classes, measured by
 * the order of the imbalance drift and by how fast the rescaled escape time approaches the linear one.
 */
import { z } from "zod";
import { RunConfigSchema, resolveRunConfig } from "../../../config/schema.js";
import { Simulation, systemOfKind } from "../../../engine/simulate.js";
import { ACTIVATION_NAMES, getActivation, type ActivationName } from "../../../engine/mlp/activations.js";
import { BOTTLENECK_BASES, type BottleneckBase } from "../../../engine/saddle/init.js";
import { flowEscapeTime, gdEscapeTime } from "../../../engine/saddle/escape.js";
import { linearFit, type LinearFit } from "../../../engine/measure/regression.js";
import { activationClass, chainEscapeTime, logEscapeSlope } from "../../../theory/saddle.js";
import { categoryCheck, closeCheck, type Check } from "../../checks.js";
import { metaFields, short } from "../../common.js";
import type { DataFile, ExperimentKind, ProgressFn, Resolved, TaskPlan } from "../../types.js";
import { nowMs } from "../../../engine/clock.js";

const posInt = z.int().gte(1, { message: "must be an integer >= 1" });

const BudgetSchema = z.strictObject({
  epsilon: z.strictObject({
    from: z.number().gt(0).describe("Smallest ε."),
    to: z.number().gt(0).lt(1).describe("Largest ε."),
    points: z.int().gte(3, { message: "must be an integer >= 3" }).describe("Geometric grid points."),
  }),
  rtol: z.number().gt(0).describe("Relative tolerance of the gradient-flow solver (absolute: 1e-3 of it)."),
});

/** Config of a `saddle` experiment. */
export const SaddleSchema = z
  .strictObject({
    ...metaFields,
    kind: z.literal("saddle"),
    network: z.strictObject({
      width: posInt.describe("Width d (inputs X = I_d, target σe₁e₁ᵀ)."),
      depth: z.int().gte(3, { message: "must be an integer >= 3" }).describe("Depth L."),
      sigma: z.number().gt(0).describe("Singular value σ of the rank-one target."),
    }),
    bases: z.array(z.strictObject({
      base: z.enum(BOTTLENECK_BASES).describe("O(1) draw of every layer before the first r are scaled by ε."),
      hidden: posInt.describe("Hidden width h."),
      seed: z.int().default(0).describe("Seed of the base draw."),
    })).min(1),
    activations: z.array(z.enum(ACTIVATION_NAMES)).min(1).describe("Activations; must include linear (the reference of the rescaled escape times)."),
    small: z.array(z.int().gte(2, { message: "must be an integer >= 2" })).min(2).describe("Numbers r of small layers (the first r layers start at ε)."),
    fraction: z.number().gt(0).lt(1).describe("Escape when the loss falls to this fraction of its initial value."),
    deviationR: z.int().gte(3).describe("r at which the rescaled escape times and the imbalance drift are analysed."),
    traceR: z.int().gte(2).describe("r whose loss curves are kept for the figures."),
    gd: z.strictObject({
      r: z.int().gte(2),
      epsilon: z.number().gt(0).lt(1),
      lrs: z.array(z.number().gt(0)).length(2, { message: "give two step sizes (the convergence order needs two)" }),
    }).describe("Small-step GD against GF: linear activation, first base."),
    sizes: z.strictObject({ quick: BudgetSchema, full: BudgetSchema }),
  })
  .superRefine((c, ctx) => {
    if (!c.activations.includes("linear")) ctx.addIssue({ code: "custom", path: ["activations"], message: "must include linear (the reference network)" });
    c.activations.forEach((a, j) => {
      if (a === "relu") {
        ctx.addIssue({ code: "custom", path: ["activations", j], message: "relu is not smooth: gradient flow chatters on its kinks (and its imbalances are conserved like linear ones)" });
      }
    });
    c.small.forEach((r, j) => {
      if (r > c.network.depth) ctx.addIssue({ code: "custom", path: ["small", j], message: `must be at most the depth ${c.network.depth}` });
    });
    if (!c.small.includes(c.deviationR)) ctx.addIssue({ code: "custom", path: ["deviationR"], message: "must be one of small" });
    if (!c.small.includes(c.traceR)) ctx.addIssue({ code: "custom", path: ["traceR"], message: "must be one of small" });
    if (c.gd.r > c.network.depth) ctx.addIssue({ code: "custom", path: ["gd", "r"], message: `must be at most the depth ${c.network.depth}` });
    for (const size of ["quick", "full"] as const) {
      const e = c.sizes[size].epsilon;
      if (!(e.to > e.from)) ctx.addIssue({ code: "custom", path: ["sizes", size, "epsilon", "to"], message: "must be larger than from" });
    }
  });

/** A validated `saddle` config. */
export type SaddleConfig = z.output<typeof SaddleSchema>;
type R = Resolved<SaddleConfig>;

/** One escape: the first r layers at ε. */
export interface EscapeRow {
  r: number;
  eps: number;
  /** Gradient-flow escape time (null: none; see `reason`). */
  tau: number | null;
  reason: string | null;
  evaluations: number;
  /** max over l and t ≤ τ of |Δ_l(t) − Δ_l(0)|. */
  maxDrift: number;
  /** max over t ≤ τ of Σ_l ‖W_l(t)‖²_F: the scale of the imbalances (their rounding is relative to it). */
  normScale: number;
  /** Identity base: max over t ≤ τ of |ΔΔ_1 − Σ_i 2∫_{x_i(0)}^{x_i(t)} ψ/φ'| / max|ΔΔ_1| (the exact identity); NaN otherwise. */
  identityError: number;
}

/** Imbalance drift against first-layer growth, at the smallest ε. */
export interface DriftTrace {
  r: number;
  eps: number;
  /** First-layer growth g = √(‖W_1(t)‖²_F − ‖W_1(0)‖²_F). */
  g: number[];
  /** D = max_l |Δ_l(t) − Δ_l(0)|. */
  D: number[];
  /** ‖W_1(0)‖_F. */
  s0: number;
  t: number[];
  /** For r = traceR only (else empty): Δ_l(t) − Δ_l(0) of every layer pair l = 1 … L−1, per sample. */
  layers: number[][];
}

/** A loss curve (r = traceR). */
export interface LossTrace {
  eps: number;
  tau: number | null;
  t: number[];
  /** Loss / initial loss. */
  loss: number[];
}

/** Result of one (base, activation) task. */
export interface SaddleSeries {
  base: BottleneckBase;
  hidden: number;
  activation: ActivationName;
  rows: EscapeRow[];
  drift: DriftTrace[];
  traces: LossTrace[];
  seconds: number;
}

/** Result of the GD task. */
export interface GdComparison {
  r: number;
  eps: number;
  base: BottleneckBase;
  tauFlow: number;
  gd: { lr: number; tau: number | null; steps: number }[];
}

/** Data of a saddle experiment. */
export interface SaddleData {
  series: SaddleSeries[];
  gd: GdComparison;
  epsilons: number[];
}

/** The geometric ε grid of a budget, largest first. */
export function epsilonGrid(b: R["budget"]): number[] {
  const { from, to, points } = b.epsilon;
  return Array.from({ length: points }, (_, j) => to * Math.pow(from / to, j / (points - 1)));
}

/** 8-point Gauss–Legendre on [0, 1]. */
const GL8 = (() => {
  const x = [0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363];
  const w = [0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763];
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < 4; i++) {
    nodes.push((1 - x[i]!) / 2, (1 + x[i]!) / 2);
    weights.push(w[i]! / 2, w[i]! / 2);
  }
  return { nodes, weights };
})();

/** 2∫_a^b ψ(s)/φ'(s) ds, ψ = φ − sφ' (4 panels of 8-point Gauss–Legendre: the integrand is smooth and small). */
export function imbalanceIntegral(act: ActivationName, a: number, b: number): number {
  const f = getActivation(act);
  const panels = 4;
  const h = (b - a) / panels;
  let sum = 0;
  for (let j = 0; j < panels; j++) {
    for (let q = 0; q < 8; q++) {
      const s = a + (j + GL8.nodes[q]!) * h;
      sum += GL8.weights[q]! * h * ((f.value(s) - s * f.d1(s)) / f.d1(s));
    }
  }
  return 2 * sum;
}

/** The run config of one escape (the same network `dlnlab run --model mlp --epsilon … --small-layers …` simulates). */
function escapeSpec(r: R, base: { base: BottleneckBase; hidden: number; seed: number }, act: ActivationName, small: number, eps: number, dynamics: "flow" | "full", lr = 1) {
  const rtol = r.budget.rtol;
  return resolveRunConfig(RunConfigSchema.parse({
    model: "mlp",
    width: r.network.width,
    depths: [r.network.depth],
    target: { sigma: [r.network.sigma] },
    mlp: { activation: act, hidden: base.hidden, init: { type: "bottleneck", epsilon: eps, layers: Array.from({ length: small }, (_, j) => j + 1), base: base.base } },
    dynamics, lr, steps: 1, seed: base.seed,
    flow: { rtol, atol: 1e-3 * rtol },
    sharpness: { every: 0 },
  }));
}

/** Run every r and ε of one (base, activation) pair. */
export function runSeries(r: R, baseIndex: number, act: ActivationName, progress: ProgressFn = () => {}): SaddleSeries {
  const base = r.bases[baseIndex]!;
  const L = r.network.depth;
  const eps = epsilonGrid(r.budget);
  const epsMin = eps[eps.length - 1]!;
  const t0 = nowMs();
  const rows: EscapeRow[] = [];
  const drift: DriftTrace[] = [];
  const traces: LossTrace[] = [];
  const identity = base.base === "identity";
  let done = 0;
  for (const small of r.small) {
    for (const e of eps) {
      const sys = systemOfKind(new Simulation(escapeSpec(r, base, act, small, e, "flow")).system, "mlp");
      const m = sys.model;
      const norms = new Float64Array(L);
      m.layerNorms(norms);
      const imb0 = Array.from({ length: L - 1 }, (_, l) => norms[l + 1]! ** 2 - norms[l]! ** 2);
      const w1 = m.weight(0, 0);
      const { rows: h1, cols: c1 } = m.layerShape(0, 0);
      const diag = Math.min(h1, c1);
      const x0 = Array.from({ length: diag }, (_, i) => w1[i * c1 + i]!);
      const s0 = norms[0]!;
      const keepDrift = e === epsMin;
      const keepTrace = small === r.traceR;
      const trace: LossTrace = { eps: e, tau: null, t: [], loss: [] };
      const dtrace: DriftTrace = { r: small, eps: e, g: [], D: [], s0, t: [], layers: [] };
      const pts: { t: number; D: number; idErr: number; D1: number; scale: number }[] = [];
      let loss0 = Number.NaN;
      const res = flowEscapeTime(sys, {
        fraction: r.fraction, tMax: 1e30, rtol: r.budget.rtol, atol: 1e-3 * r.budget.rtol,
        ...(keepTrace ? { continueTo: 0.02 } : {}),
        onSample: (t, loss) => {
          if (Number.isNaN(loss0)) loss0 = loss;
          m.layerNorms(norms);
          let D = 0;
          for (let l = 0; l < L - 1; l++) D = Math.max(D, Math.abs(norms[l + 1]! ** 2 - norms[l]! ** 2 - imb0[l]!));
          const D1 = norms[1]! ** 2 - norms[0]! ** 2 - imb0[0]!;
          let idErr = Number.NaN;
          if (identity) {
            let pred = 0;
            for (let i = 0; i < diag; i++) pred += imbalanceIntegral(act, x0[i]!, w1[i * c1 + i]!);
            idErr = Math.abs(D1 - pred);
          }
          pts.push({ t, D, idErr, D1, scale: Array.from(norms).reduce((a, x) => a + x * x, 0) });
          if (keepTrace) {
            trace.t.push(t);
            trace.loss.push(loss / loss0);
          }
          if (keepDrift && t > 0) {
            dtrace.t.push(t);
            dtrace.g.push(Math.sqrt(Math.max(0, norms[0]! ** 2 - s0 * s0)));
            dtrace.D.push(D);
            if (keepTrace) dtrace.layers.push(Array.from({ length: L - 1 }, (_, l) => norms[l + 1]! ** 2 - norms[l]! ** 2 - imb0[l]!));
          }
        },
      });
      const tau = res.time;
      const upto = pts.filter((p) => tau === null || p.t <= tau * (1 + 1e-12));
      const maxD1 = Math.max(...upto.map((p) => Math.abs(p.D1)));
      rows.push({
        r: small, eps: e, tau, reason: res.reason, evaluations: res.evaluations,
        maxDrift: Math.max(...upto.map((p) => p.D)), normScale: Math.max(...upto.map((p) => p.scale)),
        identityError: identity && maxD1 > 0 ? Math.max(...upto.map((p) => p.idErr)) / maxD1 : Number.NaN,
      });
      if (keepTrace) {
        trace.tau = tau;
        traces.push(trace);
      }
      if (keepDrift) {
        // Only the plateau and the drop: cut the trace at τ.
        const n = dtrace.t.findIndex((t) => tau !== null && t > tau);
        if (n >= 0) {
          dtrace.t.length = n;
          dtrace.g.length = n;
          dtrace.D.length = n;
          if (dtrace.layers.length > n) dtrace.layers.length = n;
        }
        drift.push(dtrace);
      }
      progress(++done / (r.small.length * eps.length));
    }
  }
  return { base: base.base, hidden: base.hidden, activation: act, rows, drift, traces, seconds: (nowMs() - t0) / 1000 };
}

/** GF against small-step GD for the linear network (first base). */
export function runGd(r: R, progress: ProgressFn = () => {}): GdComparison {
  const base = r.bases[0]!;
  const flow = flowEscapeTime(new Simulation(escapeSpec(r, base, "linear", r.gd.r, r.gd.epsilon, "flow")).system, {
    fraction: r.fraction, tMax: 1e30, rtol: r.budget.rtol, atol: 1e-3 * r.budget.rtol,
  });
  const tauFlow = flow.time ?? Number.NaN;
  const gd = r.gd.lrs.map((lr, j) => {
    const sys = new Simulation(escapeSpec(r, base, "linear", r.gd.r, r.gd.epsilon, "full", lr)).system;
    const res = gdEscapeTime(sys, { fraction: r.fraction, lr, maxSteps: Math.ceil((3 * tauFlow) / lr) });
    progress((j + 1) / r.gd.lrs.length);
    return { lr, tau: res.time, steps: res.steps };
  });
  return { r: r.gd.r, eps: r.gd.epsilon, base: base.base, tauFlow, gd };
}

const seriesId = (base: { base: string }, act: string) => `${base.base}-${act}`;

/** A task of the saddle kind: one (base index, activation) series, or the GD comparison. */
type SaddleTask = { base: number; activation: ActivationName } | "gd";

/** The `saddle` kind. */
export const saddleKind: ExperimentKind<SaddleConfig, SaddleSeries | GdComparison, SaddleData, SaddleTask> = {
  kind: "saddle",
  schema: SaddleSchema,
  smoke: (quick) => ({ ...quick, epsilon: { from: Math.max(quick.epsilon.from, 3e-2), to: Math.max(quick.epsilon.to, 0.1), points: 3 }, rtol: Math.max(quick.rtol, 1e-8) }),
  plan: (r: R): TaskPlan<SaddleTask>[] => [
    ...r.bases.flatMap((b, base) => r.activations.map((activation) => ({
      id: seriesId(b, activation), label: `${b.base} base, ${activation}`, weight: (b.hidden * b.hidden + 16) * r.small.length * r.budget.epsilon.points, args: { base, activation },
    }))),
    { id: "gd", label: "small-step GD against GF", weight: 64 * r.small.length * r.budget.epsilon.points, args: "gd" },
  ],
  runTask: (r: R, args, progress) => (args === "gd" ? runGd(r, progress) : runSeries(r, args.base, args.activation, progress)),
  assemble: (r: R, parts) => ({
    series: r.bases.flatMap((b) => r.activations.map((a) => parts[seriesId(b, a)] as SaddleSeries)),
    gd: parts["gd"] as GdComparison,
    epsilons: epsilonGrid(r.budget),
  }),
  checks: saddleChecks,
  dataFiles: saddleFiles,
  summary: (r: R, data: SaddleData) => {
    const a = analyseSaddle(r, data);
    return {
      classes: a.grouping,
      series: a.series.map((s) => ({
        base: s.base, activation: s.activation, class: s.cls.label, gain: s.cls.gain,
        exponents: s.exponents.map((x) => ({ r: x.r, exponent: -x.fit.slope, ci95: [-x.fit.ci[1], -x.fit.ci[0]], predicted: x.r - 2 })),
        logLaw: s.logLaw ? { slope: s.logLaw.fit.slope, r2: s.logLaw.fit.r2, predicted: s.logLaw.predicted } : null,
        driftOrder: s.driftOrder?.slope ?? null, deviationExponent: s.deviation?.slope ?? null, conserved: s.conserved,
      })),
      gd: data.gd,
    };
  },
};

/** Exponent fit of one (series, r). */
export interface ExponentFit {
  r: number;
  /** ln τ against ln ε (slope → −(r − 2)). */
  fit: LinearFit;
}

/** Everything derived from one series for checks, summary and figures. */
export interface SeriesAnalysis {
  base: BottleneckBase;
  activation: ActivationName;
  cls: ReturnType<typeof activationClass>;
  /** φ'(0)^{L−1}: the gain of the network linearised at 0. */
  gain: number;
  exponents: ExponentFit[];
  /** r = 2: τ against ln(1/ε), and (identity base) its predicted slope 1/(σ·gain). */
  logLaw: { fit: LinearFit; predicted: number | null } | null;
  /** Largest relative imbalance drift of the series (class A: rounding of the ODE). */
  conservation: number;
  conserved: boolean;
  /** ln D against ln g in the plateau (g ∈ [10‖W_1(0)‖_F, 0.05]) at r = deviationR, smallest ε; null for class A. */
  driftOrder: LinearFit | null;
  /** ln|g·τ_φ/τ_linear − 1| against ln ε at r = deviationR; null for linear. */
  deviation: LinearFit | null;
  /** Points of the deviation fit. */
  deviationPoints: { eps: number; delta: number }[];
  /** Identity base: max relative error of the exact imbalance identity; NaN otherwise. */
  identityError: number;
  /** Identity base, r ≥ 3: worst |τ(ε_min)·(r−2)σ·gain·ε_min^{r−2} − 1|. */
  prefactorError: number;
  /** Worst relative error against the exact chain (identity base, linear); NaN otherwise. */
  chainError: number;
}

/** Grouping of activations by their measured behaviour. */
export interface Grouping {
  /** Per base: class label → activations, from the measurements. */
  measured: Record<string, Record<string, string[]>>;
  /** From the Taylor coefficients of ψ (docs/theory.md §10's classes). */
  predicted: Record<string, string[]>;
}

/** Smallest |δ| used in the deviation fit: 100× the ODE tolerance (below it, τ's own error dominates). */
const deviationFloor = (rtol: number) => 100 * rtol;

/** Analyse every series (pure). */
export function analyseSaddle(r: R, data: SaddleData): { series: SeriesAnalysis[]; grouping: Grouping } {
  const L = r.network.depth;
  const sigma = r.network.sigma;
  const ln = Math.log;
  const series = data.series.map((s): SeriesAnalysis => {
    const cls = activationClass(s.activation);
    const gain = Math.pow(cls.gain, L - 1);
    const ok = (row: EscapeRow) => row.tau !== null && Number.isFinite(row.tau);
    const exponents = r.small.filter((k) => k >= 3).map((k) => {
      const rows = s.rows.filter((x) => x.r === k && ok(x));
      return { r: k, fit: linearFit(rows.map((x) => ln(x.eps)), rows.map((x) => ln(x.tau!))) };
    });
    const two = s.rows.filter((x) => x.r === 2 && ok(x));
    const logLaw = two.length >= 3
      ? { fit: linearFit(two.map((x) => ln(1 / x.eps)), two.map((x) => x.tau!)), predicted: s.base === "identity" ? logEscapeSlope({ depth: L, sigma, gain }) : null }
      : null;
    const conservation = Math.max(...s.rows.map((x) => x.maxDrift / x.normScale));
    const conserved = conservation <= CONSERVATION_TOL;
    const dr = s.drift.find((x) => x.r === r.deviationR);
    let driftOrder: LinearFit | null = null;
    if (dr && !conserved) {
      // The plateau (g ≥ 10‖W_1(0)‖_F: growth, not the initial draw; g ≤ 0.05: ψ's leading Taylor term), and D far
      // above the rounding (~10⁻¹⁵) of differences of O(1) squared norms.
      const sel = dr.g.map((g, j) => ({ g, D: dr.D[j]! })).filter((p) => p.g >= 10 * dr.s0 && p.g <= 0.05 && p.D > DRIFT_FLOOR);
      if (sel.length >= 3) driftOrder = linearFit(sel.map((p) => ln(p.g)), sel.map((p) => ln(p.D)));
    }
    const lin = data.series.find((x) => x.base === s.base && x.activation === "linear");
    let deviation: LinearFit | null = null;
    const deviationPoints: { eps: number; delta: number }[] = [];
    if (lin && s.activation !== "linear") {
      for (const row of s.rows.filter((x) => x.r === r.deviationR && ok(x))) {
        const ref = lin.rows.find((x) => x.r === row.r && x.eps === row.eps);
        if (ref && ok(ref)) deviationPoints.push({ eps: row.eps, delta: (gain * row.tau!) / ref.tau! - 1 });
      }
      const sel = deviationPoints.filter((p) => Math.abs(p.delta) > deviationFloor(r.budget.rtol));
      if (sel.length >= 3) deviation = linearFit(sel.map((p) => ln(p.eps)), sel.map((p) => ln(Math.abs(p.delta))));
    }
    const identityError = s.base === "identity" ? Math.max(...s.rows.map((x) => (Number.isFinite(x.identityError) ? x.identityError : 0))) : Number.NaN;
    const epsMin = Math.min(...s.rows.map((x) => x.eps));
    let prefactorError = Number.NaN;
    let chainError = Number.NaN;
    if (s.base === "identity") {
      prefactorError = Math.max(...s.rows.filter((x) => x.r >= 3 && x.eps === epsMin && ok(x)).map((x) => Math.abs(x.tau! * (x.r - 2) * sigma * gain * Math.pow(x.eps, x.r - 2) - 1)));
      if (s.activation === "linear") chainError = Math.max(...s.rows.filter(ok).map((x) => Math.abs(x.tau! / chainTheory(r, x.r, x.eps) - 1)));
    }
    return {
      base: s.base, activation: s.activation, cls, gain, exponents, logLaw, conservation, conserved, driftOrder, deviation, deviationPoints,
      identityError, prefactorError, chainError,
    };
  });
  const grouping: Grouping = { measured: {}, predicted: {} };
  for (const a of series) {
    (grouping.predicted[a.cls.label] ??= []).includes(a.activation) || grouping.predicted[a.cls.label]!.push(a.activation);
    const g = (grouping.measured[a.base] ??= {});
    (g[measuredClass(a)] ??= []).push(a.activation);
  }
  return { series, grouping };
}

/** Class from the measurements: A when the imbalances are conserved, else by the drift order k + 1 (B: 4, C: 3, D: ≤ 2). */
export function measuredClass(a: Pick<SeriesAnalysis, "conserved" | "driftOrder">): string {
  if (a.conserved) return "A";
  if (!a.driftOrder) return "?";
  const k = Math.round(a.driftOrder.slope) - 1;
  return k >= 3 ? "B" : k === 2 ? "C" : "D";
}

/** Exact GF escape time of the linear identity-base network: the deep chain of mode 1, the other d − 1 (σ = 0) modes' tiny loss held fixed. */
export function chainTheory(r: R, small: number, eps: number): number {
  const { width: d, depth: L, sigma } = r.network;
  // Modes 2…d start at p = ε^r (the O(1) layers are 1) with target 0: their loss (d − 1)·½ε^{2r} barely moves before τ.
  return chainEscapeTime({ depth: L, small, epsilon: eps, sigma, fraction: r.fraction, extraLoss: ((d - 1) / 2) * Math.pow(eps, 2 * small) });
}

/** Smallest imbalance drift used in the drift-order fit (10⁴ × the rounding of O(1) squared norms). */
const DRIFT_FLOOR = 1e-11;

/** Relative imbalance drift below which a series counts as exactly conserving them (ODE tolerance × 100). */
export const CONSERVATION_TOL = 1e-7;

/** Tolerances of the saddle checks. */
export const SADDLE_TOLERANCES = {
  /** Added to the fit's 95% CI half-width: the O(ε) (class C) and O(ε²) corrections bend ln τ(ln ε) slightly on the grid. */
  exponentBias: 0.02,
  /** Relative, r = 2 slope of τ in ln(1/ε) against 1/(σ·gain): finite-ε corrections of order ε ln(1/ε). */
  logSlope: 0.01,
  /** r = 2, He base: R² of τ against ln(1/ε). */
  logLinearity: 1e-3,
  /** Relative, GF escape of the linear chain against the quadrature (ODE tolerance × 10⁴ accumulated over the plateau). */
  chain: 1e-6,
  /** Relative, the exact imbalance identity along the flow. */
  identity: 1e-6,
  /** Absolute, fitted orders of the imbalance drift and of the escape-time deviation. */
  order: 0.15,
  deviation: 0.2,
  /** Relative, τ(ε_min)·(r−2)σ·gain·ε_min^{r−2} → 1. */
  prefactor: 0.005,
  /** Absolute, convergence order of GD's escape time to GF's. */
  gdOrder: 0.1,
} as const;

/** Checks of a saddle experiment. */
export function saddleChecks(r: R, data: SaddleData): Check[] {
  const T = SADDLE_TOLERANCES;
  const { series, grouping } = analyseSaddle(r, data);
  const L = r.network.depth;
  const out: Check[] = [];
  const claim = "docs/theory.md §10; Rawal & DeWeese (2026)";
  const eps = data.epsilons;
  const range = `ε ∈ [${short(eps[eps.length - 1]!, 3)}, ${short(eps[0]!, 3)}] (${eps.length} points)`;
  for (const a of series) {
    const tag = `${a.activation}, ${a.base} base`;
    for (const x of a.exponents) {
      const half = (x.fit.ci[1] - x.fit.ci[0]) / 2;
      out.push(closeCheck({
        provenance: "rawal-deweese-2026",
        name: `escape time τ* ∝ ε^{−(r−2)}: exponent for r = ${x.r} of ${L} layers at ε (${tag})`, claim,
        predicted: x.r - 2, measured: -x.fit.slope, tolerance: half + T.exponentBias,
        note: `least-squares slope of ln τ against ln ε over ${range}, 95% CI [${short(-x.fit.ci[1], 5)}, ${short(-x.fit.ci[0], 5)}] (t with ${x.fit.n - 2} d.o.f.); ` +
          `tolerance = CI half-width + ${T.exponentBias} for the finite-ε curvature the straight line cannot absorb`,
      }));
    }
    if (a.logLaw) {
      const f = a.logLaw.fit;
      out.push(a.logLaw.predicted !== null
        ? closeCheck({
          provenance: "approximation",
          name: `r = 2: τ grows linearly in ln(1/ε), slope 1/(σ·φ'(0)^{L−1}) (${tag})`, claim,
          predicted: a.logLaw.predicted, measured: f.slope, tolerance: T.logSlope, kind: "rel",
          note: `slope of τ against ln(1/ε) over ${range}, R² = ${short(f.r2, 8)}; the power law's exponent r − 2 is 0, so the escape is logarithmic: dτ/d ln(1/ε) → 1/(σ g) with g = φ'(0)^{L−1} = ${short(a.gain, 4)}`,
        })
        : closeCheck({
          provenance: "rawal-deweese-2026",
          name: `r = 2: τ grows linearly in ln(1/ε) (${tag})`, claim,
          predicted: 1, measured: f.r2, tolerance: T.logLinearity,
          note: `R² of τ against ln(1/ε) over ${range}; fitted slope ${short(f.slope, 5)} (the He draw sets the prefactor, so only the logarithmic form is predicted)`,
        }));
    }
    if (a.activation === "linear") {
      out.push(closeCheck({
        provenance: "rawal-deweese-2026",
        name: `linear network: norm imbalances ‖W_{l+1}‖²_F − ‖W_l‖²_F conserved by gradient flow (${a.base} base)`, claim: "docs/theory.md §6, §10",
        predicted: 0, measured: a.conservation, tolerance: CONSERVATION_TOL,
        note: `largest |Δ_l(t) − Δ_l(0)|/max_t Σ_l‖W_l(t)‖²_F over every run up to its escape (ODE rtol ${r.budget.rtol}; rounding of the squared norms is relative to their largest value)`,
      }));
      if (Number.isFinite(a.chainError)) {
        out.push(closeCheck({
          provenance: "consistency",
          name: "linear network, identity base: escape time = the exact escape time of the deep chain", claim: "docs/theory.md §10 (scalar reduction)",
          predicted: 0, measured: a.chainError, tolerance: T.chain,
          note: "largest |τ/τ_chain − 1| over every r and ε; τ_chain = ∫ x dx/((σ − p)p), p = x^r (1 − ε² + x²)^{(L−r)/2}, by quadrature (theory.chainEscapeTime)",
        }));
      }
    } else {
      const k = a.cls.order;
      if (Number.isFinite(a.identityError)) {
        out.push(closeCheck({
          provenance: "rawal-deweese-2026",
          name: `imbalance identity along the flow: Δ_1(t) − Δ_1(0) = Σ_i 2∫ψ(x)/φ'(x) dx, ψ = φ − xφ' (${a.activation}, identity base)`, claim: "docs/theory.md §10 (norm-imbalance identity)",
          predicted: 0, measured: a.identityError, tolerance: T.identity,
          note: "largest error relative to max|Δ_1 − Δ_1(0)| over every run up to its escape; x_i: the diagonal of W_1 (the identity base keeps every layer diagonal), from d/dt(‖W_2‖² − ‖W_1‖²) = −2⟨E_1, ψ(Z_1)⟩",
        }));
      }
      out.push(closeCheck({
        provenance: "rawal-deweese-2026",
        name: `imbalance drift order: max_l|ΔΔ_l| ∝ g^{k+1}, ψ(z) = O(z^k), k = ${k} (${tag})`, claim: "docs/theory.md §10 (universality classes)",
        predicted: k + 1, measured: a.driftOrder?.slope ?? Number.NaN, tolerance: T.order,
        note: `slope of ln max_l|Δ_l(t) − Δ_l(0)| against ln g, g = √(‖W_1‖²_F − ‖W_1(0)‖²_F), over 10‖W_1(0)‖_F ≤ g ≤ 0.05 (the plateau) and drifts above ${DRIFT_FLOOR}, r = ${r.deviationR}, ε = ${short(eps[eps.length - 1]!, 3)}; ` +
          `${a.cls.reason}; then dΔ_1/dx = 2ψ(x)/φ'(x) ∝ x^k`,
      }));
      out.push(closeCheck({
        provenance: "approximation",
        name: `rescaled escape time → the linear network's like ε^{k−1} = ε^${k - 1} (${tag})`, claim: "docs/theory.md §10 (universality classes)",
        predicted: k - 1, measured: a.deviation?.slope ?? Number.NaN, tolerance: T.deviation,
        note: `slope of ln|g·τ_φ/τ_linear − 1| against ln ε at r = ${r.deviationR} (g = φ'(0)^{L−1} = ${short(a.gain, 4)}; points with |δ| > ${deviationFloor(r.budget.rtol)}): ` +
          "on the plateau the network is its linearisation with gain φ'(0) per layer, corrected by the first nonlinear Taylor term of φ, O(z) when φ''(0) ≠ 0, O(z²) for odd φ",
      }));
    }
    if (Number.isFinite(a.prefactorError)) {
      out.push(closeCheck({
        provenance: "approximation",
        name: `leading-order law τ* ≈ ε^{−(r−2)}/((r−2)σφ'(0)^{L−1}) at the smallest ε (${tag}, every r ≥ 3)`, claim,
        predicted: 0, measured: a.prefactorError, tolerance: T.prefactor,
        note: `largest |τ(ε)·(r−2)σ g ε^{r−2} − 1| at ε = ${short(eps[eps.length - 1]!, 3)}, g = ${short(a.gain, 4)} (theory.leadingEscapeTime); the corrections are O(ε) for r = 3 and for class C, O(ε²) otherwise`,
      }));
    }
  }
  const g = data.gd;
  const errs = g.gd.map((x) => (x.tau === null ? Number.NaN : Math.abs(x.tau - g.tauFlow)));
  const order = Math.log(errs[0]! / errs[1]!) / Math.log(g.gd[0]!.lr / g.gd[1]!.lr);
  out.push(closeCheck({
    provenance: "consistency",
    name: `small-step GD escapes at the GF time, with an O(η) error (linear, r = ${g.r}, ε = ${g.eps})`, claim: "docs/theory.md §1 (GD → GF as η → 0); §10",
    predicted: 1, measured: order, tolerance: T.gdOrder,
    note: `τ_GF = ${short(g.tauFlow, 8)}; ${g.gd.map((x, j) => `η = ${x.lr}: τ_GD = ${x.tau === null ? "none" : short(x.tau, 8)} (${x.steps} steps, relative error ${short(errs[j]! / g.tauFlow, 3)})`).join("; ")}; measured: the convergence order ln(err₁/err₂)/ln(η₁/η₂)`,
  }));
  const fmtGroups = (m: Record<string, string[]>) => Object.keys(m).sort().map((k) => `${k}: ${m[k]!.join(", ")}`).join(" | ");
  const predicted = fmtGroups(grouping.predicted);
  for (const [base, m] of Object.entries(grouping.measured)) {
    const measured = fmtGroups(m);
    out.push(categoryCheck({
      provenance: "rawal-deweese-2026",
      name: `activations group into universality classes by their measured imbalance drift (${base} base)`, claim: "docs/theory.md §10 (tanh, erf, sin together; GELU, swish together)",
      predicted, measured, pass: predicted === measured,
      note: "A: imbalances conserved (ψ ≡ 0); B: drift order 4 (odd φ, ψ = O(z³)); C: drift order 3 (φ''(0) ≠ 0, ψ = O(z²)); measured class from the fitted drift order, rounded",
    }));
  }
  return out;
}

/** Data files: every escape time, the drift traces and the loss traces. */
function saddleFiles(r: R, data: SaddleData): DataFile[] {
  const rows = ["base,hidden,activation,r,epsilon,tau,evaluations,max_imbalance_drift,norm_scale,identity_error,reason"];
  for (const s of data.series) {
    for (const x of s.rows) rows.push([s.base, s.hidden, s.activation, x.r, x.eps, x.tau ?? "", x.evaluations, x.maxDrift, x.normScale, Number.isFinite(x.identityError) ? x.identityError : "", JSON.stringify(x.reason ?? "")].join(","));
  }
  const L = r.network.depth;
  const drift = [["base,activation,r,epsilon,t,first_layer_growth,imbalance_drift", ...Array.from({ length: L - 1 }, (_, l) => `delta_${l + 1}`)].join(",")];
  for (const s of data.series) {
    for (const d of s.drift) d.t.forEach((t, j) => drift.push([s.base, s.activation, d.r, d.eps, t, d.g[j], d.D[j], ...(d.layers[j] ?? new Array<string>(L - 1).fill(""))].join(",")));
  }
  const traces = ["base,activation,r,epsilon,t,loss_over_initial"];
  for (const s of data.series) for (const tr of s.traces) tr.t.forEach((t, j) => traces.push([s.base, s.activation, r.traceR, tr.eps, t, tr.loss[j]].join(",")));
  return [
    {
      name: "escape.csv",
      description: `Gradient-flow escape times τ (loss ≤ ${r.fraction}·initial, event-located) for every base, activation, r (first r of ${r.network.depth} layers at ε) and ε; ` +
        "ODE evaluations; largest |Δ_l(t) − Δ_l(0)| up to τ (Δ_l = ‖W_{l+1}‖²_F − ‖W_l‖²_F); max_t Σ_l‖W_l(t)‖²_F up to τ; identity base: relative error of the exact imbalance identity; why τ is missing if it is",
      content: rows.join("\n") + "\n",
    },
    {
      name: "drift.csv",
      description: "Imbalance drift max_l|Δ_l(t) − Δ_l(0)| against first-layer growth √(‖W_1(t)‖²_F − ‖W_1(0)‖²_F) up to τ, smallest ε, every r; " +
        `for r = ${r.traceR} also every layer pair's Δ_l(t) − Δ_l(0) (delta_l, Δ_l = ‖W_{l+1}‖²_F − ‖W_l‖²_F)`,
      content: drift.join("\n") + "\n",
    },
    {
      name: "loss.csv",
      description: `Loss / initial loss against time for r = ${r.traceR}, every ε, until the loss falls to 2% of its initial value`,
      content: traces.join("\n") + "\n",
    },
  ];
}

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
import { RunConfigSchema, resolveRunConfig } from "../../../config/schema.js";
import { Simulation, systemOfKind } from "../../../engine/simulate.js";
import { getActivation, type ActivationName } from "../../../engine/mlp/activations.js";
import type { BottleneckBase } from "../../../engine/saddle/init.js";
import { flowEscapeTime, gdEscapeTime } from "../../../engine/saddle/escape.js";
import type { DataFile, ExperimentKind, ProgressFn, Resolved, TaskPlan } from "../../types.js";
import { nowMs } from "../../../engine/clock.js";
import { analyseSaddle, saddleChecks } from "./checks.js";
import { type SaddleConfig, SaddleSchema } from "./schema.js";

export * from "./schema.js";
export * from "./checks.js";

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

/**
 * @file The central-flow prediction of large-step GD for one mode (docs/theory.md §11): integrate the
 * reduced central flow (src/engine/dynamics/central.ts) from a depth-balanced SVS initialisation to its end
 * point and summarise the trajectory — when it reaches the edge S = 2/η, how long the re-balancing drift
 * takes, and the final split (the stopping boundary for any K and depths, without the leaf-ray assumption).
 */
import { CentralFlow, ReducedEdgeModel } from "../engine/dynamics/central.js";
import { DormandPrince } from "../engine/dynamics/ode.js";
import { balancingGap } from "../engine/measure/observables.js";
import { ipow } from "../engine/dynamics/reduced.js";
import { optimalAllocation } from "./allocation.js";
import * as check from "./validate.js";

/** A sample of the predicted trajectory. */
export interface CentralSample {
  /** GD step. */
  step: number;
  /** Per-pathway mode coefficients s_k. */
  s: number[];
  /** Sharpness S (top eigenvalue of the depth-balanced mode block). */
  sharpness: number;
  /** Predicted squared oscillation amplitude x (0 in the stable phase). */
  x: number;
  /** Loss ½ r² at the central point. */
  loss: number;
}

/** The predicted trajectory summary of one mode. */
export interface CentralPrediction {
  /** Final per-pathway coefficients s_k. */
  s: number[];
  /** Final sharpness (2/η when the run re-balanced, below it when the GF end point was stable). */
  sharpness: number;
  /** First (fractional) step at which S reaches 2/η, located by the solver's event (null: never, GD behaves like gradient flow). */
  entryStep: number | null;
  /** Step at which the flow left the edge for good (null: it is still at the edge when it stops, x → 0). */
  exitStep: number | null;
  /**
   * Re-balancing duration (GD steps): the time the balancing gap Var_k(s_k) takes from 10% to 90% of its
   * drop from the peak to the final value (null without an edge phase).
   */
  duration: number | null;
  /** Steps t10 and t90 of that drop. */
  t10: number | null;
  t90: number | null;
  /** Step at which the flow was stopped (loss ≤ 1e-28 σ² and x ≤ 1e-14 σ, or stable). */
  endStep: number;
  /** The sampled trajectory (about `samples` points). */
  trajectory: CentralSample[];
  /**
   * The end point with GD's amplitude lag (a model of why GD stops past the boundary): from 20 steps after
   * the entry, x becomes a state, d ln x/dt = 2 ln|ηS − 1| (GD's oscillation along u grows or decays by
   * |1 − ηS| per step), with the flow's dw/dt = −η[∇ℒ + ½x∇S]; null without an edge phase.
   */
  lagged: { s: number[]; sharpness: number } | null;
}

/** Options of `centralFlowPrediction`. */
export interface CentralPredictionOptions {
  /** End-to-end init scales α_k > 0 (per-layer a_k = α_k^{1/L_k}); default 1e-6·0.9^(k−1). */
  initScales?: readonly number[];
  /** Largest number of GD steps to integrate (default 10⁷). */
  maxSteps?: number;
  /** Relaxation time τ of the flow (default 20). */
  tau?: number;
}

/**
 * The reduced central flow of one mode with target σ, depths L_k and step η = `lr`, from a depth-balanced
 * SVS init, integrated until the loss and x vanish. Throws RangeError naming `lr` for η ≥ 2/λ_bal (no
 * zero-loss point on the edge exists) or when the flow does not end within `maxSteps`.
 * @example centralFlowPrediction([4, 4], 1, 0.625).s // ≈ [0.7925, 0.2075], the exact K = 2 boundary
 */
export function centralFlowPrediction(
  depths: readonly number[], sigma: number, lr: number, opts: CentralPredictionOptions = {},
): CentralPrediction {
  check.depths("depths", depths);
  check.positive("sigma", sigma);
  check.positive("lr", lr);
  const K = depths.length;
  const alpha = opts.initScales ?? Array.from({ length: K }, (_, k) => 1e-6 * Math.pow(0.9, k));
  if (alpha.length !== K) throw new RangeError(`initScales: has ${alpha.length} values; expected ${K} (one per pathway)`);
  alpha.forEach((a, k) => check.positive(`initScales[${k}]`, a));
  const etaBalanced = 2 / optimalAllocation(depths, sigma).sharpness;
  if (lr >= etaBalanced) {
    throw new RangeError(
      `lr: ${lr} is at or above 2/λ_bal = ${etaBalanced.toPrecision(6)}: no zero-loss point on the edge (the flow stays at the edge with positive loss)`,
    );
  }
  const maxSteps = opts.maxSteps ?? 10_000_000;
  const model = new ReducedEdgeModel({ depths, sigma: Float64Array.from([sigma]) }, "balanced");
  const flow = new CentralFlow(model, { lr, rtol: 1e-10, atol: 1e-14, tau: opts.tau ?? 20 });
  const y = Float64Array.from(depths, (L, k) => Math.pow(alpha[k]!, 1 / L));
  flow.settle(y);
  const coeffs = () => depths.map((L, k) => ipow(y[k]!, L));
  const samples: CentralSample[] = [];
  const sample = (step: number) => {
    flow.evaluate(y);
    samples.push({ step, s: coeffs(), sharpness: flow.values[0]![0]!, x: flow.x(0)[0]!, loss: flow.loss });
  };
  let t = 0;
  let entry: number | null = flow.active(0) > 0 ? 0 : null;
  let exit: number | null = null;
  sample(0);
  const lossEnd = 1e-28 * sigma * sigma;
  for (;;) {
    // Sample densely enough for the duration quantiles: ≤ 4 steps at the edge, ~1/200 of the elapsed time otherwise.
    const dt = Math.max(1, Math.floor(t / 200));
    const next = Math.min(maxSteps, t + (flow.active(0) > 0 ? Math.min(dt, 4) : dt));
    const before = flow.active(0);
    flow.advance(y, t, next);
    t = next;
    sample(t);
    const now = flow.active(0);
    if (before === 0 && now > 0 && entry === null) entry = flow.lastSwitch;
    if (before > 0 && now === 0) exit = flow.lastSwitch;
    if (now > 0) exit = null;
    const last = samples[samples.length - 1]!;
    if (last.loss <= lossEnd && (now === 0 || last.x <= 1e-14 * sigma)) break;
    if (t >= maxSteps) {
      throw new RangeError(`lr: the central flow did not reach a zero-loss point within ${maxSteps} steps (λ_bal ≥ 2/lr: no stable end point?)`);
    }
  }
  const gap = samples.map((p) => balancingGap(p.s));
  let duration: number | null = null;
  let t10: number | null = null;
  let t90: number | null = null;
  if (entry !== null) {
    let peak = 0;
    for (let j = 1; j < gap.length; j++) if (gap[j]! > gap[peak]!) peak = j;
    const end = gap[gap.length - 1]!;
    const drop = gap[peak]! - end;
    const crossing = (q: number) => {
      const level = gap[peak]! - q * drop;
      for (let j = peak + 1; j < gap.length; j++) {
        if (gap[j]! <= level) {
          const f = (gap[j - 1]! - level) / (gap[j - 1]! - gap[j]!);
          return samples[j - 1]!.step + f * (samples[j]!.step - samples[j - 1]!.step);
        }
      }
      return samples[samples.length - 1]!.step;
    };
    if (drop > 0) {
      t10 = crossing(0.1);
      t90 = crossing(0.9);
      duration = t90 - t10;
    }
  }
  const last = samples[samples.length - 1]!;
  let lagged: CentralPrediction["lagged"] = null;
  const from = entry === null ? -1 : samples.findIndex((p) => p.step >= entry! + 20 && p.x > 0);
  if (from >= 0) lagged = amplitudeLag(model, depths, lr, samples[from]!, maxSteps);
  return { s: last.s, sharpness: last.sharpness, entryStep: entry, exitStep: exit, duration, t10, t90, endStep: t, trajectory: samples, lagged };
}

/**
 * The amplitude-lag model from a point of the central flow: state (a_k, ln x), da_k/dt = −η[r a_k^{L_k−1} +
 * ½ x ∂S/∂σ_k], d ln x/dt = 2 ln|ηS − 1|, integrated until x < 1e-30 (its push is then negligible).
 */
function amplitudeLag(model: ReducedEdgeModel, depths: readonly number[], lr: number, start: CentralSample, maxSteps: number) {
  const K = depths.length;
  const g = new Float64Array(K);
  const a = new Float64Array(K);
  const rhs = (y: Float64Array, dy: Float64Array) => {
    for (let k = 0; k < K; k++) a[k] = y[k]!;
    const ev = model.edge(a, 0, 1);
    model.gradient(a, g);
    const x = Math.exp(y[K]!);
    const G = ev.G[0]!;
    for (let k = 0; k < K; k++) dy[k] = -lr * (g[k]! + 0.5 * x * G[k]!);
    dy[K] = 2 * Math.log(Math.abs(lr * ev.values[0]! - 1));
  };
  const ode = new DormandPrince(K + 1, (_t, y, dy) => rhs(y, dy), { rtol: 1e-10, atol: 1e-14 });
  const y = Float64Array.from([...depths.map((L, k) => Math.pow(start.s[k]!, 1 / L)), Math.log(start.x)]);
  let t = start.step;
  while (y[K]! > Math.log(1e-30) && t < maxSteps) {
    ode.integrate(y, t, t + 50);
    t += 50;
  }
  const aEnd = y.subarray(0, K);
  return { s: depths.map((L, k) => ipow(aEnd[k]!, L)), sharpness: model.edge(Float64Array.from(aEnd), 0, 0).values[0]! };
}

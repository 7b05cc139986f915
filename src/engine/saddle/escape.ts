/**
 * @file Escape times from a small-initialisation plateau (docs/theory.md §10): the first time τ at which
 * the loss falls to `fraction` × its initial value. Under gradient flow the loss decreases
 * monotonically (dℒ/dt = −‖∇ℒ‖²), so the crossing is unique: it is bracketed on a geometric grid of
 * sample times (Dormand–Prince between samples; the grid spans τ ~ 10⁻³…10¹² in a few hundred
 * samples, denser where the loss falls) and then located by the Illinois variant of regula falsi on ln(ℒ(t)/threshold),
 * re-integrating from the bracket's left end for every trial time — so τ is resolved to the
 * requested relative resolution and is otherwise as accurate as the ODE solution. Under GD the
 * crossing is located between two steps by linear interpolation of ln ℒ (resolution: one step).
 * Works on any `System` (the MLP of every activation, the linear network, the classifier).
 */
import { DormandPrince } from "../dynamics/ode.js";
import type { System } from "../dynamics/systems.js";

/** Settings of a gradient-flow escape-time measurement. */
export interface FlowEscapeOptions {
  /** Escape when ℒ(t) ≤ fraction·ℒ(0); 0 < fraction < 1. */
  fraction: number;
  /** Give up (time: null) beyond this time. */
  tMax: number;
  /** ODE tolerances (defaults 1e-10, 1e-12). */
  rtol?: number;
  atol?: number;
  /** First sample time (default 1e-3). */
  tFirst?: number;
  /** Largest ratio of successive sample times (default 1.1). */
  ratio?: number;
  /** Relative resolution of the located τ (default 1e-10; the ODE tolerance bounds the accuracy). */
  resolution?: number;
  /** Keep integrating (and sampling) after the escape until ℒ ≤ continueTo·ℒ(0) (default: stop at τ). */
  continueTo?: number;
  /** Called with the state evaluated in the system at t = 0, every sample time and at τ. */
  onSample?: (t: number, loss: number) => void;
}

/** Outcome of an escape-time measurement. */
export interface EscapeResult {
  /** The escape time τ, or null when the loss did not fall to the threshold by tMax (or the flow broke down). */
  time: number | null;
  initialLoss: number;
  /** fraction·initialLoss. */
  threshold: number;
  /** Why there is no escape time (null when there is one). */
  reason: string | null;
  /** Right-hand-side evaluations used. */
  evaluations: number;
}

/**
 * Gradient-flow escape time of `sys` from its current state, which is left at τ (or where
 * `continueTo` stopped). See the file header for the method.
 */
export function flowEscapeTime(sys: System, o: FlowEscapeOptions): EscapeResult {
  if (!(o.fraction > 0 && o.fraction < 1)) throw new RangeError(`fraction: must be in (0, 1), got ${o.fraction}`);
  const n = sys.state.length;
  const rtol = o.rtol ?? 1e-10;
  const atol = o.atol ?? 1e-12;
  const ratio = o.ratio ?? 1.1;
  const resolution = o.resolution ?? 1e-10;
  let evaluations = 0;
  const rhs = (_t: number, y: Float64Array, dy: Float64Array) => {
    evaluations++;
    sys.flowRhs(y, dy);
  };
  const ode = new DormandPrince(n, rhs, { rtol, atol });
  const probe = new DormandPrince(n, rhs, { rtol, atol });
  const y = Float64Array.from(sys.state);
  const left = new Float64Array(n);
  const trial = new Float64Array(n);
  const lossAt = (state: Float64Array): number => {
    sys.state.set(state);
    return sys.evaluate();
  };
  let loss = lossAt(y);
  const loss0 = loss;
  const threshold = o.fraction * loss0;
  o.onSample?.(0, loss0);
  const done = (time: number | null, reason: string | null): EscapeResult => ({ time, initialLoss: loss0, threshold, reason, evaluations });
  if (!(loss0 > 0) || !Number.isFinite(loss0)) return done(null, `initial loss ${loss0} is not positive and finite`);
  // Elapsed time as an unevaluated sum hi + lo: the plateau may last 10¹⁵ while the drop lasts O(1),
  // below the resolution of a single double at that size.
  let hi = 0;
  let lo = 0;
  const now = () => hi + lo;
  const advance = (dt: number) => {
    const s = hi + dt;
    const b = s - hi;
    lo += hi - (s - b) + (dt - b);
    hi = s;
  };
  let tau: number | null = null;
  const stopAt = o.continueTo ?? 0;
  // Sample spacing follows the solver's own steps (about one accepted step per sample), so that the
  // sudden drop at the escape, however late, is bracketed by one short step.
  let delta = o.tFirst ?? 1e-3;
  try {
    for (;;) {
      const t = now();
      const dt = Math.min(delta, t > 0 ? (ratio - 1) * t : delta);
      if (tau === null && t + dt > o.tMax) return done(null, `no escape by t = ${o.tMax}`);
      left.set(y);
      const before = ode.stats.accepted;
      // The flow is autonomous: each interval is integrated as [0, dt].
      ode.integrate(y, 0, dt);
      const steps = ode.stats.accepted - before;
      delta = steps <= 1 ? 2 * dt : (2 * dt) / steps;
      loss = lossAt(y);
      if (!Number.isFinite(loss)) return done(null, `loss became non-finite at t = ${t + dt}`);
      if (tau === null && loss <= threshold) {
        tau = hi + (lo + locate(left, dt, loss, probe, trial, lossAt, threshold, resolution));
        o.onSample?.(tau, lossAt(trial));
        if (!(stopAt > 0 && stopAt < o.fraction)) {
          sys.state.set(trial);
          sys.evaluate();
          return done(tau, null);
        }
        // Samples continue from the grid point past τ.
        lossAt(y);
      }
      advance(dt);
      o.onSample?.(now(), loss);
      if (tau !== null && (loss <= stopAt * loss0 || now() > o.tMax)) break;
    }
  } catch (err) {
    return done(tau, `the flow broke down: ${(err as Error).message}`);
  }
  sys.state.set(y);
  sys.evaluate();
  return done(tau, null);
}

/**
 * The crossing offset in (0, b] of ln(ℒ/threshold), with the state at offset 0 in `left` and ℒ(b) ≤
 * threshold: Illinois regula falsi, each trial re-integrated from 0. Leaves the state at the returned
 * offset in `trial`.
 */
function locate(
  left: Float64Array, b: number, lossB: number, probe: DormandPrince, trial: Float64Array,
  lossAt: (s: Float64Array) => number, threshold: number, resolution: number,
): number {
  const a = 0;
  const g = (loss: number) => Math.log(loss / threshold);
  const at = (t: number): number => {
    trial.set(left);
    probe.reset();
    if (t > a) probe.integrate(trial, 0, t - a);
    return g(lossAt(trial));
  };
  let lo = a;
  let hi = b;
  let glo = at(a);
  let ghi = g(lossB);
  let side = 0;
  for (let it = 0; it < 200 && hi - lo > resolution * hi; it++) {
    const t = hi - (ghi * (hi - lo)) / (ghi - glo);
    const mid = t > lo && t < hi ? t : (lo + hi) / 2;
    const gm = at(mid);
    if (gm === 0) {
      lo = hi = mid;
      break;
    }
    if (gm > 0) {
      lo = mid;
      glo = gm;
      if (side === -1) ghi /= 2;
      side = -1;
    } else {
      hi = mid;
      ghi = gm;
      if (side === 1) glo /= 2;
      side = 1;
    }
  }
  // Interpolate ln ℒ linearly within the final (tiny) bracket, and leave the state at that time.
  const tau = ghi === glo ? hi : lo - (glo * (hi - lo)) / (ghi - glo);
  at(Math.min(hi, Math.max(lo, tau)));
  return Math.min(hi, Math.max(lo, tau));
}

/** Settings of a gradient-descent escape-time measurement. */
export interface GdEscapeOptions {
  /** Escape when ℒ_t ≤ fraction·ℒ_0; 0 < fraction < 1. */
  fraction: number;
  /** Constant step size η (time = η·steps). */
  lr: number;
  /** Give up after this many steps. */
  maxSteps: number;
}

/**
 * GD escape time: the first step t with ℒ_t ≤ fraction·ℒ_0, returned as the time η·(t − 1 + θ) where
 * θ ∈ (0, 1] interpolates ln ℒ linearly between steps t − 1 and t (resolution η).
 */
export function gdEscapeTime(sys: System, o: GdEscapeOptions): EscapeResult & { steps: number } {
  if (!(o.fraction > 0 && o.fraction < 1)) throw new RangeError(`fraction: must be in (0, 1), got ${o.fraction}`);
  let prev = Number.NaN;
  let loss0 = Number.NaN;
  let threshold = Number.NaN;
  for (let t = 0; t <= o.maxSteps; t++) {
    const loss = sys.step(o.lr);
    if (t === 0) {
      loss0 = loss;
      threshold = o.fraction * loss0;
    }
    if (!Number.isFinite(loss)) return { time: null, initialLoss: loss0, threshold, reason: `loss became non-finite at step ${t}`, evaluations: t + 1, steps: t };
    if (t > 0 && loss <= threshold) {
      const theta = Math.log(prev / threshold) / Math.log(prev / loss);
      return { time: o.lr * (t - 1 + theta), initialLoss: loss0, threshold, reason: null, evaluations: t + 1, steps: t };
    }
    prev = loss;
  }
  return { time: null, initialLoss: loss0, threshold, reason: `no escape within ${o.maxSteps} steps`, evaluations: o.maxSteps + 1, steps: o.maxSteps };
}

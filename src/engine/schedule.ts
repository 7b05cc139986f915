/**
 * @file Step-size schedules. A schedule is a multiplier m(t) of the base step size: GD step t uses
 * η_t = lr · m(t), so `lr` is always the peak (post-warm-up) step and `--lr` rescales any schedule.
 */

/** Constant step: m(t) = 1. */
export interface ConstantSchedule {
  type: "constant";
}

/** Linear warm-up over `steps` steps from `start`·lr to lr: m(t) = start + (1 − start)·min(1, (t+1)/steps). */
export interface WarmupSchedule {
  type: "warmup";
  /** Number of warm-up steps W ≥ 1. */
  steps: number;
  /** Initial multiplier in [0, 1] (default 0, so step 0 uses lr/W). */
  start?: number;
}

/** Piecewise constant: m(t) = factors[j] where j = number of boundaries ≤ t (factors.length = boundaries.length + 1). */
export interface PiecewiseSchedule {
  type: "piecewise";
  /** Increasing step indices where the factor changes. */
  boundaries: readonly number[];
  /** Multipliers, one per segment. */
  factors: readonly number[];
}

/**
 * Decreasing step (the layer-alignment experiments, docs/theory.md §9): m(t) = (1 + t/T)^{−p}. With p = 1
 * (inverse-time decay) Σ_t η_t = ∞ and Σ_t η_t² < ∞; the elapsed gradient-flow time then grows like
 * lr·T·ln(1 + t/T).
 */
export interface DecaySchedule {
  type: "decay";
  /** Time scale T ≥ 1 of the decay, in steps (η has fallen to lr·2^{−p} at t = T). */
  timescale: number;
  /** Exponent p > 0 (default 1: inverse-time decay; 0.5: inverse square root). */
  power?: number;
}

/** Any schedule. */
export type ScheduleSpec = ConstantSchedule | WarmupSchedule | PiecewiseSchedule | DecaySchedule;

/** The step size η_t as a function of the step index t ≥ 0. */
export function makeSchedule(lr: number, spec: ScheduleSpec): (t: number) => number {
  switch (spec.type) {
    case "constant":
      return () => lr;
    case "warmup": {
      const W = spec.steps;
      const start = spec.start ?? 0;
      return (t) => lr * (start + (1 - start) * Math.min(1, (t + 1) / W));
    }
    case "piecewise": {
      const { boundaries, factors } = spec;
      return (t) => {
        let j = 0;
        while (j < boundaries.length && boundaries[j] <= t) j++;
        return lr * factors[j];
      };
    }
    case "decay": {
      const T = spec.timescale;
      const p = spec.power ?? 1;
      return p === 1 ? (t) => lr / (1 + t / T) : (t) => lr * Math.pow(1 + t / T, -p);
    }
  }
}

/**
 * @file The deep linear classifier as a simulated `System` (docs/theory.md §9), so that `dlnlab run`
 * (`model: classifier`) drives it like any other model: GD or gradient flow on every weight, the risk
 * as the loss, sharpness by Lanczos on the exact HVP. Its "mode coefficients" are the coordinates of
 * the normalised end-to-end predictor w/‖w‖ in an orthonormal basis whose first vector is the
 * max-margin direction ŵ (a Householder reflection): s_1 = cos∠(w, ŵ) → 1 and s_i → 0 for i ≥ 2 as
 * the predictor turns to the max-margin direction, so the target levels are σ = (1, 0, …, 0) and
 * `drift()` = sin∠(w, ŵ), the relative mass of the predictor off that direction.
 */
import type { Backend } from "../linalg/kernels.js";
import type { Rng } from "../rng.js";
import { WeightSystem, type System } from "../dynamics/systems.js";
import { separableData, type SeparableData, type SeparableDataSpec } from "./data.js";
import type { MarginLossName } from "./losses.js";
import { DeepLinearClassifier } from "./model.js";
import { maxMarginDirection, type MaxMarginSolution } from "./svm.js";

/** Initialisation of the classifier's weights: i.i.d. N(0, std²) entries. */
export interface ClassifierInit {
  type: "gaussian";
  /** Standard deviation of every weight entry. */
  std: number;
}

/** The resolved `classifier` section of a run (model: classifier); its depth is `depths[0]`, its input dimension the width. */
export interface ClassifierSpec {
  /** Margin loss ℓ: logistic or exponential. */
  loss: MarginLossName;
  /** Hidden width h of W_1 … W_{L−1}. */
  hidden: number;
  /** The separable data set (drawn with the run's seed). */
  data: SeparableDataSpec;
  init: ClassifierInit;
}

/** Write i.i.d. N(0, std²) weights into the classifier's θ. */
export function initializeClassifier(model: DeepLinearClassifier, init: ClassifierInit, rng: Rng): void {
  rng.fillNormal(model.theta, init.std);
}

/** A deep linear classifier on seeded separable data, with its max-margin direction. */
export class ClassifierSystem extends WeightSystem<DeepLinearClassifier> implements System {
  readonly kind = "classifier";
  readonly K = 1;
  readonly d: number;
  readonly depths: readonly number[];
  /** Target levels of the coefficients: (1, 0, …, 0); the residuals are r_i = s_i − σ_i (r_1 = cos∠(w, ŵ) − 1). */
  readonly sigma: Float64Array;
  readonly data: SeparableData;
  readonly svm: MaxMarginSolution;
  /** Householder vector h with (I − 2hhᵀ)e_1 = ŵ (all zero when ŵ = e_1). */
  private readonly house: Float64Array;
  private readonly coords: Float64Array;

  /** Draw the data with `dataRng`, solve the SVM, build the model (weights left at 0: see `initializeClassifier`). */
  constructor(width: number, depth: number, spec: ClassifierSpec, dataRng: Rng, measureRng: Rng, backend?: Backend) {
    const data = separableData(width, spec.data, dataRng);
    super(new DeepLinearClassifier(data, depth, spec.hidden, spec.loss, backend), width, measureRng, backend);
    this.data = data;
    this.svm = maxMarginDirection(data);
    this.d = width;
    this.depths = [depth];
    this.sigma = new Float64Array(width);
    this.sigma[0] = 1;
    this.coords = new Float64Array(width);
    const h = Float64Array.from(this.svm.direction);
    h[0] -= 1;
    const hn = Math.hypot(...h);
    this.house = hn > 1e-15 ? h.map((x) => x / hn) : new Float64Array(width);
  }

  /** cos∠(w, ŵ) of the predictor of the last evaluation. */
  cosine(): number {
    const w = this.model.predictor;
    const u = this.svm.direction;
    let dot = 0;
    let nn = 0;
    for (let j = 0; j < this.d; j++) {
      dot += w[j]! * u[j]!;
      nn += w[j]! * w[j]!;
    }
    return nn > 0 ? dot / Math.sqrt(nn) : Number.NaN;
  }

  /** Coordinates of w/‖w‖ in the basis (I − 2hhᵀ)e_i, whose first vector is ŵ. */
  private fillCoords(): void {
    const w = this.model.predictor;
    const h = this.house;
    let nn = 0;
    let hw = 0;
    for (let j = 0; j < this.d; j++) {
      nn += w[j]! * w[j]!;
      hw += h[j]! * w[j]!;
    }
    const inv = nn > 0 ? 1 / Math.sqrt(nn) : Number.NaN;
    for (let j = 0; j < this.d; j++) this.coords[j] = (w[j]! - 2 * h[j]! * hw) * inv;
  }

  evaluate(): number {
    const loss = this.model.evaluate();
    this.fillCoords();
    for (let j = 0; j < this.d; j++) this.residual[j] = this.coords[j]! - this.sigma[j]!;
    return loss;
  }

  step(eta: number): number {
    const loss = this.model.evaluate();
    // Only r_1 = cos − 1 between records (O(d)).
    this.residual[0] = this.cosine() - 1;
    this.model.descend(eta);
    return loss;
  }

  coefficients(out: Float64Array): void {
    this.fillCoords();
    out.set(this.coords);
  }

  /** sin∠(w, ŵ): the relative mass of the normalised predictor off the max-margin direction. */
  drift(): number {
    const c = this.cosine();
    return Math.sqrt(Math.max(0, 1 - c * c));
  }

  layerNorms(out: Float64Array): void {
    this.model.layerNorms(out);
  }
}

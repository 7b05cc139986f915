/**
 * @file The simulated systems behind one interface: the full-matrix network, the exact reduced
 * dynamics in depth-balanced and per-layer form, and the nonlinear multi-pathway MLP. The drivers
 * (GD, GF) only see `System`: evaluate the loss at the current state, update it, give its vector
 * field, and measure.
 */
import { MultiPathwayDLN } from "../model.js";
import { MultiPathwayMLP } from "../mlp/model.js";
import type { MlpArchitecture } from "../mlp/spec.js";
import { getDefaultBackend, type Backend, type Workspace } from "../linalg/kernels.js";
import type { Target } from "../target.js";
import {
  balancedCoefficients, balancedFlowRhs, balancedGdStepTyped, layerCoefficients, layerFlowRhs, layerGdStep,
  layerScratch, type ReducedSpec,
} from "./reduced.js";
import { LanczosSolver, type LanczosOptions, type LanczosWarmStart } from "../measure/lanczos.js";
import { balancedToLayers, svsHessianTop } from "../measure/hessian-blocks.js";
import type { Rng } from "../rng.js";

/** How sharpness is measured: Lanczos on the exact HVP, or the exact SVS block formulas (reduced only). */
export type SharpnessMethod = "lanczos" | "blocks";

/** A simulated system: state vector, loss, update rule, vector field and measurements. */
export interface System {
  /** "full", "mlp" and "classifier" simulate every weight; "balanced" and "layers" are the exact reduced dynamics. */
  readonly kind: "full" | "balanced" | "layers" | "mlp" | "classifier";
  /** What computes the steps: the kernel backend ("js", "wasm") or "scalar" for reduced dynamics. */
  readonly backend: string;
  readonly K: number;
  readonly d: number;
  readonly depths: readonly number[];
  /** Target singular values (length d). */
  readonly sigma: Float64Array;
  /** The live state (parameters for full, scalars for reduced). */
  readonly state: Float64Array;
  /** Per-mode residuals r_i at the last evaluation. */
  readonly residual: Float64Array;
  /** Loss at the current state; caches what `update`, `coefficients` and `sharpness` need. */
  evaluate(): number;
  /** GD update with step η using the last evaluation. */
  update(eta: number): void;
  /** evaluate() followed by update(η), fused where that is faster. Returns the pre-step loss. */
  step(eta: number): number;
  /** Gradient-flow vector field −∇ℒ(y) into dy. */
  flowRhs(y: Float64Array, dy: Float64Array): void;
  /** Mode coefficients s[k·d + i] at the last evaluation. */
  coefficients(out: Float64Array): void;
  /** Relative off-diagonal mass of Uᵀ f_k V at the last evaluation (0 for reduced systems). */
  drift(): number;
  /** Top Hessian eigenvalues at the last evaluation. */
  sharpness(top: number, options: LanczosOptions): number[];
  /**
   * The Lanczos warm start the next `sharpness` call will use (part of a run's resumable state, so a
   * resumed run measures the same bits); null when it will start cold or the system uses no Lanczos.
   */
  sharpnessWarmStart(): LanczosWarmStart | null;
  /** Restore a warm start saved by `sharpnessWarmStart` (null: start cold). */
  setSharpnessWarmStart(start: LanczosWarmStart | null): void;
  /** Frobenius norm of every weight matrix, pathway by pathway (o_k + l), for systems with weight matrices of their own (MLP). */
  layerNorms?(out: Float64Array): void;
}

/**
 * Mode projections in the target's SVD basis: `Uᵀ X V` of a d×d matrix, its diagonal (mode
 * coefficients), its top-left entry, and its off-diagonal mass. Shared by the full-matrix systems.
 */
class ModeProjector {
  private readonly ws: Workspace;
  private readonly U: Float64Array;
  private readonly V: Float64Array;
  private readonly tmp: Float64Array;
  private readonly proj: Float64Array;

  constructor(private readonly target: Target, backend?: Backend) {
    const dd = target.d * target.d;
    this.ws = (backend ?? getDefaultBackend()).workspace(4 * dd);
    this.U = this.ws.alloc(dd);
    this.U.set(target.U);
    this.V = this.ws.alloc(dd);
    this.V.set(target.V);
    this.tmp = this.ws.alloc(dd);
    this.proj = this.ws.alloc(dd);
  }

  /** Projection Uᵀ X V of a d×d matrix into `this.proj` (or X itself in the identity basis). */
  project(x: Float64Array): Float64Array {
    const d = this.target.d;
    if (this.target.isIdentityBasis) return x;
    this.ws.gemm(d, d, d, this.U, true, x, false, this.tmp, 0);
    this.ws.gemm(d, d, d, this.tmp, false, this.V, false, this.proj, 0);
    return this.proj;
  }

  /** Diagonal of Uᵀ X V into out[offset + i]. */
  diagonal(x: Float64Array, out: Float64Array, offset = 0): void {
    const d = this.target.d;
    const p = this.project(x);
    for (let i = 0; i < d; i++) out[offset + i] = p[i * d + i];
  }

  /** u_0ᵀ X v_0 in O(d²) (the top-mode residual between records, without the O(d³) projection). */
  topMode(x: Float64Array): number {
    const d = this.target.d;
    const t = this.target;
    if (t.isIdentityBasis) return x[0];
    let acc = 0;
    for (let a = 0; a < d; a++) {
      let row = 0;
      for (let b = 0; b < d; b++) row += x[a * d + b] * t.V[b * d];
      acc += t.U[a * d] * row;
    }
    return acc;
  }

  /** √(Σ_k ‖offdiag(Uᵀ f_k V)‖²_F / Σ_k ‖f_k‖²_F) over the K matrices `f(k)`; 0 when all vanish. */
  drift(K: number, f: (k: number) => Float64Array): number {
    const d = this.target.d;
    let off = 0;
    let total = 0;
    for (let k = 0; k < K; k++) {
      const p = this.project(f(k));
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) {
          const v = p[a * d + b] ** 2;
          total += v;
          if (a !== b) off += v;
        }
      }
    }
    return total === 0 ? 0 : Math.sqrt(off / total);
  }
}

/** What a weight-space model gives its system: parameters, loss and gradient, the GD update and the exact HVP. */
export interface WeightModel {
  readonly nParams: number;
  readonly theta: Float64Array;
  /** ∇ℒ after `evaluate()`. */
  readonly grad: Float64Array;
  readonly backend: string;
  evaluate(): number;
  descend(eta: number): void;
  hvp(v: ArrayLike<number>, out: Float64Array): void;
}

/**
 * Shared parts of the systems that simulate every weight of a model (full-matrix DLN, MLP, deep linear
 * classifier): the state is θ, GD is the model's own update, the flow is −∇ℒ, sharpness is Lanczos on the
 * exact HVP. Subclasses say how the loss maps to mode residuals and coefficients.
 */
export abstract class WeightSystem<M extends WeightModel> {
  readonly backend: string;
  readonly state: Float64Array;
  readonly residual: Float64Array;
  private readonly lanczos: LanczosSolver;

  constructor(readonly model: M, d: number, rng: Rng, backend?: Backend) {
    this.backend = model.backend;
    this.state = model.theta;
    this.residual = new Float64Array(d);
    this.lanczos = new LanczosSolver(model.nParams, rng, backend ? { backend } : {});
  }

  update(eta: number): void {
    this.model.descend(eta);
  }

  flowRhs(y: Float64Array, dy: Float64Array): void {
    this.model.theta.set(y);
    this.model.evaluate();
    const g = this.model.grad;
    for (let j = 0; j < dy.length; j++) dy[j] = -g[j]!;
  }

  sharpness(top: number, options: LanczosOptions): number[] {
    return this.lanczos.solve((v, out) => this.model.hvp(v, out), { ...options, top }).values;
  }

  sharpnessWarmStart(): LanczosWarmStart | null {
    return this.lanczos.warmStart();
  }

  setSharpnessWarmStart(start: LanczosWarmStart | null): void {
    this.lanczos.setWarmStart(start);
  }
}

/**
 * A weight-space system fitting a target with K pathways (full-matrix DLN, MLP): residuals and mode
 * coefficients are projections of R = F − Y and of each pathway's d×d output onto the target's SVD basis.
 */
abstract class PathwaySystem<M extends WeightModel & { readonly residual: Float64Array }> extends WeightSystem<M> implements System {
  abstract readonly kind: "full" | "mlp";
  readonly K: number;
  readonly d: number;
  readonly depths: readonly number[];
  readonly sigma: Float64Array;
  private readonly modes: ModeProjector;

  constructor(model: M, depths: readonly number[], target: Target, rng: Rng, backend?: Backend) {
    super(model, target.d, rng, backend);
    this.K = depths.length;
    this.d = target.d;
    this.depths = depths;
    this.sigma = target.sigma;
    this.modes = new ModeProjector(target, backend);
  }

  /** Pathway k's d×d output at the last evaluation (f_k for the DLN, f_k(X) for the MLP). */
  protected abstract pathway(k: number): Float64Array;

  evaluate(): number {
    const loss = this.model.evaluate();
    this.modes.diagonal(this.model.residual, this.residual);
    return loss;
  }

  step(eta: number): number {
    const loss = this.model.evaluate();
    // Only the top-mode residual u_0ᵀ R v_0 is kept up to date between records (O(d²), not O(d³)).
    this.residual[0] = this.modes.topMode(this.model.residual);
    this.model.descend(eta);
    return loss;
  }

  coefficients(out: Float64Array): void {
    for (let k = 0; k < this.K; k++) this.modes.diagonal(this.pathway(k), out, k * this.d);
  }

  drift(): number {
    return this.modes.drift(this.K, (k) => this.pathway(k));
  }
}

/** Full-matrix system: GD on every weight of every layer. */
export class FullSystem extends PathwaySystem<MultiPathwayDLN> {
  readonly kind = "full";

  constructor(depths: readonly number[], target: Target, rng: Rng, backend?: Backend) {
    super(new MultiPathwayDLN(depths, target, backend), depths, target, rng, backend);
  }

  protected pathway(k: number): Float64Array {
    return this.model.pathwayMap(k);
  }
}

/**
 * The multi-pathway MLP (docs/theory.md §7): GD on every weight (and bias) of every pathway, the same
 * observables as the full-matrix DLN computed from the pathway outputs f_k(X) (s[k][i] = u_iᵀ f_k(X) v_i),
 * sharpness by Lanczos on the exact HVP, and per-layer weight norms. No reduced form exists.
 */
export class MlpSystem extends PathwaySystem<MultiPathwayMLP> {
  readonly kind = "mlp";

  constructor(depths: readonly number[], target: Target, arch: MlpArchitecture, rng: Rng, backend?: Backend) {
    super(new MultiPathwayMLP(depths, target, arch, backend), depths, target, rng, backend);
  }

  protected pathway(k: number): Float64Array {
    return this.model.pathwayOutput(k);
  }

  layerNorms(out: Float64Array): void {
    this.model.layerNorms(out);
  }
}

/** Shared parts of the two reduced systems. */
abstract class ReducedSystem implements System {
  abstract readonly kind: "balanced" | "layers";
  readonly backend = "scalar";
  readonly K: number;
  readonly d: number;
  readonly depths: readonly number[];
  readonly sigma: Float64Array;
  readonly residual: Float64Array;
  readonly spec: ReducedSpec;
  abstract readonly state: Float64Array;
  protected loss = Number.NaN;
  private lanczos: LanczosSolver | null = null;
  private full: MultiPathwayDLN | null = null;
  /** A warm start restored before the solver exists (it is built at the first Lanczos measurement). */
  private pendingWarmStart: LanczosWarmStart | null = null;

  constructor(
    depths: readonly number[],
    sigma: Float64Array,
    private readonly method: SharpnessMethod,
    private readonly rng: Rng,
  ) {
    this.K = depths.length;
    this.d = sigma.length;
    this.depths = depths;
    this.sigma = sigma;
    this.spec = { depths, sigma };
    this.residual = new Float64Array(sigma.length);
  }

  /** Per-layer scalars x[(o_k + l)·d + i] of the current state. */
  protected abstract layers(): Float64Array;

  evaluate(): number {
    // A GD step with η = 0 computes the residuals without moving.
    this.loss = this.step(0);
    return this.loss;
  }

  abstract step(eta: number): number;
  abstract flowRhs(y: Float64Array, dy: Float64Array): void;
  abstract coefficients(out: Float64Array): void;

  update(eta: number): void {
    this.step(eta);
  }

  drift(): number {
    return 0;
  }

  sharpness(top: number, options: LanczosOptions): number[] {
    const x = this.layers();
    if (this.method === "blocks") return svsHessianTop({ depths: this.depths, sigma: this.sigma, x }, top);
    // Lanczos on the full-matrix model at the equivalent SVS point (identity basis).
    if (!this.full) {
      const d = this.d;
      const target: Target = {
        d, Y: new Float64Array(d * d), U: new Float64Array(d * d), V: new Float64Array(d * d),
        sigma: this.sigma, isIdentityBasis: true, halfNormSq: 0,
      };
      for (let i = 0; i < d; i++) {
        target.Y[i * d + i] = this.sigma[i];
        target.U[i * d + i] = 1;
        target.V[i * d + i] = 1;
      }
      this.full = new MultiPathwayDLN(this.depths, target);
      this.lanczos = new LanczosSolver(this.full.nParams, this.rng);
      this.lanczos.setWarmStart(this.pendingWarmStart);
    }
    const m = this.full;
    m.theta.fill(0);
    let base = 0;
    this.depths.forEach((L, k) => {
      for (let l = 0; l < L; l++) {
        const W = m.layer(k, l);
        for (let i = 0; i < this.d; i++) W[i * this.d + i] = x[(base + l) * this.d + i];
      }
      base += L;
    });
    m.evaluate();
    return this.lanczos!.solve((v, out) => m.hvp(v, out), { ...options, top }).values;
  }

  sharpnessWarmStart(): LanczosWarmStart | null {
    return this.lanczos ? this.lanczos.warmStart() : this.pendingWarmStart;
  }

  setSharpnessWarmStart(start: LanczosWarmStart | null): void {
    if (this.lanczos) this.lanczos.setWarmStart(start);
    else this.pendingWarmStart = start;
  }
}

/** Exact reduced dynamics on the depth-balanced manifold: state a[k·d + i]. */
export class BalancedSystem extends ReducedSystem {
  readonly kind = "balanced";
  readonly state: Float64Array;
  private readonly depthsI32: Int32Array;
  private readonly scratch: Float64Array;

  constructor(depths: readonly number[], sigma: Float64Array, a0: ArrayLike<number>, method: SharpnessMethod, rng: Rng) {
    super(depths, sigma, method, rng);
    this.state = Float64Array.from(a0);
    this.depthsI32 = Int32Array.from(depths);
    this.scratch = new Float64Array(depths.length);
  }

  step(eta: number): number {
    return balancedGdStepTyped(this.state, this.depthsI32, this.sigma, eta, this.residual, this.scratch);
  }

  flowRhs(y: Float64Array, dy: Float64Array): void {
    balancedFlowRhs(y, this.spec, dy);
  }

  coefficients(out: Float64Array): void {
    balancedCoefficients(this.state, this.spec, out);
  }

  protected layers(): Float64Array {
    return balancedToLayers(this.state, this.depths, this.d);
  }
}

/** Exact reduced dynamics with one scalar per layer and mode: state x[(o_k + l)·d + i]. */
export class LayerSystem extends ReducedSystem {
  readonly kind = "layers";
  readonly state: Float64Array;
  private readonly scratch: Float64Array;

  constructor(depths: readonly number[], sigma: Float64Array, x0: ArrayLike<number>, method: SharpnessMethod, rng: Rng) {
    super(depths, sigma, method, rng);
    this.state = Float64Array.from(x0);
    this.scratch = layerScratch(this.spec);
  }

  step(eta: number): number {
    return layerGdStep(this.state, this.spec, eta, this.residual, this.scratch);
  }

  flowRhs(y: Float64Array, dy: Float64Array): void {
    layerFlowRhs(y, this.spec, dy, this.scratch);
  }

  coefficients(out: Float64Array): void {
    layerCoefficients(this.state, this.spec, out);
  }

  protected layers(): Float64Array {
    return this.state;
  }
}

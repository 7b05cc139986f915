/**
 * @file The full-matrix multi-pathway deep linear network (docs/theory.md §1): K pathways of square d×d
 * layers, F = Σ_k W_{k,L_k}⋯W_{k,1}, loss ½‖F − Y‖²_F. The gradient is backpropagation through
 * prefix products; the Hessian-vector product is its exact directional derivative (forward-over-
 * reverse, written out by hand), so Lanczos sees the true Hessian, not a finite-difference copy.
 *
 * Parameters live in `theta` (one array; layer (k, l) at `layerOffset(k, l)`), inside the model's
 * workspace so the kernels work in place. `evaluate()` computes the loss and gradient at `theta`
 * and caches the products that `hvp` needs; `hvp` is valid until `theta` changes.
 */
import { getDefaultBackend, type Backend, type Workspace } from "./linalg/kernels.js";
import type { Target } from "./target.js";

interface PathwayBuffers {
  L: number;
  /** W[l] = view of layer l+1 in theta. */
  W: Float64Array[];
  /** G[l] = view of the gradient of layer l+1. */
  G: Float64Array[];
  /** P[l] = W[l]⋯W[0] (P[0] aliases W[0]); P[L−1] = f_k. */
  P: Float64Array[];
  /** M[l] = W[l+1]ᵀ⋯W[L−1]ᵀ R (M[L−1] aliases R; M[0] aliases G[0] when L ≥ 2). */
  M: Float64Array[];
  /** Tangents for the HVP: V[l] (input), dG[l] (output), dP[l], dM[l]. */
  V: Float64Array[];
  dG: Float64Array[];
  dP: Float64Array[];
  dM: Float64Array[];
}

/** A multi-pathway deep linear network bound to a target. */
export class MultiPathwayDLN {
  /** Width d (every layer is d×d). */
  readonly d: number;
  /** Number of pathways K. */
  readonly K: number;
  /** Depth L_k of each pathway. */
  readonly depths: readonly number[];
  /** Total number of parameters Σ_k L_k d². */
  readonly nParams: number;
  /** Parameters θ (all layers, row-major, pathway by pathway). */
  readonly theta: Float64Array;
  /** ∇ℒ(θ) after `evaluate()`. */
  readonly grad: Float64Array;
  /** Residual R = F − Y after `evaluate()`. */
  readonly residual: Float64Array;
  /** The target. */
  readonly target: Target;
  /** Which kernel implementation runs the products. */
  readonly backend: string;

  private readonly ws: Workspace;
  private readonly Y: Float64Array;
  private readonly dR: Float64Array;
  private readonly scalar: Float64Array;
  private readonly vIn: Float64Array;
  private readonly vOut: Float64Array;
  private readonly paths: PathwayBuffers[];
  private readonly offsets: number[];

  constructor(depths: readonly number[], target: Target, backend: Backend = getDefaultBackend()) {
    const d = target.d;
    const dd = d * d;
    this.d = d;
    this.K = depths.length;
    this.depths = [...depths];
    this.target = target;
    this.offsets = [];
    let n = 0;
    for (const L of depths) {
      this.offsets.push(n);
      n += L * dd;
    }
    this.nParams = n;
    // theta, grad, vIn, vOut + Y, R, dR + per pathway (L−1) each of P, M, dP, dM.
    let extra = 0;
    for (const L of depths) extra += 4 * (L - 1) * dd;
    this.ws = backend.workspace(4 * n + 3 * dd + extra + 1);
    this.backend = this.ws.backend;
    this.theta = this.ws.alloc(n);
    this.grad = this.ws.alloc(n);
    this.vIn = this.ws.alloc(n);
    this.vOut = this.ws.alloc(n);
    this.Y = this.ws.alloc(dd);
    this.Y.set(target.Y);
    this.residual = this.ws.alloc(dd);
    this.dR = this.ws.alloc(dd);
    this.scalar = this.ws.alloc(1);
    this.paths = depths.map((L, k) => {
      const base = this.offsets[k];
      const view = (buf: Float64Array, l: number) => buf.subarray(base + l * dd, base + (l + 1) * dd);
      const layers = (buf: Float64Array) => Array.from({ length: L }, (_, l) => view(buf, l));
      const W = layers(this.theta);
      const G = layers(this.grad);
      const V = layers(this.vIn);
      const dG = layers(this.vOut);
      const P: Float64Array[] = [W[0]];
      const dP: Float64Array[] = [V[0]];
      for (let l = 1; l < L; l++) {
        P.push(this.ws.alloc(dd));
        dP.push(this.ws.alloc(dd));
      }
      const M: Float64Array[] = new Array<Float64Array>(L);
      const dM: Float64Array[] = new Array<Float64Array>(L);
      M[L - 1] = this.residual;
      dM[L - 1] = this.dR;
      for (let l = L - 2; l >= 0; l--) {
        // M[0] is the gradient of the first layer: compute it in place.
        M[l] = l === 0 ? G[0] : this.ws.alloc(dd);
        dM[l] = l === 0 ? dG[0] : this.ws.alloc(dd);
      }
      return { L, W, G, P, M, V, dG, dP, dM };
    });
  }

  /** Offset of layer l (0-based) of pathway k in `theta`. */
  layerOffset(k: number, l: number): number {
    return this.offsets[k] + l * this.d * this.d;
  }

  /** View of layer l (0-based) of pathway k. */
  layer(k: number, l: number): Float64Array {
    const o = this.layerOffset(k, l);
    return this.theta.subarray(o, o + this.d * this.d);
  }

  /** The pathway map f_k = W_{k,L}⋯W_{k,1} as computed by the last `evaluate()`. */
  pathwayMap(k: number): Float64Array {
    const p = this.paths[k];
    return p.P[p.L - 1];
  }

  /**
   * Loss ½‖R‖²_F and gradient at the current θ:
   * `∂ℒ/∂W_{k,l} = A_{k,l}ᵀ R B_{k,l}ᵀ`, computed as `M_l P_{l−1}ᵀ` with prefix products
   * `P_l = W_l P_{l−1}` and backpropagated residuals `M_{l−1} = W_lᵀ M_l`, `M_L = R`
   * (3(L−1) products per pathway). Fills `grad`, `residual`, and the caches used by `hvp`.
   */
  evaluate(): number {
    const d = this.d;
    const ws = this.ws;
    const R = this.residual;
    for (const p of this.paths) {
      for (let l = 1; l < p.L; l++) ws.gemm(d, d, d, p.W[l], false, p.P[l - 1], false, p.P[l], 0);
    }
    // R = Σ_k f_k − Y and ½‖R‖² on the kernels (the JS loops cost a third of a d = 16 step).
    const dd = R.length;
    const paths = this.paths;
    R.set(paths[0].P[paths[0].L - 1]);
    for (let k = 1; k < paths.length; k++) ws.axpy(dd, 1, paths[k].P[paths[k].L - 1], R);
    ws.axpy(dd, -1, this.Y, R);
    ws.gemm(1, 1, dd, R, false, R, true, this.scalar, 0);
    const loss = 0.5 * this.scalar[0];
    for (const p of this.paths) {
      const { L, W, G, P, M } = p;
      for (let l = L - 1; l >= 1; l--) ws.gemm(d, d, d, W[l], true, M[l], false, M[l - 1], 0);
      if (L === 1) G[0].set(R);
      for (let l = 1; l < L; l++) ws.gemm(d, d, d, M[l], false, P[l - 1], true, G[l], 0);
    }
    return loss;
  }

  /** The GD update `θ ← θ − η ∇ℒ(θ)` with the gradient of the last `evaluate()` (one axpy kernel). */
  descend(eta: number): void {
    this.ws.axpy(this.nParams, -eta, this.grad, this.theta);
  }

  /**
   * Exact Hessian-vector product `out = ∇²ℒ(θ)·v` at the θ of the last `evaluate()`, by
   * differentiating the gradient along v: `dP_l = V_l P_{l−1} + W_l dP_{l−1}`, `dR = Σ_k dP_{k,L}`,
   * `dM_{l−1} = V_lᵀ M_l + W_lᵀ dM_l`, `dG_l = dM_l P_{l−1}ᵀ + M_l dP_{l−1}ᵀ` (6(L−1) products).
   * `v` and `out` may be any arrays of length nParams (they are copied in and out).
   */
  hvp(v: ArrayLike<number>, out: Float64Array): void {
    this.vIn.set(v);
    const d = this.d;
    const ws = this.ws;
    for (const p of this.paths) {
      const { L, W, V, P, dP } = p;
      for (let l = 1; l < L; l++) {
        ws.gemm(d, d, d, V[l], false, P[l - 1], false, dP[l], 0);
        ws.gemm(d, d, d, W[l], false, dP[l - 1], false, dP[l], 1);
      }
    }
    const dR = this.dR;
    const paths = this.paths;
    dR.set(paths[0].dP[paths[0].L - 1]);
    for (let k = 1; k < paths.length; k++) ws.axpy(dR.length, 1, paths[k].dP[paths[k].L - 1], dR);
    for (const p of this.paths) {
      const { L, W, V, P, M, dP, dM, dG } = p;
      for (let l = L - 1; l >= 1; l--) {
        ws.gemm(d, d, d, V[l], true, M[l], false, dM[l - 1], 0);
        ws.gemm(d, d, d, W[l], true, dM[l], false, dM[l - 1], 1);
      }
      if (L === 1) dG[0].set(dR);
      for (let l = 1; l < L; l++) {
        ws.gemm(d, d, d, dM[l], false, P[l - 1], true, dG[l], 0);
        ws.gemm(d, d, d, M[l], false, dP[l - 1], true, dG[l], 1);
      }
    }
    out.set(this.vOut);
  }
}

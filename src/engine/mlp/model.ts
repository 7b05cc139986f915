/**
 * @file The multi-pathway MLP (THEORY.md §7): K pathways `f_k(X) = W_{k,L} φ(W_{k,L−1} ⋯ φ(W_{k,1} X + b_{k,1}) ⋯ + b_{k,L−1}) + b_{k,L}`
 * (no activation after the last layer, biases optional), network output `F = Σ_k f_k(X)` and loss
 * `½‖F − Y‖²_F` with the linear engine's targets. The gradient is backpropagation; the Hessian-vector
 * product is its exact directional derivative (Pearlmutter's R-operator, forward-over-reverse written
 * out by hand with φ' and φ''), so Lanczos sees the true Hessian, not a finite-difference copy.
 *
 * Shapes: X is d_in×n (n = d samples, default X = I_d), layer 1 is h_k×d_in, middle layers h_k×h_k,
 * the last d×h_k (a depth-1 pathway is one d×d_in layer). Parameters live in `theta`, pathway by
 * pathway, layer by layer, each layer's weights (row-major) followed by its bias when biases are on;
 * without biases, with X = I and h_k = d the layout is exactly that of `MultiPathwayDLN`.
 * `evaluate()` caches activations and derivatives; `hvp` is valid until `theta` changes.
 */
import { getDefaultBackend, type Backend, type Workspace } from "../linalg/kernels.js";
import type { Target } from "../target.js";
import { getActivation, type Activation } from "./activations.js";
import type { MlpArchitecture } from "./spec.js";

/** Shape and place of one layer in θ. */
export interface MlpLayerShape {
  /** Output width (rows of W). */
  rows: number;
  /** Input width (columns of W). */
  cols: number;
  /** Offset of W in θ. */
  weightOffset: number;
  /** Offset of b in θ, or −1 without biases. */
  biasOffset: number;
}

interface MlpPathway {
  L: number;
  shapes: MlpLayerShape[];
  /** Views of θ, ∇ℒ, the HVP direction and the HVP result: weights and biases (null without biases). */
  W: Float64Array[];
  G: Float64Array[];
  V: Float64Array[];
  dG: Float64Array[];
  b: (Float64Array | null)[];
  gb: (Float64Array | null)[];
  c: (Float64Array | null)[];
  dgb: (Float64Array | null)[];
  /** Per hidden layer l < L−1 (h×n): activations H = φ(Z), φ'(Z), φ''(Z), E = W_{l+1}ᵀδ_{l+1}, δ = E ⊙ φ'(Z). */
  H: Float64Array[];
  D1: Float64Array[];
  D2: Float64Array[];
  E: Float64Array[];
  delta: Float64Array[];
  /** HVP tangents per hidden layer: dZ, dH = φ'(Z) ⊙ dZ, dδ. */
  dZ: Float64Array[];
  dH: Float64Array[];
  dDelta: Float64Array[];
  /** f_k(X) (d×n) and its tangent. */
  out: Float64Array;
  dOut: Float64Array;
}

/** A multi-pathway MLP bound to a target. */
export class MultiPathwayMLP {
  /** Output width d (= the target's width; also the number of samples n). */
  readonly d: number;
  /** Number of samples n (columns of X), equal to d. */
  readonly n: number;
  /** Input width d_in (rows of X). */
  readonly dIn: number;
  /** Number of pathways K. */
  readonly K: number;
  /** Depth L_k of each pathway (number of weight matrices). */
  readonly depths: readonly number[];
  /** Hidden width h_k of each pathway. */
  readonly hidden: readonly number[];
  /** The activation φ. */
  readonly activation: Activation;
  /** Whether every layer has a bias. */
  readonly bias: boolean;
  /** True when X is the canonical basis I_d (the first layer's products are then copies). */
  readonly identityInput: boolean;
  /** Total number of parameters. */
  readonly nParams: number;
  /** Parameters θ (see the file header for the layout). */
  readonly theta: Float64Array;
  /** ∇ℒ(θ) after `evaluate()`. */
  readonly grad: Float64Array;
  /** Residual R = F − Y (d×n) after `evaluate()`. */
  readonly residual: Float64Array;
  /** The target. */
  readonly target: Target;
  /** Which kernel implementation runs the products. */
  readonly backend: string;

  private readonly ws: Workspace;
  private readonly X: Float64Array;
  private readonly Y: Float64Array;
  private readonly dR: Float64Array;
  private readonly ones: Float64Array;
  private readonly scalar: Float64Array;
  private readonly vIn: Float64Array;
  private readonly vOut: Float64Array;
  private readonly paths: MlpPathway[];

  constructor(depths: readonly number[], target: Target, arch: MlpArchitecture, backend: Backend = getDefaultBackend()) {
    const d = target.d;
    const n = d;
    const K = depths.length;
    if (K === 0) throw new RangeError("depths: needs at least one pathway");
    if (arch.hidden.length !== K) throw new RangeError(`mlp.hidden: has ${arch.hidden.length} values; expected ${K} (one per pathway)`);
    for (const L of depths) if (!(Number.isInteger(L) && L >= 1)) throw new RangeError(`depths: every depth must be an integer >= 1, got ${L}`);
    for (const h of arch.hidden) if (!(Number.isInteger(h) && h >= 1)) throw new RangeError(`mlp.hidden: every width must be an integer >= 1, got ${h}`);
    let dIn = d;
    if (arch.input) {
      dIn = arch.input.length;
      if (dIn < 1 || arch.input.some((row) => row.length !== n)) {
        throw new RangeError(`mlp.input: must have at least one row and ${n} columns (one per sample; the width)`);
      }
    }
    this.d = d;
    this.n = n;
    this.dIn = dIn;
    this.K = K;
    this.depths = [...depths];
    this.hidden = [...arch.hidden];
    this.activation = getActivation(arch.activation);
    this.bias = arch.bias ?? false;
    this.identityInput = !arch.input;
    this.target = target;

    // Layer shapes and offsets in θ.
    const shapesPerPath: MlpLayerShape[][] = [];
    let nParams = 0;
    let hiddenCells = 0;
    depths.forEach((L, k) => {
      const h = this.hidden[k];
      const shapes: MlpLayerShape[] = [];
      for (let l = 0; l < L; l++) {
        const rows = l === L - 1 ? d : h;
        const cols = l === 0 ? dIn : h;
        const weightOffset = nParams;
        nParams += rows * cols;
        const biasOffset = this.bias ? nParams : -1;
        if (this.bias) nParams += rows;
        shapes.push({ rows, cols, weightOffset, biasOffset });
      }
      shapesPerPath.push(shapes);
      hiddenCells += (L - 1) * h * n;
    });
    this.nParams = nParams;

    // θ, ∇ℒ, v, Hv; X; Y, R, dR; ones; scalar; per pathway f_k and df_k; 8 buffers per hidden layer.
    const capacity = 4 * nParams + (this.identityInput ? 0 : dIn * n) + 3 * d * n + n + 1 + 2 * K * d * n + 8 * hiddenCells;
    this.ws = backend.workspace(capacity);
    this.backend = this.ws.backend;
    this.theta = this.ws.alloc(nParams);
    this.grad = this.ws.alloc(nParams);
    this.vIn = this.ws.alloc(nParams);
    this.vOut = this.ws.alloc(nParams);
    this.X = this.ws.alloc(this.identityInput ? 0 : dIn * n);
    if (arch.input) arch.input.forEach((row, i) => row.forEach((x, j) => (this.X[i * n + j] = x)));
    this.Y = this.ws.alloc(d * n);
    this.Y.set(target.Y);
    this.residual = this.ws.alloc(d * n);
    this.dR = this.ws.alloc(d * n);
    this.ones = this.ws.alloc(n);
    this.ones.fill(1);
    this.scalar = this.ws.alloc(1);

    this.paths = shapesPerPath.map((shapes, k) => {
      const L = shapes.length;
      const h = this.hidden[k];
      const weights = (buf: Float64Array) => shapes.map((s) => buf.subarray(s.weightOffset, s.weightOffset + s.rows * s.cols));
      const biases = (buf: Float64Array) => shapes.map((s) => (s.biasOffset < 0 ? null : buf.subarray(s.biasOffset, s.biasOffset + s.rows)));
      const hiddenBuffers = () => Array.from({ length: L - 1 }, () => this.ws.alloc(h * n));
      return {
        L, shapes,
        W: weights(this.theta), G: weights(this.grad), V: weights(this.vIn), dG: weights(this.vOut),
        b: biases(this.theta), gb: biases(this.grad), c: biases(this.vIn), dgb: biases(this.vOut),
        H: hiddenBuffers(), D1: hiddenBuffers(), D2: hiddenBuffers(), E: hiddenBuffers(), delta: hiddenBuffers(),
        dZ: hiddenBuffers(), dH: hiddenBuffers(), dDelta: hiddenBuffers(),
        out: this.ws.alloc(d * n), dOut: this.ws.alloc(d * n),
      };
    });
  }

  /** Shape and offsets of layer l (0-based) of pathway k. */
  layerShape(k: number, l: number): MlpLayerShape {
    return this.paths[k].shapes[l];
  }

  /** View of the weights of layer l (0-based) of pathway k (rows×cols, row-major). */
  weight(k: number, l: number): Float64Array {
    return this.paths[k].W[l];
  }

  /** View of the bias of layer l (0-based) of pathway k, or null without biases. */
  biasVector(k: number, l: number): Float64Array | null {
    return this.paths[k].b[l];
  }

  /** The pathway output f_k(X) (d×n) as computed by the last `evaluate()`. */
  pathwayOutput(k: number): Float64Array {
    return this.paths[k].out;
  }

  /** Frobenius norms ‖W_{k,l}‖_F of every weight matrix (biases excluded) into out[o_k + l], pathway by pathway. */
  layerNorms(out: Float64Array): void {
    let j = 0;
    for (const p of this.paths) {
      for (const W of p.W) {
        let s = 0;
        for (let i = 0; i < W.length; i++) s += W[i] * W[i];
        out[j++] = Math.sqrt(s);
      }
    }
  }

  /**
   * Loss ½‖R‖²_F and gradient at the current θ. Forward: `Z_l = W_l H_{l−1} + b_l 1ᵀ`, `H_l = φ(Z_l)`
   * (H_0 = X), `f = W_L H_{L−1} + b_L 1ᵀ`, `R = Σ_k f_k − Y`. Backward: `δ_L = R`,
   * `E_l = W_{l+1}ᵀ δ_{l+1}`, `δ_l = E_l ⊙ φ'(Z_l)`, `∂ℒ/∂W_l = δ_l H_{l−1}ᵀ`, `∂ℒ/∂b_l = δ_l 1`.
   * Fills `grad`, `residual` and the caches used by `hvp`.
   */
  evaluate(): number {
    const { ws, n, ones } = this;
    const act = this.activation;
    for (const p of this.paths) {
      const { L, shapes, W, b, H, D1, D2 } = p;
      for (let l = 0; l < L; l++) {
        const { rows, cols } = shapes[l];
        const z = l === L - 1 ? p.out : H[l];
        if (l > 0) ws.gemm(rows, n, cols, W[l], false, H[l - 1], false, z, 0);
        else if (this.identityInput) z.set(W[0]);
        else ws.gemm(rows, n, cols, W[0], false, this.X, false, z, 0);
        const bl = b[l];
        if (bl) ws.gemm(rows, n, 1, bl, false, ones, false, z, 1);
        if (l < L - 1) act.apply(rows * n, z, z, D1[l], D2[l]);
      }
    }
    const R = this.residual;
    const dn = R.length;
    const paths = this.paths;
    R.set(paths[0].out);
    for (let k = 1; k < paths.length; k++) ws.axpy(dn, 1, paths[k].out, R);
    ws.axpy(dn, -1, this.Y, R);
    ws.gemm(1, 1, dn, R, false, R, true, this.scalar, 0);
    const loss = 0.5 * this.scalar[0];
    for (const p of paths) {
      const { L, shapes, W, G, gb, H, D1, E, delta } = p;
      for (let l = L - 1; l >= 0; l--) {
        const { rows, cols } = shapes[l];
        let dl: Float64Array;
        if (l === L - 1) {
          dl = R;
        } else {
          dl = delta[l];
          const above = l + 1 === L - 1 ? R : delta[l + 1];
          ws.gemm(rows, n, shapes[l + 1].rows, W[l + 1], true, above, false, E[l], 0);
          const e = E[l];
          const g = D1[l];
          for (let i = 0; i < rows * n; i++) dl[i] = e[i] * g[i];
        }
        if (l > 0) ws.gemm(rows, cols, n, dl, false, H[l - 1], true, G[l], 0);
        else if (this.identityInput) G[0].set(dl);
        else ws.gemm(rows, cols, n, dl, false, this.X, true, G[0], 0);
        const g = gb[l];
        if (g) ws.gemm(rows, 1, n, dl, false, ones, false, g, 0);
      }
    }
    return loss;
  }

  /** The GD update `θ ← θ − η ∇ℒ(θ)` with the gradient of the last `evaluate()` (one axpy kernel). */
  descend(eta: number): void {
    this.ws.axpy(this.nParams, -eta, this.grad, this.theta);
  }

  /**
   * Exact Hessian-vector product `out = ∇²ℒ(θ)·v` at the θ of the last `evaluate()` (R-operator).
   * Forward tangents: `dZ_l = V_l H_{l−1} + W_l dH_{l−1} + c_l 1ᵀ`, `dH_l = φ'(Z_l) ⊙ dZ_l` (dH_0 = 0),
   * `dR = Σ_k df_k`. Backward: `dδ_L = dR`, `dδ_l = (V_{l+1}ᵀ δ_{l+1} + W_{l+1}ᵀ dδ_{l+1}) ⊙ φ'(Z_l)
   * + E_l ⊙ φ''(Z_l) ⊙ dZ_l`, `out_W_l = dδ_l H_{l−1}ᵀ + δ_l dH_{l−1}ᵀ`, `out_b_l = dδ_l 1`.
   * `v` and `out` may be any arrays of length nParams (they are copied in and out).
   */
  hvp(v: ArrayLike<number>, out: Float64Array): void {
    this.vIn.set(v);
    const { ws, n, ones } = this;
    for (const p of this.paths) {
      const { L, shapes, W, V, c, H, D1, dZ, dH } = p;
      for (let l = 0; l < L; l++) {
        const { rows, cols } = shapes[l];
        const z = l === L - 1 ? p.dOut : dZ[l];
        if (l > 0) {
          ws.gemm(rows, n, cols, V[l], false, H[l - 1], false, z, 0);
          ws.gemm(rows, n, cols, W[l], false, dH[l - 1], false, z, 1);
        } else if (this.identityInput) {
          z.set(V[0]);
        } else {
          ws.gemm(rows, n, cols, V[0], false, this.X, false, z, 0);
        }
        const cl = c[l];
        if (cl) ws.gemm(rows, n, 1, cl, false, ones, false, z, 1);
        if (l < L - 1) {
          const g = D1[l];
          const t = dH[l];
          for (let i = 0; i < rows * n; i++) t[i] = g[i] * z[i];
        }
      }
    }
    const dR = this.dR;
    const R = this.residual;
    const paths = this.paths;
    dR.set(paths[0].dOut);
    for (let k = 1; k < paths.length; k++) ws.axpy(dR.length, 1, paths[k].dOut, dR);
    for (const p of paths) {
      const { L, shapes, W, V, dG, dgb, H, D1, D2, E, delta, dZ, dH, dDelta } = p;
      for (let l = L - 1; l >= 0; l--) {
        const { rows, cols } = shapes[l];
        let ddl: Float64Array;
        if (l === L - 1) {
          ddl = dR;
        } else {
          ddl = dDelta[l];
          const last = l + 1 === L - 1;
          const up = shapes[l + 1].rows;
          ws.gemm(rows, n, up, V[l + 1], true, last ? R : delta[l + 1], false, ddl, 0);
          ws.gemm(rows, n, up, W[l + 1], true, last ? dR : dDelta[l + 1], false, ddl, 1);
          const g1 = D1[l];
          const g2 = D2[l];
          const e = E[l];
          const z = dZ[l];
          for (let i = 0; i < rows * n; i++) ddl[i] = ddl[i] * g1[i] + e[i] * g2[i] * z[i];
        }
        if (l > 0) {
          ws.gemm(rows, cols, n, ddl, false, H[l - 1], true, dG[l], 0);
          ws.gemm(rows, cols, n, l === L - 1 ? R : delta[l], false, dH[l - 1], true, dG[l], 1);
        } else if (this.identityInput) {
          dG[0].set(ddl);
        } else {
          ws.gemm(rows, cols, n, ddl, false, this.X, true, dG[0], 0);
        }
        const g = dgb[l];
        if (g) ws.gemm(rows, 1, n, ddl, false, ones, false, g, 0);
      }
    }
    out.set(this.vOut);
  }
}

/**
 * @file The multi-pathway MLP (docs/theory.md §7): K pathways `f_k(X) = W_{k,L} φ(W_{k,L−1} ⋯ φ(W_{k,1} X + b_{k,1}) ⋯ + b_{k,L−1}) + b_{k,L}`
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
 *
 * Internally the hidden layers are stored sample-major, as their transposes Ẑ = Zᵀ, Ĥ = Hᵀ, … (n×h),
 * so that every product runs on a fast path of the kernels: forward `Ẑ_l = Ĥ_{l−1} W_lᵀ` and backward
 * `Ê_{l−1} = δ̂_l W_l` with inner dimension h, gradients `G_l = δ̂_lᵀ Ĥ_{l−1}` as TN products over the
 * n samples. With the feature-major layout the gradient `δ_l H_{l−1}ᵀ` is an NT product with inner
 * dimension n = d, which the kernels run at two thirds of the speed for d = 4 (64×64×4: 2.06 vs
 * 1.41 µs as TN; d = 16: 5.2 vs 4.1 µs). The layout took the benchmark's GD step (tanh, K = 2,
 * L = 4) from 26.1 to 23.5 µs at d = 4, h = 64 (HVP 40.4 → 33.8 µs), 81.0 → 78.8 µs at d = 16
 * (HVP 123 → 121 µs) and 400 → 316 µs at d = 4, h = 256 (`npm run bench -- --only mlp`; medians
 * of 5 interleaved rounds, spreads ≤ 1%). The output layer and the residual stay d×n.
 */
import { elementwise, getDefaultBackend, type Backend, type ElementwiseKernels, type Workspace } from "../linalg/kernels.js";
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
  /**
   * Per hidden layer l < L−1, sample-major (n×h, the transposes of the h×n matrices of the formulas):
   * activations Ĥ = φ(Ẑ), φ'(Ẑ), φ''(Ẑ), Ê = δ̂_{l+1} W_{l+1}, δ̂ = Ê ⊙ φ'(Ẑ).
   */
  H: Float64Array[];
  D1: Float64Array[];
  D2: Float64Array[];
  E: Float64Array[];
  delta: Float64Array[];
  /** HVP tangents per hidden layer (n×h): dẐ, dĤ = φ'(Ẑ) ⊙ dẐ, dδ̂. */
  dZ: Float64Array[];
  dH: Float64Array[];
  dDelta: Float64Array[];
  /**
   * The same memory as 2n×h blocks: [Ĥ_l; dĤ_l] and [dδ̂_l; δ̂_l], so that the HVP's
   * `out_W_l = dδ̂_lᵀ Ĥ_{l−1} + δ̂_lᵀ dĤ_{l−1}` can be one TN product over 2n samples.
   */
  HdH: Float64Array[];
  dDeltaDelta: Float64Array[];
  /** Whether the HVP forms out_W_l as that one product (see the constructor). */
  stacked: boolean;
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
  /** The workspace's elementwise kernels (tanh, Hadamard products, transposition). */
  private readonly ew: ElementwiseKernels;
  /** X̂ = Xᵀ (n×d_in, one sample per row); empty when X = I. */
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

    // θ, ∇ℒ, v, Hv; X; Y, R, dR; ones; scalar; per pathway f_k and df_k; 8 buffers per hidden layer
    // (H and dH, dδ and δ in adjacent pairs).
    const capacity = 4 * nParams + (this.identityInput ? 0 : dIn * n) + 3 * d * n + n + 1 + 2 * K * d * n + 8 * hiddenCells;
    this.ws = backend.workspace(capacity);
    this.ew = elementwise(this.ws);
    this.backend = this.ws.backend;
    this.theta = this.ws.alloc(nParams);
    this.grad = this.ws.alloc(nParams);
    this.vIn = this.ws.alloc(nParams);
    this.vOut = this.ws.alloc(nParams);
    this.X = this.ws.alloc(this.identityInput ? 0 : dIn * n);
    if (arch.input) arch.input.forEach((row, i) => row.forEach((x, j) => (this.X[j * dIn + i] = x)));
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
      const HdH = Array.from({ length: L - 1 }, () => this.ws.alloc(2 * h * n));
      const dDeltaDelta = Array.from({ length: L - 1 }, () => this.ws.alloc(2 * h * n));
      return {
        L, shapes,
        W: weights(this.theta), G: weights(this.grad), V: weights(this.vIn), dG: weights(this.vOut),
        b: biases(this.theta), gb: biases(this.grad), c: biases(this.vIn), dgb: biases(this.vOut),
        H: HdH.map((x) => x.subarray(0, h * n)), D1: hiddenBuffers(), D2: hiddenBuffers(), E: hiddenBuffers(),
        delta: dDeltaDelta.map((x) => x.subarray(h * n)),
        dZ: hiddenBuffers(), dH: HdH.map((x) => x.subarray(h * n)), dDelta: dDeltaDelta.map((x) => x.subarray(0, h * n)),
        HdH, dDeltaDelta,
        // One TN product over 2n samples instead of two over n: fewer passes over out_W and a longer
        // inner loop (h = 64: 2.38 vs 1.42 + 1.53 µs at n = 4, 7.9 vs 4.1 + 4.2 µs at n = 16; the
        // HVP at d = 4, h = 64 went from 33.8 to 31.1 µs, at d = 4, h = 256 from 532 to 485 µs). Not
        // when the 2n rows of the two h-wide operands outgrow L1 (n = 16, h = 256: 170 vs 145 µs).
        stacked: 2 * n * h <= 2048,
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
   * Fills `grad`, `residual` and the caches used by `hvp`. (Hidden layers are computed transposed,
   * e.g. `Ẑ_l = Ĥ_{l−1} W_lᵀ + 1 b_lᵀ`: see the file header.)
   */
  evaluate(): number {
    const { ws, ew, n, ones, X } = this;
    const act = this.activation;
    const identity = this.identityInput;
    for (const p of this.paths) {
      const { L, shapes, W, b, H, D1, D2 } = p;
      for (let l = 0; l < L; l++) {
        const { rows, cols } = shapes[l];
        const bl = b[l];
        if (l === L - 1) {
          // Output layer, d×n: f = W_L Ĥᵀ (+ b 1ᵀ).
          const f = p.out;
          if (l > 0) ws.gemm(rows, n, cols, W[l], false, H[l - 1], true, f, 0);
          else if (identity) f.set(W[0]);
          else ws.gemm(rows, n, cols, W[0], false, X, true, f, 0);
          if (bl) ws.gemm(rows, n, 1, bl, false, ones, false, f, 1);
        } else {
          // Hidden layer, n×h: Ẑ = Ĥ_{l−1} W_lᵀ (+ 1 bᵀ), then Ĥ = φ(Ẑ) in place.
          const z = H[l];
          if (l > 0) ws.gemm(n, rows, cols, H[l - 1], false, W[l], true, z, 0);
          else if (identity) ew.transpose(rows, cols, W[0], z);
          else ws.gemm(n, rows, cols, X, false, W[0], true, z, 0);
          if (bl) ws.gemm(n, rows, 1, ones, false, bl, false, z, 1);
          act.apply(rows * n, z, z, D1[l], D2[l], ew);
        }
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
        const g = gb[l];
        if (l === L - 1) {
          // Output layer: δ = R (d×n), G = R Ĥ_{L−2}, ∂b = R 1.
          if (l > 0) ws.gemm(rows, cols, n, R, false, H[l - 1], false, G[l], 0);
          else if (identity) G[0].set(R);
          else ws.gemm(rows, cols, n, R, false, X, false, G[0], 0);
          if (g) ws.gemm(rows, 1, n, R, false, ones, false, g, 0);
          continue;
        }
        // Hidden layer: Ê_l = δ̂_{l+1} W_{l+1} (= Rᵀ W_L below the output), δ̂_l = Ê_l ⊙ φ'(Ẑ_l),
        // G_l = δ̂_lᵀ Ĥ_{l−1}, ∂b_l = δ̂_lᵀ 1.
        const up = shapes[l + 1].rows;
        if (l + 1 === L - 1) ws.gemm(n, rows, up, R, true, W[l + 1], false, E[l], 0);
        else ws.gemm(n, rows, up, delta[l + 1], false, W[l + 1], false, E[l], 0);
        const dl = delta[l];
        ew.hadamard(rows * n, E[l], D1[l], dl);
        if (l > 0) ws.gemm(rows, cols, n, dl, true, H[l - 1], false, G[l], 0);
        else if (identity) ew.transpose(n, rows, dl, G[0]);
        else ws.gemm(rows, cols, n, dl, true, X, false, G[0], 0);
        if (g) ws.gemm(1, rows, n, ones, false, dl, false, g, 0);
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
   * `v` and `out` may be any arrays of length nParams (they are copied in and out). (Hidden layers
   * are computed transposed, as in `evaluate`.)
   */
  hvp(v: ArrayLike<number>, out: Float64Array): void {
    this.vIn.set(v);
    const { ws, ew, n, ones, X } = this;
    const identity = this.identityInput;
    for (const p of this.paths) {
      const { L, shapes, W, V, c, H, D1, dZ, dH } = p;
      for (let l = 0; l < L; l++) {
        const { rows, cols } = shapes[l];
        const cl = c[l];
        if (l === L - 1) {
          // df = V_L Ĥᵀ + W_L dĤᵀ (+ c 1ᵀ), d×n.
          const f = p.dOut;
          if (l > 0) {
            ws.gemm(rows, n, cols, V[l], false, H[l - 1], true, f, 0);
            ws.gemm(rows, n, cols, W[l], false, dH[l - 1], true, f, 1);
          } else if (identity) {
            f.set(V[0]);
          } else {
            ws.gemm(rows, n, cols, V[0], false, X, true, f, 0);
          }
          if (cl) ws.gemm(rows, n, 1, cl, false, ones, false, f, 1);
        } else {
          // dẐ = Ĥ_{l−1} V_lᵀ + dĤ_{l−1} W_lᵀ (+ 1 cᵀ), dĤ = φ'(Ẑ) ⊙ dẐ, n×h.
          const z = dZ[l];
          if (l > 0) {
            ws.gemm(n, rows, cols, H[l - 1], false, V[l], true, z, 0);
            ws.gemm(n, rows, cols, dH[l - 1], false, W[l], true, z, 1);
          } else if (identity) {
            ew.transpose(rows, cols, V[0], z);
          } else {
            ws.gemm(n, rows, cols, X, false, V[0], true, z, 0);
          }
          if (cl) ws.gemm(n, rows, 1, ones, false, cl, false, z, 1);
          ew.hadamard(rows * n, D1[l], z, dH[l]);
        }
      }
    }
    const dR = this.dR;
    const R = this.residual;
    const paths = this.paths;
    dR.set(paths[0].dOut);
    for (let k = 1; k < paths.length; k++) ws.axpy(dR.length, 1, paths[k].dOut, dR);
    for (const p of paths) {
      const { L, shapes, W, V, dG, dgb, H, D1, D2, E, delta, dZ, dH, dDelta, HdH, dDeltaDelta, stacked } = p;
      for (let l = L - 1; l >= 0; l--) {
        const { rows, cols } = shapes[l];
        const g = dgb[l];
        if (l === L - 1) {
          // out_W = dR Ĥ_{L−2} + R dĤ_{L−2}, out_b = dR 1.
          if (l > 0) {
            ws.gemm(rows, cols, n, dR, false, H[l - 1], false, dG[l], 0);
            ws.gemm(rows, cols, n, R, false, dH[l - 1], false, dG[l], 1);
          } else if (identity) {
            dG[0].set(dR);
          } else {
            ws.gemm(rows, cols, n, dR, false, X, false, dG[0], 0);
          }
          if (g) ws.gemm(rows, 1, n, dR, false, ones, false, g, 0);
          continue;
        }
        // dδ̂_l = (δ̂_{l+1} V_{l+1} + dδ̂_{l+1} W_{l+1}) ⊙ φ'(Ẑ_l) + Ê_l ⊙ φ''(Ẑ_l) ⊙ dẐ_l
        // (δ̂_{l+1} = Rᵀ, dδ̂_{l+1} = dRᵀ below the output layer).
        const ddl = dDelta[l];
        const up = shapes[l + 1].rows;
        if (l + 1 === L - 1) {
          ws.gemm(n, rows, up, R, true, V[l + 1], false, ddl, 0);
          ws.gemm(n, rows, up, dR, true, W[l + 1], false, ddl, 1);
        } else {
          ws.gemm(n, rows, up, delta[l + 1], false, V[l + 1], false, ddl, 0);
          ws.gemm(n, rows, up, dDelta[l + 1], false, W[l + 1], false, ddl, 1);
        }
        ew.hadamardAdd(rows * n, ddl, D1[l], E[l], D2[l], dZ[l], ddl);
        // out_W_l = dδ̂_lᵀ Ĥ_{l−1} + δ̂_lᵀ dĤ_{l−1} = [dδ̂_l; δ̂_l]ᵀ [Ĥ_{l−1}; dĤ_{l−1}], out_b_l = dδ̂_lᵀ 1.
        if (l > 0 && stacked) {
          ws.gemm(rows, cols, 2 * n, dDeltaDelta[l], true, HdH[l - 1], false, dG[l], 0);
        } else if (l > 0) {
          ws.gemm(rows, cols, n, ddl, true, H[l - 1], false, dG[l], 0);
          ws.gemm(rows, cols, n, delta[l], true, dH[l - 1], false, dG[l], 1);
        } else if (identity) {
          ew.transpose(n, rows, ddl, dG[0]);
        } else {
          ws.gemm(rows, cols, n, ddl, true, X, false, dG[0], 0);
        }
        if (g) ws.gemm(1, rows, n, ones, false, ddl, false, g, 0);
      }
    }
    out.set(this.vOut);
  }
}

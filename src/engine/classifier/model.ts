/**
 * @file The deep linear classifier of Ji & Telgarsky (docs/theory.md §9): one pathway
 * `f(x) = W_L ⋯ W_2 W_1 x` with W_1 h×d, middle layers h×h and W_L 1×h (scalar output, no biases),
 * risk `R = (1/n) Σ_i ℓ(y_i f(x_i))` over labelled points. Because the network is linear, every
 * gradient is rank one: with the suffix vectors `a_l = (W_L⋯W_{l+1})ᵀ` (a_L = 1), the end-to-end
 * predictor `w = W_1ᵀ a_1` and the prefix vectors `b_1 = ∇_w R = Xᵀg`, `b_{l+1} = W_l b_l`
 * (g_i = ℓ'(m_i) y_i / n), the gradient is `∂R/∂W_l = a_l b_lᵀ` — O(L h² + n d) per step, all of it
 * on the kernels of one workspace. The Hessian-vector product is its exact directional derivative.
 */
import { SingularValueDecomposition, Matrix } from "ml-matrix";
import { getDefaultBackend, type Backend, type Workspace } from "../linalg/kernels.js";
import { getMarginLoss, type MarginLoss, type MarginLossName } from "./losses.js";
import type { LabelledPoints } from "./svm.js";

/** Shape and place of one layer in θ. */
export interface ClassifierLayerShape {
  rows: number;
  cols: number;
  offset: number;
}

/** Per-layer spectral structure: ‖W_l‖₂/‖W_l‖_F and the top singular vectors. */
export interface LayerSpectrum {
  /** Frobenius norm ‖W_l‖_F. */
  frobenius: number;
  /** Spectral norm ‖W_l‖₂ (largest singular value). */
  spectral: number;
  /** Top left singular vector u_l (length rows). */
  u: Float64Array;
  /** Top right singular vector v_l (length cols). */
  v: Float64Array;
}

/** A deep linear classifier bound to a data set. */
export class DeepLinearClassifier {
  /** Input dimension d. */
  readonly d: number;
  /** Hidden width h (rows of W_1 … W_{L−1}). */
  readonly h: number;
  /** Depth L (number of weight matrices). */
  readonly L: number;
  /** Number of points n. */
  readonly n: number;
  readonly loss: MarginLoss;
  readonly nParams: number;
  /** Parameters θ: W_1, …, W_L row-major, one after the other. */
  readonly theta: Float64Array;
  /** ∇R(θ) after `evaluate()`. */
  readonly grad: Float64Array;
  /** Margins m_i = y_i f(x_i) after `evaluate()`. */
  readonly margins: Float64Array;
  /** End-to-end predictor w = (W_L⋯W_1)ᵀ (length d) after `evaluate()`. */
  readonly predictor: Float64Array;
  readonly backend: string;
  readonly shapes: readonly ClassifierLayerShape[];

  private readonly ws: Workspace;
  private readonly X: Float64Array;
  private readonly y: Float64Array;
  private readonly g: Float64Array;
  private readonly W: Float64Array[];
  private readonly G: Float64Array[];
  private readonly V: Float64Array[];
  private readonly dG: Float64Array[];
  private readonly a: Float64Array[];
  private readonly b: Float64Array[];
  private readonly da: Float64Array[];
  private readonly db: Float64Array[];
  private readonly dw: Float64Array;
  private readonly xdw: Float64Array;
  private readonly vIn: Float64Array;
  private readonly vOut: Float64Array;

  constructor(data: LabelledPoints, depth: number, hidden: number, loss: MarginLossName, backend: Backend = getDefaultBackend()) {
    if (!(Number.isInteger(depth) && depth >= 1)) throw new RangeError(`depths: the classifier's depth must be an integer >= 1, got ${depth}`);
    if (!(Number.isInteger(hidden) && hidden >= 1)) throw new RangeError(`classifier.hidden: must be an integer >= 1, got ${hidden}`);
    const { n, d } = data;
    this.d = d;
    this.h = hidden;
    this.L = depth;
    this.n = n;
    this.loss = getMarginLoss(loss);
    const shapes: ClassifierLayerShape[] = [];
    let N = 0;
    for (let l = 0; l < depth; l++) {
      const rows = l === depth - 1 ? 1 : hidden;
      const cols = l === 0 ? d : hidden;
      shapes.push({ rows, cols, offset: N });
      N += rows * cols;
    }
    this.shapes = shapes;
    this.nParams = N;
    // θ, ∇R, v, Hv; X, y, margins, g, X·dw; w, dw; a, da, b, db per layer.
    const vecs = shapes.reduce((s, sh) => s + 2 * sh.rows + 2 * sh.cols, 0);
    this.ws = backend.workspace(4 * N + n * d + 4 * n + 2 * d + vecs);
    this.backend = this.ws.backend;
    this.theta = this.ws.alloc(N);
    this.grad = this.ws.alloc(N);
    this.vIn = this.ws.alloc(N);
    this.vOut = this.ws.alloc(N);
    this.X = this.ws.alloc(n * d);
    this.X.set(data.X);
    this.y = this.ws.alloc(n);
    this.y.set(data.y);
    this.margins = this.ws.alloc(n);
    this.g = this.ws.alloc(n);
    this.xdw = this.ws.alloc(n);
    this.predictor = this.ws.alloc(d);
    this.dw = this.ws.alloc(d);
    const view = (buf: Float64Array) => shapes.map((s) => buf.subarray(s.offset, s.offset + s.rows * s.cols));
    this.W = view(this.theta);
    this.G = view(this.grad);
    this.V = view(this.vIn);
    this.dG = view(this.vOut);
    this.a = shapes.map((s) => this.ws.alloc(s.rows));
    this.da = shapes.map((s) => this.ws.alloc(s.rows));
    this.b = shapes.map((s) => this.ws.alloc(s.cols));
    this.db = shapes.map((s) => this.ws.alloc(s.cols));
    this.a[depth - 1]![0] = 1;
  }

  /** View of layer l (0-based) in θ. */
  layer(l: number): Float64Array {
    return this.W[l]!;
  }

  /**
   * Risk R = (1/n) Σ ℓ(m_i) and its gradient at the current θ (see the file header): suffix vectors,
   * predictor, margins, g_i = ℓ'(m_i) y_i/n, prefix vectors from b_1 = Xᵀg, then ∂R/∂W_l = a_l b_lᵀ.
   * Fills `grad`, `margins`, `predictor` and the caches `hvp` needs.
   */
  evaluate(): number {
    const { ws, shapes, W, a, b, G, L, n, d } = this;
    for (let l = L - 2; l >= 0; l--) {
      const up = shapes[l + 1]!;
      ws.gemm(shapes[l]!.rows, 1, up.rows, W[l + 1]!, true, a[l + 1]!, false, a[l]!, 0);
    }
    const w = this.predictor;
    ws.gemm(d, 1, shapes[0]!.rows, W[0]!, true, a[0]!, false, w, 0);
    const m = this.margins;
    ws.gemm(n, 1, d, this.X, false, w, false, m, 0);
    const loss = this.loss;
    const y = this.y;
    const g = this.g;
    let risk = 0;
    for (let i = 0; i < n; i++) {
      const z = y[i]! * m[i]!;
      m[i] = z;
      risk += loss.value(z);
      g[i] = (loss.d1(z) * y[i]!) / n;
    }
    ws.gemm(d, 1, n, this.X, true, g, false, b[0]!, 0);
    for (let l = 0; l < L - 1; l++) ws.gemm(shapes[l]!.rows, 1, shapes[l]!.cols, W[l]!, false, b[l]!, false, b[l + 1]!, 0);
    for (let l = 0; l < L; l++) ws.gemm(shapes[l]!.rows, shapes[l]!.cols, 1, a[l]!, false, b[l]!, true, G[l]!, 0);
    return risk / n;
  }

  /** The GD update `θ ← θ − η ∇R(θ)` with the gradient of the last `evaluate()`. */
  descend(eta: number): void {
    this.ws.axpy(this.nParams, -eta, this.grad, this.theta);
  }

  /**
   * Exact Hessian-vector product `out = ∇²R(θ)·v` at the θ of the last `evaluate()`: with V_l the
   * layers of v, `da_l = V_{l+1}ᵀa_{l+1} + W_{l+1}ᵀda_{l+1}` (da_L = 0), `dw = V_1ᵀa_1 + W_1ᵀda_1`,
   * `dg_i = ℓ''(m_i)(X dw)_i/n`, `db_1 = Xᵀdg`, `db_{l+1} = V_l b_l + W_l db_l`,
   * `(Hv)_l = da_l b_lᵀ + a_l db_lᵀ`.
   */
  hvp(v: ArrayLike<number>, out: Float64Array): void {
    this.vIn.set(v);
    const { ws, shapes, W, V, a, b, da, db, dG, L, n, d } = this;
    da[L - 1]![0] = 0;
    for (let l = L - 2; l >= 0; l--) {
      const rows = shapes[l]!.rows;
      const up = shapes[l + 1]!.rows;
      ws.gemm(rows, 1, up, V[l + 1]!, true, a[l + 1]!, false, da[l]!, 0);
      ws.gemm(rows, 1, up, W[l + 1]!, true, da[l + 1]!, false, da[l]!, 1);
    }
    const r0 = shapes[0]!.rows;
    ws.gemm(d, 1, r0, V[0]!, true, a[0]!, false, this.dw, 0);
    ws.gemm(d, 1, r0, W[0]!, true, da[0]!, false, this.dw, 1);
    const xdw = this.xdw;
    ws.gemm(n, 1, d, this.X, false, this.dw, false, xdw, 0);
    const m = this.margins;
    for (let i = 0; i < n; i++) xdw[i] = (this.loss.d2(m[i]!) * xdw[i]!) / n;
    ws.gemm(d, 1, n, this.X, true, xdw, false, db[0]!, 0);
    for (let l = 0; l < L - 1; l++) {
      const { rows, cols } = shapes[l]!;
      ws.gemm(rows, 1, cols, V[l]!, false, b[l]!, false, db[l + 1]!, 0);
      ws.gemm(rows, 1, cols, W[l]!, false, db[l]!, false, db[l + 1]!, 1);
    }
    for (let l = 0; l < L; l++) {
      const { rows, cols } = shapes[l]!;
      ws.gemm(rows, cols, 1, da[l]!, false, b[l]!, true, dG[l]!, 0);
      ws.gemm(rows, cols, 1, a[l]!, false, db[l]!, true, dG[l]!, 1);
    }
    out.set(this.vOut);
  }

  /** Frobenius norm ‖W_l‖_F of every layer into out[l]. */
  layerNorms(out: Float64Array): void {
    this.W.forEach((Wl, l) => {
      let s = 0;
      for (let j = 0; j < Wl.length; j++) s += Wl[j]! * Wl[j]!;
      out[l] = Math.sqrt(s);
    });
  }

  /** ‖W_l‖_F, ‖W_l‖₂ and the top singular vectors of every layer (SVD by ml-matrix; measurement, allocates). */
  spectra(): LayerSpectrum[] {
    return this.shapes.map((s, l) => layerSpectrum(s.rows, s.cols, this.W[l]!));
  }
}

/** ‖A‖_F, ‖A‖₂ and the top singular pair of a rows×cols row-major matrix (ml-matrix SVD). */
export function layerSpectrum(rows: number, cols: number, A: ArrayLike<number>): LayerSpectrum {
  const m = new Matrix(rows, cols);
  let fro = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const x = A[i * cols + j]!;
      m.set(i, j, x);
      fro += x * x;
    }
  }
  const svd = new SingularValueDecomposition(m, { autoTranspose: true });
  const s = svd.diagonal;
  let top = 0;
  for (let j = 1; j < s.length; j++) if (s[j]! > s[top]!) top = j;
  const U = svd.leftSingularVectors;
  const Vm = svd.rightSingularVectors;
  return {
    frobenius: Math.sqrt(fro),
    spectral: s[top] ?? 0,
    u: Float64Array.from({ length: rows }, (_, i) => U.get(i, top)),
    v: Float64Array.from({ length: cols }, (_, j) => Vm.get(j, top)),
  };
}

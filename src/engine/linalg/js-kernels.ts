/**
 * @file The plain-JS half of the dense kernels: the workspace and backend interfaces, the JS kernels
 * and the JS backend. Split from kernels.ts so that the WebAssembly backend (wasm.ts), which reuses the
 * JS kernels as its fallback, and kernels.ts, which picks the default backend, import without a cycle.
 */

/** Memory plus kernels bound to it. Buffers from `alloc` stay valid for the workspace's lifetime. */
export interface Workspace {
  /** Which implementation runs the kernels ("js" or "wasm"). */
  readonly backend: string;
  /** A zero-filled array of `length` doubles inside the workspace; throws when capacity is exhausted. */
  alloc(length: number): Float64Array;
  /**
   * General matrix product `C ← op(A)·op(B) + beta·C` with `op(X) = X` or `Xᵀ`.
   * `C` is m×n, `op(A)` is m×k, `op(B)` is k×n, all row-major and contiguous; `C` must not alias
   * `A` or `B`. `beta` is 0 (overwrite; `C`'s old content is ignored, even NaN) or 1 (accumulate).
   */
  gemm(
    m: number, n: number, k: number,
    a: Float64Array, transA: boolean,
    b: Float64Array, transB: boolean,
    c: Float64Array, beta: 0 | 1,
  ): void;
  /**
   * `y ← y + alpha·x` over the first `n` elements (e.g. the GD update `θ ← θ − η g` as
   * `axpy(n, −η, g, θ)`); `x` may be `y` itself but must not overlap it partially.
   */
  axpy(n: number, alpha: number, x: Float64Array, y: Float64Array): void;
  /**
   * tanh and its first two derivatives over the first `n` entries: `t = tanh z`,
   * `d1 = tanh' z = 1 − tanh² z` and, unless `d2` is null, `d2 = tanh'' z = −2·tanh z·tanh' z`.
   * `t` may be `z` itself (in place); `d1` and `d2` must not overlap `z` or `t`. Errors ≤ 2.08, 4.03
   * and 5.83 ulp (tanh' keeps full relative accuracy where 1 − tanh² cancels, |z| ≳ 1); every
   * backend returns the same bits as `tanhJs`. Optional so that older workspaces still conform:
   * call it through `elementwise(ws)`.
   */
  tanh?(n: number, z: Float64Array, t: Float64Array, d1: Float64Array, d2: Float64Array | null): void;
  /** `out = x ⊙ y` over the first `n` entries; `out` may be `x` or `y`. Optional: see `tanh`. */
  hadamard?(n: number, x: Float64Array, y: Float64Array, out: Float64Array): void;
  /**
   * `out = a ⊙ b + (c ⊙ d) ⊙ e` over the first `n` entries (e.g. the HVP's
   * `dδ = dE ⊙ φ' + E ⊙ φ'' ⊙ dZ`); `out` may be any input. Optional: see `tanh`.
   */
  hadamardAdd?(
    n: number, a: Float64Array, b: Float64Array, c: Float64Array, d: Float64Array, e: Float64Array, out: Float64Array,
  ): void;
  /** `out = aᵀ` (cols×rows) for `a` rows×cols, both row-major; `out` must not overlap `a`. Optional: see `tanh`. */
  transpose?(rows: number, cols: number, a: Float64Array, out: Float64Array): void;
}

/** The elementwise kernels of a workspace, all present (its own, else the plain-JS ones). */
export type ElementwiseKernels = Required<Pick<Workspace, "tanh" | "hadamard" | "hadamardAdd" | "transpose">>;

/** A way to make workspaces. */
export interface Backend {
  readonly name: string;
  /** A workspace able to hold `capacity` doubles in total. */
  workspace(capacity: number): Workspace;
}

/** C ← op(A)·op(B) + beta·C in plain JavaScript (loop orders chosen for unit-stride inner loops). */
export function gemmJs(
  m: number, n: number, k: number,
  a: Float64Array, transA: boolean,
  b: Float64Array, transB: boolean,
  c: Float64Array, beta: 0 | 1,
): void {
  if (beta === 0) c.fill(0, 0, m * n);
  if (!transA && !transB) {
    // C[i,:] += A[i,p] · B[p,:]
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      for (let p = 0; p < k; p++) {
        const aip = a[i * k + p];
        const bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
      }
    }
  } else if (transA && !transB) {
    // A is k×m: C[i,:] += A[p,i] · B[p,:]
    for (let p = 0; p < k; p++) {
      const ap = p * m;
      const bp = p * n;
      for (let i = 0; i < m; i++) {
        const api = a[ap + i];
        const ci = i * n;
        for (let j = 0; j < n; j++) c[ci + j] += api * b[bp + j];
      }
    }
  } else if (!transA && transB) {
    // B is n×k: C[i,j] += A[i,:] · B[j,:]
    for (let i = 0; i < m; i++) {
      const ai = i * k;
      for (let j = 0; j < n; j++) {
        const bj = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
        c[i * n + j] += s;
      }
    }
  } else {
    // A is k×m, B is n×k: C[i,j] += Σ_p A[p,i] B[j,p]
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[p * m + i] * b[j * k + p];
        c[i * n + j] += s;
      }
    }
  }
}

/** y ← y + alpha·x over the first n elements, in plain JavaScript. */
export function axpyJs(n: number, alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < n; i++) y[i] += alpha * x[i];
}

// ---------------------------------------------------------------------------------------------
// tanh with derivatives. The WebAssembly kernel (asm/kernels.ts, `tanh_d`, which explains the
// method and its measured accuracy) performs exactly these operations in this order, so both
// backends return identical bits. In plain JS it is also a little faster than the loop it replaced
// (Math.tanh, 1 − t², −2t(1 − t²)): 8.7 vs 10.6 ns per element (n = 1024, Node 20.20, x86-64).

/** Constants shared with the WebAssembly kernel (written into its constant table by ./wasm.ts). */
export const TANH_CONSTANTS = {
  /** 1/2!, 1/3!, …, 1/13!: the Taylor series of expm1(r) = r + r²·(1/2! + r/3! + …). */
  poly: [2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600, 6227020800].map((f) => 1 / f),
  invLn2: 1.4426950408889634,
  /** 1.5·2^52: adding it rounds to an integer (ties to even). */
  round: 6755399441055744,
  /** ln 2 = ln2Hi + ln2Lo; ln2Hi has 32 significant bits, so k·ln2Hi is exact for |k| < 2^21 (fdlibm). */
  ln2Hi: 6.93147180369123816490e-1,
  ln2Lo: 1.90821492927058770002e-10,
  /** |z| is clamped here: e^{−762} underflows to 0, so nothing changes beyond. */
  clamp: 381,
} as const;

// The same constants as module-level bindings: V8 keeps them in registers (~10% faster than
// destructuring TANH_CONSTANTS per call).
const [C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13] = TANH_CONSTANTS.poly;
const { invLn2: INV_LN2, round: ROUND, ln2Hi: LN2_HI, ln2Lo: LN2_LO, clamp: CLAMP } = TANH_CONSTANTS;

/** 2^−i for i = 0 … 600 (the scale factors 2^k1, 2^k2 of tanhJs, −550 ≤ k1, k2 ≤ 0). */
const POW2_NEG = Float64Array.from({ length: 601 }, (_, i) => 2 ** -i);

/**
 * t = tanh z, d1 = tanh' z and (unless d2 is null) d2 = tanh'' z over the first n entries, in plain
 * JavaScript; the same operations, in the same order, as the WebAssembly kernel (see Workspace.tanh).
 * With a = min(|z|, 381), w = e^{−2a} = 2^k(1 + p), s = 2^k, v = s·p:
 * tanh|z| = ((1 − s) − v)/((1 + s) + v), tanh' = 4(s + v)/((1 + s) + v)², tanh'' = −2·tanh·tanh'.
 */
export function tanhJs(n: number, z: Float64Array, t: Float64Array, d1: Float64Array, d2: Float64Array | null): void {
  for (let i = 0; i < n; i++) {
    const x = z[i];
    const ax = Math.abs(x);
    const a = CLAMP < ax ? CLAMP : ax;
    if (a !== a) {
      t[i] = d1[i] = NaN;
      if (d2) d2[i] = NaN;
      continue;
    }
    const y = a * -2;
    const kf = ROUND + y * INV_LN2 - ROUND;
    const r = y - kf * LN2_HI - kf * LN2_LO;
    // expm1(r) = r + r²·(b0 + r⁴(b1 + r⁴·b2)) (Estrin's scheme, as in the kernel).
    const q = r * r;
    const u = q * q;
    const b0 = C2 + r * C3 + q * (C4 + r * C5);
    const b1 = C6 + r * C7 + q * (C8 + r * C9);
    const b2 = C10 + r * C11 + q * (C12 + r * C13);
    const p = r + q * (b0 + u * (b1 + u * b2));
    const k1 = ROUND + kf * 0.5 - ROUND;
    const s1 = POW2_NEG[-k1 | 0];
    const s2 = POW2_NEG[(k1 - kf) | 0];
    const s = s1 * s2;
    const v = s1 * p * s2;
    const den = 1 + s + v;
    let th = (1 - s - v) / den;
    if (x < 0) th = -th;
    else if (th === 0) th = x; // ±0 keeps its sign
    const g = (4 * (s + v)) / (den * den);
    t[i] = th;
    d1[i] = g;
    if (d2) d2[i] = -2 * th * g;
  }
}

/** out = x ⊙ y over the first n entries, in plain JavaScript. */
export function hadamardJs(n: number, x: Float64Array, y: Float64Array, out: Float64Array): void {
  for (let i = 0; i < n; i++) out[i] = x[i] * y[i];
}

/** out = a ⊙ b + (c ⊙ d) ⊙ e over the first n entries, in plain JavaScript. */
export function hadamardAddJs(
  n: number, a: Float64Array, b: Float64Array, c: Float64Array, d: Float64Array, e: Float64Array, out: Float64Array,
): void {
  for (let i = 0; i < n; i++) out[i] = a[i] * b[i] + c[i] * d[i] * e[i];
}

/** out = aᵀ (cols×rows) for a rows×cols, in plain JavaScript. */
export function transposeJs(rows: number, cols: number, a: Float64Array, out: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  }
}

/** The plain-JS elementwise kernels (the fallback of `elementwise`). */
const ELEMENTWISE_JS: ElementwiseKernels = { tanh: tanhJs, hadamard: hadamardJs, hadamardAdd: hadamardAddJs, transpose: transposeJs };

/**
 * The elementwise kernels of `ws`: the workspace itself when it has them all (both built-in
 * backends do), else the plain-JS versions (for workspaces of other backends written before they
 * existed). Resolve once, outside hot loops.
 */
export function elementwise(ws: Workspace): ElementwiseKernels {
  return ws.tanh && ws.hadamard && ws.hadamardAdd && ws.transpose ? (ws as Workspace & ElementwiseKernels) : ELEMENTWISE_JS;
}

/** Plain-JS backend: each workspace is one ArrayBuffer; runs everywhere. */
export const jsBackend: Backend = {
  name: "js",
  workspace(capacity: number): Workspace {
    const heap = new Float64Array(capacity);
    let used = 0;
    return {
      backend: "js",
      alloc(length: number): Float64Array {
        if (used + length > capacity) {
          throw new Error(`workspace exhausted: asked for ${length} doubles, ${capacity - used} left`);
        }
        const view = heap.subarray(used, used + length);
        used += length;
        return view;
      },
      gemm: gemmJs,
      axpy: axpyJs,
      tanh: tanhJs,
      hadamard: hadamardJs,
      hadamardAdd: hadamardAddJs,
      transpose: transposeJs,
    };
  },
};


/**
 * @file Dense kernels on contiguous row-major Float64Arrays, behind a small backend interface so a
 * WebAssembly implementation can replace the plain-JS one. A model asks its backend for one
 * fixed-capacity workspace at construction and carves every buffer it needs out of it; the step
 * loops then call `gemm` on those buffers and allocate nothing.
 *
 * The default backend is WebAssembly SIMD (./wasm.ts) where the engine supports it, else plain JS;
 * `getDefaultBackend().name` says which, and `setDefaultBackend(jsBackend)` forces JS.
 */
import { createWasmBackend } from "./wasm.js";

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
}

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
    };
  },
};

/** Chosen on first use, so that merely importing the engine compiles no WebAssembly. */
let defaultBackend: Backend | null = null;

/**
 * The backend new models use unless told otherwise: WebAssembly SIMD ("wasm") when this engine
 * supports it, else plain JS ("js"). Its `name` tells which is in use, in any environment.
 */
export function getDefaultBackend(): Backend {
  if (defaultBackend === null) defaultBackend = createWasmBackend() ?? jsBackend;
  return defaultBackend;
}

/** Replace the default backend, e.g. `setDefaultBackend(jsBackend)` to force plain JS. */
export function setDefaultBackend(backend: Backend): void {
  defaultBackend = backend;
}

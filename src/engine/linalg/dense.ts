/**
 * @file Small dense linear algebra for set-up and measurement (not the step loops): identity,
 * products, random orthogonal matrices, SVD and symmetric eigenvalues. Decompositions come from
 * ml-matrix; matrices are row-major Float64Arrays of n×n unless stated.
 */
import { EigenvalueDecomposition, Matrix, QrDecomposition, SingularValueDecomposition } from "ml-matrix";
import { gemmJs } from "./kernels.js";
import type { Rng } from "../rng.js";

/** The n×n identity. */
export function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** op(A)·op(B) for n×n matrices, freshly allocated. */
export function matmul(n: number, a: Float64Array, b: Float64Array, transA = false, transB = false): Float64Array {
  const c = new Float64Array(n * n);
  gemmJs(n, n, n, a, transA, b, transB, c, 0);
  return c;
}

/** Frobenius norm ‖x‖_F of any array. */
export function frobenius(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

function toMatrix(n: number, a: ArrayLike<number>): Matrix {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, a[i * n + j]);
  return m;
}

function fromMatrix(m: Matrix): Float64Array {
  const rows = m.rows;
  const cols = m.columns;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = m.get(i, j);
  return out;
}

/**
 * A Haar-distributed random n×n orthogonal matrix: QR of a Gaussian matrix with the signs of R's
 * diagonal moved into Q (without that correction QR does not give the uniform distribution).
 */
export function randomOrthogonal(n: number, rng: Rng): Float64Array {
  const g = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g.set(i, j, rng.normal());
  const qr = new QrDecomposition(g);
  const q = qr.orthogonalMatrix;
  const r = qr.upperTriangularMatrix;
  const out = fromMatrix(q);
  for (let j = 0; j < n; j++) {
    if (r.get(j, j) < 0) for (let i = 0; i < n; i++) out[i * n + j] = -out[i * n + j];
  }
  return out;
}

/** SVD of a square matrix: `A = U diag(s) Vᵀ` with s sorted in decreasing order. */
export function svd(n: number, a: ArrayLike<number>): { u: Float64Array; s: Float64Array; v: Float64Array } {
  const dec = new SingularValueDecomposition(toMatrix(n, a), { autoTranspose: true });
  const s = Float64Array.from(dec.diagonal);
  const u = fromMatrix(dec.leftSingularVectors);
  const v = fromMatrix(dec.rightSingularVectors);
  // ml-matrix already sorts decreasingly; sort again defensively (stable permutation of columns).
  const order = Array.from(s.keys()).sort((i, j) => s[j] - s[i]);
  const perm = (m: Float64Array) => {
    const out = new Float64Array(n * n);
    order.forEach((src, dst) => {
      for (let i = 0; i < n; i++) out[i * n + dst] = m[i * n + src];
    });
    return out;
  };
  return { u: perm(u), s: Float64Array.from(order, (i) => s[i]), v: perm(v) };
}

/** All eigenvalues of a symmetric n×n matrix, in decreasing order. */
export function symmetricEigenvalues(n: number, a: ArrayLike<number>): number[] {
  const dec = new EigenvalueDecomposition(toMatrix(n, a), { assumeSymmetric: true });
  return [...dec.realEigenvalues].sort((x, y) => y - x);
}

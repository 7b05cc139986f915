/**
 * @file Eigenvalues of a symmetric tridiagonal matrix by the implicit QL algorithm (Numerical
 * Recipes' tqli), accumulating either all eigenvector rows or only the last one. Lanczos needs the
 * last components of the Ritz vectors at every iteration to test convergence; tracking that one row
 * costs O(m²) instead of the O(m³) of a dense eigendecomposition — written by hand for that reason.
 */

/** Eigenvalues (decreasing) of the tridiagonal matrix with diagonal `alpha` and off-diagonal `beta`. */
export interface TridiagonalEigen {
  /** Eigenvalues θ_0 ≥ θ_1 ≥ … */
  values: Float64Array;
  /** lastRow[j] = last component of the unit eigenvector of values[j]. */
  lastRow: Float64Array;
  /** vectors[j·m + r] = component r of eigenvector j (only when requested). */
  vectors: Float64Array | null;
}

/** Reusable buffers for tridiagonal eigenproblems up to size `capacity` (no allocation per solve). */
export class TridiagonalScratch {
  readonly d: Float64Array;
  readonly e: Float64Array;
  readonly z: Float64Array;
  readonly order: Int32Array;
  readonly values: Float64Array;
  readonly lastRow: Float64Array;

  constructor(readonly capacity: number) {
    this.d = new Float64Array(capacity);
    this.e = new Float64Array(capacity);
    this.z = new Float64Array(capacity);
    this.order = new Int32Array(capacity);
    this.values = new Float64Array(capacity);
    this.lastRow = new Float64Array(capacity);
  }
}

/**
 * Diagonalise T = tridiag(beta, alpha, beta) of size m = alpha.length (beta.length ≥ m − 1;
 * beta[j] couples rows j and j+1). With `wantVectors` all eigenvectors are returned as well. With a
 * `scratch` (and no vectors), the result's arrays are views into it, valid until its next use.
 */
export function tridiagonalEigen(
  alpha: ArrayLike<number>, beta: ArrayLike<number>, m: number, wantVectors = false, scratch?: TridiagonalScratch,
): TridiagonalEigen {
  const useScratch = scratch !== undefined && !wantVectors && m <= scratch.capacity;
  const d = useScratch ? scratch.d : new Float64Array(m);
  const e = useScratch ? scratch.e : new Float64Array(m);
  for (let i = 0; i < m; i++) d[i] = alpha[i];
  for (let i = 0; i < m - 1; i++) e[i] = beta[i];
  e[m - 1] = 0;
  // z holds the rows of the eigenvector matrix we track: all m rows, or only the last.
  const rows = wantVectors ? m : 1;
  const z = useScratch ? scratch.z : new Float64Array(rows * m);
  z.fill(0, 0, rows * m);
  if (wantVectors) for (let i = 0; i < m; i++) z[i * m + i] = 1;
  else if (m > 0) z[m - 1] = 1;

  for (let l = 0; l < m; l++) {
    let iter = 0;
    let mm: number;
    do {
      for (mm = l; mm < m - 1; mm++) {
        const dd = Math.abs(d[mm]) + Math.abs(d[mm + 1]);
        if (Math.abs(e[mm]) <= Number.EPSILON * dd) break;
      }
      if (mm !== l) {
        if (iter++ === 60) throw new Error("tridiagonalEigen: no convergence after 60 QL iterations");
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = Math.hypot(g, 1);
        g = d[mm] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = mm - 1; i >= l; i--) {
          let f = s * e[i];
          const b = c * e[i];
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1] = d[i + 1] - p;
            e[mm] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          for (let k = 0; k < rows; k++) {
            f = z[k * m + i + 1];
            z[k * m + i + 1] = s * z[k * m + i] + c * f;
            z[k * m + i] = c * z[k * m + i] - s * f;
          }
        }
        if (r === 0 && i >= l) continue;
        d[l] = d[l] - p;
        e[l] = g;
        e[mm] = 0;
      }
    } while (mm !== l);
  }

  const order = useScratch ? scratch.order.subarray(0, m) : new Int32Array(m);
  for (let j = 0; j < m; j++) order[j] = j;
  order.sort((a, b) => d[b] - d[a]);
  const values = useScratch ? scratch.values.subarray(0, m) : new Float64Array(m);
  const lastRow = useScratch ? scratch.lastRow.subarray(0, m) : new Float64Array(m);
  const lastRowIndex = wantVectors ? m - 1 : 0;
  for (let pos = 0; pos < m; pos++) {
    const j = order[pos];
    values[pos] = d[j];
    lastRow[pos] = z[lastRowIndex * m + j];
  }
  let vectors: Float64Array | null = null;
  if (wantVectors) {
    vectors = new Float64Array(m * m);
    for (let pos = 0; pos < m; pos++) {
      const j = order[pos];
      for (let r = 0; r < m; r++) vectors[pos * m + r] = z[r * m + j];
    }
  }
  return { values, lastRow, vectors };
}

/**
 * Unit eigenvector of the largest eigenvalue `top` of T = tridiag(beta, alpha, beta) (size m), by
 * inverse iteration with the shift μ = top + δ just above the spectrum: T − μI is then negative
 * definite, so elimination without pivoting is stable, and the error shrinks per iteration by
 * δ/(gap + δ) — two O(m) iterations replace an O(m³) eigendecomposition with vectors.
 */
export function tridiagonalTopVector(alpha: ArrayLike<number>, beta: ArrayLike<number>, m: number, top: number, out: Float64Array): void {
  let scale = 0;
  for (let i = 0; i < m; i++) scale = Math.max(scale, Math.abs(alpha[i]) + (i > 0 ? Math.abs(beta[i - 1]) : 0) + (i < m - 1 ? Math.abs(beta[i]) : 0));
  const mu = top + Math.max(1e-10 * scale, Number.MIN_VALUE);
  const cPrime = new Float64Array(m);
  const y = out;
  for (let i = 0; i < m; i++) y[i] = 1;
  for (let iter = 0; iter < 2; iter++) {
    // Thomas algorithm on (T − μI) x = y, in place.
    let denom = alpha[0] - mu;
    cPrime[0] = m > 1 ? beta[0] / denom : 0;
    y[0] = y[0] / denom;
    for (let i = 1; i < m; i++) {
      denom = alpha[i] - mu - beta[i - 1] * cPrime[i - 1];
      cPrime[i] = i < m - 1 ? beta[i] / denom : 0;
      y[i] = (y[i] - beta[i - 1] * y[i - 1]) / denom;
    }
    for (let i = m - 2; i >= 0; i--) y[i] = y[i] - cPrime[i] * y[i + 1];
    let norm = 0;
    for (let i = 0; i < m; i++) norm += y[i] * y[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) y[i] = y[i] / norm;
  }
}

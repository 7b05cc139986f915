/**
 * @file Eigenvalues of a symmetric tridiagonal matrix by the implicit QL algorithm (Numerical
 * Recipes' tqli), accumulating either all eigenvector rows or only the last one. Lanczos needs the
 * last components of the Ritz vectors at every iteration to test convergence; tracking that one row
 * costs O(m²) instead of the O(m³) of a dense eigendecomposition — written by hand for that reason.
 *
 * The matrix is first multiplied by the power of two that brings its largest entry into [1, 2):
 * exact, so results are unchanged for ordinary matrices, and a matrix at scale 1e-300 (a Hessian at
 * a 1e-300 initialisation) is diagonalised like its unit-scale copy instead of underflowing.
 * Non-finite entries, or an eigenvalue that needs more than 60 QL sweeps, give `converged: false`
 * (with NaN values for non-finite input) instead of an exception.
 */

/** Eigenvalues (decreasing) of the tridiagonal matrix with diagonal `alpha` and off-diagonal `beta`. */
export interface TridiagonalEigen {
  /** Eigenvalues θ_0 ≥ θ_1 ≥ … */
  values: Float64Array;
  /** lastRow[j] = last component of the unit eigenvector of values[j]. */
  lastRow: Float64Array;
  /** vectors[j·m + r] = component r of eigenvector j (only when requested). */
  vectors: Float64Array | null;
  /** False when the input had NaN/±∞ (values NaN) or some eigenvalue hit the 60-sweep cap (values approximate). */
  converged: boolean;
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
  let big = 0;
  for (let i = 0; i < m; i++) big = Math.max(big, Math.abs(alpha[i]));
  for (let i = 0; i < m - 1; i++) big = Math.max(big, Math.abs(beta[i]));
  const finite = Number.isFinite(big);
  // 2^−⌊log2 big⌋ (exact); computed in two factors so that it stays finite for subnormal `big`.
  const exp = finite && big > 0 ? Math.floor(Math.log2(big)) : 0;
  const half = Math.trunc(exp / 2);
  const up = 2 ** -half;
  const up2 = 2 ** -(exp - half);
  for (let i = 0; i < m; i++) d[i] = finite ? alpha[i] * up * up2 : Number.NaN;
  for (let i = 0; i < m - 1; i++) e[i] = finite ? beta[i] * up * up2 : 0;
  if (m > 0) e[m - 1] = 0;
  let converged = finite;
  // z holds the rows of the eigenvector matrix we track: all m rows, or only the last.
  const rows = wantVectors ? m : 1;
  const z = useScratch ? scratch.z : new Float64Array(rows * m);
  z.fill(0, 0, rows * m);
  if (wantVectors) for (let i = 0; i < m; i++) z[i * m + i] = 1;
  else if (m > 0) z[m - 1] = 1;

  for (let l = 0; finite && l < m; l++) {
    let iter = 0;
    let mm: number;
    do {
      for (mm = l; mm < m - 1; mm++) {
        const dd = Math.abs(d[mm]) + Math.abs(d[mm + 1]);
        if (Math.abs(e[mm]) <= Number.EPSILON * dd) break;
      }
      if (mm !== l) {
        if (iter++ === 60) {
          // Give up on this eigenvalue (never seen on finite input): deflate and report it.
          converged = false;
          e[l] = 0;
          break;
        }
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = pythag(g, 1);
        g = d[mm] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = mm - 1; i >= l; i--) {
          let f = s * e[i];
          const b = c * e[i];
          r = pythag(f, g);
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
  // Insertion sort by decreasing value: m is a Krylov dimension (tens), and TypedArray#sort with a
  // comparator costs more than the whole QL sweep at that size.
  for (let j = 0; j < m; j++) {
    const dj = d[j];
    let pos = j;
    while (pos > 0 && d[order[pos - 1]] < dj) {
      order[pos] = order[pos - 1];
      pos--;
    }
    order[pos] = j;
  }
  const values = useScratch ? scratch.values.subarray(0, m) : new Float64Array(m);
  const lastRow = useScratch ? scratch.lastRow.subarray(0, m) : new Float64Array(m);
  const lastRowIndex = wantVectors ? m - 1 : 0;
  const down = 2 ** half;
  const down2 = 2 ** (exp - half);
  for (let pos = 0; pos < m; pos++) {
    const j = order[pos];
    values[pos] = d[j] * down * down2;
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
  return { values, lastRow, vectors, converged };
}

/** √(a² + b²) without overflow (Numerical Recipes' pythag): V8's Math.hypot made a 40×40 solve 1.8× slower (124 vs 67 µs). */
function pythag(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (x > y) {
    const r = y / x;
    return x * Math.sqrt(1 + r * r);
  }
  if (y === 0) return 0;
  const r = x / y;
  return y * Math.sqrt(1 + r * r);
}

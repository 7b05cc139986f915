/**
 * @file Top eigenvalues of a symmetric operator given only its matrix-vector product, by Lanczos
 * with full reorthogonalisation. The Krylov basis lives in a kernel workspace so reorthogonalisation
 * runs as two matrix-vector products on the WebAssembly kernels (one pass, a second only when the
 * first lost more than 30% of the norm: Daniel–Gragg–Kaufman–Stewart).
 *
 * Stopping rule: for each wanted Ritz pair (θ, y) with residual ρ = |β_m y_m| (a rigorous bound,
 * |θ − λ| ≤ ρ for some eigenvalue λ), the eigenvalue error is estimated by min(ρ, ρ²/gap), gap being
 * the distance to the neighbouring Ritz values (Saad, Numerical Methods for Large Eigenvalue
 * Problems, §4.3); the solve stops when that estimate is ≤ tol·max|θ| and ρ ≤ √tol·max|θ|. So the
 * guaranteed error is ≤ √tol relative and the typical one ≤ tol.
 */
import type { Rng } from "../rng.js";
import { getDefaultBackend, type Backend, type Workspace } from "../linalg/kernels.js";
import { TridiagonalScratch, tridiagonalEigen, tridiagonalTopVector } from "./tridiagonal.js";

/** A symmetric linear operator: writes H·v into out. */
export type SymmetricOperator = (v: Float64Array, out: Float64Array) => void;

/** Settings of a Lanczos solve. */
export interface LanczosOptions {
  /** How many of the largest eigenvalues to return (default 1). */
  top?: number;
  /** Relative eigenvalue accuracy (default 1e-10; see the stopping rule above). */
  tol?: number;
  /** Maximum Krylov dimension (default min(n, 200), capped so the basis stays within 64 MB). */
  maxIter?: number;
}

/** Result of a Lanczos solve. */
export interface LanczosResult {
  /** The `top` largest Ritz values, decreasing. */
  values: number[];
  /** Ritz residual norms of those values (rigorous upper bounds on their eigenvalue errors). */
  residuals: number[];
  /** Krylov dimension used (= operator applications). */
  iterations: number;
  /** True when every wanted value met the tolerance (or the Krylov space became invariant). */
  converged: boolean;
}

/** Largest basis the solver keeps, in doubles (64 MB). */
const MAX_BASIS_DOUBLES = 8 * 1024 * 1024;

/**
 * A reusable Lanczos solver for operators of size n. It warm-starts from the previous top Ritz
 * vector mixed with fresh noise (10%), which along a trajectory saves iterations without risking a
 * missed eigenvalue crossing (the noise keeps every direction in the Krylov space).
 */
export class LanczosSolver {
  private readonly ws: Workspace;
  private readonly capacity: number;
  private readonly basis: Float64Array;
  private readonly rows: Float64Array[];
  private readonly w: Float64Array;
  private readonly tmp: Float64Array;
  private readonly coef: Float64Array;
  private readonly scalar: Float64Array;
  private readonly previous: Float64Array;
  private readonly alpha: Float64Array;
  private readonly beta: Float64Array;
  private readonly tri: TridiagonalScratch;
  private hasPrevious = false;

  constructor(
    readonly n: number,
    private readonly rng: Rng,
    options: { maxIter?: number; backend?: Backend } = {},
  ) {
    this.capacity = Math.max(2, Math.min(options.maxIter ?? 200, n, Math.floor(MAX_BASIS_DOUBLES / n)));
    const m = this.capacity;
    this.ws = (options.backend ?? getDefaultBackend()).workspace(m * n + 3 * n + m + 1);
    this.basis = this.ws.alloc(m * n);
    this.rows = Array.from({ length: m }, (_, j) => this.basis.subarray(j * n, (j + 1) * n));
    this.w = this.ws.alloc(n);
    this.tmp = this.ws.alloc(n);
    this.previous = this.ws.alloc(n);
    this.coef = this.ws.alloc(m);
    this.scalar = this.ws.alloc(1);
    this.alpha = new Float64Array(m);
    this.beta = new Float64Array(m);
    this.tri = new TridiagonalScratch(m);
  }

  /** Forget the warm start (e.g. after a jump in parameters). */
  reset(): void {
    this.hasPrevious = false;
  }

  /** aᵀb on the kernels (a 1×1 product). */
  private dot(a: Float64Array, b: Float64Array): number {
    this.ws.gemm(1, 1, this.n, a, false, b, true, this.scalar, 0);
    return this.scalar[0];
  }

  /**
   * One classical Gram–Schmidt pass of w against q_0 … q_j: w ← w − Q(Qᵀw), as two kernel products.
   * Returns the coefficients' entries j and j − 1 (α_j and β_{j−1} of the Lanczos recurrence).
   */
  private orthogonalise(j: number): [number, number] {
    const { n, ws, w, tmp, coef, basis } = this;
    const rows = j + 1;
    ws.gemm(1, rows, n, w, false, basis, true, coef, 0); // coef = Q w
    ws.gemm(1, n, rows, coef, false, basis, false, tmp, 0); // tmp = Qᵀ coef
    ws.axpy(n, -1, tmp, w);
    return [coef[j], j > 0 ? coef[j - 1] : 0];
  }

  /** The largest eigenvalues of `op` (see LanczosOptions for defaults). */
  solve(op: SymmetricOperator, options: LanczosOptions = {}): LanczosResult {
    const { n, w, alpha, beta, ws } = this;
    const top = Math.min(options.top ?? 1, n);
    const tol = options.tol ?? 1e-10;
    const maxIter = Math.min(options.maxIter ?? this.capacity, this.capacity);
    const minIter = Math.min(n, maxIter, top + 4);

    const q0 = this.rows[0];
    this.rng.fillNormal(q0);
    if (this.hasPrevious) {
      // q0 ← previous/‖previous‖ + 0.1·noise/‖noise‖
      const noise = Math.sqrt(this.dot(q0, q0));
      const prev = Math.sqrt(this.dot(this.previous, this.previous));
      for (let i = 0; i < n; i++) q0[i] = (0.1 * q0[i]) / noise;
      ws.axpy(n, 1 / prev, this.previous, q0);
    }
    const q0n = Math.sqrt(this.dot(q0, q0));
    for (let i = 0; i < n; i++) q0[i] = q0[i] / q0n;

    let m = 0;
    let converged = false;
    let eig = tridiagonalEigen(alpha, beta, 0, false, this.tri);
    for (let j = 0; j < maxIter; j++) {
      op(this.rows[j], w);
      // With full reorthogonalisation the three-term recurrence is one Gram–Schmidt pass against
      // the whole basis: its coefficients on q_j and q_{j−1} are α_j and β_{j−1} (Parlett §13.1).
      const before2 = this.dot(w, w);
      let [a, bPrev] = this.orthogonalise(j);
      let b = Math.sqrt(this.dot(w, w));
      // What the recurrence alone would leave: ‖Hq_j − α q_j − β q_{j−1}‖² = ‖Hq_j‖² − α² − β². When
      // the pass removed much more than that (cancellation, lost orthogonality), a second pass
      // restores orthogonality ("twice is enough", Daniel–Gragg–Kaufman–Stewart criterion 1/√2).
      const recurrence2 = before2 - a * a - bPrev * bPrev;
      if (b * b < 0.5 * recurrence2) {
        a += this.orthogonalise(j)[0];
        b = Math.sqrt(this.dot(w, w));
      }
      alpha[j] = a;
      beta[j] = b;
      m = j + 1;
      // The O(m²) convergence check runs every iteration while m is small, then every ~m/16
      // iterations: at most ~6% extra products, and O(m²) instead of O(m³) over a long solve.
      const last = j + 1 === maxIter;
      if (m > 32 && m % Math.ceil(m / 16) !== 0 && !last) {
        if (j + 1 < maxIter) {
          const next = this.rows[j + 1];
          next.fill(0);
          ws.axpy(n, 1 / b, w, next);
        }
        continue;
      }
      eig = tridiagonalEigen(alpha, beta, m, false, this.tri);
      const scaleH = Math.max(Math.abs(eig.values[0]), Math.abs(eig.values[m - 1]), Number.MIN_VALUE);
      if (b <= 1e-13 * scaleH) {
        converged = true; // invariant subspace: the Ritz values are exact eigenvalues
        break;
      }
      if (m >= minIter && wantedConverged(eig.values, eig.lastRow, m, top, b, tol * scaleH, Math.sqrt(tol) * scaleH)) {
        converged = true;
        break;
      }
      if (j + 1 < maxIter) {
        const next = this.rows[j + 1];
        next.fill(0);
        ws.axpy(n, 1 / b, w, next);
      }
    }

    const count = Math.min(top, m);
    const bLast = beta[m - 1];
    const values = Array.from(eig.values.subarray(0, count));
    const residuals = Array.from(eig.lastRow.subarray(0, count), (y) => Math.abs(bLast * y));

    // Top Ritz vector (Q y) for the next warm start.
    tridiagonalTopVector(alpha, beta, m, values[0], this.coef);
    ws.gemm(1, n, m, this.coef, false, this.basis, false, this.previous, 0);
    this.hasPrevious = true;
    return { values, residuals, iterations: m, converged };
  }
}

/** The stopping rule of the file header for the `top` largest Ritz pairs. */
function wantedConverged(
  values: Float64Array, lastRow: Float64Array, m: number, top: number, b: number, errTol: number, resTol: number,
): boolean {
  if (m < top) return false;
  for (let t = 0; t < top; t++) {
    const rho = Math.abs(b * lastRow[t]);
    if (rho > resTol) return false;
    const above = t > 0 ? values[t - 1] - values[t] : Number.POSITIVE_INFINITY;
    const below = t + 1 < m ? values[t] - values[t + 1] : Number.POSITIVE_INFINITY;
    const gap = Math.min(above, below);
    if (Math.min(rho, (rho * rho) / gap) > errTol) return false;
  }
  return true;
}

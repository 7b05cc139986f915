/**
 * @file Top eigenpairs of a symmetric operator given only its matrix-vector product, by thick-restart
 * Lanczos (Wu & Simon, SIAM J. Matrix Anal. Appl. 22, 2000) with reorthogonalisation, warm-started
 * along a trajectory from the previous solve's top Ritz vectors. The Krylov basis lives in a kernel
 * workspace so reorthogonalisation runs as matrix-vector products on the WebAssembly kernels: one
 * classical Gram–Schmidt pass (whose second product is skipped when the new vector is already
 * orthogonal to the older ones to 1e-12), a second pass only when the first lost more than 30% of the
 * norm (Daniel–Gragg–Kaufman–Stewart).
 *
 * Restart: when the basis holds `basis` vectors, the top k = basis/4 Ritz vectors are kept. They satisfy
 * H·Y = Y·Θ + q·sᵀ with q the next Lanczos vector; an orthogonal change of basis P (Householder
 * reflections that fix the coupling direction) makes PᵀΘP tridiagonal and sᵀP = ‖s‖e_kᵀ, so the
 * restarted basis is again a Lanczos basis with a tridiagonal projection, and the same O(m) per-step
 * recurrence and O(m²) convergence test continue unchanged. Memory is about (1.25·basis + top +
 * guard)·n doubles, at most 64 MB (the basis shrinks for large n), whatever the spectrum: a nearly
 * degenerate one costs more products, never more memory.
 *
 * Warm start: the solver keeps the previous top (+ `guard`) Ritz vectors and starts the next solve
 * from their sum, which converges in ~2 products once the trajectory has settled. A warm start only
 * sees what its Krylov space reaches, so the result is re-checked from the new top vector mixed with
 * a fixed random vector when the top value moved by more than 1% since the previous solve (the
 * operator changed enough for a crossing to hide), when the warm Krylov space was invariant, and every
 * `verifyEvery` solves; an eigenvalue that overtakes the top from an orthogonal direction without
 * moving it is thus found within `verifyEvery` solves. The warm start is plain data
 * (`warmStart`/`setWarmStart`, in the Simulation snapshot), so a resumed run repeats the uninterrupted
 * run bit for bit; the random vector is drawn once at construction, never per solve.
 *
 * Stopping rule: for each wanted Ritz pair (θ, y) with residual ρ = |β_m y_m| (a rigorous bound,
 * |θ − λ| ≤ ρ for some eigenvalue λ), the eigenvalue error is estimated by min(ρ, ρ²/gap), gap being
 * the distance to the neighbouring Ritz values (Saad, Numerical Methods for Large Eigenvalue
 * Problems, §4.3); the solve stops when that estimate is ≤ tol·max|θ| and ρ ≤ √tol·max|θ|. So the
 * guaranteed error is ≤ √tol relative and the typical one ≤ tol.
 *
 * Scale: an operator whose products are far from 1 in magnitude (a Hessian at a 1e-300 init) is
 * multiplied by a power of two chosen from the first product, which is exact, so the solve sees the
 * same numbers as for a unit-scale operator and the eigenvalues are scaled back exactly.
 */
import type { Rng } from "../rng.js";
import { getDefaultBackend, type Backend, type Workspace } from "../linalg/kernels.js";
import { TridiagonalScratch, tridiagonalEigen } from "./tridiagonal.js";

/** A symmetric linear operator: writes H·v into out. */
export type SymmetricOperator = (v: Float64Array, out: Float64Array) => void;

/** Settings of one solve. */
export interface LanczosOptions {
  /** How many of the largest eigenvalues to return (default 1). */
  top?: number;
  /** Relative eigenvalue accuracy (default 1e-10; see the stopping rule above). */
  tol?: number;
  /** Maximum operator applications per solve (default 1000). */
  maxIter?: number;
}

/** How a solve ended. */
export type LanczosStatus =
  /** Every wanted value met the tolerance. */
  | "converged"
  /** The Krylov space became invariant: the Ritz values are exact eigenvalues. */
  | "invariant"
  /** `maxIter` products without meeting the tolerance; the values are the best Ritz values. */
  | "max-iterations"
  /** The operator returned NaN or ±∞: values are NaN. */
  | "non-finite";

/** Result of a solve. */
export interface LanczosResult {
  /** The `top` largest Ritz values, decreasing. */
  values: number[];
  /** Ritz residual norms ‖Hy − θy‖ of those values (rigorous upper bounds on their eigenvalue errors). */
  residuals: number[];
  /**
   * Unit Ritz vectors of `values` (then of the guard values). Views into the solver, valid until its
   * next solve (copy them to keep them).
   */
  vectors: Float64Array[];
  /** Operator applications used. */
  iterations: number;
  /** Thick restarts taken. */
  restarts: number;
  /** True when every wanted value met the tolerance (or the Krylov space became invariant). */
  converged: boolean;
  /** How the solve ended. */
  status: LanczosStatus;
}

/** What a warm start carries between solves (plain data, JSON-serialisable). */
export interface LanczosWarmStart {
  /** The previous solve's top values (decreasing). */
  values: number[];
  /** Warm-started solves since the last verified one (see `verifyEvery`). */
  sinceVerified: number;
  /** Its top and guard Ritz vectors (unit, best first), each of the operator's size. */
  vectors: number[][];
}

/** Settings of a solver that fix its memory. */
export interface LanczosSolverOptions {
  /**
   * Krylov basis size before a thick restart (default 24, at most n). A restart keeps the top quarter
   * (at least top + guard) Ritz vectors: on the full-matrix bench, bases of 12–48 keeping a half or a
   * fifth needed the same products within 15% (86–91 for the first solve), and rotating fewer kept
   * vectors costs less per restart (k·m·n).
   */
  basis?: number;
  /** Ritz vectors below the wanted ones kept in the start block (default 0: see GUARD_WEIGHT). */
  guard?: number;
  /**
   * Verify every this many warm solves from a random start as well (default 10; 0: never), so an
   * eigenvalue that overtakes the top from a direction orthogonal to the warm start, without moving
   * the top value, is found within that many solves.
   */
  verifyEvery?: number;
  /** Kernel backend of the basis (default: the fastest available). */
  backend?: Backend;
}

/**
 * Orthogonality to older basis vectors below which a Gram–Schmidt pass skips them: 1e-12 is 10⁴×
 * below the semi-orthogonality √ε ≈ 1.5e-8 that keeps Ritz values accurate to working precision
 * (Simon 1984) and keeps the residual bound |β y_m| within ~1e-12·‖H‖ of ‖Hy − θy‖ (1e-10 did not);
 * the skip still applies to ~90% of the steps of the bench's cold solve.
 */
const ORTHO_SKIP = 1e-12;

/** Doubles the solver may hold for its basis, rotation rows and block (64 MB, as the unrestarted solver's cap). */
const MAX_DOUBLES = 8 * 1024 * 1024;

/** Products outside [2^-EXP, 2^EXP] in magnitude make the solver rescale the operator by a power of two. */
const SCALE_EXP = 256;

/**
 * Weight of the guard vectors in the warm start vector. A guard is an unconverged Ritz vector, so it
 * brings its error into the start: on the full-matrix bench trajectory one guard at weight 1, 1e-2 and
 * 1e-3 made a converged-phase warm solve cost 10–11, 5–7 and 5–7 products instead of 2 without it.
 * Hence no guard by default; the TRUST and `verifyEvery` checks are what catch crossings.
 */
const GUARD_WEIGHT = 0.01;

/**
 * Relative change of the top value between two solves above which a warm-started result is verified
 * from a random start (1%: along the bench trajectory the value moves 4× between the first solves,
 * where a crossing was missed without this check, and by < 1e-9 once GD has converged).
 */
const TRUST = 0.01;

/**
 * A reusable thick-restart Lanczos solver for operators of size n, warm-started from its previous
 * solve (see the file header). `solve` returns the top eigenpairs; `warmStart`/`setWarmStart`
 * save and restore the warm start.
 */
export class LanczosSolver {
  private ws!: Workspace;
  private capacity = 0;
  private basis!: Float64Array;
  private rows!: Float64Array[];
  private w!: Float64Array;
  private tmp!: Float64Array;
  private coef!: Float64Array;
  private scalar!: Float64Array;
  private block!: Float64Array[];
  private blockData!: Float64Array;
  private restartRows!: Float64Array;
  private small!: Float64Array;
  private alpha!: Float64Array;
  private beta!: Float64Array;
  private tri!: TridiagonalScratch;
  private blockSize = 0;
  /** Top values of the previous solve (the warm start's reference for TRUST). */
  private previous: number[] = [];
  private sinceVerified = 0;
  private readonly verifyEvery: number;
  private blockRows = 0;
  private readonly fallback: Float64Array;
  private readonly backend: Backend;
  private readonly basisSize: number;
  readonly guard: number;

  constructor(
    readonly n: number,
    rng: Rng,
    options: LanczosSolverOptions = {},
  ) {
    this.backend = options.backend ?? getDefaultBackend();
    this.basisSize = Math.max(4, options.basis ?? 24);
    this.guard = Math.max(0, options.guard ?? 0);
    this.verifyEvery = Math.max(0, Math.floor(options.verifyEvery ?? 10));
    // Drawn once, so a cold solve never depends on how many solves came before.
    this.fallback = rng.fillNormal(new Float64Array(n));
    this.allocate(1);
  }

  /** (Re)allocate the workspace for `top` wanted values. */
  private allocate(top: number): void {
    const n = this.n;
    const rows = top + this.guard;
    // Basis, rotation rows (a quarter of the basis) and block within MAX_DOUBLES: a model with
    // millions of parameters gets a smaller basis (more restarts), never less than `top` needs.
    const byMemory = Math.floor((MAX_DOUBLES / n - rows) / 1.25) - 1;
    const m = Math.max(2, Math.min(n, Math.max(Math.min(this.basisSize, byMemory), 2 * rows + 4)));
    if (m <= this.capacity && rows <= this.blockRows) return;
    const rotation = Math.max(1, Math.min(m - 2, Math.max(rows, Math.floor(m / 4))));
    const old = this.block ? this.block.slice(0, this.blockSize).map((b) => Float64Array.from(b)) : [];
    this.capacity = m;
    this.blockRows = rows;
    this.ws = this.backend.workspace((m + 1) * n + 2 * n + rows * n + rotation * n + m * m + m + 2);
    this.basis = this.ws.alloc((m + 1) * n);
    this.rows = Array.from({ length: m + 1 }, (_, j) => this.basis.subarray(j * n, (j + 1) * n));
    this.w = this.ws.alloc(n);
    this.tmp = this.ws.alloc(n);
    const blockData = this.ws.alloc(rows * n);
    this.blockData = blockData;
    this.block = Array.from({ length: rows }, (_, j) => blockData.subarray(j * n, (j + 1) * n));
    this.restartRows = this.ws.alloc(rotation * n);
    this.small = this.ws.alloc(m * m);
    this.coef = this.ws.alloc(m + 1);
    this.scalar = this.ws.alloc(1);
    this.alpha = new Float64Array(m + 1);
    this.beta = new Float64Array(m + 1);
    this.tri = new TridiagonalScratch(m + 1);
    old.slice(0, rows).forEach((b, i) => this.block[i]!.set(b));
    this.blockSize = Math.min(old.length, rows);
  }

  /** Forget the warm start (e.g. after a jump in parameters): the next solve starts cold. */
  reset(): void {
    this.blockSize = 0;
    this.previous = [];
    this.sinceVerified = 0;
  }

  /** The warm start of the next solve (plain data, e.g. for a snapshot); null when the next solve starts cold. */
  warmStart(): LanczosWarmStart | null {
    if (this.blockSize === 0) return null;
    return {
      values: this.previous.slice(), sinceVerified: this.sinceVerified,
      vectors: this.block.slice(0, this.blockSize).map((b) => Array.from(b)),
    };
  }

  /** Set the warm start of the next solve (e.g. from a snapshot); null means a cold start. */
  setWarmStart(start: LanczosWarmStart | null): void {
    if (start === null || start.vectors.length === 0) {
      this.reset();
      return;
    }
    for (const v of start.vectors) {
      if (v.length !== this.n) throw new RangeError(`warm start: vectors of length ${v.length}, the operator has size ${this.n}`);
    }
    if (start.vectors.length > this.blockRows) this.allocate(start.vectors.length - this.guard);
    start.vectors.forEach((v, i) => this.block[i]!.set(v));
    this.blockSize = start.vectors.length;
    // A damaged count or value only changes when the next verification runs, never the arithmetic.
    this.previous = start.values.filter((v) => typeof v === "number" && Number.isFinite(v));
    this.sinceVerified = Number.isInteger(start.sinceVerified) && start.sinceVerified >= 0 ? start.sinceVerified : 0;
  }

  /** aᵀb on the kernels (a 1×1 product). */
  private dot(a: Float64Array, b: Float64Array): number {
    this.ws.gemm(1, 1, this.n, a, false, b, true, this.scalar, 0);
    return this.scalar[0]!;
  }

  /**
   * One classical Gram–Schmidt pass of w against q_0 … q_j: w ← w − Q(Qᵀw), as two kernel products.
   * Returns the coefficients' entries j and j − 1 (α_j and β_{j−1} of the Lanczos recurrence).
   * When every other coefficient is below ORTHO_SKIP times the norm w will have afterwards
   * (√(‖w‖² − ‖Qw‖²), `norm2` = ‖w‖²), the new vector is already that orthogonal to the older ones and
   * only q_j and q_{j−1} are subtracted: two axpys instead of the second product. Every step measures
   * the older coefficients afresh, so a loss of orthogonality is removed once it exceeds ORTHO_SKIP.
   */
  private orthogonalise(j: number, norm2: number): [number, number] {
    const { n, ws, w, tmp, coef, basis } = this;
    const rows = j + 1;
    ws.gemm(1, rows, n, w, false, basis, true, coef, 0); // coef = Q w
    let older = 0;
    let sum2 = 0;
    for (let i = 0; i < rows; i++) {
      sum2 += coef[i]! * coef[i]!;
      if (i + 1 < j) older = Math.max(older, Math.abs(coef[i]!));
    }
    if (older <= ORTHO_SKIP * Math.sqrt(Math.max(0, norm2 - sum2))) {
      ws.axpy(n, -coef[j]!, this.rows[j]!, w);
      if (j > 0) ws.axpy(n, -coef[j - 1]!, this.rows[j - 1]!, w);
    } else {
      ws.gemm(1, n, rows, coef, false, basis, false, tmp, 0); // tmp = Qᵀ coef
      ws.axpy(n, -1, tmp, w);
    }
    return [coef[j]!, j > 0 ? coef[j - 1]! : 0];
  }

  /**
   * Start vector q_0, normalised: "cold" the fixed random vector; "block" the sum of the block's top
   * vectors plus GUARD_WEIGHT times its guards; "verify" the top block vector plus the random vector
   * at equal norm.
   */
  private startVector(mode: "cold" | "block" | "verify", top: number): void {
    const { n, ws } = this;
    const q0 = this.rows[0]!;
    if (mode === "cold" || this.blockSize === 0) q0.set(this.fallback);
    else {
      q0.set(this.block[0]!);
      if (mode === "block") for (let i = 1; i < this.blockSize; i++) ws.axpy(n, i < top ? 1 : GUARD_WEIGHT, this.block[i]!, q0);
      else ws.axpy(n, 1 / Math.sqrt(this.dot(this.fallback, this.fallback)), this.fallback, q0);
    }
    let norm = Math.sqrt(this.dot(q0, q0));
    if (!(norm > 0) || !Number.isFinite(norm)) {
      // The block cancelled out or is corrupt: start cold instead.
      q0.set(this.fallback);
      norm = Math.sqrt(this.dot(q0, q0));
    }
    for (let i = 0; i < n; i++) q0[i] = q0[i]! / norm;
  }

  /**
   * The largest eigenvalues of `op`, warm-started from the previous solve (see LanczosOptions for
   * defaults). When the warm-started top value moved by more than TRUST from the previous solve's (the
   * operator changed enough that another eigenvalue may have overtaken it unseen), or the warm Krylov
   * space was invariant, the solve is repeated from the new top vector mixed with a random one, at the
   * cost of a cold solve.
   */
  solve(op: SymmetricOperator, options: LanczosOptions = {}): LanczosResult {
    const top = Math.max(1, Math.min(options.top ?? 1, this.n));
    this.allocate(top);
    const tol = options.tol ?? 1e-10;
    const maxIter = Math.max(1, options.maxIter ?? 1000);
    const warm = this.blockSize > 0;
    const previous = this.previous[0];
    const moved = (now: number) => previous !== undefined && Math.abs(now - previous) > TRUST * Math.max(Math.abs(now), Math.abs(previous));
    const due = warm && this.verifyEvery > 0 && this.sinceVerified + 1 >= this.verifyEvery;
    let spent = 0;
    let spentRestarts = 0;
    let r: LanczosResult | number = this.run(op, top, tol, maxIter, !warm ? "cold" : due ? "verify" : "block", warm && !due ? moved : null);
    if (typeof r === "number") {
      // The start vector's Rayleigh quotient already moved: verify at once instead of converging first.
      spent = r;
      r = this.run(op, top, tol, maxIter - spent, "verify", null) as LanczosResult;
      this.sinceVerified = 0;
    } else if (warm && !due && r.status !== "non-finite" && r.iterations < maxIter) {
      // An invariant Krylov space from a warm start only says the start spans an invariant subspace
      // (e.g. one block of a block-diagonal Hessian), not that nothing above it exists.
      if (moved(r.values[0]!) || (r.status === "invariant" && r.iterations < this.n)) {
        spent = r.iterations;
        spentRestarts = r.restarts;
        r = this.run(op, top, tol, maxIter - spent, "verify", null) as LanczosResult;
        this.sinceVerified = 0;
      } else this.sinceVerified++;
    } else this.sinceVerified = 0;
    r = { ...r, iterations: r.iterations + spent, restarts: r.restarts + spentRestarts };
    this.previous = r.status === "non-finite" ? [] : r.values.slice();
    return r;
  }

  /**
   * One thick-restart Lanczos run from the start vector of `mode`; leaves its Ritz vectors in the
   * block. With `stopIfMoved`, returns after the first product (the number of products, 1) when
   * `stopIfMoved(q_0ᵀHq_0)` says the start's Rayleigh quotient moved, leaving the block as it was.
   */
  private run(
    op: SymmetricOperator, top: number, tol: number, maxIter: number, mode: "cold" | "block" | "verify",
    stopIfMoved: ((rayleigh: number) => boolean) | null,
  ): LanczosResult | number {
    const { n, w, alpha, beta, ws } = this;
    const M = this.capacity;
    const keepMax = Math.min(n, top + this.guard);
    // A block start needs one step more than its block to separate every block direction.
    const minM = Math.min(n, Math.max(top + 1, mode === "block" ? this.blockSize + 1 : 0));
    this.startVector(mode, top);

    let scale = 1;
    let m = 0;
    let iterations = 0;
    let restarts = 0;
    let status: LanczosStatus = "max-iterations";
    let lastCheck = 0;
    for (;;) {
      const j = m;
      op(this.rows[j]!, w);
      iterations++;
      if (iterations === 1) {
        let big = 0;
        for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(w[i]!));
        if (!Number.isFinite(big)) {
          status = "non-finite";
          break;
        }
        if (big > 0 && (big < 2 ** -SCALE_EXP || big > 2 ** SCALE_EXP)) scale = 2 ** -Math.round(Math.log2(big));
      }
      if (scale !== 1) for (let i = 0; i < n; i++) w[i] = w[i]! * scale;
      // With full reorthogonalisation the three-term recurrence is one Gram–Schmidt pass against
      // the whole basis: its coefficients on q_j and q_{j−1} are α_j and β_{j−1} (Parlett §13.1).
      const before2 = this.dot(w, w);
      if (!Number.isFinite(before2)) {
        status = "non-finite";
        break;
      }
      let [a, bPrev] = this.orthogonalise(j, before2);
      let b = Math.sqrt(this.dot(w, w));
      // What the recurrence alone would leave: ‖Hq_j − α q_j − β q_{j−1}‖² = ‖Hq_j‖² − α² − β². When
      // the pass removed much more than that (cancellation, lost orthogonality), a second pass
      // restores orthogonality ("twice is enough", Daniel–Gragg–Kaufman–Stewart criterion 1/√2).
      const recurrence2 = before2 - a * a - bPrev * bPrev;
      if (b * b < 0.5 * recurrence2) {
        a += this.orthogonalise(j, this.dot(w, w))[0];
        b = Math.sqrt(this.dot(w, w));
      }
      alpha[j] = a;
      beta[j] = b;
      m = j + 1;
      if (m === 1 && stopIfMoved && stopIfMoved(a / scale)) return 1;
      // The O(m²) convergence test runs at every step while the basis is small (warm starts converge
      // in a few), then every 4 steps and when the basis is full: a few % more products at most.
      const full = m === M || m === n;
      const out = iterations >= maxIter;
      if (m <= 12 || m - lastCheck >= 4 || full || out) {
        lastCheck = m;
        const eig = tridiagonalEigen(alpha, beta, m, false, this.tri);
        const scaleH = Math.max(Math.abs(eig.values[0]!), Math.abs(eig.values[m - 1]!), Number.MIN_VALUE);
        if (b <= 1e-13 * scaleH || m === n) {
          status = "invariant";
          break;
        }
        if (m >= minM && wantedConverged(eig.values, eig.lastRow, m, top, b, tol * scaleH, Math.sqrt(tol) * scaleH)) {
          status = "converged";
          break;
        }
        if (out) break;
      }
      const next = this.rows[m]!;
      next.fill(0);
      ws.axpy(n, 1 / b, w, next);
      if (full) {
        m = this.restart(m, b, Math.max(1, Math.min(M - 2, Math.max(keepMax, Math.floor(M / 4)))));
        restarts++;
        lastCheck = m;
      }
    }

    if (status === "non-finite") {
      this.blockSize = 0;
      const nan = Array.from({ length: top }, () => Number.NaN);
      return { values: nan, residuals: nan.slice(), vectors: [], iterations, restarts, converged: false, status };
    }
    // Ritz values and vectors of the final T_m (eigenvectors of an m ≤ basis tridiagonal: O(m³), once).
    const final = tridiagonalEigen(alpha, beta, m, true);
    const keep = Math.min(keepMax, m);
    const Yt = this.small.subarray(0, keep * m); // row i = eigenvector i of T_m
    Yt.set(final.vectors!.subarray(0, keep * m));
    ws.gemm(keep, n, m, Yt, false, this.basis, false, this.blockData, 0);
    // The basis is orthonormal to ORTHO_SKIP, not to rounding: renormalise so callers get unit vectors.
    for (let i = 0; i < keep; i++) {
      const v = this.block[i]!;
      const norm = Math.sqrt(this.dot(v, v));
      if (norm > 0) for (let r = 0; r < n; r++) v[r] = v[r]! / norm;
    }
    this.blockSize = keep;
    const bLast = beta[m - 1]!;
    const count = Math.min(top, m);
    const values = Array.from(final.values.subarray(0, count), (v) => v / scale);
    const residuals = Array.from({ length: count }, (_, i) => (status === "invariant" ? 0 : Math.abs(bLast * final.lastRow[i]!) / scale));
    return {
      values, residuals, vectors: this.block.slice(0, keep), iterations, restarts,
      converged: status === "converged" || status === "invariant", status,
    };
  }

  /**
   * Thick restart of a full basis of m vectors (next vector in rows[m], coupling b): keep the top
   * `keep` Ritz vectors, rotated so that the projection stays tridiagonal (file header). Returns the
   * new basis size; the next Lanczos vector is moved to rows[keep].
   */
  private restart(m: number, b: number, keep: number): number {
    const { n, alpha, beta } = this;
    const e = tridiagonalEigen(alpha, beta, m, true);
    const Y = e.vectors!; // Y[i·m + r]: component r of eigenvector i
    const k = keep;
    // A = diag(θ), s = b·(last components): make Pᵀ A P tridiagonal with Pᵀ s = ±‖s‖ e_{k−1}.
    const A = new Float64Array(k * k);
    const P = new Float64Array(k * k);
    const s = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      A[i * k + i] = e.values[i]!;
      P[i * k + i] = 1;
      s[i] = b * Y[i * m + m - 1]!;
    }
    const sNorm = householderArrow(A, P, s, k);
    // New rows: row c = Σ_i (Σ_j Y_i·P[i, c]) … as Zᵀ·Q with Z = Yᵀ P (m×k), one kernel product.
    const Zt = new Float64Array(k * m);
    for (let c = 0; c < k; c++) {
      for (let r = 0; r < m; r++) {
        let acc = 0;
        for (let i = 0; i < k; i++) acc += Y[i * m + r]! * P[i * k + c]!;
        Zt[c * m + r] = acc;
      }
    }
    const Ztw = this.small.subarray(0, k * m);
    Ztw.set(Zt);
    const rotated = this.restartRows.subarray(0, k * n);
    this.ws.gemm(k, n, m, Ztw, false, this.basis, false, rotated, 0);
    this.rows[k]!.set(this.rows[m]!);
    this.basis.set(rotated, 0);
    for (let i = 0; i < k; i++) alpha[i] = A[i * k + i]!;
    for (let i = 0; i + 1 < k; i++) beta[i] = A[i * k + i + 1]!;
    beta[k - 1] = sNorm;
    return k;
  }
}

/**
 * In place: reflect A (k×k symmetric) and accumulate P (k×k, starting at I) so that PᵀAP is
 * tridiagonal and Pᵀs = σ·e_{k−1}; returns σ. A first Householder reflection maps s to the last
 * axis, then the usual bottom-up tridiagonalisation (reflections on coordinates 0…i−1, which leave
 * the last axis alone) reduces rows k−1 … 2.
 */
function householderArrow(A: Float64Array, P: Float64Array, s: Float64Array, k: number): number {
  const v = new Float64Array(k);
  let sigma = 0;
  // Reflection of coordinates 0 … len−1 with vector v (‖v‖² = h): A ← HAH, P ← PH.
  const reflect = (len: number, h: number) => {
    if (h === 0) return;
    // A ← H A H with H = I − 2vvᵀ/h: p = Av·2/h, K = vᵀp/h, q = p − K v, A ← A − vqᵀ − qvᵀ.
    const p = new Float64Array(k);
    for (let r = 0; r < k; r++) {
      let acc = 0;
      for (let c = 0; c < len; c++) acc += A[r * k + c]! * v[c]!;
      p[r] = (2 * acc) / h;
    }
    let K = 0;
    for (let c = 0; c < len; c++) K += v[c]! * p[c]!;
    K /= h;
    for (let r = 0; r < k; r++) {
      const vr = r < len ? v[r]! : 0;
      const qr = p[r]! - K * vr;
      for (let c = 0; c < k; c++) {
        const vc = c < len ? v[c]! : 0;
        const qc = p[c]! - K * vc;
        A[r * k + c] = A[r * k + c]! - vr * qc - qr * vc;
      }
    }
    for (let r = 0; r < k; r++) {
      let acc = 0;
      for (let c = 0; c < len; c++) acc += P[r * k + c]! * v[c]!;
      const f = (2 * acc) / h;
      for (let c = 0; c < len; c++) P[r * k + c] = P[r * k + c]! - f * v[c]!;
    }
  };
  // s → σ e_{k−1}.
  {
    let norm2 = 0;
    for (let i = 0; i < k; i++) norm2 += s[i]! * s[i]!;
    const norm = Math.sqrt(norm2);
    sigma = s[k - 1]! >= 0 ? -norm : norm;
    for (let i = 0; i < k; i++) v[i] = s[i]!;
    v[k - 1] = v[k - 1]! - sigma;
    let h = 0;
    for (let i = 0; i < k; i++) h += v[i]! * v[i]!;
    if (norm > 0) reflect(k, h);
  }
  for (let i = k - 1; i >= 2; i--) {
    // Zero A[i][0 … i−2]: reflect x = A[i][0 … i−1] onto its last coordinate.
    let norm2 = 0;
    for (let c = 0; c < i; c++) norm2 += A[i * k + c]! ** 2;
    const norm = Math.sqrt(norm2);
    if (norm === 0) continue;
    const x = A[i * k + i - 1]!;
    const target = x >= 0 ? -norm : norm;
    for (let c = 0; c < i; c++) v[c] = A[i * k + c]!;
    v[i - 1] = x - target;
    let h = 0;
    for (let c = 0; c < i; c++) h += v[c]! * v[c]!;
    reflect(i, h);
  }
  return sigma;
}

/** The stopping rule of the file header for the `top` largest Ritz pairs. */
function wantedConverged(
  values: Float64Array, lastRow: Float64Array, m: number, top: number, b: number, errTol: number, resTol: number,
): boolean {
  if (m < top) return false;
  for (let t = 0; t < top; t++) {
    const rho = Math.abs(b * lastRow[t]!);
    if (rho > resTol) return false;
    const above = t > 0 ? values[t - 1]! - values[t]! : Number.POSITIVE_INFINITY;
    const below = t + 1 < m ? values[t]! - values[t + 1]! : Number.POSITIVE_INFINITY;
    const gap = Math.min(above, below);
    if (Math.min(rho, (rho * rho) / gap) > errTol) return false;
  }
  return true;
}

/** Options of `topEigenpairs`: those of a solve and of a solver. */
export interface TopEigenpairsOptions extends LanczosOptions, LanczosSolverOptions {}

/** Eigenpairs returned by `topEigenpairs` (vectors are copies owned by the caller). */
export interface TopEigenpairs extends LanczosResult {
  /** Unit Ritz vectors (top, then guard), copies. */
  vectors: Float64Array[];
}

/**
 * The top eigenpairs of a symmetric operator of size n from an HVP callback, warm-started from
 * `start` (unit or not, best first; empty or null: a cold start from a seeded random vector). For
 * callers along a trajectory (e.g. a central flow), pass the previous result's `vectors` as `start`;
 * a long-lived `LanczosSolver` avoids re-allocating the basis and also runs the TRUST and
 * `verifyEvery` checks, which need the previous values.
 */
export function topEigenpairs(
  op: SymmetricOperator, n: number, start: readonly ArrayLike<number>[] | null, rng: Rng, options: TopEigenpairsOptions = {},
): TopEigenpairs {
  const solverOptions: LanczosSolverOptions = { ...(options.basis !== undefined ? { basis: options.basis } : {}), ...(options.guard !== undefined ? { guard: options.guard } : {}), ...(options.backend ? { backend: options.backend } : {}) };
  const solver = new LanczosSolver(n, rng, solverOptions);
  if (start && start.length > 0) solver.setWarmStart({ values: [], sinceVerified: 0, vectors: start.map((v) => Array.from(v)) });
  const r = solver.solve(op, options);
  return { ...r, vectors: r.vectors.map((v) => Float64Array.from(v)) };
}

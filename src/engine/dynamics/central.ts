/**
 * @file The central flow of gradient descent at the Edge of Stability (docs/theory.md §11; Cohen, Damian,
 * Talwalkar, Kolter & Lee, ICLR 2025): an ODE for the time average of GD, in GD-step time units.
 * - stable phase: dw/dt = −η ∇ℒ(w);
 * - at the edge (p Hessian eigenvalues held at 2/η, eigenvectors U): dw/dt = −η [∇ℒ + ½ Σ_ab X_ab G_ab] with
 *   G_ab = ∇(u_aᵀ∇²ℒ u_b) = D³ℒ[u_a, u_b, ·] and X ⪰ 0 (p×p) fixed by d(UᵀHU)/dt = −(UᵀHU − 2/η I)/τ — exactly
 *   dS/dt = 0 on the edge; the relaxation time τ only removes the solver's drift off it.
 * Phases switch by events of the ODE solver: an eigenvalue reaching 2/η enters the edge, X losing positive
 * definiteness (x reaching 0) leaves it; at a switch the active set is re-chosen so that X ≻ 0 (the small
 * complementarity problem of §11: the convex QP min ½⟨X, B[X]⟩ + ⟨A, X⟩ over X ≥ 0, solved with quadprog).
 * Models come in decoupled groups: one per mode for the reduced SVS dynamics (modes decouple, so X is
 * diagonal with one x_i per mode, from the exact SVS blocks and a closed-form ∇S), one group of the top
 * eigenvalues for full matrices and MLPs (∇S from differences of exact Hessian-vector products).
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import quadprog from "quadprog";
import { DormandPrince, type OdeState } from "./ode.js";
import type { ReducedSpec } from "./reduced.js";
import { ipow } from "./reduced.js";
import type { WeightModel } from "./systems.js";
import type { Rng } from "../rng.js";
import { LanczosSolver } from "../measure/lanczos.js";

/** The edge quantities of one group at a state: tracked eigenvalues and the third-derivative vectors. */
export interface EdgeEval {
  /** Tracked Hessian eigenvalues, decreasing. */
  values: number[];
  /** G_ab = ∇(u_aᵀ H u_b) for a ≤ b < p, in the order (0,0), (0,1), …, (0,p−1), (1,1), …; each of state length. */
  G: Float64Array[];
}

/** What the central flow needs of a model: its gradient and, per decoupled group, the top eigenvalues and G_ab. */
export interface EdgeModel {
  /** State size. */
  readonly n: number;
  /** Number of decoupled groups (reduced: one per mode; full matrices and MLPs: one). */
  readonly groups: number;
  /** Tracked eigenvalues per group (reduced: 1; full: the `top` largest). */
  readonly tracked: number;
  /** Inner-product weights of the state coordinates (balanced reduced layout: L_k), null for Euclidean. */
  readonly weights: Float64Array | null;
  /** Loss at y; writes ∇ℒ (per-coordinate partial derivatives) into g. */
  gradient(y: Float64Array, g: Float64Array): number;
  /** Tracked eigenvalues of group j at y (decreasing) and G_ab for the top p (p may be 0: values only). */
  edge(y: Float64Array, j: number, p: number): EdgeEval;
}

/** Settings of the central flow. */
export interface CentralOptions {
  /** Step size η (the edge is 2/η; time unit: one GD step). */
  lr: number;
  /** ODE relative tolerance (default 1e-9). */
  rtol?: number;
  /** ODE absolute tolerance (default 1e-12). */
  atol?: number;
  /** Relaxation time τ (GD steps) that pulls the solver back onto S = 2/η (default 20). */
  tau?: number;
}

/** What `CentralFlow.save` returns. */
export interface CentralState {
  ode: OdeState;
  groups: { p: number; X: number[] }[];
  lastSwitch: number | null;
}

/** State of one group: how many of its top eigenvalues are at the edge and the last X (p×p, row-major). */
interface GroupState {
  p: number;
  X: Float64Array;
}

function dotW(a: Float64Array, b: Float64Array, w: Float64Array | null): number {
  let s = 0;
  if (w) for (let i = 0; i < a.length; i++) s += w[i]! * a[i]! * b[i]!;
  else for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Solve the dense q×q system M z = rhs by Gaussian elimination with partial pivoting (q ≤ ~10); null if singular. */
function solveDense(q: number, M: Float64Array, rhs: Float64Array): Float64Array | null {
  const A = Float64Array.from(M);
  const b = Float64Array.from(rhs);
  for (let c = 0; c < q; c++) {
    let piv = c;
    for (let r = c + 1; r < q; r++) if (Math.abs(A[r * q + c]!) > Math.abs(A[piv * q + c]!)) piv = r;
    if (!(Math.abs(A[piv * q + c]!) > 0)) return null;
    if (piv !== c) {
      for (let k = 0; k < q; k++) [A[c * q + k], A[piv * q + k]] = [A[piv * q + k]!, A[c * q + k]!];
      [b[c], b[piv]] = [b[piv]!, b[c]!];
    }
    for (let r = c + 1; r < q; r++) {
      const f = A[r * q + c]! / A[c * q + c]!;
      if (f === 0) continue;
      for (let k = c; k < q; k++) A[r * q + k] = A[r * q + k]! - f * A[c * q + k]!;
      b[r] = b[r]! - f * b[c]!;
    }
  }
  for (let r = q - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < q; k++) s -= A[r * q + k]! * b[k]!;
    b[r] = s / A[r * q + r]!;
  }
  return b;
}

/** Eigenvalues (decreasing) and eigenvectors (columns, row-major n×n) of a symmetric matrix (ml-matrix). */
export function symmetricEigen(n: number, a: ArrayLike<number>): { values: number[]; vectors: Float64Array } {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, a[i * n + j]!);
  const dec = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const vals = dec.realEigenvalues;
  const order = Array.from(vals.keys()).sort((i, j) => vals[j]! - vals[i]!);
  const V = dec.eigenvectorMatrix;
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let i = 0; i < n; i++) vectors[i * n + dst] = V.get(i, src);
  });
  return { values: order.map((i) => vals[i]!), vectors };
}

/** Pair index of (a, b), a ≤ b < p, in the upper-triangular order of `EdgeEval.G`. */
function pairIndex(p: number, a: number, b: number): number {
  return a * p - (a * (a - 1)) / 2 + (b - a);
}

/**
 * The central flow of a model: integrates with Dormand–Prince, switching phases at events. `x(j)`
 * gives the current X of group j (the predicted squared oscillation amplitudes along its eigenvectors).
 */
export class CentralFlow {
  readonly lr: number;
  readonly tau: number;
  readonly ode: DormandPrince;
  private readonly states: GroupState[];
  private readonly g: Float64Array;
  private readonly model: EdgeModel;
  /** Loss at the last right-hand-side evaluation (of the state passed to `evaluate`). */
  loss = Number.NaN;
  /** Tracked eigenvalues per group at the last `evaluate`. */
  values: number[][] = [];
  /** GD step of the last phase switch (NaN before any). */
  lastSwitch = Number.NaN;

  constructor(model: EdgeModel, options: CentralOptions) {
    this.model = model;
    this.lr = options.lr;
    this.tau = options.tau ?? 20;
    this.g = new Float64Array(model.n);
    this.states = Array.from({ length: model.groups }, () => ({ p: 0, X: new Float64Array(0) }));
    this.ode = new DormandPrince(model.n, (_t, y, dy) => this.rhs(y, dy), { rtol: options.rtol ?? 1e-9, atol: options.atol ?? 1e-12 });
  }

  /** Number of eigen-directions at the edge, per group. */
  active(j: number): number {
    return this.states[j]!.p;
  }

  /** Diagonal of X of group j, padded with zeros to the tracked count (squared amplitudes along u_a). */
  x(j: number): number[] {
    const { p, X } = this.states[j]!;
    return Array.from({ length: this.model.tracked }, (_, a) => (a < p ? Math.max(0, X[a * p + a]!) : 0));
  }

  /**
   * X of a group from the equality constraints d(u_aᵀHu_b)/dt = −(u_aᵀHu_b − 2/η δ_ab)/τ on the top p:
   * Σ_{c≤d} ½ w_cd ⟨G_ab, G_cd⟩ X_cd = −⟨G_ab, ∇ℒ⟩ + (λ_a − 2/η) δ_ab / (ητ), w = 1 (c = d) or 2.
   */
  private solveX(ev: EdgeEval, p: number, g: Float64Array): Float64Array | null {
    const q = (p * (p + 1)) / 2;
    const w = this.model.weights;
    const M = new Float64Array(q * q);
    const rhs = new Float64Array(q);
    const edge = 2 / this.lr;
    for (let a = 0, r = 0; a < p; a++) {
      for (let b = a; b < p; b++, r++) {
        const Gr = ev.G[r]!;
        rhs[r] = -dotW(Gr, g, w) + (a === b ? (ev.values[a]! - edge) / (this.lr * this.tau) : 0);
        for (let c = 0, s = 0; c < p; c++) {
          for (let d = c; d < p; d++, s++) M[r * q + s] = 0.5 * (c === d ? 1 : 2) * dotW(Gr, ev.G[s]!, w);
        }
      }
    }
    const z = solveDense(q, M, rhs);
    if (!z) return null;
    const X = new Float64Array(p * p);
    for (let a = 0; a < p; a++) for (let b = a; b < p; b++) X[a * p + b] = X[b * p + a] = z[pairIndex(p, a, b)]!;
    return X;
  }

  /** dy = −η [∇ℒ + ½ Σ_ab X_ab G_ab] with every group's current active count; updates X. */
  rhs(y: Float64Array, dy: Float64Array): void {
    const m = this.model;
    const evals: (EdgeEval | null)[] = this.states.map((st, j) => (st.p > 0 ? m.edge(y, j, st.p) : null));
    // gradient last: the full-matrix models' edge() moves their parameters to shifted points.
    this.loss = m.gradient(y, this.g);
    const g = this.g;
    for (let i = 0; i < dy.length; i++) dy[i] = g[i]!;
    this.states.forEach((st, j) => {
      const ev = evals[j];
      if (!ev) return;
      const X = this.solveX(ev, st.p, g) ?? new Float64Array(st.p * st.p);
      st.X = X;
      for (let a = 0; a < st.p; a++) {
        for (let b = a; b < st.p; b++) {
          const c = 0.5 * (a === b ? 1 : 2) * X[a * st.p + b]!;
          if (c === 0) continue;
          const G = ev.G[pairIndex(st.p, a, b)]!;
          for (let i = 0; i < dy.length; i++) dy[i] = dy[i]! + c * G[i]!;
        }
      }
    });
    const eta = this.lr;
    for (let i = 0; i < dy.length; i++) dy[i] = -eta * dy[i]!;
  }

  /**
   * Event function: ≥ 0 when some group must switch — its first inactive eigenvalue reached 2/η
   * (relative margin 1e-9, so a direction that just left is not re-entered at once), or the smallest
   * eigenvalue of its X reached 0.
   */
  private event(y: Float64Array): number {
    const m = this.model;
    const edge = 2 / this.lr;
    let worst = Number.NEGATIVE_INFINITY;
    const evals = this.states.map((st, j) => m.edge(y, j, st.p));
    m.gradient(y, this.g);
    this.states.forEach((st, j) => {
      const ev = evals[j]!;
      if (st.p < ev.values.length) worst = Math.max(worst, (ev.values[st.p]! - edge * (1 + 1e-9)) / edge);
      if (st.p > 0) {
        const X = this.solveX(ev, st.p, this.g);
        const xmin = X ? symmetricEigen(st.p, X).values[st.p - 1]! : Number.NEGATIVE_INFINITY;
        // Scale-free: X relative to the squared amplitude 1/λ-ish scale is not needed; only the sign matters.
        worst = Math.max(worst, -xmin);
      }
    });
    return worst;
  }

  /**
   * Choose every group's active count at y: among the eigenvalues within 1e-7 of 2/η (or above), the
   * complementarity problem min ½ xᵀBx + Aᵀx over x ≥ 0 (B_ab = ½⟨G_aa, G_bb⟩, A_a = ⟨G_aa, ∇ℒ⟩ +
   * (2/η − λ_a)/(ητ); quadprog) says which stay; the top p with positive x become the edge set, then p
   * shrinks until X of the equality system is positive definite.
   */
  settle(y: Float64Array): void {
    const m = this.model;
    const edge = 2 / this.lr;
    this.states.forEach((st, j) => {
      const probe = m.edge(y, j, 0);
      let cand = 0;
      while (cand < probe.values.length && probe.values[cand]! >= edge * (1 - 1e-7)) cand++;
      if (cand === 0) {
        st.p = 0;
        st.X = new Float64Array(0);
        return;
      }
      const ev = m.edge(y, j, cand);
      m.gradient(y, this.g);
      const x = complementarity(ev, cand, this.g, m.weights, edge, this.lr * this.tau);
      let p = 0;
      while (p < cand && x[p]! > 0) p++;
      for (; p > 0; p--) {
        const evp = p === cand ? ev : m.edge(y, j, p);
        m.gradient(y, this.g);
        const X = this.solveX(evp, p, this.g);
        if (X && symmetricEigen(p, X).values[p - 1]! > 0) {
          st.X = X;
          break;
        }
      }
      st.p = p;
      if (p === 0) st.X = new Float64Array(0);
    });
  }

  /** The flow's memory between steps (plain data, for a snapshot): the solver's state, each group's edge set and X, and the last switch. */
  save(): CentralState {
    return { ode: this.ode.save(), groups: this.states.map((st) => ({ p: st.p, X: Array.from(st.X) })), lastSwitch: Number.isNaN(this.lastSwitch) ? null : this.lastSwitch };
  }

  /** Restore what `save` gave instead of re-deriving the phase with `settle` (which could pick another edge set at a boundary). */
  restore(s: CentralState): void {
    if (!Array.isArray(s.groups) || s.groups.length !== this.states.length) throw new RangeError(`resume: the central flow has ${this.states.length} groups, the snapshot ${Array.isArray(s.groups) ? s.groups.length : "none"}`);
    s.groups.forEach((g, j) => {
      if (!Number.isInteger(g.p) || g.p < 0 || !Array.isArray(g.X) || g.X.length !== g.p * g.p) throw new RangeError(`resume: group ${j + 1} of the central flow is damaged`);
      this.states[j]!.p = g.p;
      this.states[j]!.X = Float64Array.from(g.X);
    });
    this.lastSwitch = s.lastSwitch ?? Number.NaN;
    this.ode.restore(s.ode);
  }

  /**
   * Advance y (in place) from step t0 to step t1, switching phases at events. Returns the number of
   * phase switches. Throws (from the ODE solver) when the flow blows up.
   */
  advance(y: Float64Array, t0: number, t1: number): number {
    let t = t0;
    let switches = 0;
    while (t < t1) {
      t = this.ode.integrate(y, t, t1, (_t, yy) => this.event(yy));
      if (t < t1) {
        this.settle(y);
        this.lastSwitch = t;
        switches++;
        if (switches > 10_000) throw new Error(`central flow: more than 10000 phase switches between steps ${t0} and ${t1}`);
      }
    }
    return switches;
  }

  /** Evaluate the loss, eigenvalues and X at y for recording (does not move y). */
  evaluate(y: Float64Array): void {
    const dy = new Float64Array(y.length);
    this.rhs(y, dy);
    this.values = this.states.map((_, j) => this.model.edge(y, j, 0).values);
  }

  /** Predicted time-averaged loss ℒ + ½ Σ_a X_aa λ_a (≈ ℒ + tr X/η at the edge) at the last `evaluate`. */
  averageLoss(): number {
    let extra = 0;
    this.states.forEach((st, j) => {
      for (let a = 0; a < st.p; a++) extra += 0.5 * Math.max(0, st.X[a * st.p + a]!) * (this.values[j]?.[a] ?? 2 / this.lr);
    });
    return this.loss + extra;
  }
}

/** The diagonal complementarity problem x ≥ 0, A + Bx ≥ 0, xᵀ(A + Bx) = 0 as a convex QP (quadprog; closed form for one). */
function complementarity(ev: EdgeEval, p: number, g: Float64Array, w: Float64Array | null, edge: number, etaTau: number): number[] {
  const A = Array.from({ length: p }, (_, a) => dotW(ev.G[pairIndex(p, a, a)]!, g, w) + (edge - ev.values[a]!) / etaTau);
  const B = Array.from({ length: p }, (_, a) =>
    Array.from({ length: p }, (_, b) => 0.5 * dotW(ev.G[pairIndex(p, a, a)]!, ev.G[pairIndex(p, b, b)]!, w)),
  );
  if (p === 1) return [B[0]![0]! > 0 ? Math.max(0, -A[0]! / B[0]![0]!) : 0];
  // quadprog: min −dᵀx + ½ xᵀDx s.t. Aᵀx ≥ b, 1-indexed; a tiny ridge keeps D positive definite.
  const trace = B.reduce((s, row, a) => s + row[a]!, 0);
  const D = [[]] as number[][];
  for (let a = 0; a < p; a++) D.push([0, ...B[a]!.map((v, b) => v + (a === b ? 1e-12 * trace : 0))]);
  const dvec = [0, ...A.map((v) => -v)];
  const Amat = [[]] as number[][];
  for (let a = 0; a < p; a++) Amat.push([0, ...Array.from({ length: p }, (_, b) => (a === b ? 1 : 0))]);
  const res = quadprog.solveQP(D, dvec, Amat, [0, ...new Array<number>(p).fill(0)]);
  return res.solution.slice(1);
}

// ---------------------------------------------------------------------------------------------------
// Reduced SVS dynamics: closed-form ∂S/∂σ.

/**
 * Third-derivative contraction of one mode block along its eigenvector u, in closed form:
 * ∂S/∂x_c = uᵀ(∂H/∂x_c)u = 2 (Mu)_c (Jᵀu) + J_c (uᵀMu) + r · 2 q2_c, with H = JJᵀ + rM (docs/theory.md §11).
 * Per pathway, Q_c(t) = Π_{n≠c}(x_n + t u_n) = J_c + t (Mu)_c + t² q2_c + …, and P(t) = Π_n (x_n + t u_n) gives
 * Jᵀu (its t-coefficient) and uᵀMu (twice its t²-coefficient): prefix/suffix products of truncated
 * quadratics, O(Σ L_k), exact at zeros. x and u are per-layer (length Σ_k L_k, pathway-major), r the residual.
 */
export function modeSharpnessGradient(depths: readonly number[], x: ArrayLike<number>, u: ArrayLike<number>, r: number, out: Float64Array): void {
  const n = depths.reduce((a, b) => a + b, 0);
  const q0 = new Float64Array(n);
  const q1 = new Float64Array(n);
  const q2 = new Float64Array(n);
  let Ju = 0;
  let uMu = 0;
  let base = 0;
  for (const L of depths) {
    // prefix truncated polynomials (c0 + c1 t + c2 t²) of Π_{n<c}(x_n + t u_n)
    let a0 = 1, a1 = 0, a2 = 0;
    for (let c = 0; c < L; c++) {
      q0[base + c] = a0;
      q1[base + c] = a1;
      q2[base + c] = a2;
      const xv = x[base + c]!;
      const uv = u[base + c]!;
      a2 = a2 * xv + a1 * uv;
      a1 = a1 * xv + a0 * uv;
      a0 = a0 * xv;
    }
    Ju += a1;
    uMu += 2 * a2;
    let b0 = 1, b1 = 0, b2 = 0;
    for (let c = L - 1; c >= 0; c--) {
      const p0 = q0[base + c]!, p1 = q1[base + c]!, p2 = q2[base + c]!;
      q0[base + c] = p0 * b0;
      q1[base + c] = p0 * b1 + p1 * b0;
      q2[base + c] = p0 * b2 + p1 * b1 + p2 * b0;
      const xv = x[base + c]!;
      const uv = u[base + c]!;
      b2 = b2 * xv + b1 * uv;
      b1 = b1 * xv + b0 * uv;
      b0 = b0 * xv;
    }
    base += L;
  }
  for (let c = 0; c < n; c++) out[c] = 2 * q1[c]! * Ju + q0[c]! * uMu + 2 * r * q2[c]!;
}

/**
 * The mode block restricted to depth-balanced directions (constant within each pathway, orthonormal basis
 * e_k = 1_{L_k}/√L_k): H̃_kj = √(L_k L_j) a_k^{L_k−1} a_j^{L_j−1} + δ_kj r (L_k − 1) a_k^{L_k−2}. GD on the
 * balanced manifold can only oscillate along these directions (the manifold is invariant).
 */
export function balancedModeBlock(depths: readonly number[], a: ArrayLike<number>, r: number): Float64Array {
  const K = depths.length;
  const H = new Float64Array(K * K);
  const j = depths.map((L, k) => Math.sqrt(L) * ipow(a[k]!, L - 1));
  for (let k = 0; k < K; k++) {
    for (let m = 0; m < K; m++) H[k * K + m] = j[k]! * j[m]!;
    const L = depths[k]!;
    if (L >= 2) H[k * K + k] = H[k * K + k]! + r * (L - 1) * ipow(a[k]!, L - 2);
  }
  return H;
}

/**
 * The reduced SVS dynamics as an `EdgeModel`: one group per mode, S_i the top eigenvalue of the exact
 * mode block (balanced layout: of its depth-balanced restriction), ∇S_i in closed form.
 * Layouts as in reduced.ts: "balanced" a[k·d + i] (weights L_k: every layer moves alike), "layers" x[(o_k + l)·d + i].
 */
export class ReducedEdgeModel implements EdgeModel {
  readonly n: number;
  readonly groups: number;
  readonly tracked = 1;
  readonly weights: Float64Array | null;
  private readonly nl: number;
  private readonly xi: Float64Array;
  private readonly ui: Float64Array;
  private readonly dS: Float64Array;

  constructor(readonly spec: ReducedSpec, readonly layout: "balanced" | "layers") {
    const d = spec.sigma.length;
    const K = spec.depths.length;
    this.nl = spec.depths.reduce((a, b) => a + b, 0);
    this.n = (layout === "balanced" ? K : this.nl) * d;
    this.groups = d;
    this.weights = layout === "balanced" ? Float64Array.from({ length: K * d }, (_, j) => spec.depths[Math.floor(j / d)]!) : null;
    this.xi = new Float64Array(this.nl);
    this.ui = new Float64Array(this.nl);
    this.dS = new Float64Array(this.nl);
  }

  gradient(y: Float64Array, g: Float64Array): number {
    const { depths, sigma } = this.spec;
    const d = sigma.length;
    let loss = 0;
    for (let i = 0; i < d; i++) {
      const r = this.modeResidual(y, i);
      loss += 0.5 * r * r;
      this.layerScalars(y, i, this.xi);
      let base = 0;
      depths.forEach((L, k) => {
        if (this.layout === "balanced") {
          g[k * d + i] = r * ipow(y[k * d + i]!, L - 1);
        } else {
          for (let l = 0; l < L; l++) {
            let p = 1;
            for (let m = 0; m < L; m++) if (m !== l) p *= this.xi[base + m]!;
            g[(base + l) * d + i] = r * p;
          }
        }
        base += L;
      });
    }
    return loss;
  }

  /** r_i at y. */
  modeResidual(y: ArrayLike<number>, i: number): number {
    const { depths, sigma } = this.spec;
    const d = sigma.length;
    let s = 0;
    let base = 0;
    depths.forEach((L, k) => {
      if (this.layout === "balanced") s += ipow(y[k * d + i]!, L);
      else {
        let p = 1;
        for (let l = 0; l < L; l++) p *= y[(base + l) * d + i]!;
        s += p;
      }
      base += L;
    });
    return s - sigma[i]!;
  }

  private layerScalars(y: ArrayLike<number>, i: number, out: Float64Array): void {
    const d = this.spec.sigma.length;
    let base = 0;
    this.spec.depths.forEach((L, k) => {
      for (let l = 0; l < L; l++) out[base + l] = this.layout === "balanced" ? y[k * d + i]! : y[(base + l) * d + i]!;
      base += L;
    });
  }

  /** S_i and its unit eigenvector in per-layer coordinates (into `u`). */
  modeTop(y: ArrayLike<number>, i: number, u: Float64Array): number {
    const { depths, sigma } = this.spec;
    const d = sigma.length;
    const r = this.modeResidual(y, i);
    if (this.layout === "balanced") {
      const K = depths.length;
      const a = depths.map((_, k) => y[k * d + i]!);
      const { values, vectors } = symmetricEigen(K, balancedModeBlock(depths, a, r));
      let base = 0;
      depths.forEach((L, k) => {
        const c = vectors[k * K]! / Math.sqrt(L);
        for (let l = 0; l < L; l++) u[base + l] = c;
        base += L;
      });
      return values[0]!;
    }
    this.layerScalars(y, i, this.xi);
    const n = this.nl;
    // Mode block H = JJᵀ + rM (hessian-blocks.ts), built here from the same scalars.
    const J = new Float64Array(n);
    const H = new Float64Array(n * n);
    let base = 0;
    for (const L of depths) {
      for (let l = 0; l < L; l++) {
        let p = 1;
        for (let m = 0; m < L; m++) if (m !== l) p *= this.xi[base + m]!;
        J[base + l] = p;
      }
      base += L;
    }
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) H[a * n + b] = J[a]! * J[b]!;
    base = 0;
    for (const L of depths) {
      for (let l = 0; l < L; l++) {
        for (let m = 0; m < L; m++) {
          if (m === l) continue;
          let p = 1;
          for (let q = 0; q < L; q++) if (q !== l && q !== m) p *= this.xi[base + q]!;
          H[(base + l) * n + base + m] = H[(base + l) * n + base + m]! + r * p;
        }
      }
      base += L;
    }
    const { values, vectors } = symmetricEigen(n, H);
    for (let a = 0; a < n; a++) u[a] = vectors[a * n]!;
    return values[0]!;
  }

  edge(y: Float64Array, j: number, p: number): EdgeEval {
    const S = this.modeTop(y, j, this.ui);
    if (p === 0) return { values: [S], G: [] };
    const { depths, sigma } = this.spec;
    const d = sigma.length;
    this.layerScalars(y, j, this.xi);
    modeSharpnessGradient(depths, this.xi, this.ui, this.modeResidual(y, j), this.dS);
    const G = new Float64Array(this.n);
    let base = 0;
    depths.forEach((L, k) => {
      if (this.layout === "balanced") {
        // u is constant within a pathway, so ∂S/∂x_c is too: the per-layer rate of a_k.
        G[k * d + j] = this.dS[base]!;
      } else {
        for (let l = 0; l < L; l++) G[(base + l) * d + j] = this.dS[base + l]!;
      }
      base += L;
    });
    return { values: [S], G: [G] };
  }
}

// ---------------------------------------------------------------------------------------------------
// Full matrices and MLPs: top eigenpairs by Lanczos, G_ab by differences of exact HVPs.

/** Step ε of the HVP differences (absolute, along unit vectors): Richardson error O(ε⁴), rounding O(1e-16/ε). */
export const HVP_DIFFERENCE_STEP = 1e-4;

/**
 * A weight-space model (full-matrix DLN, MLP) as an `EdgeModel`: one group of the `top` largest Hessian
 * eigenvalues (the warm-started Lanczos solver of measure/lanczos.ts on the exact HVP), G_ab = D³ℒ[u_a, u_b, ·] as the derivative of the
 * exact HVP along u_b: Richardson-extrapolated central differences (4D(ε/2) − D(ε))/3 with
 * D(ε) = [H(w + εu_b) − H(w − εu_b)] u_a / (2ε), error O(ε⁴) (tested against the exact SVS value).
 */
export class WeightEdgeModel implements EdgeModel {
  readonly n: number;
  readonly groups = 1;
  readonly weights = null;
  private readonly lanczos: LanczosSolver;
  private readonly base: Float64Array;
  private readonly shifted: Float64Array;
  private readonly hv: Float64Array;

  constructor(readonly model: WeightModel, readonly tracked: number, rng: Rng) {
    this.n = model.nParams;
    this.lanczos = new LanczosSolver(this.n, rng);
    this.base = new Float64Array(this.n);
    this.shifted = new Float64Array(this.n);
    this.hv = new Float64Array(this.n);
  }

  gradient(y: Float64Array, g: Float64Array): number {
    this.model.theta.set(y);
    const loss = this.model.evaluate();
    g.set(this.model.grad);
    return loss;
  }

  /** Top eigenpairs of ∇²ℒ(y). */
  eigen(y: Float64Array, k: number, vectors = true): { values: number[]; vectors: Float64Array[] } {
    this.model.theta.set(y);
    this.model.evaluate();
    // The eigenvectors behind G need residuals ≤ √tol·|λ| ≈ 1e-11|λ| (tol 1e-22); values only (events in the
    // stable phase) need less. The solver warm-starts from its previous Ritz vectors.
    const res = this.lanczos.solve((v, out) => this.model.hvp(v, out), { top: k, tol: vectors ? 1e-22 : 1e-12 });
    return { values: res.values, vectors: res.vectors.slice(0, k).map((v) => Float64Array.from(v)) };
  }

  /** D³ℒ(y)[u, v, ·] into out (see the class comment). Leaves the model at a shifted point. */
  thirdDerivative(y: Float64Array, u: Float64Array, v: Float64Array, out: Float64Array): void {
    const diff = (eps: number, acc: Float64Array, weight: number) => {
      for (const sgn of [1, -1]) {
        for (let i = 0; i < this.n; i++) this.shifted[i] = y[i]! + sgn * eps * v[i]!;
        this.model.theta.set(this.shifted);
        this.model.evaluate();
        this.model.hvp(u, this.hv);
        const c = (sgn * weight) / (2 * eps);
        for (let i = 0; i < this.n; i++) acc[i] = acc[i]! + c * this.hv[i]!;
      }
    };
    out.fill(0);
    const eps = HVP_DIFFERENCE_STEP;
    diff(eps / 2, out, 4 / 3);
    diff(eps, out, -1 / 3);
  }

  edge(yIn: Float64Array, _j: number, p: number): EdgeEval {
    // y may be the model's own θ, which the shifted evaluations overwrite: work from a copy.
    const y = this.base;
    y.set(yIn);
    const { values, vectors } = this.eigen(y, Math.max(this.tracked, p), p > 0);
    const G: Float64Array[] = [];
    for (let a = 0; a < p; a++) {
      for (let b = a; b < p; b++) {
        const out = new Float64Array(this.n);
        this.thirdDerivative(y, vectors[a]!, vectors[b]!, out);
        G.push(out);
      }
    }
    this.model.theta.set(y);
    this.model.evaluate();
    return { values, G };
  }
}

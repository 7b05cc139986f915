/**
 * @file The data a simulation produces: one record per measured step, plus the run's outcome.
 * These plain objects are what the CLI writes (CSV/JSON), what the figures plot and what the
 * browser lab streams, so they hold only numbers, strings and arrays.
 */

/** Observables at one recorded step. Modes are indexed i = 0…d−1 in decreasing target singular value. */
export interface TrajectoryRecord {
  /** GD step index t (for gradient flow: the matched step t = time / lr). */
  step: number;
  /** Elapsed "time" Σ_{τ<t} η_τ for GD; the integration time for gradient flow. */
  time: number;
  /** Step size η_t about to be applied at this step (NaN for gradient flow). */
  lr: number;
  /** Loss ½‖F − Y‖_F². */
  loss: number;
  /** Per-mode residual r_i = u_iᵀ F v_i − σ_i. */
  residual: number[];
  /** Mode coefficients s[k][i] = u_iᵀ f_k v_i for pathway k and mode i. */
  s: number[][];
  /** Balance index per mode, (Σ_k s_{k,i})² / (K Σ_k s_{k,i}²) ∈ [1/K, 1]; NaN when all s are 0. */
  balanceIndex: number[];
  /** Balancing gap per mode, Var_k(s_{k,i}) (population variance over pathways). */
  gap: number[];
  /** GF leaf coordinates z[k][i] (docs/theory.md §6), from a_{k,i} = s_{k,i}^{1/L_k}; NaN where undefined. */
  leaf: number[][];
  /** Relative drift out of the SVS set, √(Σ_k ‖offdiag(Uᵀ f_k V)‖²_F / Σ_k ‖f_k‖²_F); 0 for reduced dynamics. */
  drift: number;
  /** Top Hessian eigenvalues (descending) at this step when measured, else null. sharpness[0] = λ_max. */
  sharpness: number[] | null;
  /** The central flow's own observables (dynamics "central" only; absent otherwise). */
  central?: CentralRecord;
  /** Frobenius norms ‖W_{k,l}‖_F of every weight matrix, layerNorms[k][l] (MLP runs only; absent otherwise). */
  layerNorms?: number[][];
}

/** What the central flow predicts at a recorded step (docs/theory.md §11). */
export interface CentralRecord {
  /**
   * Predicted squared oscillation amplitudes of GD: reduced dynamics one x_i per mode i; full matrices
   * and MLPs X_aa along the a-th top Hessian eigenvector. 0 where not at the edge.
   */
  x: number[];
  /** Predicted time-averaged loss of GD, ℒ + ½ Σ_a X_aa λ_a (= ℒ + Σ x/η at the edge). */
  averageLoss: number;
  /** Number of Hessian eigen-directions at the edge S = 2/η (0: stable phase, gradient flow). */
  edge: number;
}

/** How a run ended. */
export type RunStatus =
  | "converged" // loss fell below the convergence tolerance
  | "oscillating" // reached max steps while the top-mode residual alternates sign (Edge of Stability / period-2)
  | "diverged" // non-finite values or loss beyond the divergence bound
  | "max-steps" // reached max steps, still moving
  | "interrupted"; // stopped from outside (Ctrl-C, pause); what was computed is kept

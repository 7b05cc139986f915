// Minimal typings for quadprog 1.6 (Goldfarb–Idnani dual QP, a port of R's quadprog). Its arrays are
// 1-indexed like the Fortran original: entry 0 is ignored. Solves min −dᵀb + ½ bᵀDb s.t. Aᵀb ≥ b0
// (the first `meq` constraints as equalities). Dmat and dvec are overwritten.
declare module "quadprog" {
  /** The solver's output (1-indexed arrays). */
  interface QpResult {
    solution: number[];
    /** Lagrange multipliers of the constraints. */
    Lagrangian: number[];
    value: number[];
    unconstrained_solution: number[];
    iterations: number[];
    iact: number[];
    /** Empty on success. */
    message: string;
  }
  const quadprog: {
    solveQP(Dmat: number[][], dvec: number[], Amat: number[][], bvec: number[], meq?: number, factorized?: number[]): QpResult;
  };
  export default quadprog;
}

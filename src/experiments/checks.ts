/**
 * @file Quantitative claims of the paper checked against measured data. A check compares a
 * prediction (a closed form or solver of src/theory, or a statement of docs/theory.md) with a number taken
 * from a simulation, states its tolerance and why, and passes or fails — never a hard-coded verdict.
 */

/** How `error` is computed from `predicted` and `measured`. */
export type ErrorKind =
  | "abs" // |measured − predicted|
  | "rel" // |measured − predicted| / |predicted|
  | "below" // (predicted − measured)/|predicted|: one-sided, must be in [0, tolerance]
  | "at-least" // measured − predicted: one-sided, must be ≥ −tolerance (a lower bound that holds)
  | "none"; // categorical: predicted and measured are words

/** One checked claim, as written to summary.json and the report. */
export interface Check {
  /** Experiment that produced it (filled in by the suite). */
  experiment?: string;
  /** Short statement of what is compared, e.g. "final sharpness just below 2/η (h = 3.2)". */
  name: string;
  /** Where the claim comes from, e.g. "docs/theory.md §4; paper §5.1". */
  claim: string;
  predicted: number | string;
  measured: number | string;
  /** See `errorKind`; null for categorical checks or when the measurement is missing. */
  error: number | null;
  errorKind: ErrorKind;
  /** Largest error that passes (same units as `error`); null for categorical checks. */
  tolerance: number | null;
  pass: boolean;
  /** Why the tolerance is what it is, or what to know when reading the numbers. */
  note?: string;
}

/** Fields every check builder takes. */
interface Base {
  name: string;
  claim: string;
  note?: string;
}

const finite = (x: number): boolean => typeof x === "number" && Number.isFinite(x);

/** |measured − predicted| ≤ tolerance (kind "abs") or ≤ tolerance·|predicted| (kind "rel"). */
export function closeCheck(b: Base & { predicted: number; measured: number; tolerance: number; kind?: "abs" | "rel" }): Check {
  const kind = b.kind ?? "abs";
  const diff = Math.abs(b.measured - b.predicted);
  const error = !finite(b.measured) || !finite(b.predicted) ? null : kind === "rel" ? diff / Math.abs(b.predicted) : diff;
  return withNote(b, {
    name: b.name, claim: b.claim, predicted: b.predicted, measured: b.measured,
    error, errorKind: kind, tolerance: b.tolerance, pass: error !== null && error <= b.tolerance,
  });
}

/**
 * A measured value that must sit just below a predicted ceiling (e.g. sharpness below 2/η):
 * error = (predicted − measured)/|predicted|, pass iff 0 ≤ error ≤ tolerance. `slack` admits a
 * measurement above the ceiling by a rounding-level relative amount (default 1e-9).
 */
export function belowCheck(b: Base & { predicted: number; measured: number; tolerance: number; slack?: number }): Check {
  const ok = finite(b.measured) && finite(b.predicted);
  const error = ok ? (b.predicted - b.measured) / Math.abs(b.predicted) : null;
  return withNote(b, {
    name: b.name, claim: b.claim, predicted: b.predicted, measured: b.measured,
    error, errorKind: "below", tolerance: b.tolerance,
    pass: error !== null && error >= -(b.slack ?? 1e-9) && error <= b.tolerance,
  });
}

/** A measured value that must not fall below a predicted lower bound by more than `tolerance` (absolute). */
export function atLeastCheck(b: Base & { predicted: number; measured: number; tolerance: number }): Check {
  const ok = finite(b.measured) && finite(b.predicted);
  const error = ok ? b.measured - b.predicted : null;
  return withNote(b, {
    name: b.name, claim: b.claim, predicted: b.predicted, measured: b.measured,
    error, errorKind: "at-least", tolerance: b.tolerance, pass: error !== null && error >= -b.tolerance,
  });
}

/** A categorical claim (e.g. "diverges or oscillates"): `pass` is decided by the caller from the data. */
export function categoryCheck(b: Base & { predicted: string; measured: string; pass: boolean }): Check {
  return withNote(b, { name: b.name, claim: b.claim, predicted: b.predicted, measured: b.measured, error: null, errorKind: "none", tolerance: null, pass: b.pass });
}

function withNote(b: Base, c: Check): Check {
  return b.note ? { ...c, note: b.note } : c;
}

/** Largest |a_j − b_j| over two equally long lists (NaN if any entry is not finite). */
export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Number.NaN;
  let worst = 0;
  for (let j = 0; j < a.length; j++) {
    const d = Math.abs(a[j]! - b[j]!);
    if (!(d >= 0)) return Number.NaN;
    if (d > worst) worst = d;
  }
  return worst;
}

/** Counts of passing and failing checks. */
export function tally(checks: readonly Check[]): { pass: number; fail: number } {
  const pass = checks.filter((c) => c.pass).length;
  return { pass, fail: checks.length - pass };
}

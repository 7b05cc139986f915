/**
 * @file Quantitative claims checked against measured data. A check compares a prediction (a closed
 * form or solver of src/theory, or a statement of docs/theory.md) with a number taken from a
 * simulation, states its tolerance and why, and passes or fails — never a hard-coded verdict. Every
 * check also says whose claim it tests (its provenance), so a failure reads as "the paper's claim does
 * not hold here", "a related paper's claim does not hold here", "dlnlab's approximation is rough" or
 * "dlnlab has a bug".
 */

/**
 * Whose claim a check tests: `paper` (Kim & Lee 2026), one of the two related papers, an
 * `approximation` dlnlab makes beyond the papers (the leaf-ray and drift-flow stopping boundaries for
 * K > 2, the linear theory's regimes applied to an MLP, leading-order escape-time constants), or the
 * `consistency` of two exact computations of dlnlab (full matrices vs reduced dynamics, a closed form vs
 * bisection, a solver's KKT residual, a documented reference value): a failure there is a bug, not a finding.
 */
export type Provenance = "paper" | "ji-telgarsky-2018" | "rawal-deweese-2026" | "approximation" | "consistency";

/** What each provenance means, for the report: its group, a short label, the source and how to read a failure. */
export const PROVENANCE: Readonly<Record<Provenance, {
  group: "paper" | "related" | "dlnlab";
  label: string;
  /** The paper (with arXiv link) or the part of dlnlab the claim comes from. */
  source: string;
  href: string | null;
  /** What a failing check of this provenance means. */
  failure: string;
}>> = {
  paper: {
    group: "paper", label: "paper", source: "Kim & Lee (2026), arXiv 2606.05219", href: "https://arxiv.org/abs/2606.05219",
    failure: "the paper's claim (as docs/theory.md states it) does not hold at this budget",
  },
  "ji-telgarsky-2018": {
    group: "related", label: "Ji & Telgarsky 2018", source: "Ji & Telgarsky (2018), arXiv 1810.02032", href: "https://arxiv.org/abs/1810.02032",
    failure: "the related paper's claim does not hold at this budget",
  },
  "rawal-deweese-2026": {
    group: "related", label: "Rawal & DeWeese 2026", source: "Rawal & DeWeese (2026), arXiv 2605.01288", href: "https://arxiv.org/abs/2605.01288",
    failure: "the related paper's claim does not hold at this budget",
  },
  approximation: {
    group: "dlnlab", label: "dlnlab approximation", source: "dlnlab's own prediction beyond the papers (docs/theory.md)", href: null,
    failure: "dlnlab's approximation is rough here, which says nothing against the papers",
  },
  consistency: {
    group: "dlnlab", label: "dlnlab consistency", source: "dlnlab against itself: two exact computations (or one and a documented reference value) that must agree", href: null,
    failure: "dlnlab has a bug: two exact computations disagree",
  },
};

/** Every provenance, in the order the report lists them. */
export const PROVENANCES: readonly Provenance[] = ["paper", "ji-telgarsky-2018", "rawal-deweese-2026", "approximation", "consistency"];

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
  /** Whose claim this is: the paper's, a related paper's, or dlnlab's own approximation or consistency. */
  provenance: Provenance;
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
  /**
   * A documented comparison, not a claim held to a tolerance (e.g. the leaf-ray stopping boundary, an
   * approximation superseded by the central flow): its error is reported, it never fails the suite.
   */
  comparison?: true;
}

/** Fields every check builder takes. */
interface Base {
  name: string;
  claim: string;
  provenance: Provenance;
  note?: string;
}

const finite = (x: number): boolean => typeof x === "number" && Number.isFinite(x);

/** |measured − predicted| ≤ tolerance (kind "abs") or ≤ tolerance·|predicted| (kind "rel"). */
export function closeCheck(b: Base & { predicted: number; measured: number; tolerance: number; kind?: "abs" | "rel" }): Check {
  const kind = b.kind ?? "abs";
  const diff = Math.abs(b.measured - b.predicted);
  const error = !finite(b.measured) || !finite(b.predicted) ? null : kind === "rel" ? diff / Math.abs(b.predicted) : diff;
  return withNote(b, {
    name: b.name, claim: b.claim, provenance: b.provenance, predicted: b.predicted, measured: b.measured,
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
    name: b.name, claim: b.claim, provenance: b.provenance, predicted: b.predicted, measured: b.measured,
    error, errorKind: "below", tolerance: b.tolerance,
    pass: error !== null && error >= -(b.slack ?? 1e-9) && error <= b.tolerance,
  });
}

/** A measured value that must not fall below a predicted lower bound by more than `tolerance` (absolute). */
export function atLeastCheck(b: Base & { predicted: number; measured: number; tolerance: number }): Check {
  const ok = finite(b.measured) && finite(b.predicted);
  const error = ok ? b.measured - b.predicted : null;
  return withNote(b, {
    name: b.name, claim: b.claim, provenance: b.provenance, predicted: b.predicted, measured: b.measured,
    error, errorKind: "at-least", tolerance: b.tolerance, pass: error !== null && error >= -b.tolerance,
  });
}

/** A categorical claim (e.g. "diverges or oscillates"): `pass` is decided by the caller from the data. */
export function categoryCheck(b: Base & { predicted: string; measured: string; pass: boolean }): Check {
  return withNote(b, { name: b.name, claim: b.claim, provenance: b.provenance, predicted: b.predicted, measured: b.measured, error: null, errorKind: "none", tolerance: null, pass: b.pass });
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

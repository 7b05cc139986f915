/**
 * @file Kind `phase`: the checks of its data against the theory, with their tolerances (kind.ts runs it, figures.ts draws it).
 */
import { atLeastCheck, closeCheck, type Check } from "../../checks.js";
import { short } from "../../common.js";
import type { Resolved } from "../../types.js";
import type { Cell, PhaseData, PhaseRow } from "./kind.js";
import type { PhaseConfig } from "./schema.js";

type R = Resolved<PhaseConfig>;

/** Measured transitions of one row (NaN where a transition is not in the grid). */
export function transitions(row: PhaseRow, dh: number): { onset: number; convergenceEdge: number; firstFlip: number; firstFailure: number } {
  const cells = row.cells;
  const base = cells[0]!.share;
  // Re-balancing onset. Past it the dominant share falls below the small-step plateau in proportion
  // to the distance from the onset, so a fixed detection threshold (0.005σ) would lag it; instead fit
  // a line to the drop over the first (up to five) cells past the threshold and take its zero.
  const settled = (c: Cell) => (c.status === "converged" || c.status === "no-convergence") && Number.isFinite(c.share);
  const j = cells.findIndex((c, i) => i > 0 && settled(c) && c.share < base - 0.005);
  let onset = Number.NaN;
  if (j > 0) {
    const pts = cells.slice(j, j + 5).filter(settled).map((c) => [c.h, base - c.share] as const);
    onset = pts.length >= 2 ? lineZero(pts) : (cells[j - 1]!.h + cells[j]!.h) / 2;
    // The onset lies before the first detected cell and inside the grid.
    onset = Math.min(cells[j]!.h, Math.max(cells[0]!.h, onset));
  }
  let last = -1;
  cells.forEach((c, i) => {
    if (c.status === "converged") last = i;
  });
  const convergenceEdge = last >= 0 && last < cells.length - 1 ? cells[last]!.h + dh / 2 : Number.NaN;
  const flip = cells.find((c) => c.status === "sign-flip");
  const fail = cells.find((c) => c.status === "sign-flip" || c.status === "diverged" || c.status === "collapsed");
  return { onset, convergenceEdge, firstFlip: flip ? flip.h : Number.NaN, firstFailure: fail ? fail.h : Number.NaN };
}

/**
 * Largest |measured − predicted| balance over converged cells inside the window, per K (with the row
 * where it occurs); NaN when no cell qualifies.
 */
export function boundaryBalanceError(data: PhaseData, K: number): { error: number; cells: number; worstL: number; worstH: number } {
  let error = 0;
  let cells = 0;
  let worstL = Number.NaN;
  let worstH = Number.NaN;
  for (const p of data.predicted.filter((q) => q.K === K)) {
    const row = data.rows.find((x) => x.K === K && x.L === p.L)!;
    p.h.forEach((h, j) => {
      const c = row.cells.find((x) => Math.abs(x.h - h) <= 1e-9 * Math.max(1, h));
      if (!c || c.status !== "converged") return;
      cells++;
      const e = Math.abs(c.balance - p.balance[j]!);
      if (!(e <= error)) {
        error = e;
        worstL = p.L;
        worstH = h;
      }
    });
  }
  return { error: cells > 0 ? error : Number.NaN, cells, worstL, worstH };
}

/** Zero of the least-squares line through the points (x, y). */
function lineZero(pts: readonly (readonly [number, number])[]): number {
  const n = pts.length;
  const mx = pts.reduce((a, p) => a + p[0], 0) / n;
  const my = pts.reduce((a, p) => a + p[1], 0) / n;
  const sxy = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const sxx = pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  const slope = sxy / sxx;
  return mx - my / slope;
}

/** Smallest tolerance of the onset check, in h (see its note). */
export const ONSET_TOLERANCE = 0.025;

/** Checks of a phase experiment. */
export function phaseChecks(r: R, data: PhaseData): Check[] {
  const out: Check[] = [];
  const dh = data.dh;
  for (const K of r.pathways) {
    const b = boundaryBalanceError(data, K);
    out.push(closeCheck({
      provenance: K === 2 ? "paper" : "approximation",
      name: `final balance follows the stopping boundary across the window (K = ${K}, every L)`,
      claim: "docs/theory.md §4 (stopping boundary λ = 2/η); paper App. E.6",
      predicted: 0, measured: b.error, tolerance: 0.04,
      note: `largest |balance − balance of the predicted boundary| over ${b.cells} converged cells with 2 < h < 2λ_single/λ_bal ` +
        `(worst at L = ${b.worstL}, h = ${short(b.worstH)}); boundary ${K === 2 ? "exact" : "by the drift flow"}; the tolerance is the ` +
        "documented share accuracy 0.015 of the boundary times the slope ≈ 2.4 of the balance in the share",
    }));
  }
  for (const row of data.rows) {
    const t = transitions(row, dh);
    const tag = `K = ${row.K}, L = ${row.L}`;
    out.push(closeCheck({
      provenance: "paper",
      name: `re-balancing sets in where the gradient-flow end point loses stability, h ≈ 2 (${tag})`, claim: "docs/theory.md §4 (η = 2/λ_single)",
      predicted: row.hOnset, measured: t.onset, tolerance: Math.max(dh, ONSET_TOLERANCE),
      note: `predicted: 2λ_single/λ(s^GF), which is docs/theory.md's h = 2 for an exact single path; here the gradient-flow end point gives the ` +
        `winner a share ${short(Math.max(...row.cells.slice(0, 1).map((c) => c.share)), 4)}. Measured: zero of a line fitted to the drop of the final dominant share below its ` +
        `small-step plateau over the first cells past a 0.005σ drop (the drop grows in proportion to h − h_onset). Tolerance: the grid spacing ` +
        `Δh = ${short(dh)}, at least ${ONSET_TOLERANCE}: where the end point is not an exact single path (L = 3) it drifts with h at second ` +
        "order in ηr, which bends the share profile near the onset and biases the linear extrapolation by up to ~0.02",
    }));
    const balancedBinds = row.hBalanced <= row.cL;
    const ceiling = Math.min(row.hBalanced, row.cL);
    out.push(closeCheck({
      provenance: "paper",
      name: `convergence ends at min(2λ_single/λ_bal, c_L) = ${balancedBinds ? "2λ_single/λ_bal" : "c_L"} (${tag})`,
      claim: balancedBinds ? "docs/theory.md §4 (η = 2/λ_bal)" : "docs/theory.md §5 (η_WCR = c_L/λ_single); paper eq. 24",
      predicted: ceiling, measured: t.convergenceEdge, tolerance: dh,
      note: `largest converged h + Δh/2 (Δh = ${short(dh)}); 2λ_single/λ_bal = ${short(row.hBalanced)}, c_L = ${short(row.cL)}` +
        (balancedBinds
          ? ""
          : `. Where c_L binds it bounds sign flips (first flip at h = ${short(t.firstFlip)}), not convergence: a few per cent below c_L the worst ` +
            `overshoot still returns without crossing 0 but lands so close to 0 that every pathway falls back onto the small-initialisation ` +
            `plateau ("collapsed" cells from h = ${short(t.firstFailure)}), so the practical ceiling lies below c_L`),
    }));
    out.push(atLeastCheck({
      provenance: "paper",
      name: `no sign flip below c_L (${tag})`, claim: "docs/theory.md §5; paper §6 (worst-case return)",
      predicted: row.cL, measured: t.firstFlip, tolerance: dh,
      note: "measured: smallest h at which a per-layer scalar crossed 0; c_L is a worst-case bound, so flips may start above it " +
        `(error = first flip − c_L); grid Δh = ${short(dh)}`,
    }));
  }
  return out;
}

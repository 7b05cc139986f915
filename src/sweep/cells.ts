/**
 * @file What a sweep's figures draw, shared by `dlnlab sweep plot` and the browser lab: the phase
 * diagram's outcome of a row (normalised final balance where the run converged, a status category
 * otherwise) and the theory lines of an η or h axis (2/λ_single, 2/λ_bal, c_L). Portable.
 */
import type { RunConfig } from "../config/schema.js";
import { stabilityWindow } from "../theory/windows.js";
import { lambdaSingle } from "./spec.js";

/** Outcomes without a converged value, greys as in the suite's phase diagram (dark = worse). */
export const CATEGORIES = [
  { name: "max-steps", color: "#d9d9d9", label: "not converged within the steps" },
  { name: "oscillating", color: "#a3a3a3", label: "oscillating (period 2 / EoS)" },
  { name: "sign-flip", color: "#5c5c5c", label: "converged after a layer's sign flip" },
  { name: "diverged", color: "#111111", label: "diverged" },
] as const;

/** A status category of the phase diagram. */
export type Category = (typeof CATEGORIES)[number]["name"];

/** A row of the runs table as a figure reads it (numbers may come back from Parquet as bigint). */
export type RowLike = Record<string, unknown>;

/** A cell of a row: a number (bigint to number), else NaN. */
export function num(v: unknown): number {
  return typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : Number.NaN;
}

/** Normalised balance of mode 1, (K·BI − 1)/(K − 1) ∈ [0, 1]: 0 = one pathway carries σ, 1 = equal split. */
export function normalisedBalance(r: RowLike): number {
  const K = num(r.K);
  const bi = num(r.balance_1);
  return K > 1 ? (K * bi - 1) / (K - 1) : 1;
}

/** A row's phase-diagram outcome: the normalised balance of a clean convergence, else its category. */
export function outcome(r: RowLike): { value: number } | { category: Category } {
  const status = String(r.status);
  if (status === "converged" && !r.sign_flip) return { value: normalisedBalance(r) };
  return { category: (status === "converged" ? "sign-flip" : status) as Category };
}

/** A vertical theory line on a sweep axis. */
export interface TheoryLine {
  /** Position in the axis's units. */
  x: number;
  label: string;
  /** SVG dash pattern. */
  dash: string;
}

/** Is this axis a step size the theory lines can be drawn on (h, or η by path or flag)? */
export function isStepAxis(axis: string): boolean {
  return axis === "h" || axis === "lr" || axis === "--lr";
}

/**
 * The window edges of mode 1 (docs/theory.md §4–§5) on an h or η axis for a point's config: 2/λ_single,
 * 2/λ_bal and the WCR ceiling c_L/λ_single, in units of h (× λ_single) or of η. None on other axes or
 * without a given σ_1.
 */
export function theoryLines(config: RunConfig, axis: string): TheoryLine[] {
  if (!isStepAxis(axis) || config.model !== "dln" || config.target.matrix) return [];
  const sigma1 = (config.target.sigma ?? [1])[0]!;
  if (!(sigma1 > 0)) return [];
  const w = stabilityWindow(config.depths, sigma1);
  const scale = axis === "h" ? lambdaSingle(config) : 1;
  return [
    { x: w.etaSingle * scale, label: "2/λ_single", dash: "4,3" },
    { x: w.etaBalanced * scale, label: "2/λ_bal", dash: "6,3" },
    { x: w.etaWcr * scale, label: "c_L (WCR)", dash: "1.5,2.5" },
  ];
}

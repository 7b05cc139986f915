/**
 * @file Number text for the page: short for reading, exact (round-trip) in `data-value` attributes
 * so that tests and copy-paste get every digit. DOM-free.
 */

/** `sig` significant digits without trailing zeros; exponents below 1e-3 and from 1e5; "–" when missing. */
export function fmt(x: number | null | undefined, sig = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e5) return x.toExponential(Math.max(0, sig - 2)).replace("e+", "e");
  return String(Number(x.toPrecision(sig)));
}

/** An integer with thousands separators (e.g. a step count). */
export function fmtInt(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

/** A number as a flag's text: 12 significant digits, so η from the multiple control reads cleanly. */
export function flagNumber(x: number): string {
  return String(Number(x.toPrecision(12)));
}

/** A point (s₁, s₂, …) as "(0.7925, 0.2075)". */
export function fmtPoint(s: readonly number[], sig = 4): string {
  return `(${s.map((v) => fmt(v, sig)).join(", ")})`;
}

/**
 * @file Terminal and JSON formatting shared by the commands: aligned tables, compact numbers, and JSON
 * in which non-finite numbers become null (JSON has no NaN or Infinity).
 */

/** JSON text of `value` with non-finite numbers as null, on one line. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
}

/** Print `value` as one JSON object (one line) on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(toJson(value) + "\n");
}

/** Format a number compactly: `digits` decimals for moderate magnitudes, exponential otherwise; "–" for missing. */
export function fmt(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(2);
  return x.toFixed(digits);
}

/**
 * Rows as left-aligned columns separated by two spaces. With `header` (default), the first row is a
 * header underlined by a rule.
 */
export function table(rows: readonly (readonly string[])[], options: { header?: boolean } = {}): string {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => (r[j] ?? "").length)));
  const line = (r: readonly string[]) => r.map((c, j) => c.padEnd(widths[j]!)).join("  ").trimEnd();
  if (options.header === false) return rows.map(line).join("\n");
  return [line(rows[0]!), widths.map((w) => "─".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

/**
 * @file Parsers for command-line flag values. Each throws a UsageError that names the flag,
 * so every bad flag produces one line such as `--lr: expected a number > 0, got "-1"`.
 */
import { UsageError } from "./errors.js";

function fail(flag: string, expected: string, raw: string): never {
  throw new UsageError(`${flag}: expected ${expected}, got ${JSON.stringify(raw)}`);
}

/** A finite number (rejects "", "NaN", "Infinity", "1e400"). */
export function parseNumber(flag: string, raw: string): number {
  const trimmed = raw.trim();
  const x = trimmed === "" ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(x)) fail(flag, "a finite number", raw);
  return x;
}

/** A finite number strictly greater than zero. */
export function parsePositive(flag: string, raw: string): number {
  const x = parseNumber(flag, raw);
  if (!(x > 0)) fail(flag, "a number > 0", raw);
  return x;
}

/** A finite number ≥ 0. */
export function parseNonNegative(flag: string, raw: string): number {
  const x = parseNumber(flag, raw);
  if (!(x >= 0)) fail(flag, "a number >= 0", raw);
  return x;
}

/** An integer ≥ min (default 0). */
export function parseInteger(flag: string, raw: string, min = 0): number {
  const x = parseNumber(flag, raw);
  if (!Number.isSafeInteger(x) || x < min) fail(flag, `an integer >= ${min}`, raw);
  return x;
}

/** A comma-separated list of finite numbers, e.g. `1,0.5`; each element checked by `each`. */
export function parseNumberList(
  flag: string,
  raw: string,
  each: (flag: string, raw: string) => number = parseNumber,
): number[] {
  const parts = raw.split(",");
  if (parts.length === 0 || parts.some((p) => p.trim() === "")) {
    fail(flag, "a comma-separated list of numbers such as 1,0.5", raw);
  }
  return parts.map((p, i) => each(`${flag} (item ${i + 1})`, p));
}

/** A comma-separated list of integers ≥ min, e.g. depths `4,4`. */
export function parseIntegerList(flag: string, raw: string, min = 0): number[] {
  return parseNumberList(flag, raw, (f, r) => parseInteger(f, r, min));
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(flag: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) fail(flag, `one of ${choices.join(", ")}`, raw);
  return raw as T;
}

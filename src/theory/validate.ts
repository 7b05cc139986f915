/**
 * @file Argument checks shared by the theory functions. Each throws a plain RangeError whose
 * message starts with the argument name, so the CLI can map it to the flag that supplied it.
 */

/** Throws unless x is a finite number. */
export function finite(name: string, x: number): number {
  if (typeof x !== "number" || !Number.isFinite(x)) throw new RangeError(`${name}: expected a finite number, got ${x}`);
  return x;
}

/** Throws unless x is finite and ≥ 0. */
export function nonNegative(name: string, x: number): number {
  finite(name, x);
  if (x < 0) throw new RangeError(`${name}: expected a number >= 0, got ${x}`);
  return x;
}

/** Throws unless x is finite and > 0. */
export function positive(name: string, x: number): number {
  finite(name, x);
  if (!(x > 0)) throw new RangeError(`${name}: expected a number > 0, got ${x}`);
  return x;
}

/** Throws unless L is an integer ≥ min (default 1). */
export function depth(name: string, L: number, min = 1): number {
  if (!Number.isSafeInteger(L) || L < min) throw new RangeError(`${name}: expected an integer depth >= ${min}, got ${L}`);
  return L;
}

/** Throws unless `depths` is a non-empty list of integer depths ≥ 1. */
export function depths(name: string, Ls: readonly number[]): readonly number[] {
  if (Ls.length === 0) throw new RangeError(`${name}: expected at least one pathway depth`);
  Ls.forEach((L, k) => depth(`${name}[${k}]`, L));
  return Ls;
}

/** Throws unless `xs` has exactly `n` entries, each finite and checked by `each`. */
export function list(
  name: string, xs: readonly number[], n: number, each: (name: string, x: number) => number = finite, what = "pathways",
): readonly number[] {
  if (xs.length !== n) throw new RangeError(`${name}: expected ${n} values (one per ${what.replace(/s$/, "")}), got ${xs.length}`);
  xs.forEach((x, k) => each(`${name}[${k}]`, x));
  return xs;
}

/** Throws unless every depth is the same (homogeneous network); returns that depth. */
export function homogeneous(name: string, Ls: readonly number[]): number {
  depths(name, Ls);
  const L = Ls[0]!;
  if (Ls.some((x) => x !== L)) throw new RangeError(`${name}: expected equal depths (homogeneous network), got ${Ls.join(",")}`);
  return L;
}

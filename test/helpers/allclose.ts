/**
 * @file One closeness assertion for the whole suite: |actual − expected| ≤ atol + rtol·|expected|
 * elementwise, with a failure message that shows what was compared, the worst element and the tolerance.
 */
import { expect } from "vitest";

/** Tolerances of an allclose comparison. */
export interface Tolerance {
  rtol?: number;
  atol?: number;
}

type Numeric = number | ArrayLike<number> | ArrayLike<ArrayLike<number>>;

function flatten(x: Numeric): number[] {
  if (typeof x === "number") return [x];
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number | ArrayLike<number>;
    if (typeof v === "number") out.push(v);
    else for (let j = 0; j < v.length; j++) out.push(v[j]!);
  }
  return out;
}

/** Largest |a − e| / (atol + rtol·|e|) over all elements; ≤ 1 means close. */
export function closenessRatio(actual: Numeric, expected: Numeric, tol: Tolerance): number {
  const a = flatten(actual);
  const e = flatten(expected);
  if (a.length !== e.length) return Number.POSITIVE_INFINITY;
  const rtol = tol.rtol ?? 0;
  const atol = tol.atol ?? 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i]! - e[i]!);
    if (Number.isNaN(diff)) return Number.POSITIVE_INFINITY;
    const bound = atol + rtol * Math.abs(e[i]!);
    const ratio = bound === 0 ? (diff === 0 ? 0 : Number.POSITIVE_INFINITY) : diff / bound;
    if (ratio > worst) worst = ratio;
  }
  return worst;
}

/** Assert elementwise closeness; `what` names the quantity in the failure message. */
export function expectAllClose(actual: Numeric, expected: Numeric, tol: Tolerance, what = "value"): void {
  const a = flatten(actual);
  const e = flatten(expected);
  if (a.length !== e.length) {
    expect.fail(`${what}: length ${a.length} != expected length ${e.length}`);
  }
  const rtol = tol.rtol ?? 0;
  const atol = tol.atol ?? 0;
  let worstI = -1;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i]! - e[i]!);
    const bound = atol + rtol * Math.abs(e[i]!);
    const ratio = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : bound === 0 ? (diff === 0 ? 0 : Number.POSITIVE_INFINITY) : diff / bound;
    if (ratio > worst) {
      worst = ratio;
      worstI = i;
    }
  }
  if (worst > 1) {
    const i = worstI;
    expect.fail(
      `${what}: element ${i} of ${a.length}: actual ${a[i]} vs expected ${e[i]} ` +
        `(|diff| = ${Math.abs(a[i]! - e[i]!).toExponential(3)}, allowed atol ${atol} + rtol ${rtol}·|expected| = ` +
        `${(atol + rtol * Math.abs(e[i]!)).toExponential(3)})`,
    );
  }
}

/**
 * @file Brent root finder: known roots to machine precision, bracket handling (±∞ ends, exact
 * roots at the ends, no sign change), bounded work on hard cases.
 */
import { describe, expect, it } from "vitest";
import { brentRoot, walkUntil } from "../../src/theory/roots.js";
import { expectAllClose } from "../helpers/allclose.js";

describe("brentRoot", () => {
  // Closed-form roots; Brent stops when the bracket half-width ≤ 2ε|x|, so 4ε relative is the bound.
  // A root at exactly 0 of high multiplicity converges only linearly under a purely relative
  // stopping rule, so that case gets xtol = 1e-12 (and is compared with that absolute tolerance).
  const cases: [string, (x: number) => number, number, number, number][] = [
    ["x² − 2", (x) => x * x - 2, 0, 2, Math.SQRT2],
    ["cos x − x", (x) => Math.cos(x) - x, 0, 1, 0.7390851332151607], // Dottie number (independent value)
    ["x³ (triple root)", (x) => x * x * x, -1, 2, 0],
    ["e^x − 10 on a wide bracket", (x) => Math.exp(x) - 10, -50, 50, Math.log(10)],
    ["steep: x^21 − 0.5", (x) => Math.pow(x, 21) - 0.5, 0, 1.5, Math.pow(0.5, 1 / 21)],
    ["−∞ at the left end", (x) => (x <= 0 ? -Infinity : Math.log(x)), 0, 5, 1],
    ["+∞ at the right end", (x) => (x >= 3 ? Infinity : Math.tan((x * Math.PI) / 6) - 1), 0, 3, 1.5],
  ];
  for (const [name, f, a, b, root] of cases) {
    it(`finds the root of ${name}`, () => {
      const r = brentRoot(f, a, b, root === 0 ? { xtol: 1e-12 } : {});
      // Tolerance: 4ε relative (the stopping rule), or the requested xtol for the root at 0.
      expectAllClose(r.x, root, { rtol: 4 * Number.EPSILON, atol: root === 0 ? 1e-12 : 0 }, name);
      expect(r.bracket[0]).toBeLessThanOrEqual(r.x);
      expect(r.bracket[1]).toBeGreaterThanOrEqual(r.x);
      expect(r.iterations).toBeLessThan(200);
    });
  }

  it("returns an end that is an exact root", () => {
    expect(brentRoot((x) => x - 1, 1, 3).x).toBe(1);
    expect(brentRoot((x) => x - 3, 1, 3).x).toBe(3);
  });

  it("accepts reversed brackets", () => {
    expectAllClose(brentRoot((x) => x * x - 2, 2, 0).x, Math.SQRT2, { rtol: 4 * Number.EPSILON });
  });

  it("keeps a sign-change bracket even when stopped by the iteration cap", () => {
    const r = brentRoot((x) => x * x * x, -1, 2, { maxIterations: 30 });
    expect(r.iterations).toBe(30);
    expect(Math.sign(r.bracket[0] ** 3) * Math.sign(r.bracket[1] ** 3)).toBeLessThanOrEqual(0);
  });

  it("honours xtol", () => {
    const r = brentRoot((x) => x * x - 2, 0, 2, { xtol: 1e-3 });
    expect(Math.abs(r.x - Math.SQRT2)).toBeLessThan(1e-3);
  });

  it("rejects brackets without a sign change, NaN and non-finite ends", () => {
    expect(() => brentRoot((x) => x * x + 1, -1, 1)).toThrow(RangeError);
    expect(() => brentRoot(() => Number.NaN, -1, 1)).toThrow(/NaN/);
    expect(() => brentRoot((x) => x, -Infinity, 1)).toThrow(/finite/);
  });

  it("uses few evaluations on smooth problems (superlinear, not bisection)", () => {
    let n = 0;
    brentRoot((x) => (n++, Math.cos(x) - x), 0, 1);
    expect(n).toBeLessThan(15); // bisection would need ~53
  });
});

describe("walkUntil", () => {
  it("returns the last point before and the first point satisfying the predicate", () => {
    expect(walkUntil(1, (x) => 2 * x, (x) => x > 10)).toEqual([8, 16]);
    expect(walkUntil(5, (x) => 2 * x, (x) => x > 1)).toEqual([5, 5]);
  });
  it("throws when nothing satisfies the predicate", () => {
    expect(() => walkUntil(1, (x) => 2 * x, () => false)).toThrow(RangeError);
  });
});

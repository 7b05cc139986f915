/**
 * @file The balance index is scale-free (docs/theory.md §6): coefficients whose squares under- or
 * overflow give the value of the same split at ordinary scale, and only an all-zero mode is undefined.
 */
import { describe, expect, it } from "vitest";
import { balanceIndex, normalisedBalance } from "../../src/engine/measure/observables.js";

describe("balanceIndex", () => {
  const splits = [[1, 1], [3, 1], [0.5, -0.2, 0.1], [1, 0, 0, 0]];
  it("does not depend on the scale of the coefficients, from 1e-300 to 1e300", () => {
    for (const s of splits) {
      const ref = balanceIndex(s);
      for (const c of [1e-300, 1e-160, 1e160, 1e300]) expect(balanceIndex(s.map((x) => x * c))).toBeCloseTo(ref, 14);
    }
  });
  it("is 1 for an equal split, 1/K for one pathway, and undefined only for an all-zero mode", () => {
    expect(balanceIndex([2e-310, 2e-310, 2e-310])).toBe(1);
    expect(balanceIndex([0, 5e-320, 0, 0])).toBe(0.25);
    expect(balanceIndex([0, 0])).toBeNaN();
    expect(normalisedBalance([1e-300, 1e-300])).toBe(1);
  });
});

/**
 * @file Axis ticks and labels: nice steps, domains that include the data, power-of-ten labels on log
 * axes and readable labels for large and tiny linear values. Values are exact (ticks are built from
 * decimal strings), so comparisons are exact.
 */
import { describe, expect, it } from "vitest";
import { formatLinearTicks, linearTicks, logTicks, powerOfTen, symlogTicks, tickStep } from "../../src/plot/ticks.js";

describe("ticks", () => {
  it("picks 1-2-5 steps", () => {
    expect(tickStep(0, 1, 5)).toBe(0.2);
    expect(tickStep(0, 5000, 6)).toBe(1000);
    expect(tickStep(0, 3.2, 6)).toBe(0.5);
  });

  it("widens a linear domain to whole steps only when nice, and only by maxPad when given", () => {
    expect(linearTicks(0.03, 0.97, 5, true).domain).toEqual([0, 1]);
    expect(linearTicks(0.03, 0.97, 5, false).domain).toEqual([0.03, 0.97]);
    expect(linearTicks(0, 3127, 6, true, 0.05).domain).toEqual([0, 3127]); // 3500 would add 12 %
    expect(linearTicks(0, 4999, 6, true, 0.05).domain).toEqual([0, 5000]);
  });

  it("produces exact decimal ticks inside the domain", () => {
    const t = linearTicks(0, 1, 10, true);
    expect(t.ticks).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(t.labels[3]).toBe("0.3");
  });

  it("gives a flat series a non-degenerate domain", () => {
    const t = linearTicks(2, 2, 5, true);
    expect(t.domain[0]).toBeLessThan(2);
    expect(t.domain[1]).toBeGreaterThan(2);
  });

  it("formats large values with k/M, tiny ones as m×10ᵏ, negatives with a real minus", () => {
    expect(formatLinearTicks([0, 20000, 40000], 20000)).toEqual(["0", "20k", "40k"]);
    expect(formatLinearTicks([0, 1.5e7, 3e7], 1.5e7)).toEqual(["0", "15M", "30M"]);
    expect(formatLinearTicks([-2e-5, 0, 2e-5], 2e-5)).toEqual(["−2×10⁻⁵", "0", "2×10⁻⁵"]);
    expect(formatLinearTicks([-1, 0, 1], 1)).toEqual(["−1", "0", "1"]);
  });

  it("labels log axes spanning decades with powers of ten, every n-th decade when crowded", () => {
    expect(powerOfTen(-20)).toBe("10⁻²⁰");
    const t = logTicks(1e-20, 0.5, 8);
    expect(t.domain).toEqual([1e-20, 1]);
    expect(t.labels).toEqual(["10⁻²⁰", "10⁻¹⁶", "10⁻¹²", "10⁻⁸", "10⁻⁴", "10⁰"]);
  });

  it("uses 1-2-5 ticks with plain labels on a log axis spanning less than two decades", () => {
    const t = logTicks(0.15, 3, 8);
    expect(t.ticks).toEqual([0.2, 0.5, 1, 2]);
    expect(t.labels).toEqual(["0.2", "0.5", "1", "2"]);
  });

  it("puts symlog ticks at 0 and ±10ᵏ beyond the linear region", () => {
    const t = symlogTicks(-50, 300, 1, 10);
    expect(t.domain).toEqual([-100, 1000]);
    expect(t.labels).toEqual(["−10²", "−10¹", "−10⁰", "0", "10⁰", "10¹", "10²", "10³"]);
  });
});

/**
 * Least squares with the confidence interval of the slope (used for the fitted escape-time exponents),
 * against a published regression and closed forms of Student's t quantiles.
 */
import { describe, expect, it } from "vitest";
import { betaIncomplete, linearFit, logGamma, studentTCdf, studentTQuantile } from "../../src/engine/measure/regression.js";
import { expectAllClose } from "../helpers/allclose.js";

describe("Student's t quantiles", () => {
  it("match the closed forms for ν = 1 (Cauchy) and ν = 2 to 1e-13", () => {
    for (const p of [0.6, 0.9, 0.975, 0.995]) {
      expectAllClose(studentTQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)), { rtol: 1e-13 }, `ν = 1, p = ${p}`);
      expectAllClose(studentTQuantile(p, 2), (2 * p - 1) / Math.sqrt(2 * p * (1 - p)), { rtol: 1e-13 }, `ν = 2, p = ${p}`);
    }
  });

  it("match tables (t_{0.975,9} = 2.262157, t_{0.995,30} = 2.749996) and the normal limit 1.959964", () => {
    expectAllClose(studentTQuantile(0.975, 9), 2.262157, { atol: 5e-7 }, "ν = 9");
    expectAllClose(studentTQuantile(0.995, 30), 2.749996, { atol: 5e-7 }, "ν = 30");
    expectAllClose(studentTQuantile(0.975, 1e7), 1.959964, { atol: 1e-6 }, "ν → ∞");
    expect(studentTQuantile(0.025, 9)).toBe(-studentTQuantile(0.975, 9));
    expectAllClose(studentTCdf(studentTQuantile(0.9, 4.5), 4.5), 0.9, { atol: 1e-14 }, "CDF ∘ quantile");
    expect(() => studentTQuantile(1, 3)).toThrow(/p must be in \(0, 1\)/);
  });

  it("rest on an incomplete beta and log-gamma that match closed forms", () => {
    // I_x(a, 1) = x^a; I_x(1, b) = 1 − (1 − x)^b; Γ(1/2) = √π; Γ(10) = 9!.
    expectAllClose(betaIncomplete(2.5, 1, 0.3), Math.pow(0.3, 2.5), { rtol: 1e-13 }, "I_x(a, 1)");
    expectAllClose(betaIncomplete(1, 3.5, 0.7), 1 - Math.pow(0.3, 3.5), { rtol: 1e-13 }, "I_x(1, b)");
    expectAllClose(logGamma(0.5), 0.5 * Math.log(Math.PI), { atol: 1e-14 }, "ln Γ(½)");
    expectAllClose(logGamma(10), Math.log(362880), { rtol: 1e-14 }, "ln Γ(10)");
  });
});

describe("linearFit", () => {
  it("reproduces R's lm() on Anscombe's first data set (slope 0.5001 ± 0.1179, intercept 3.0001 ± 1.1247, R² 0.6665)", () => {
    const x = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
    const y = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68];
    const f = linearFit(x, y);
    // R's summary(lm(y1 ~ x1)): Estimate 0.5001 (SE 0.1179), 3.0001 (SE 1.1247), Multiple R-squared 0.6665 (4 digits).
    expectAllClose([f.slope, f.slopeSE, f.intercept, f.interceptSE, f.r2], [0.5001, 0.1179, 3.0001, 1.1247, 0.6665], { atol: 5e-5 }, "estimates");
    // 95% CI = estimate ± t_{0.975, 9}·SE with the published numbers (their rounding: 1e-4).
    expectAllClose(f.ci, [0.5001 - 2.262157 * 0.1179, 0.5001 + 2.262157 * 0.1179], { atol: 1e-4 }, "95% CI");
    expect(f.n).toBe(11);
  });

  it("is exact on a line (zero-width interval) and rejects degenerate input", () => {
    const f = linearFit([1, 2, 3, 4], [5, 3, 1, -1]);
    expect(f.slope).toBe(-2);
    expect(f.ci[1] - f.ci[0]).toBeLessThan(1e-14);
    expect(() => linearFit([1, 1, 1], [1, 2, 3])).toThrow(/x values are all equal/);
    expect(() => linearFit([1, 2], [1])).toThrow(/2 x values but 1 y values/);
  });
});

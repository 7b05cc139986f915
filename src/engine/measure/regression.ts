/**
 * @file Ordinary least squares of y on x with the classical confidence interval of the slope: with
 * residual variance s² = Σ e_i²/(n − 2), SE(b) = s/√Σ(x_i − x̄)² and the interval b ± t_{1−α/2, n−2}·SE(b).
 * The Student-t quantile is inverted from its CDF, written with the regularised incomplete beta
 * function (continued fraction, Numerical Recipes §6.4) and a log-gamma (Lanczos, g = 7).
 */

/** A fitted line y ≈ intercept + slope·x with the uncertainty of the slope. */
export interface LinearFit {
  slope: number;
  intercept: number;
  /** Standard error of the slope (NaN with fewer than 3 points). */
  slopeSE: number;
  /** Standard error of the intercept. */
  interceptSE: number;
  /** Confidence interval of the slope at `level` (t distribution with n − 2 degrees of freedom). */
  ci: [number, number];
  /** Its level, e.g. 0.95. */
  level: number;
  /** Coefficient of determination R². */
  r2: number;
  n: number;
}

/** Least-squares line through (x_i, y_i) with a `level` (default 95%) confidence interval of the slope. */
export function linearFit(x: ArrayLike<number>, y: ArrayLike<number>, level = 0.95): LinearFit {
  const n = x.length;
  if (n !== y.length) throw new RangeError(`linearFit: ${n} x values but ${y.length} y values`);
  if (n < 2) throw new RangeError("linearFit: needs at least 2 points");
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (!(sxx > 0)) throw new RangeError("linearFit: the x values are all equal");
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y[i]! - intercept - slope * x[i]!) ** 2;
  const s2 = n > 2 ? sse / (n - 2) : Number.NaN;
  const slopeSE = Math.sqrt(s2 / sxx);
  const interceptSE = Math.sqrt(s2 * (1 / n + (mx * mx) / sxx));
  const t = n > 2 ? studentTQuantile(1 - (1 - level) / 2, n - 2) : Number.NaN;
  return {
    slope, intercept, slopeSE, interceptSE,
    ci: [slope - t * slopeSE, slope + t * slopeSE], level,
    r2: syy > 0 ? 1 - sse / syy : 1, n,
  };
}

/** The p-quantile (0 < p < 1) of Student's t distribution with ν > 0 degrees of freedom. */
export function studentTQuantile(p: number, nu: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(nu > 0)) throw new RangeError(`studentTQuantile: ν must be > 0, got ${nu}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, nu);
  // P(T > t) = ½ I_{ν/(ν+t²)}(ν/2, ½) = 1 − p: solve for x = ν/(ν+t²) ∈ (0, 1) by bisection (I_x increases in x).
  const target = 2 * (1 - p);
  let lo = 0;
  let hi = 1;
  for (let it = 0; it < 200; it++) {
    const mid = (lo + hi) / 2;
    if (betaIncomplete(nu / 2, 0.5, mid) < target) lo = mid;
    else hi = mid;
    if (hi - lo <= 1e-17 + 1e-16 * mid) break;
  }
  const xq = (lo + hi) / 2;
  return Math.sqrt((nu * (1 - xq)) / xq);
}

/** CDF P(T ≤ t) of Student's t with ν degrees of freedom. */
export function studentTCdf(t: number, nu: number): number {
  const tail = 0.5 * betaIncomplete(nu / 2, 0.5, nu / (nu + t * t));
  return t >= 0 ? 1 - tail : tail;
}

/** Regularised incomplete beta function I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1. */
export function betaIncomplete(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  // The continued fraction converges fast for x < (a + 1)/(a + b + 2); use the symmetry otherwise.
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Lentz's evaluation of the continued fraction of I_x(a, b) (Numerical Recipes `betacf`). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** Lanczos coefficients (g = 7, n = 9), accurate to ~1e-15 for x > 0. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) s += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

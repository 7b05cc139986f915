/**
 * @file A small bracketing root finder (Brent's method, bisection-safeguarded) for the 1-D solves of
 * the theory module. Written here rather than taken from npm: the registry has no maintained,
 * browser-safe root finder (only toy bisection ports), and Brent is forty lines we can test directly.
 */

const EPS = Number.EPSILON;

/** Stopping rule of `brentRoot`: stop when the bracket half-width ≤ 2ε|x| + (xtol + rtol·|x|)/2. */
export interface RootOptions {
  /** Absolute tolerance on x; default 0 (stop at machine precision). */
  xtol?: number;
  /** Relative tolerance on x; default 0 (stop at machine precision). */
  rtol?: number;
  /** Iteration cap; default 200 (bisection alone needs < 2100 steps to exhaust a double bracket). */
  maxIterations?: number;
}

/** Result of a bracketing solve. */
export interface RootResult {
  /** The root estimate: the bracket end with the smaller |f|. */
  x: number;
  /** f(x). */
  fx: number;
  /** Final bracket [lo, hi] with a sign change (lo ≤ x ≤ hi). */
  bracket: [number, number];
  /** Function evaluations used after the two at the ends. */
  iterations: number;
}

/**
 * Root of f on [a, b] given sign(f(a)) ≠ sign(f(b)), by Brent's method (inverse quadratic
 * interpolation and secant steps, falling back to bisection whenever a step would leave the
 * bracket, shrink it too slowly, or an end value is ±∞). f may return ±Infinity at the ends.
 * Throws RangeError when the ends have the same sign or f returns NaN.
 * @example brentRoot((x) => x * x - 2, 0, 2).x // 1.4142135623730951
 */
export function brentRoot(f: (x: number) => number, a0: number, b0: number, opts: RootOptions = {}): RootResult {
  const xtol = opts.xtol ?? 0;
  const rtol = opts.rtol ?? 0;
  const maxIterations = opts.maxIterations ?? 200;
  if (!Number.isFinite(a0) || !Number.isFinite(b0)) {
    throw new RangeError(`brentRoot: bracket ends must be finite, got [${a0}, ${b0}]`);
  }
  let a = a0;
  let b = b0;
  let fa = f(a);
  let fb = f(b);
  if (Number.isNaN(fa) || Number.isNaN(fb)) throw new RangeError(`brentRoot: f is NaN at a bracket end [${a}, ${b}]`);
  if (fa === 0) return { x: a, fx: fa, bracket: [a, a], iterations: 0 };
  if (fb === 0) return { x: b, fx: fb, bracket: [b, b], iterations: 0 };
  if (fa > 0 === fb > 0) {
    throw new RangeError(`brentRoot: no sign change on [${a}, ${b}] (f = ${fa}, ${fb})`);
  }
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let iter = 1; iter <= maxIterations; iter++) {
    if (fb > 0 === fc > 0) {
      // Keep the root between b and c.
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b; b = c; c = a;
      fa = fb; fb = fc; fc = fa;
    }
    const tol1 = 2 * EPS * Math.abs(b) + 0.5 * (xtol + rtol * Math.abs(b));
    const xm = 0.5 * (c - b);
    if (Math.abs(xm) <= tol1 || fb === 0) {
      return { x: b, fx: fb, bracket: b < c ? [b, c] : [c, b], iterations: iter - 1 };
    }
    const interpolate = Math.abs(e) >= tol1 && Math.abs(fa) > Math.abs(fb) &&
      Number.isFinite(fa) && Number.isFinite(fb) && Number.isFinite(fc);
    if (interpolate) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * xm * s; // secant
        q = 1 - s;
      } else {
        const qq = fa / fc; // inverse quadratic interpolation
        const r = fb / fc;
        p = s * (2 * xm * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * xm * q - Math.abs(tol1 * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = xm;
        e = d;
      }
    } else {
      d = xm;
      e = d;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol1 ? d : xm > 0 ? tol1 : -tol1;
    fb = f(b);
    if (Number.isNaN(fb)) throw new RangeError(`brentRoot: f is NaN at x = ${b}`);
  }
  if (fb > 0 === fc > 0) c = a; // the last step moved b past the root: a holds the other sign
  return { x: b, fx: fb, bracket: b < c ? [b, c] : [c, b], iterations: maxIterations };
}

/**
 * Walk x_j = next(x_{j−1}) from `start` until `pred(x_j)` holds; returns the last two points
 * [x_{j−1}, x_j] (x_{−1} = start). Throws RangeError after `maxSteps` (default 2100) steps.
 * Used to grow a bracket geometrically, e.g. `next = (x) => 2 * x`.
 */
export function walkUntil(
  start: number, next: (x: number) => number, pred: (x: number) => boolean, maxSteps = 2100,
): [number, number] {
  let prev = start;
  let x = start;
  for (let j = 0; j <= maxSteps; j++) {
    if (pred(x)) return [prev, x];
    prev = x;
    x = next(x);
    if (!Number.isFinite(x)) break;
  }
  throw new RangeError(`walkUntil: no bracket found from ${start}`);
}

/**
 * @file Dormand–Prince 5(4) with adaptive, error-controlled steps (Hairer, Nørsett & Wanner, Solving
 * ODEs I, §II.4–5): the integrator for gradient flow. Written for Float64Array state with buffers
 * allocated once; the `odex` package (Hairer's extrapolation code) serves as an oracle in the tests.
 */

/** Right-hand side dy/dt = f(t, y), written into dy. */
export type OdeRhs = (t: number, y: Float64Array, dy: Float64Array) => void;

/** Tolerances and limits. */
export interface OdeOptions {
  /** Relative tolerance (default 1e-10). */
  rtol?: number;
  /** Absolute tolerance (default 1e-12). */
  atol?: number;
  /** Largest step (default ∞). */
  hMax?: number;
  /** Maximum number of attempted steps per `integrate` call (default 10⁷). */
  maxSteps?: number;
}

/** Counters of the work done so far. */
export interface OdeStats {
  accepted: number;
  rejected: number;
  evaluations: number;
}

// Dormand–Prince tableau.
const c2 = 1 / 5, c3 = 3 / 10, c4 = 4 / 5, c5 = 8 / 9;
const a21 = 1 / 5;
const a31 = 3 / 40, a32 = 9 / 40;
const a41 = 44 / 45, a42 = -56 / 15, a43 = 32 / 9;
const a51 = 19372 / 6561, a52 = -25360 / 2187, a53 = 64448 / 6561, a54 = -212 / 729;
const a61 = 9017 / 3168, a62 = -355 / 33, a63 = 46732 / 5247, a64 = 49 / 176, a65 = -5103 / 18656;
const a71 = 35 / 384, a73 = 500 / 1113, a74 = 125 / 192, a75 = -2187 / 6784, a76 = 11 / 84;
const e1 = 71 / 57600, e3 = -71 / 16695, e4 = 71 / 1920, e5 = -17253 / 339200, e6 = 22 / 525, e7 = -1 / 40;
// Shampine's (1986) 4th-order dense output of the step (Hairer, Nørsett & Wanner, §II.6; dopri5's CONTD5).
const d1 = -12715105075 / 11282082432, d3 = 87487479700 / 32700410799, d4 = -10690763975 / 1880347072;
const d5 = 701980252875 / 199316789632, d6 = -1453857185 / 822651844, d7 = 69997945 / 29380423;

/**
 * An event g(t, y): integration stops where g changes sign from negative to ≥ 0 (checked at accepted
 * steps, then located on the dense output).
 */
export type OdeEvent = (t: number, y: Float64Array) => number;

/** An adaptive DOPRI5 integrator for a fixed state size; `integrate` advances y in place. */
/** What `DormandPrince.save` returns: the solver's memory between steps. */
export interface OdeState {
  h: number;
  fsal: number[] | null;
  dense: { t: number; h: number; coefficients: number[][] } | null;
}

export class DormandPrince {
  readonly stats: OdeStats = { accepted: 0, rejected: 0, evaluations: 0 };
  private readonly rtol: number;
  private readonly atol: number;
  private readonly hMax: number;
  private readonly maxSteps: number;
  private readonly k: Float64Array[];
  private readonly yStage: Float64Array;
  private readonly yNew: Float64Array;
  private readonly yDense: Float64Array;
  private h = 0;
  private fsalValid = false;
  /** Dense-output coefficients of the last accepted `step`, its start time and length. */
  private cont: Float64Array[] | null = null;
  private contT = 0;
  private contH = 0;

  constructor(
    readonly n: number,
    private readonly f: OdeRhs,
    options: OdeOptions = {},
  ) {
    this.rtol = options.rtol ?? 1e-10;
    this.atol = options.atol ?? 1e-12;
    this.hMax = options.hMax ?? Number.POSITIVE_INFINITY;
    this.maxSteps = options.maxSteps ?? 10_000_000;
    this.k = Array.from({ length: 7 }, () => new Float64Array(n));
    this.yStage = new Float64Array(n);
    this.yNew = new Float64Array(n);
    this.yDense = new Float64Array(n);
  }

  /**
   * The solver's memory between steps (plain data, for a snapshot): the proposed step, the cached
   * derivative (first-same-as-last) and the last step's dense output. Restored with `restore`, a resumed
   * integration takes exactly the steps an uninterrupted one takes.
   */
  save(): OdeState {
    return {
      h: this.h,
      fsal: this.fsalValid ? Array.from(this.k[0]!) : null,
      dense: this.cont && this.contH > 0 ? { t: this.contT, h: this.contH, coefficients: this.cont.map((c) => Array.from(c)) } : null,
    };
  }

  /** Restore what `save` gave (lengths are checked: a RangeError names what does not fit). */
  restore(s: OdeState): void {
    const fits = (v: unknown): v is number[] => Array.isArray(v) && v.length === this.n && v.every((x) => typeof x === "number");
    if (typeof s.h !== "number" || !(s.h >= 0)) throw new RangeError("resume: the ODE solver's step size is not a number ≥ 0");
    if (s.fsal !== null && !fits(s.fsal)) throw new RangeError(`resume: the ODE solver's derivative does not have ${this.n} entries`);
    if (s.dense !== null && (!Array.isArray(s.dense.coefficients) || s.dense.coefficients.length !== 5 || !s.dense.coefficients.every(fits))) {
      throw new RangeError(`resume: the ODE solver's dense output is not 5 × ${this.n} numbers`);
    }
    this.h = s.h;
    this.fsalValid = s.fsal !== null;
    if (s.fsal) this.k[0]!.set(s.fsal);
    if (s.dense) {
      this.cont = s.dense.coefficients.map((c) => Float64Array.from(c));
      this.contT = s.dense.t;
      this.contH = s.dense.h;
    } else {
      this.cont = null;
      this.contH = 0;
    }
  }

  /** Forget the step-size history and the cached derivative (call after changing y from outside). */
  reset(): void {
    this.h = 0;
    this.fsalValid = false;
  }

  private eval(t: number, y: Float64Array, dy: Float64Array): void {
    this.f(t, y, dy);
    this.stats.evaluations++;
  }

  private errWeight(y0: number, y1: number): number {
    return this.atol + this.rtol * Math.max(Math.abs(y0), Math.abs(y1));
  }

  /** Hairer's starting step from the first and an explicit Euler-predicted second derivative. */
  private initialStep(t: number, y: Float64Array, span: number): number {
    const n = this.n;
    const k1 = this.k[0];
    let d0 = 0;
    let d1 = 0;
    for (let i = 0; i < n; i++) {
      const sc = this.errWeight(y[i], y[i]);
      d0 += (y[i] / sc) ** 2;
      d1 += (k1[i] / sc) ** 2;
    }
    d0 = Math.sqrt(d0 / n);
    d1 = Math.sqrt(d1 / n);
    let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
    h0 = Math.min(h0, span);
    const y1 = this.yStage;
    for (let i = 0; i < n; i++) y1[i] = y[i] + h0 * k1[i];
    const f1 = this.k[1];
    this.eval(t + h0, y1, f1);
    let d2 = 0;
    for (let i = 0; i < n; i++) d2 += ((f1[i] - k1[i]) / this.errWeight(y[i], y[i])) ** 2;
    d2 = Math.sqrt(d2 / n) / h0;
    const h1 = Math.max(d1, d2) <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / Math.max(d1, d2), 1 / 5);
    return Math.min(100 * h0, h1, span, this.hMax);
  }

  /**
   * Advance `y` from t0 to exactly t1 (the last step is shortened to land on t1), or, with `event`, to
   * the first time where the event turns from negative to ≥ 0 (located on the 4th-order dense output
   * to ~1e-12 of the step by bisection; the solver then restarts from there). Returns the time
   * reached. Throws if the step size underflows or the state becomes non-finite (a blow-up of the flow).
   */
  integrate(y: Float64Array, t0: number, t1: number, event?: OdeEvent): number {
    let t = t0;
    this.prepare(y, t0, t1 - t0);
    let attempts = 0;
    let gOld = event ? event(t, y) : 0;
    while (t < t1) {
      if (++attempts > this.maxSteps) throw new Error(`ODE: more than ${this.maxSteps} steps between t=${t0} and t=${t1}`);
      const tOld = t;
      t = this.attempt(y, t, t1, event !== undefined);
      if (event && t !== tOld) {
        const gNew = event(t, y);
        if (gOld < 0 && gNew >= 0) {
          const tEvent = this.locate(event, tOld, t, y);
          this.reset();
          return tEvent;
        }
        gOld = gNew;
      }
    }
    return t1;
  }

  /**
   * Root of the event on the last accepted step [tOld, tNew] by bisection on its dense output (the
   * bracket keeps g < 0 on the left); writes the state at the root into y and returns its time.
   */
  private locate(event: OdeEvent, tOld: number, tNew: number, y: Float64Array): number {
    const yd = this.yDense;
    const span = tNew - tOld;
    let lo = 0;
    let hi = 1;
    for (let it = 0; it < 60 && (hi - lo) * span > 1e-12 * Math.max(1, Math.abs(tNew)); it++) {
      const mid = 0.5 * (lo + hi);
      this.interpolate(tOld + mid * span, yd);
      if (event(tOld + mid * span, yd) < 0) lo = mid;
      else hi = mid;
    }
    if (hi !== 1) this.interpolate(tOld + hi * span, y);
    return tOld + hi * span;
  }

  /**
   * One accepted step of `y` from t, of the controller's own length but never past `tMax` (after
   * rejected attempts as needed); returns the new time. Unlike `integrate`, where it lands depends only
   * on the state, the tolerances and `tMax`, never on the times at which a caller looks at the
   * solution: `interpolate` gives those (Shampine's 4th-order dense output of the step).
   */
  step(y: Float64Array, t: number, tMax: number): number {
    this.prepare(y, t, tMax - t);
    for (let attempts = 1; attempts <= this.maxSteps; attempts++) {
      const next = this.attempt(y, t, tMax, true);
      if (next !== t) return next;
    }
    throw new Error(`ODE: more than ${this.maxSteps} rejected steps at t=${t}`);
  }

  /** The dense-output solution at time t inside the last accepted `step` (t_old ≤ t ≤ t_new), into `out`. */
  interpolate(t: number, out: Float64Array): void {
    const c = this.cont;
    if (!c || this.contH <= 0) throw new Error("ODE: no step to interpolate");
    const th = (t - this.contT) / this.contH;
    const th1 = 1 - th;
    const [r1, r2, r3, r4, r5] = c as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    for (let i = 0; i < this.n; i++) out[i] = r1[i] + th * (r2[i] + th1 * (r3[i] + th * (r4[i] + th1 * r5[i])));
  }

  private prepare(y: Float64Array, t: number, span: number): void {
    if (!this.fsalValid) {
      this.eval(t, y, this.k[0]!);
      this.fsalValid = true;
    }
    if (this.h <= 0) this.h = this.initialStep(t, y, span);
  }

  /** One attempted step from t toward t1: on acceptance advances y and returns the new time, else returns t. */
  private attempt(y: Float64Array, t: number, t1: number, dense: boolean): number {
    const n = this.n;
    const [k1, k2, k3, k4, k5, k6, k7] = this.k as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const ys = this.yStage;
    const yn = this.yNew;
    let h = Math.min(this.h, this.hMax);
    const last = t + h >= t1;
    if (last) h = t1 - t;
    if (!(h > Math.abs(t) * 1e-15) && !last) throw new Error(`ODE: step size underflow at t=${t}`);
    for (let i = 0; i < n; i++) ys[i] = y[i] + h * a21 * k1[i];
    this.eval(t + c2 * h, ys, k2);
    for (let i = 0; i < n; i++) ys[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
    this.eval(t + c3 * h, ys, k3);
    for (let i = 0; i < n; i++) ys[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
    this.eval(t + c4 * h, ys, k4);
    for (let i = 0; i < n; i++) ys[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
    this.eval(t + c5 * h, ys, k5);
    for (let i = 0; i < n; i++) {
      ys[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
    }
    this.eval(t + h, ys, k6);
    for (let i = 0; i < n; i++) {
      yn[i] = y[i] + h * (a71 * k1[i] + a73 * k3[i] + a74 * k4[i] + a75 * k5[i] + a76 * k6[i]);
    }
    this.eval(t + h, yn, k7);
    let err = 0;
    for (let i = 0; i < n; i++) {
      const ei = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
      const r = ei / this.errWeight(y[i], yn[i]);
      err += r * r;
    }
    err = Math.sqrt(err / n);
    if (!Number.isFinite(err)) {
      // Non-finite stage values: retry with a much smaller step; give up when that cannot help.
      this.stats.rejected++;
      this.h = h * 0.1;
      if (!(this.h > Math.abs(t) * 1e-15)) throw new Error(`ODE: non-finite state at t=${t}`);
      return t;
    }
    // Step-size controller (order 5): safety 0.9, change factor clipped to [0.2, 5].
    const factor = err === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * Math.pow(err, -1 / 5)));
    if (err <= 1) {
      this.stats.accepted++;
      if (dense) this.keepDense(y, t, h);
      y.set(yn);
      k1.set(k7); // first-same-as-last
      // Keep the controller's proposal, not the shortened landing step.
      this.h = last ? Math.max(this.h, h * factor) : h * factor;
      return last ? t1 : t + h;
    }
    this.stats.rejected++;
    this.h = h * Math.min(1, factor);
    return t;
  }

  /** Shampine's dense-output coefficients of the accepted step (y → yNew over [t, t + h]), before y and k1 move on. */
  private keepDense(y: Float64Array, t: number, h: number): void {
    const n = this.n;
    const c = (this.cont ??= Array.from({ length: 5 }, () => new Float64Array(n)));
    const [r1, r2, r3, r4, r5] = c as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const [k1, , k3, k4, k5, k6, k7] = this.k as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const yn = this.yNew;
    for (let i = 0; i < n; i++) {
      const dy = yn[i] - y[i];
      const b = h * k1[i] - dy;
      r1[i] = y[i];
      r2[i] = dy;
      r3[i] = b;
      r4[i] = dy - h * k7[i] - b;
      r5[i] = h * (d1 * k1[i] + d3 * k3[i] + d4 * k4[i] + d5 * k5[i] + d6 * k6[i] + d7 * k7[i]);
    }
    this.contT = t;
    this.contH = h;
  }
}

/**
 * @file The error function erf and its complement erfc in float64, for the `erf` and `gelu`
 * activations. JavaScript has no Math.erf and the project may not add a dependency for one, so this
 * follows the algorithm of fdlibm's s_erf.c (Sun Microsystems, 1993): rational approximations on
 * [0, 0.84375], [0.84375, 1.25], [1.25, 1/0.35] and [1/0.35, 28], each with a stated error below
 * 2^−57 relative to the approximated quantity, so erf and erfc are accurate to about one ulp
 * (test/engine/mlp/activations.test.ts checks them against 30-digit mpmath values).
 *
 * The coefficients are those of s_erf.c, distributed under this notice:
 *   Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *   Developed at SunSoft, a Sun Microsystems, Inc. business.
 *   Permission to use, copy, modify, and distribute this software is freely granted, provided
 *   that this notice is preserved.
 */

/** erx = 0.84506291151 rounded to 24 bits: erf(1 + s) is approximated as erx + P(s)/Q(s). */
const ERX = 8.45062911510467529297e-1;
/** 2/√π − 1: erf(x) ≈ x + EFX·x for |x| < 2^−28. */
const EFX = 1.28379167095512586316e-1;

// erf(x) = x + x·R(x²) on |x| < 0.84375, R = PP/QQ.
const PP0 = 1.28379167095512558561e-1, PP1 = -3.25042107247001499370e-1, PP2 = -2.84817495755985104766e-2;
const PP3 = -5.77027029648944159157e-3, PP4 = -2.37630166566501626084e-5;
const QQ1 = 3.97917223959155352819e-1, QQ2 = 6.50222499887672944485e-2, QQ3 = 5.08130628187576562776e-3;
const QQ4 = 1.32494738004321644526e-4, QQ5 = -3.96022827877536812320e-6;
// erf(1 + s) − erx = PA(s)/QA(s) on 0.84375 ≤ |x| < 1.25.
const PA0 = -2.36211856075265944077e-3, PA1 = 4.14856118683748331666e-1, PA2 = -3.72207876035701323847e-1;
const PA3 = 3.18346619901161753674e-1, PA4 = -1.10894694282396677476e-1, PA5 = 3.54783043256182359371e-2;
const PA6 = -2.16637559486879084300e-3;
const QA1 = 1.06420880400844228286e-1, QA2 = 5.40397917702171048937e-1, QA3 = 7.18286544141962662868e-2;
const QA4 = 1.26171219808761642112e-1, QA5 = 1.36370839120290507362e-2, QA6 = 1.19844998467991074170e-2;
// erfc(x) = exp(−x² − 0.5625 + RA/SA(1/x²))/x on 1.25 ≤ x < 1/0.35.
const RA0 = -9.86494403484714822705e-3, RA1 = -6.93858572707181764372e-1, RA2 = -1.05586262253232909814e1;
const RA3 = -6.23753324503260060396e1, RA4 = -1.62396669462573470355e2, RA5 = -1.84605092906711035994e2;
const RA6 = -8.12874355063065934246e1, RA7 = -9.81432934416914548592;
const SA1 = 1.96512716674392571292e1, SA2 = 1.37657754143519042600e2, SA3 = 4.34565877475229228821e2;
const SA4 = 6.45387271733267880336e2, SA5 = 4.29008140027567833386e2, SA6 = 1.08635005541779435134e2;
const SA7 = 6.57024977031928170135, SA8 = -6.04244152148580987438e-2;
// The same with RB/SB on 1/0.35 ≤ x < 28.
const RB0 = -9.86494292470009928597e-3, RB1 = -7.99283237680523006574e-1, RB2 = -1.77579549177547519889e1;
const RB3 = -1.60636384855821916062e2, RB4 = -6.37566443368389627722e2, RB5 = -1.02509513161107724954e3;
const RB6 = -4.83519191608651397019e2;
const SB1 = 3.03380607434824582924e1, SB2 = 3.25792512996573918826e2, SB3 = 1.53672958608443695994e3;
const SB4 = 3.19985821950859553908e3, SB5 = 2.55305040643316442583e3, SB6 = 4.74528541206955367215e2;
const SB7 = -2.24409524465858183362e1;

/** 1/0.35: where the two asymptotic fits of erfc meet. */
const ASYMPTOTIC_SPLIT = 1 / 0.35;

/**
 * erfc(x)·x·exp(x²) written as exp(−x² − 0.5625 + R/S)/x for x ≥ 1.25. The square is split as
 * −x² = −z² + (z − x)(z + x) with z = x rounded to 24 bits, so z² is exact and no rounding error of
 * x² (up to 28² ≈ 784) is amplified by exp.
 */
function erfcTail(x: number): number {
  const s = 1 / (x * x);
  let R: number;
  let S: number;
  if (x < ASYMPTOTIC_SPLIT) {
    R = RA0 + s * (RA1 + s * (RA2 + s * (RA3 + s * (RA4 + s * (RA5 + s * (RA6 + s * RA7))))));
    S = 1 + s * (SA1 + s * (SA2 + s * (SA3 + s * (SA4 + s * (SA5 + s * (SA6 + s * (SA7 + s * SA8)))))));
  } else {
    R = RB0 + s * (RB1 + s * (RB2 + s * (RB3 + s * (RB4 + s * (RB5 + s * RB6)))));
    S = 1 + s * (SB1 + s * (SB2 + s * (SB3 + s * (SB4 + s * (SB5 + s * (SB6 + s * SB7))))));
  }
  const z = Math.fround(x);
  return (Math.exp(-z * z - 0.5625) * Math.exp((z - x) * (z + x) + R / S)) / x;
}

/** (erf(x) − x)/x on |x| < 0.84375. */
function smallRatio(x: number): number {
  const z = x * x;
  const r = PP0 + z * (PP1 + z * (PP2 + z * (PP3 + z * PP4)));
  const s = 1 + z * (QQ1 + z * (QQ2 + z * (QQ3 + z * (QQ4 + z * QQ5))));
  return r / s;
}

/** erf(1 + s) − erx for |x| in [0.84375, 1.25), s = |x| − 1. */
function nearOne(s: number): number {
  const P = PA0 + s * (PA1 + s * (PA2 + s * (PA3 + s * (PA4 + s * (PA5 + s * PA6)))));
  const Q = 1 + s * (QA1 + s * (QA2 + s * (QA3 + s * (QA4 + s * (QA5 + s * QA6)))));
  return P / Q;
}

/** The error function erf(x) = (2/√π)∫₀ˣ e^{−t²} dt, to about one ulp; erf(±∞) = ±1, erf(NaN) = NaN. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a < 0.84375) {
    if (a < 2 ** -28) return x + EFX * x;
    return x + x * smallRatio(x);
  }
  if (a < 1.25) {
    const v = ERX + nearOne(a - 1);
    return x < 0 ? -v : v;
  }
  // erf(6) = 1 − 2.2e−17 rounds to 1 in float64.
  if (a >= 6) return x < 0 ? -1 : 1;
  const v = 1 - erfcTail(a);
  return x < 0 ? -v : v;
}

/** The complementary error function erfc(x) = 1 − erf(x), without cancellation for large x; erfc(−∞) = 2. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a < 0.84375) {
    if (a < 2 ** -56) return 1 - x;
    const y = smallRatio(x);
    // For x ≥ 1/4 the order of operations keeps the result (≤ 0.72) from cancelling.
    return x < 0.25 ? 1 - (x + x * y) : 0.5 - (x * y + (x - 0.5));
  }
  if (a < 1.25) {
    const p = nearOne(a - 1);
    return x > 0 ? 1 - ERX - p : 1 + (ERX + p);
  }
  if (a < 28) {
    if (x <= -6) return 2;
    const t = erfcTail(a);
    return x > 0 ? t : 2 - t;
  }
  // erfc(28) ≈ 6e−343 underflows to 0.
  return x > 0 ? 0 : 2;
}

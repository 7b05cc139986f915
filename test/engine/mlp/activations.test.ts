/**
 * The activations of the MLP: erf/erfc and the exact GELU against 40-digit mpmath values (committed
 * generator scripts/mlp-erf-fixtures.py), and every activation's φ' and φ'' against central differences
 * of φ and φ', plus the fused `apply` against the scalar functions.
 */
import { describe, expect, it } from "vitest";
import { erf, erfc } from "../../../src/engine/mlp/erf.js";
import { ACTIVATION_NAMES, getActivation } from "../../../src/engine/mlp/activations.js";
import { expectAllClose } from "../../helpers/allclose.js";

// [x, erf(x), erfc(x), x·Φ(x)] from scripts/mlp-erf-fixtures.py (mpmath, 40 digits, rounded to float64).
const FIXTURES: [number, number, number, number][] = [
  [-26.0, -1.0, 2.0, -6.437764620308812e-148],
  [-6.5, -1.0, 2.0, -2.6104003795084267e-10],
  [-5.5, -0.9999999999999927, 1.9999999999999927, -1.0444259356238245e-07],
  [-3.0, -0.9999779095030014, 1.9999779095030015, -0.0040496940948902835],
  [-2.0, -0.9953222650189527, 1.9953222650189528, -0.04550026389635842],
  [-1.3, -0.9340079449406524, 1.9340079449406524, -0.12584062996129342],
  [-1.0, -0.8427007929497149, 1.8427007929497148, -0.15865525393145705],
  [-0.85, -0.7706680576083526, 1.7706680576083524, -0.16801316165428853],
  [-0.5, -0.5204998778130465, 1.5204998778130465, -0.15426876936299344],
  [-0.1, -0.1124629160182849, 1.1124629160182848, -0.0460172162722971],
  [-1e-10, -1.1283791670955126e-10, 1.000000000112838, -4.999999999601058e-11],
  [0.0, 0.0, 1.0, 0.0],
  [1e-10, 1.1283791670955126e-10, 0.999999999887162, 5.000000000398942e-11],
  [0.1, 0.1124629160182849, 0.887537083981715, 0.053982783727702904],
  [0.3, 0.3286267594591274, 0.6713732405408726, 0.1853734266566858],
  [0.5, 0.5204998778130465, 0.4795001221869535, 0.34573123063700656],
  [0.8, 0.7421009647076605, 0.2578990352923395, 0.6305156811332827],
  [0.85, 0.7706680576083526, 0.22933194239164748, 0.6819868383457115],
  [1.0, 0.8427007929497149, 0.15729920705028513, 0.8413447460685429],
  [1.2, 0.9103139782296353, 0.08968602177036464, 1.0619163957339501],
  [1.3, 0.9340079449406524, 0.06599205505934755, 1.1741593700387065],
  [2.0, 0.9953222650189527, 0.004677734981047266, 1.9544997361036416],
  [2.8, 0.9999249868053346, 7.501319466545911e-05, 2.7928456350748014],
  [2.9, 0.9999589021219005, 4.109787809945886e-05, 2.8945891414288862],
  [4.0, 0.9999999845827421, 1.541725790028002e-08, 3.9998733150326675],
  [5.5, 0.9999999999999927, 7.357847917974398e-15, 5.499999895557407],
  [6.5, 1.0, 3.8421483271206475e-20, 6.49999999973896],
  [10.0, 1.0, 2.088487583762545e-45, 10.0],
  [26.0, 1.0, 5.663192408856143e-296, 26.0],
];

describe("erf and erfc", () => {
  it("match 40-digit values to a few ulps in every interval of the approximation", () => {
    // fdlibm's rational approximations err by < 2^−57 relative, so erf is within ~1 ulp; erfc's
    // tail multiplies two exp calls (each ≤ 1 ulp in V8): 1e−15 relative (≈ 4.5 ulp) bounds both.
    for (const [x, e, c] of FIXTURES) {
      expectAllClose(erf(x), e, { rtol: 1e-15 }, `erf(${x})`);
      expectAllClose(erfc(x), c, { rtol: 1e-15 }, `erfc(${x})`);
    }
  });

  it("handles the special values", () => {
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erfc(Infinity)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
    expect(erf(Number.NaN)).toBeNaN();
    expect(erfc(Number.NaN)).toBeNaN();
    expect(Object.is(erf(-0), -0)).toBe(true);
  });

  it("is odd, and erf + erfc = 1, on a dense grid (invariants, exact up to rounding)", () => {
    for (let x = -7; x <= 7; x += 0.01) {
      expect(erf(-x)).toBe(-erf(x));
      // Both are ≤ 2 in size, so their rounded sum is within 2 ulps of 1.
      expectAllClose(erf(x) + erfc(x), 1, { atol: 4.5e-16 }, `erf + erfc at ${x}`);
    }
  });
});

/** Points away from relu's kink (central differences straddling 0 would see the jump of φ'). */
const XS = [-3.1, -1.7, -0.9, -0.35, -0.02, 0.013, 0.4, 0.77, 1.3, 2.2, 3.7];

describe("activations", () => {
  it("gelu is x·Φ(x) to a few ulps (mpmath values)", () => {
    const gelu = getActivation("gelu");
    // Φ = ½erfc(−x/√2) adds one rounding of the argument y = x/√2; for x ≪ 0, erfc(|y|) ~ e^{−y²}
    // amplifies it by 2y² = x² (condition number), so the attainable accuracy is ~(2 + x²)·ε.
    for (const [x, , , g] of FIXTURES) {
      expectAllClose(gelu.value(x), g, { rtol: 4.5e-16 * (4 + x * x), atol: 1e-300 }, `gelu(${x})`);
    }
  });

  for (const name of ACTIVATION_NAMES) {
    it(`${name}: φ' and φ'' match central differences of φ and φ'`, () => {
      const a = getActivation(name);
      // Step 1e−5: truncation h²/6·|φ'''| ≤ 1e−10·max|φ'''| (≤ ~10 here) and rounding ε·|φ|/h ≤ 1e−10,
      // so 1e−8 absolute separates a correct derivative from any wrong formula (errors of order 1e−2 or more).
      const h = 1e-5;
      for (const x of XS) {
        expectAllClose(a.d1(x), (a.value(x + h) - a.value(x - h)) / (2 * h), { atol: 1e-8 }, `${name}' at ${x}`);
        expectAllClose(a.d2(x), (a.d1(x + h) - a.d1(x - h)) / (2 * h), { atol: 1e-8 }, `${name}'' at ${x}`);
      }
    });

    it(`${name}: the fused apply equals the scalar functions, also in place`, () => {
      const a = getActivation(name);
      const z = Float64Array.from([...XS, 0, -40, 40]);
      const n = z.length;
      const h = new Float64Array(n);
      const d1 = new Float64Array(n);
      const d2 = new Float64Array(n);
      a.apply(n, z, h, d1, d2);
      // Same formulas, possibly reassociated (swish, gelu): 4 ulps.
      expectAllClose(h, Array.from(z, (x) => a.value(x)), { rtol: 1e-15, atol: 1e-300 }, `${name} φ`);
      expectAllClose(d1, Array.from(z, (x) => a.d1(x)), { rtol: 1e-15, atol: 1e-300 }, `${name} φ'`);
      expectAllClose(d2, Array.from(z, (x) => a.d2(x)), { rtol: 1e-15, atol: 1e-300 }, `${name} φ''`);
      const inPlace = Float64Array.from(z);
      a.apply(n, inPlace, inPlace, d1, d2);
      expect(Array.from(inPlace)).toEqual(Array.from(h));
      expect(h.every(Number.isFinite) && d1.every(Number.isFinite) && d2.every(Number.isFinite)).toBe(true);
    });
  }

  it("relu follows the stated convention at the kink: φ'(0) = 0, φ'' = 0", () => {
    const r = getActivation("relu");
    expect([r.value(0), r.d1(0), r.d2(0), r.d1(1e-300), r.d2(5)]).toEqual([0, 0, 0, 1, 0]);
  });

  it("closed forms at 0: slopes 1 (tanh, sin, swish·2, gelu·2), 2/√π (erf); curvature 0 except gelu 2ϕ(0), swish ½", () => {
    const at0 = (name: string) => [getActivation(name).d1(0), getActivation(name).d2(0)];
    expectAllClose(at0("tanh"), [1, 0], { atol: 1e-16 }, "tanh");
    expectAllClose(at0("sin"), [1, 0], { atol: 1e-16 }, "sin");
    expectAllClose(at0("erf"), [2 / Math.sqrt(Math.PI), 0], { atol: 1e-16 }, "erf");
    expectAllClose(at0("gelu"), [0.5, 2 / Math.sqrt(2 * Math.PI)], { atol: 1e-16 }, "gelu");
    expectAllClose(at0("swish"), [0.5, 0.5], { atol: 1e-16 }, "swish");
  });

  it("an unknown name is a RangeError that lists the known ones", () => {
    expect(() => getActivation("softplus")).toThrow(/mlp\.activation: unknown activation "softplus"; one of linear, tanh/);
  });
});

#!/usr/bin/env python3
"""Reference values for test/engine/mlp/activations.test.ts: erf, erfc and the exact GELU x·Φ(x) at
points inside each interval of the fdlibm-style approximation in src/engine/mlp/erf.ts, computed with
mpmath at 40 significant digits and printed rounded to float64 (17 significant digits).

Usage: python3 scripts/mlp-erf-fixtures.py   (needs mpmath; paste the output into the test)
"""
import mpmath

mpmath.mp.dps = 40
XS = [-26.0, -6.5, -5.5, -3.0, -2.0, -1.3, -1.0, -0.85, -0.5, -0.1, -1e-10, 0.0, 1e-10, 0.1, 0.3,
      0.5, 0.8, 0.85, 1.0, 1.2, 1.3, 2.0, 2.8, 2.9, 4.0, 5.5, 6.5, 10.0, 26.0]


def f64(x):
    return repr(float(x))


print("// [x, erf(x), erfc(x), x·Φ(x)] from scripts/mlp-erf-fixtures.py (mpmath, 40 digits)")
print("const FIXTURES: [number, number, number, number][] = [")
for x in XS:
    m = mpmath.mpf(x)
    gelu = m * mpmath.ncdf(m)
    print(f"  [{f64(m)}, {f64(mpmath.erf(m))}, {f64(mpmath.erfc(m))}, {f64(gelu)}],")
print("];")

/**
 * @file Min/max decimation: property tests on random series (with gaps) that every output value comes
 * from the input, that each bucket keeps its min and max, that the overall extremes survive, and that
 * gaps stay gaps. Comparisons are exact: decimation copies values, it never computes new ones.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decimateMinMax, pixelBuckets } from "../../src/plot/decimate.js";

/** Random series: finite doubles with occasional NaN (gaps), and a bucket width. */
const seriesArb = fc.record({
  y: fc.array(fc.oneof({ weight: 12, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }, { weight: 1, arbitrary: fc.constant(Number.NaN) }), { minLength: 0, maxLength: 400 }),
  width: fc.integer({ min: 1, max: 37 }),
});

/** Maximal runs of consecutive finite values in the same bucket: [start, end) index pairs. */
function pieces(y: number[], bucket: (i: number) => number): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= y.length; i++) {
    const ok = i < y.length && Number.isFinite(y[i]!);
    if (start >= 0 && (!ok || bucket(i) !== bucket(start))) {
      out.push([start, i]);
      start = -1;
    }
    if (ok && start < 0) start = i;
  }
  return out;
}

describe("decimateMinMax", () => {
  it("outputs only input values, keeps every bucket's min and max, and the overall extremes", () => {
    fc.assert(
      fc.property(seriesArb, ({ y, width }) => {
        const x = y.map((_, i) => i);
        const bucket = (i: number): number => Math.floor(i / width);
        const d = decimateMinMax(x, y, bucket);
        expect(d.x.length).toBe(d.y.length);
        expect(d.y.length).toBeLessThanOrEqual(y.length);
        // Every finite output point is an input point (same x, same y).
        for (let j = 0; j < d.y.length; j++) if (Number.isFinite(d.y[j]!)) expect(d.y[j]).toBe(y[d.x[j]!]);
        // Each piece (finite run inside one bucket) contributes exactly its min and max.
        const kept = new Set(Array.from(d.x).filter(Number.isFinite));
        for (const [a, b] of pieces(y, bucket)) {
          const vals = y.slice(a, b);
          const lo = Math.min(...vals);
          const hi = Math.max(...vals);
          const inPiece = [...kept].filter((i) => i >= a && i < b).map((i) => y[i]!);
          expect(inPiece).toContain(lo);
          expect(inPiece).toContain(hi);
          expect(inPiece.length).toBeLessThanOrEqual(2);
        }
        const finiteIn = y.filter(Number.isFinite);
        const finiteOut = Array.from(d.y).filter(Number.isFinite);
        if (finiteIn.length > 0) {
          expect(Math.min(...finiteOut)).toBe(Math.min(...finiteIn));
          expect(Math.max(...finiteOut)).toBe(Math.max(...finiteIn));
        } else expect(d.y.length).toBe(0);
        // x stays in input order (a line is drawn through the points in sequence).
        const xs = Array.from(d.x).filter(Number.isFinite);
        for (let j = 1; j < xs.length; j++) expect(xs[j]!).toBeGreaterThan(xs[j - 1]!);
      }),
      { numRuns: 300, seed: 20260605 },
    );
  });

  it("keeps every gap between drawn points as exactly one NaN, and adds none at the ends", () => {
    fc.assert(
      fc.property(seriesArb, ({ y, width }) => {
        const d = decimateMinMax(y.map((_, i) => i), y, (i) => Math.floor(i / width));
        const finiteRunsIn = y.map(Number.isFinite).filter((ok, i, a) => ok && (i === 0 || !a[i - 1])).length;
        const nanOut = Array.from(d.y).filter(Number.isNaN).length;
        expect(nanOut).toBe(Math.max(0, finiteRunsIn - 1));
        if (d.y.length > 0) {
          expect(Number.isFinite(d.y[0]!)).toBe(true);
          expect(Number.isFinite(d.y[d.y.length - 1]!)).toBe(true);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it("turns a period-2 oscillation into a ±amplitude band instead of aliasing it", () => {
    const n = 100_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => 0.78 + (i % 2 === 0 ? 0.1 : -0.1));
    const d = decimateMinMax(x, y, pixelBuckets(x, (v) => v, [0, n - 1], 1000));
    expect(d.y.length).toBeLessThanOrEqual(2 * 1001);
    // Every bucket keeps both levels, so the drawn line alternates between them.
    for (let j = 0; j + 1 < d.y.length; j += 2) expect(new Set([d.y[j], d.y[j + 1]])).toEqual(new Set([0.78 + 0.1, 0.78 - 0.1]));
  });

  it("buckets by pixel column of the axis transform (log x puts as many buckets per decade)", () => {
    const x = Array.from({ length: 10_000 }, (_, i) => i + 1);
    const key = pixelBuckets(x, Math.log10, [1, 10_000], 40);
    expect(key(0)).toBe(0); // x = 1
    expect(key(9)).toBe(10); // x = 10: one decade = 10 buckets of 40 over 4 decades
    expect(key(9_999)).toBe(40);
  });
});

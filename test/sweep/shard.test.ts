/**
 * @file Shards of a sweep (src/sweep/shard.ts): every point in exactly one shard for any N (property
 * test), the loads against sums recomputed here, Graham's list-scheduling bound, the LPT bound
 * (4/3 − 1/(3N))·OPT against a brute-force optimum, and the scaling laws of the cost estimate.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { estimateCost, formatShard, parseShard, planShards, shardIndices, stepCost } from "../../src/sweep/shard.js";
import { resolveRunConfig } from "../../src/config/schema.js";
import { validateRunConfig } from "../../src/config/validate.js";
import { PRESETS } from "../../src/config/presets.js";

/**
 * Costs as a sweep produces them: many exact ties (same shape and steps), zeros, and spread-out values.
 * No subnormal doubles: relative rounding bounds do not hold there (2.5e-323 vs a bound of 2e-323 once
 * failed), and real estimates count multiply-adds, so a nonzero cost is at least 1.
 */
const costs = fc.array(
  fc.oneof(fc.constantFrom(0, 1, 2.5, 1e6), fc.double({ min: 2 ** -1022, max: 1e9, noNaN: true, noDefaultInfinity: true })),
  { maxLength: 300 },
);

/** Relative slack for comparing sums of up to 300 doubles added in different orders (300 ulps). */
const SUM_RTOL = 300 * Number.EPSILON;

/** Smallest possible largest load over all assignments of `c` to `n` shards (exhaustive, n^len). */
function bruteForceOpt(c: number[], n: number): number {
  const load = new Array<number>(n).fill(0);
  let best = Infinity;
  const go = (j: number) => {
    if (j === c.length) {
      best = Math.min(best, Math.max(...load));
      return;
    }
    for (let s = 0; s < n; s++) {
      load[s] += c[j]!;
      if (load[s]! < best) go(j + 1);
      load[s] -= c[j]!;
    }
  };
  go(0);
  return best;
}

describe("planShards", () => {
  it("puts every point in exactly one shard, for any N (fast-check)", () => {
    fc.assert(
      fc.property(costs, fc.integer({ min: 1, max: 40 }), (c, n) => {
        const plan = planShards(c, n);
        const seen = new Uint8Array(c.length);
        for (let s = 0; s < n; s++) {
          for (const i of shardIndices(plan, s)) {
            expect(seen[i], `point ${i} in two shards`).toBe(0);
            seen[i] = 1;
          }
        }
        expect(Array.from(seen).every((x) => x === 1), "some point in no shard").toBe(true);
        for (const s of plan.shardOf) expect(s).toBeLessThan(n);
      }),
      { numRuns: 300 },
    );
  });

  it("reports loads equal to the sums of the assigned costs, within Graham's bound total/N + (1 − 1/N)·max (fast-check)", () => {
    fc.assert(
      fc.property(costs, fc.integer({ min: 1, max: 40 }), (c, n) => {
        const plan = planShards(c, n);
        const sums = new Array<number>(n).fill(0);
        c.forEach((x, i) => (sums[plan.shardOf[i]!] += x));
        const total = c.reduce((a, b) => a + b, 0);
        for (let s = 0; s < n; s++) expect(Math.abs(plan.load[s]! - sums[s]!)).toBeLessThanOrEqual(SUM_RTOL * total);
        const max = Math.max(0, ...c);
        expect(Math.max(...plan.load)).toBeLessThanOrEqual((total / n + (1 - 1 / n) * max) * (1 + SUM_RTOL));
      }),
      { numRuns: 300 },
    );
  });

  it("is within (4/3 − 1/(3N)) of the optimal largest load (brute force over ≤ 9 points, N ≤ 3)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 9 }), fc.integer({ min: 1, max: 3 }), (c, n) => {
        const lpt = Math.max(...planShards(c, n).load);
        // Integer costs: the sums are exact, so no tolerance is needed.
        expect(lpt).toBeLessThanOrEqual((4 / 3 - 1 / (3 * n)) * bruteForceOpt(c, n));
      }),
      { numRuns: 200 },
    );
  });

  it("is deterministic and splits equal costs into counts that differ by at most one", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 17 }), (len, n) => {
        const c = new Array<number>(len).fill(3);
        const a = planShards(c, n);
        expect(Array.from(planShards(c.slice(), n).shardOf)).toEqual(Array.from(a.shardOf));
        const counts = Array.from({ length: n }, (_, s) => shardIndices(a, s).length);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("rejects a bad shard count or cost", () => {
    expect(() => planShards([1], 0)).toThrow(/shard count/);
    expect(() => planShards([1, Number.NaN], 2)).toThrow(/point 1/);
    expect(() => planShards([-1], 2)).toThrow(/point 0/);
  });
});

describe("parseShard", () => {
  it("reads I/N with 0 <= I < N and round-trips through formatShard", () => {
    for (const [text, index, count] of [["0/1", 0, 1], ["3/4", 3, 4], [" 12 / 100 ", 12, 100]] as const) {
      const s = parseShard(text);
      expect(s).toEqual({ index, count });
      expect(parseShard(formatShard(s))).toEqual(s);
    }
  });
  it("names the flag for I >= N, N = 0 and malformed text", () => {
    for (const bad of ["4/4", "1/0", "-1/4", "a/b", "3", "1/2/3", ""]) expect(() => parseShard(bad, "--shard")).toThrow(/^--shard: /);
  });
});

describe("estimateCost", () => {
  const spec = (raw: Record<string, unknown>) => resolveRunConfig(validateRunConfig(raw));
  const base = { width: 2, depths: [3, 4], target: { sigma: [1, 0.5] }, init: { type: "svs", scales: [0.01, 0.01] }, steps: 1000 };

  it("is finite and positive for every preset", () => {
    for (const p of PRESETS) {
      const c = estimateCost(resolveRunConfig(validateRunConfig(p.config)));
      expect(Number.isFinite(c) && c > 0, p.name).toBe(true);
    }
  });

  it("scales a step like the work of a step: d for reduced dynamics, d³ for full matrices, linearly in the layers", () => {
    const w2 = { ...base, width: 2, target: { sigma: [1, 0.5] } };
    const w4 = { ...base, width: 4, target: { sigma: [1, 0.5, 0.25, 0.125] } };
    expect(stepCost(spec({ ...w4, dynamics: "reduced" })) / stepCost(spec({ ...w2, dynamics: "reduced" }))).toBe(2);
    expect(stepCost(spec({ ...w4, dynamics: "full" })) / stepCost(spec({ ...w2, dynamics: "full" }))).toBe(8);
    // Depths 3 + 4 = 7 layers against 6 + 8 = 14.
    const deep = { ...base, depths: [6, 8], dynamics: "full" };
    expect(stepCost(spec(deep)) / stepCost(spec({ ...base, dynamics: "full" }))).toBe(2);
  });

  it("grows with the steps at a fixed measurement spacing: twice the steps cost between 1.9 and 2 times as much", () => {
    for (const dynamics of ["reduced", "full"]) {
      const a = estimateCost(spec({ ...base, dynamics, steps: 1000, sharpness: { every: 100 } }));
      const b = estimateCost(spec({ ...base, dynamics, steps: 2000, sharpness: { every: 100 } }));
      // Below 2: the measurements at the start and the end do not double.
      expect(b / a, dynamics).toBeGreaterThan(1.9);
      expect(b / a, dynamics).toBeLessThanOrEqual(2);
    }
  });
});

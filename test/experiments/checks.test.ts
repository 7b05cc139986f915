/**
 * @file Checks are computed from data: on real (small-budget) runs the claims hold, and the same data
 * doctored to violate a claim makes exactly that check fail. Also the semantics of the check builders.
 */
import { describe, expect, it } from "vitest";
import { atLeastCheck, belowCheck, categoryCheck, closeCheck, maxAbsDiff, tally, type Check } from "../../src/experiments/checks.js";
import { kindFor } from "../../src/experiments/config.js";
import { resolveWith, runAll } from "./helpers.js";

const byName = (checks: Check[], part: string): Check => {
  const c = checks.find((x) => x.name.includes(part));
  if (!c) throw new Error(`no check named like "${part}" in: ${checks.map((x) => x.name).join(" | ")}`);
  return c;
};
const clone = <T>(x: T): T => structuredClone(x);

describe("check builders", () => {
  it("closeCheck: absolute and relative errors against the tolerance; NaN fails", () => {
    expect(closeCheck({ name: "n", claim: "c", provenance: "paper", predicted: 2, measured: 2.01, tolerance: 0.02 })).toMatchObject({ error: expect.closeTo(0.01, 12), pass: true });
    expect(closeCheck({ name: "n", claim: "c", provenance: "paper", predicted: 2, measured: 2.05, tolerance: 0.02 }).pass).toBe(false);
    expect(closeCheck({ name: "n", claim: "c", provenance: "paper", predicted: 2, measured: 2.02, tolerance: 0.011, kind: "rel" })).toMatchObject({ error: expect.closeTo(0.01, 12), pass: true });
    expect(closeCheck({ name: "n", claim: "c", provenance: "paper", predicted: 2, measured: Number.NaN, tolerance: 1 })).toMatchObject({ error: null, pass: false });
  });

  it("belowCheck is one-sided: just below passes, above or far below fails", () => {
    expect(belowCheck({ name: "n", claim: "c", provenance: "paper", predicted: 10, measured: 9.9, tolerance: 0.03 }).pass).toBe(true);
    expect(belowCheck({ name: "n", claim: "c", provenance: "paper", predicted: 10, measured: 10.01, tolerance: 0.03 }).pass).toBe(false);
    expect(belowCheck({ name: "n", claim: "c", provenance: "paper", predicted: 10, measured: 9, tolerance: 0.03 }).pass).toBe(false);
  });

  it("atLeastCheck, categoryCheck, maxAbsDiff and tally", () => {
    expect(atLeastCheck({ name: "n", claim: "c", provenance: "paper", predicted: 4, measured: 3.95, tolerance: 0.1 }).pass).toBe(true);
    expect(atLeastCheck({ name: "n", claim: "c", provenance: "paper", predicted: 4, measured: 3.8, tolerance: 0.1 }).pass).toBe(false);
    expect(categoryCheck({ name: "n", claim: "c", provenance: "paper", predicted: "a", measured: "b", pass: false })).toMatchObject({ error: null, tolerance: null, errorKind: "none" });
    expect(maxAbsDiff([1, 2, 3], [1, 2.5, 2])).toBe(1);
    expect(maxAbsDiff([1], [1, 2])).toBeNaN();
    expect(tally([{ pass: true }, { pass: false }, { pass: true }] as Check[])).toEqual({ pass: 2, fail: 1 });
  });
});

describe("pair checks (docs/theory.md §4 reference network, 3000 steps)", () => {
  const r = resolveWith("reference-k2-depth4", { steps: 3000 });
  const kind = kindFor(r);
  const { data } = runAll(r);
  const checks = kind.checks(r, data);

  it("hold on the real runs", () => {
    for (const c of checks) expect(c.pass, `${c.name}: predicted ${c.predicted}, measured ${c.measured}, error ${c.error}`).toBe(true);
    expect(checks.length).toBeGreaterThanOrEqual(9);
  });

  it("fail when the large step ends above 2/η, on the gradient-flow end point, or without sign alternation", () => {
    const above = clone(data);
    above.runs[1].final.sharpness = [1.02 * data.theory[1].threshold];
    expect(byName(kind.checks(r, above), "final sharpness just below 2/η").pass).toBe(false);
    const stuck = clone(data);
    stuck.runs[1].final.s = data.theory[1].gf.map((x: number) => [x]);
    expect(byName(kind.checks(r, stuck), "stopping boundary, exact").pass).toBe(false);
    const noFlip = clone(data);
    noFlip.runs[1].eos.alternation = 0.6;
    expect(byName(kind.checks(r, noFlip), "alternates in sign").pass).toBe(false);
    const noContraction = clone(data);
    noContraction.runs[1].eos.contraction = 0.5;
    expect(byName(kind.checks(r, noContraction), "contracts over every two steps").pass).toBe(false);
  });

  it("fail when the small step re-balances, the run above the window converges, or the reference values are missed", () => {
    const balanced = clone(data);
    balanced.runs[0].final.s = [[0.5], [0.5]];
    expect(byName(kind.checks(r, balanced), "winner-takes-all").pass).toBe(false);
    const settled = clone(data);
    settled.runs[2].status = "converged";
    expect(byName(kind.checks(r, settled), "no zero-loss limit above").pass).toBe(false);
    const off = clone(data);
    off.runs[1].final.s = [[0.8], [0.2]];
    expect(byName(kind.checks(r, off), "published reference (h = 2.5)").pass).toBe(false);
  });
});

describe("heterogeneous, chain, phase, rank and warm-up checks", () => {
  it("heterogeneous: a top-of-window run that stays with the shallow pathway fails the optimal allocation", () => {
    const r = resolveWith("fig4-depths-2-4", { steps: 200_000 });
    const kind = kindFor(r);
    const { data } = runAll(r);
    const good = kind.checks(r, data);
    for (const c of good) expect(c.pass, `${c.name}: ${c.predicted} vs ${c.measured}`).toBe(true);
    const bad = clone(data);
    bad.runs[2].centre = data.theory[2].gf.map((x: number) => [x]);
    expect(byName(kind.checks(r, bad), "optimal allocation").pass).toBe(false);
  });

  it("chain: a knife edge off c_L and an orbit that does not cross 0 above it both fail", () => {
    const r = resolveWith("fig5-chain-knife-edge", { grid: 201 });
    const kind = kindFor(r);
    const { data } = runAll({ ...r, depths: [2, 4] } as never);
    const rr = { ...r, depths: [2, 4] } as never;
    expect(kind.checks(rr, data).every((c: Check) => c.pass)).toBe(true);
    const bad = clone(data);
    bad.depths[1].measured *= 1.01;
    bad.depths[1].above.z[2] = 0.1;
    const checks = kind.checks(rr, bad);
    expect(byName(checks, "knife edge at c_L (L = 4)").pass).toBe(false);
    expect(byName(checks, "crosses 0 (L = 4)").pass).toBe(false);
  });

  it("phase: an onset away from h = 2 and a sign flip below c_L fail", () => {
    const r = resolveWith("phase-diagram", { points: 25, steps: 100_000 });
    const rr = { ...r, pathways: [2], depths: [4] } as never;
    const kind = kindFor(rr);
    const { data } = runAll(rr);
    const good = kind.checks(rr, data);
    for (const c of good) expect(c.pass, `${c.name}: ${c.predicted} vs ${c.measured}`).toBe(true);
    const bad = clone(data);
    const row = bad.rows[0];
    // Pretend the small-step plateau extends to h = 2.5 and a layer flips at h = 3.
    for (const c of row.cells) if (c.h > 2 && c.h <= 2.5) c.share = row.cells[0].share;
    for (const c of row.cells) if (c.h >= 3 && c.h < 3.3) c.status = "sign-flip";
    const checks = kind.checks(rr, bad);
    expect(byName(checks, "re-balancing sets in").pass).toBe(false);
    expect(byName(checks, "no sign flip below c_L").pass).toBe(false);
  });

  it("rank: a top mode that is no longer held at the edge of stability fails the rank check", () => {
    const r = resolveWith("rank-k", { steps: 20_000, sweepPoints: 3 });
    const rr = { ...r, dynamics: "reduced", compare: false, lrs: [0.6] } as never;
    const kind = kindFor(rr);
    const { data } = runAll(rr);
    expect(byName(kind.checks(rr, data), "exactly 1 mode").pass).toBe(true);
    // Mode 1 (σ = 1) at the equal split: λ·η/2 = 3·4·(1/3)^1.5·0.3 ≈ 0.69 < 0.975, so the measured rank is 0.
    const bad = clone(data);
    bad.runs[0].centre = bad.runs[0].centre.map((row: number[]) => [1 / 3, row[1], row[2]]);
    expect(byName(kind.checks(rr, bad), "exactly 1 mode").pass).toBe(false);
  });

  it("warm-up: a constant step that converges, or a warm-up run that flips, fails", () => {
    const r = resolveWith("warmup", { steps: 6000 });
    const kind = kindFor(r);
    const { data } = runAll(r);
    for (const c of kind.checks(r, data)) expect(c.pass, `${c.name}: ${c.measured}`).toBe(true);
    const bad = clone(data);
    bad.constant = clone(data.warmup);
    bad.warmup.signFlip = 42;
    const checks = kind.checks(r, bad);
    expect(byName(checks, "constant step fails").pass).toBe(false);
    expect(byName(checks, "survives and converges").pass).toBe(false);
  });
});

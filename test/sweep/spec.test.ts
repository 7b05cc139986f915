/**
 * The sweep spec: expansion order and values against closed forms, h → lr through λ_single, the
 * seeded random search, config hashes, and one-line errors that name the field of a bad spec.
 */
import { describe, expect, it } from "vitest";
import { axisValues, countPoints, expandSweep, parseSweepSpec, specHash, SweepSpecError } from "../../src/sweep/spec.js";

const base = { width: 1, depths: [4, 4], target: { sigma: [1] }, init: { type: "svs", scales: [1e-3, 9e-4] }, dynamics: "reduced", steps: 100 };

describe("sweep spec expansion", () => {
  it("takes the product with the last axis fastest, values from the axis definitions", () => {
    const spec = parseSweepSpec({ base, axes: { lr: { from: 0.1, to: 0.3, points: 3 }, seed: { range: 2 }, depths: { values: [[3, 3], [5, 5]] } } });
    const pts = expandSweep(spec);
    expect(pts).toHaveLength(12);
    expect(countPoints(spec)).toBe(12);
    // Index i = (lr index)·4 + (seed)·2 + (depths index).
    pts.forEach((p, i) => {
      expect(p.index).toBe(i);
      expect(p.spec.lr).toBe([0.1, 0.2, 0.3][Math.floor(i / 4)]!);
      expect(p.spec.seed).toBe(Math.floor(i / 2) % 2);
      expect(p.spec.depths).toEqual(i % 2 === 0 ? [3, 3] : [5, 5]);
    });
    // Same spec, same points and hashes; distinct configs, distinct hashes.
    expect(expandSweep(spec).map((p) => p.hash)).toEqual(pts.map((p) => p.hash));
    expect(new Set(pts.map((p) => p.hash)).size).toBe(12);
  });

  it("spaces log axes geometrically with both ends exact", () => {
    const v = axisValues("lr", { from: 1e-3, to: 1e-1, points: 5, scale: "log" }) as number[];
    expect(v[0]).toBe(1e-3);
    expect(v[4]).toBe(1e-1);
    // Ratios of a geometric sequence are equal: 10^0.5 each (rounding of exp/log: 1e-14 relative).
    for (let i = 1; i < 5; i++) expect(Math.abs(v[i]! / v[i - 1]! - Math.sqrt(10)) / Math.sqrt(10)).toBeLessThan(1e-14);
  });

  it("zips axes of equal length and sets list elements by index", () => {
    const spec = parseSweepSpec({ base, axes: { lr: { values: [0.1, 0.2] }, "init.scales.1": { values: [5e-4, 8e-4] } }, zip: [["lr", "init.scales.1"]] });
    const pts = expandSweep(spec);
    expect(pts.map((p) => [p.spec.lr, p.spec.init.type === "svs" ? p.spec.init.scales : null])).toEqual([[0.1, [1e-3, 5e-4]], [0.2, [1e-3, 8e-4]]]);
  });

  it("resolves h to lr = h/λ_single with λ_single = max_k L_k σ_1^{2−2/L_k}", () => {
    // depths [3, 5], σ_1 = 2: λ = max(3·2^{4/3}, 5·2^{8/5}) = 5·2^{1.6}.
    const spec = parseSweepSpec({ base: { ...base, depths: [3, 5], target: { sigma: [2] } }, axes: { h: { values: [1, 2.5] } } });
    const lam = 5 * 2 ** 1.6;
    for (const p of expandSweep(spec)) {
      expect(Math.abs(p.spec.lr * lam - p.h) / p.h).toBeLessThan(1e-15);
    }
  });

  it("draws a reproducible random search whose points do not depend on which are selected", () => {
    const spec = parseSweepSpec({ base, axes: { lr: { from: 0.1, to: 0.3, points: 2 }, seed: { values: [1, 2, 3] } }, random: { samples: 20, seed: 7 } });
    const all = expandSweep(spec);
    expect(all).toHaveLength(20);
    for (const p of all) {
      expect(p.spec.lr).toBeGreaterThanOrEqual(0.1);
      expect(p.spec.lr).toBeLessThanOrEqual(0.3);
      expect([1, 2, 3]).toContain(p.spec.seed);
    }
    const odd = expandSweep(spec, { only: (i) => i % 2 === 1 });
    expect(odd.map((p) => p.hash)).toEqual(all.filter((p) => p.index % 2 === 1).map((p) => p.hash));
  });

  it("hashes configs independently of key order", () => {
    expect(specHash({ a: 1, b: { c: 2, d: 3 } })).toBe(specHash({ b: { d: 3, c: 2 }, a: 1 }));
    expect(specHash({ a: 1 })).not.toBe(specHash({ a: 2 }));
  });
});

describe("bad sweep specs", () => {
  const bad = (raw: unknown, pattern: RegExp, force = false) => {
    let err: unknown;
    try {
      expandSweep(parseSweepSpec(raw, "s.yaml"), { force });
    } catch (e) {
      err = e;
    }
    expect(err, JSON.stringify(raw)).toBeInstanceOf(SweepSpecError);
    const msg = (err as Error).message;
    expect(msg.split("\n")).toHaveLength(1);
    expect(msg).toMatch(pattern);
  };
  it("names unknown fields, unknown axis paths, empty axes and invalid points", () => {
    bad({ base, axes: { lr: { values: [0.1] } }, extra: 1 }, /extra: unknown field/);
    bad({ base, axes: {} }, /axes: needs at least one axis/);
    bad({ base, axes: { lr: { values: [] } } }, /axes\.lr.*(needs at least one value|expected)/);
    bad({ base, axes: { "init.scalez": { values: [1] } } }, /init\.scalez: unknown field/);
    bad({ base, axes: { "--no-such-flag": { values: [1] } } }, /axes\.--no-such-flag: unknown flag/);
    bad({ base, axes: { lr: { values: [0.1, -1] } } }, /point 1 \(lr=-1\): lr: must be > 0/);
    bad({ base, axes: { lr: { values: [0.1] }, seed: { range: 2 } }, zip: [["lr", "seed"]] }, /zip: axes lr \(1 values\) and seed \(2\) differ/);
    bad({ base, axes: { lr: { from: 0.1, to: 1, points: 100000 }, seed: { range: 100000 } } }, /more than 1e\+8; pass --force/);
    bad({ base: { preset: "nope" }, axes: { lr: { values: [0.1] } } }, /base\.preset: unknown preset/);
  });
});

describe("examples/sweeps", () => {
  it("every example spec expands into valid points", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const { parse } = await import("yaml");
    const dir = new URL("../../examples/sweeps/", import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const spec = parseSweepSpec(parse(readFileSync(new URL(f, dir), "utf8")), f);
      const points = expandSweep(spec);
      expect(points.length, f).toBe(countPoints(spec));
    }
  });
});

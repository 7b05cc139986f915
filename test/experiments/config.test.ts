/**
 * @file Experiment files: every shipped file validates for every size, names match files, every kind is
 * used, and bad files give one line naming file:line:col and the field.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, parseExperiment, resolveExperiment, canonicalJson } from "../../src/experiments/config.js";
import { KINDS } from "../../src/experiments/registry.js";
import { experimentNames, loadExperiment } from "./helpers.js";

describe("shipped experiments", () => {
  const names = experimentNames();

  it("validate, and resolve for quick, full and smoke", () => {
    expect(names.length).toBeGreaterThanOrEqual(9);
    for (const name of names) {
      const c = loadExperiment(name);
      expect(c.name).toBe(name);
      for (const size of ["quick", "full", "smoke"] as const) {
        const r = resolveExperiment(c, size);
        expect(r.size).toBe(size);
        expect(r.budget, `${name} ${size}`).toBeTruthy();
        expect("sizes" in r).toBe(false);
      }
    }
  });

  it("use every registered kind and name a paper figure or claim", () => {
    const kinds = new Set(names.map((n) => loadExperiment(n).kind));
    expect([...kinds].sort()).toEqual([...KINDS.keys()].sort());
    for (const n of names) {
      const c = loadExperiment(n);
      expect(c.figure.length).toBeGreaterThan(3);
      expect(c.claim).toMatch(/docs\/theory\.md|paper/);
    }
  });

  it("include the paper's settings: K = 2 pathways of depth 20, depths 3, 5, 7, and full matrices", () => {
    const configs = names.map(loadExperiment) as any[];
    expect(configs.some((c) => c.kind === "pair" && c.network.depths.join() === "20,20" && c.dynamics === "full")).toBe(true);
    expect(configs.some((c) => c.kind === "heterogeneous" && c.network.depths.join() === "3,5,7")).toBe(true);
    const phase = configs.find((c) => c.kind === "phase");
    expect(phase.pathways).toEqual([2, 4]);
    expect(phase.depths).toEqual([3, 4, 6, 10]);
  });

  it("smoke budgets are smaller than quick ones, quick ones not larger than full ones", () => {
    for (const name of names) {
      const c = loadExperiment(name);
      const q = resolveExperiment(c, "quick").budget as Record<string, number>;
      const f = resolveExperiment(c, "full").budget as Record<string, number>;
      const s = resolveExperiment(c, "smoke").budget as Record<string, number>;
      for (const key of ["steps", "points", "grid", "sweepPoints"]) {
        if (typeof q[key] !== "number") continue;
        expect(s[key]!, `${name}.${key}`).toBeLessThanOrEqual(q[key]!);
        expect(q[key]!, `${name}.${key}`).toBeLessThanOrEqual(f[key]!);
      }
    }
  });

  it("canonical JSON ignores key order, so equal settings hash equally", () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe(canonicalJson({ a: [2, { c: 4, d: 3 }], b: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 2 }));
  });
});

describe("bad experiment files", () => {
  const good = `name: x
kind: chain
title: t
figure: Fig. 5
claim: docs/theory.md §5
description: d
depths: [2, 3]
epsilon: 0.01
iterations: 5
sizes:
  quick: { grid: 101 }
  full: { grid: 1001 }
`;
  const fails = (text: string, expectName?: string): string => {
    try {
      parseExperiment(text, "bad.yaml", expectName);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg.split("\n")).toHaveLength(1);
      return msg;
    }
    throw new Error("expected a ConfigError");
  };

  it("accept the good file", () => {
    expect(parseExperiment(good, "good.yaml").name).toBe("x");
  });

  it("name the file, line, column and field of a bad value", () => {
    expect(fails(good.replace("epsilon: 0.01", "epsilon: 2"))).toMatch(/^bad\.yaml:8:10: epsilon: .*\(got 2\)/);
    expect(fails(good.replace("  quick: { grid: 101 }", "  quick: { grid: -1 }"))).toMatch(/^bad\.yaml:11:\d+: sizes\.quick\.grid: /);
  });

  it("name an unknown field, an unknown kind, a missing size and a name that differs from the file", () => {
    expect(fails(good + "extra: 1\n")).toMatch(/^bad\.yaml:13:1: extra: unknown field/);
    expect(fails(good.replace("kind: chain", "kind: nope"))).toMatch(/^bad\.yaml:2:7: kind: unknown kind "nope"; one of pair, /);
    expect(fails(good.replace("  full: { grid: 1001 }\n", ""))).toMatch(/sizes\.full: is required/);
    expect(fails(good, "y")).toMatch(/name: "x" differs from the file name "y\.yaml"/);
    expect(fails("kind: chain\n: [")).toMatch(/^bad\.yaml:\d+:\d+: /);
  });
});

/**
 * @file Figure builders of every experiment kind, from seeded runs (deterministic reduced dynamics,
 * small budgets): each figure has a title, labelled axes, a legend inside the SVG and the theory drawn on
 * it; a gallery of SVG snapshots in test/experiments/__snapshots__ (look at them when they change).
 */
import { describe, expect, it } from "vitest";
import { figuresFor, hasFigures } from "../../src/experiments/figures/index.js";
import { KINDS } from "../../src/experiments/registry.js";
import type { ResolvedExperiment } from "../../src/experiments/config.js";
import { plainText } from "../../src/plot/text.js";
import { parseSvg, texts } from "../plot/svg-query.js";
import { resolveWith, runAll } from "./helpers.js";

/** Small seeded versions of the shipped experiments (reduced dynamics only: bytes do not depend on kernels). */
const CASES: [string, ResolvedExperiment][] = [
  ["pair", resolveWith("reference-k2-depth4", { steps: 1500 })],
  ["pair-k4", resolveWith("fig1-k4", { steps: 600 })],
  ["heterogeneous", resolveWith("fig4-depths-2-4", { steps: 20_000 })],
  ["chain", { ...resolveWith("fig5-chain-knife-edge", { grid: 201 }), depths: [2, 4, 10] }],
  ["phase", { ...resolveWith("phase-diagram", { points: 13, steps: 20_000 }), pathways: [2, 4], depths: [3, 6] }],
  ["rank", { ...resolveWith("rank-k", { steps: 3000, sweepPoints: 6 }), dynamics: "reduced", compare: false, lrs: [0.6] }],
  ["warmup", resolveWith("warmup", { steps: 3000 })],
];

/** Theory that must be drawn on each kind's figures (text in the SVG). */
const THEORY_TEXT: Record<string, string[]> = {
  pair: ["2/η (stability threshold)", "prediction", "predicted stop (λ = 2/η)", "λ_max > 2/η (Edge of Stability)"],
  "pair-k4": ["stopping boundary, drift flow", "stopping boundary, leaf ray"],
  heterogeneous: ["optimal allocation", "stopping boundary", "gradient-flow end point"],
  chain: ["c_L (theory)", "h = c_L", "h = 2 (linear stability)"],
  phase: ["h = 2 (2/λ_single)", "h = 2λ_single/λ_bal", "h = c_L (WCR)"],
  rank: ["predicted #{i : λ_single(σ_i) > 2/η}", "2/λ_single(σ_2)"],
  warmup: ["2/η_t (stability threshold)", "end of warm-up", "λ_single"],
};

describe("the figure registry", () => {
  it("has a builder for every experiment kind, and names an unknown kind in one line", () => {
    for (const kind of KINDS.keys()) expect(hasFigures(kind), kind).toBe(true);
    expect(() => figuresFor("no-such-kind", {}, {})).toThrow(/^kind: no figures for experiment kind "no-such-kind"/);
  });
});

describe("experiment figures", () => {
  for (const [tag, r] of CASES) {
    const { data } = runAll(r);
    const figs = figuresFor(r.kind, r, data);

    it(`${tag}: titled, labelled axes with units, legends inside the SVG, theory drawn`, async () => {
      expect(figs.length).toBeGreaterThan(0);
      for (const f of figs) {
        expect(f.name).toMatch(/^[\w.-]+$/);
        expect(f.caption.length).toBeGreaterThan(40);
        const t = texts(f.svg).map((s) => s.trim());
        const labels = [...parseSvg(f.svg).querySelectorAll("text.x-label, text.y-label")].map((e) => e.textContent ?? "");
        expect(labels.length, `${f.name}: axis labels`).toBeGreaterThanOrEqual(2);
        for (const l of labels) expect(l.length, `${f.name}: empty axis label`).toBeGreaterThan(3);
        expect([...parseSvg(f.svg).querySelectorAll("g.legend")].length, `${f.name}: in-SVG legend`).toBeGreaterThan(0);
        expect(f.svg).not.toMatch(/NaN|Infinity/);
        expect(t.join(" ")).not.toMatch(/undefined/);
      }
      const all = figs.flatMap((f) => texts(f.svg)).join("\n");
      for (const want of THEORY_TEXT[tag]!) expect(all, `${tag}: missing "${want}"`).toContain(plainText(want));
      for (const f of figs) await expect(f.svg).toMatchFileSnapshot(`./__snapshots__/${tag}-${f.name}.svg`);
    });
  }
});

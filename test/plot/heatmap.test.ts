/**
 * @file heatmap: a gallery snapshot from seeded data, and structure that does not depend on it (colour
 * bar, categories and marks in the in-SVG legend, per-row marks spanning one row, determinism).
 */
import { describe, expect, it } from "vitest";
import { heatmap, type HeatCell, type HeatmapSpec } from "../../src/plot/index.js";
import { rng } from "./fixtures.js";
import { attrsOf, parseSvg, texts } from "./svg-query.js";

function spec(): HeatmapSpec {
  const r = rng(11);
  const rows = ["L = 3", "L = 4", "L = 6"];
  const cells: HeatCell[] = [];
  rows.forEach((row, j) => {
    for (let i = 0; i < 30; i++) {
      const x = 1 + i * 0.2;
      const base = { x0: x - 0.1, x1: x + 0.1, row };
      if (x > 4 + j) cells.push({ ...base, category: x > 5 + j ? "bad" : "slow" });
      else cells.push({ ...base, value: Math.max(0, Math.min(1, (x - 2) / (2 + j) + 0.02 * r())) });
    }
  });
  return {
    title: "Synthetic phase diagram",
    subtitle: "seeded data",
    x: { label: "normalised step h" },
    rows: { label: "depth L", labels: rows },
    cells,
    color: { label: "balance", domain: [0, 1], ticks: [0, 0.5, 1] },
    categories: [{ name: "slow", color: "#d9d9d9", label: "not converged" }, { name: "bad", color: "#111111", label: "diverged" }],
    marks: [
      { label: "h = 2", at: [{ x: 2 }] },
      { label: "per-row edge", dash: "6,3", at: rows.map((row, j) => ({ x: 4 + j, row })) },
    ],
  };
}

describe("heatmap", () => {
  it("gallery snapshot", async () => {
    await expect(heatmap(spec())).toMatchFileSnapshot("./__snapshots__/heatmap.svg");
  });

  it("draws title, axis labels, row labels, colour-bar label and every legend entry as text", () => {
    const t = texts(heatmap(spec()));
    for (const want of ["Synthetic phase diagram", "seeded data", "normalised step h", "depth L", "L = 3", "L = 6", "balance", "not converged", "diverged", "h = 2", "per-row edge", "0.5"])
      expect(t, `missing "${want}"`).toContain(want);
  });

  it("one rect per cell, a gradient colour bar, per-row marks one row tall and all-row marks full height", () => {
    const svg = heatmap(spec());
    expect(attrsOf(svg, 'g[aria-label="rect"] rect', "fill").length).toBe(90);
    expect(svg).toMatch(/<linearGradient id="heatmap-bar"/);
    const ticks = [...parseSvg(svg).querySelectorAll('g[aria-label="tick"] line')].map((l) => Number(l.getAttribute("y2")) - Number(l.getAttribute("y1")));
    const rules = [...parseSvg(svg).querySelectorAll('g[aria-label="rule"] line')].map((l) => Number(l.getAttribute("y2")) - Number(l.getAttribute("y1")));
    expect(ticks.length).toBe(6); // 3 rows × (halo + line)
    expect(rules.length).toBe(2);
    expect(Math.max(...ticks)).toBeLessThan(rules[0]! / 2.5);
  });

  it("is deterministic", () => {
    expect(heatmap(spec())).toBe(heatmap(spec()));
  });
});

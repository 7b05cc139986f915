/**
 * @file panelGrid: layout sizes, unique ids across panels, panel labels, and a gallery snapshot.
 */
import { describe, expect, it } from "vitest";
import { lineChart, panelGrid, pathwayColor } from "../../src/plot/index.js";
import { svgSize } from "../../src/plot/svg.js";
import { parseSvg, texts } from "./svg-query.js";

function panel(title: string, k: number, width = 400, height = 260): string {
  const t = Array.from({ length: 50 }, (_, i) => i);
  return lineChart({
    title,
    width,
    height,
    x: { label: "step t" },
    y: { label: "s" },
    series: [{ name: `pathway ${k + 1}`, points: { x: t, y: t.map((i) => (k + 1) * i * i) }, color: pathwayColor(k) }],
  });
}

describe("panelGrid", () => {
  it("lays panels out row-major; columns as wide as their widest panel", () => {
    const svg = panelGrid([panel("A", 0, 400), panel("B", 1, 300), panel("C", 2, 350)], { columns: 2, title: "Comparison" });
    const { width, height } = svgSize(svg);
    expect(width).toBe(400 + 300);
    expect(height).toBe(10 + 15 + 8 + 2 * 260);
    const xs = [...svg.matchAll(/<svg x="([\d.]+)" y="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(xs).toEqual([
      [0, 33],
      [400, 33],
      [0, 293],
    ]);
  });

  it("keeps ids unique across panels and references pointing inside their own panel", () => {
    const svg = panelGrid([panel("A", 0), panel("B", 1)], { columns: 2 });
    const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(1);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of svg.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(m[1]);
  });

  it("prefixes panel titles with (a), (b), … unless disabled", () => {
    const t = texts(panelGrid([panel("Small step", 0), panel("Large step", 1)], { columns: 2, title: "Grid" }));
    expect(t).toContain("Grid");
    expect(t).toContain("(a) Small step");
    expect(t).toContain("(b) Large step");
    const plain = texts(panelGrid([panel("Small step", 0)], { columns: 1, panelLabels: false }));
    expect(plain).toContain("Small step");
  });

  it("is standalone SVG", async () => {
    const svg = panelGrid([panel("Small step", 0), panel("Large step", 1)], { columns: 2, title: "Small vs large step" });
    expect(parseSvg(svg).getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    await expect(svg).toMatchFileSnapshot("./__snapshots__/grid.svg");
  });
});

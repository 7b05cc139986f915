/**
 * @file lineChart: gallery snapshots from seeded data, plus structural checks that do not depend on
 * the snapshot (texts present, gaps, log axes, decimation bands, legend placement, determinism).
 */
import { describe, expect, it } from "vitest";
import { lineChart, modeDash, pathwayColor } from "../../src/plot/index.js";
import type { LineChartSpec } from "../../src/plot/index.js";
import { plainText } from "../../src/plot/text.js";
import { rng } from "./fixtures.js";
import { attrsOf, linePaths, parseSvg, subpaths, texts, vertices } from "./svg-query.js";

const steps = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const yTickLabels = (svg: string): string[] =>
  [...parseSvg(svg).querySelectorAll('g[aria-label="y-axis tick label"] text')].map((t) => t.textContent ?? "");

/** Two pathways approaching 0.8 and 0.2 with seeded noise; plain arithmetic only, so bytes are stable. */
function basicSpec(): LineChartSpec {
  const r = rng(7);
  const t = steps(200);
  return {
    title: "Mode coefficients",
    subtitle: "seeded synthetic data",
    x: { label: "step t" },
    y: { label: "mode coefficient s_{k,1}" },
    series: [
      { name: "pathway 1 (L=4)", points: { x: t, y: t.map((i) => 0.8 * (1 - 1 / (1 + i / 20)) + 0.01 * r()) }, color: pathwayColor(0) },
      { name: "pathway 2 (L=4)", points: { x: t, y: t.map((i) => 0.2 * (1 - 1 / (1 + i / 20)) + 0.01 * r()) }, color: pathwayColor(1), dash: modeDash(1) },
    ],
    rules: [{ y: 1, label: "σ_1", dash: "2,3" }],
  };
}

describe("lineChart snapshots (gallery in test/plot/__snapshots__)", () => {
  it("basic linear chart with a rule and an automatic legend", async () => {
    await expect(lineChart(basicSpec())).toMatchFileSnapshot("./__snapshots__/chart-basic.svg");
  });

  it("log y axis over 20 decades with a gap, a band and a fixed legend corner", async () => {
    const t = steps(120);
    const loss = t.map((i) => (i === 60 ? Number.NaN : 0.5 * 10 ** (-i / 6)));
    const svg = lineChart({
      title: "Loss",
      x: { label: "step t" },
      y: { label: "loss ½‖F − Y‖_F^2", type: "log" },
      series: [{ name: "loss", points: { x: t, y: loss } }],
      bands: [{ x: [30, 50], label: "warm-up" }],
      legend: { position: "bottom-left" },
    });
    await expect(svg).toMatchFileSnapshot("./__snapshots__/chart-log.svg");
  });

  it("period-2 oscillation of 6000 points is decimated into a band", async () => {
    const t = steps(6000);
    const y = t.map((i) => 0.78 + (i > 1000 ? (0.2 * (-1) ** i * 3000) / (3000 + i) : 0));
    const svg = lineChart({ title: "Edge of Stability", x: { label: "step t" }, y: { label: "s_{1,1}" }, series: [{ name: "s", points: { x: t, y } }], legend: false });
    await expect(svg).toMatchFileSnapshot("./__snapshots__/chart-decimated.svg");
  });

  it("symlog axis, scatter markers and vertical rules", async () => {
    const r = rng(3);
    const x = steps(40).map((i) => i / 4 - 5);
    const svg = lineChart({
      title: "Residual",
      x: { label: "time t" },
      y: { label: "residual r_1", type: "symlog", constant: 0.01 },
      series: [
        { name: "measured", points: { x, y: x.map((v) => v * v * v * (0.5 + r())) }, marker: true, line: false, color: pathwayColor(2) },
        { name: "t^3", points: { x, y: x.map((v) => v * v * v) } },
      ],
      rules: [{ x: 0, label: "t = 0" }],
    });
    await expect(svg).toMatchFileSnapshot("./__snapshots__/chart-symlog.svg");
  });
});

describe("lineChart structure", () => {
  it("draws the title, subtitle, axis labels, every legend entry and rule labels as <text>", () => {
    const spec = basicSpec();
    const t = texts(lineChart(spec));
    for (const want of ["Mode coefficients", "seeded synthetic data", "step t", "mode coefficient s_{k,1}", "pathway 1 (L=4)", "pathway 2 (L=4)", "σ_1"])
      expect(t, `missing text "${plainText(want)}"`).toContain(plainText(want));
  });

  it("sets the shipped font on the root and is well-formed standalone SVG", () => {
    const svg = lineChart(basicSpec());
    const root = parseSvg(svg);
    expect(root.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    expect(root.getAttribute("font-family")).toMatch(/^DejaVu Sans/);
    expect(svg).not.toContain("<style");
  });

  it("is deterministic: same spec, same bytes, ids renumbered per chart", () => {
    const a = lineChart(basicSpec());
    lineChart({ ...basicSpec(), id: "other" }); // advances Plot's global clip counter
    const b = lineChart(basicSpec());
    expect(b).toBe(a);
    expect(a).not.toMatch(/plot-clip-\d/);
    expect(a).toContain('id="chart-clip-1"');
  });

  it("rounds every geometry number to at most 2 decimals", () => {
    const svg = lineChart(basicSpec());
    const geometry = [...svg.matchAll(/\s(?:d|transform|x|y|x1|x2|y1|y2|width|height|cx|cy)="([^"]*)"/g)].map((m) => m[1]!);
    const long = geometry.filter((v) => /\d\.\d{3,}/.test(v));
    expect(long, "attributes with more than 2 decimals").toEqual([]);
  });

  it("turns NaN and ±Infinity into gaps: one subpath per finite run, never a vertex at NaN", () => {
    const svg = lineChart({
      title: "gaps",
      x: { label: "x" },
      y: { label: "y" },
      series: [{ name: "a", points: [0, 1, 2, 3, 4, 5, 6].map((x) => ({ x, y: x === 2 ? Number.NaN : x === 5 ? Infinity : x })) }],
    });
    const [d] = linePaths(svg);
    expect(subpaths(d!)).toBe(3); // {0,1}, {3,4}, {6}
    expect(d).not.toMatch(/NaN|Infinity/);
    expect(vertices(d!)).toHaveLength(5);
  });

  it("drops non-positive values on a log axis (as gaps) and keeps the domain positive", () => {
    const ys = [1, 10, 0, -5, 100, 1000, 1e-3];
    const svg = lineChart({
      title: "log",
      x: { label: "x" },
      y: { label: "y", type: "log" },
      series: [{ name: "a", points: { x: ys.map((_, i) => i), y: ys } }],
    });
    const [d] = linePaths(svg);
    expect(vertices(d!)).toHaveLength(5); // the five positive values
    expect(subpaths(d!)).toBe(2);
    const yTicks = yTickLabels(svg);
    expect(yTicks.length).toBeGreaterThanOrEqual(2);
    expect(yTicks.every((s) => s.startsWith("10")), yTicks.join(" ")).toBe(true);
  });

  it("labels log ticks as powers of ten, thinned to stay readable over 20 decades", () => {
    const svg = lineChart({ title: "", x: { label: "x" }, y: { label: "y", type: "log" }, series: [{ name: "a", points: [{ x: 0, y: 1e-20 }, { x: 1, y: 0.5 }] }] });
    const labels = yTickLabels(svg);
    expect(labels[0]).toBe("10⁻²⁰");
    expect(labels.at(-1)).toBe("10⁰");
    expect(labels.length).toBeLessThanOrEqual(9);
    expect(labels.length).toBeGreaterThanOrEqual(4);
  });

  it("decimates long series but keeps the period-2 envelope (min and max of the oscillation)", () => {
    const n = 20000;
    const y = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1));
    const svg = lineChart({ title: "", x: { label: "x" }, y: { label: "y", domain: [-2, 2] }, series: [{ name: "a", points: { x: steps(n), y } }], legend: false });
    const v = vertices(linePaths(svg)[0]!);
    expect(v.length).toBeLessThan(4000);
    const ys = new Set(v.map(([, py]) => py));
    expect(ys.size, "all vertices sit on the two levels ±1").toBe(2);
    // Each bucket contributes its min and its max: consecutive pairs of vertices span the band.
    for (let j = 0; j + 1 < v.length; j += 2) expect(v[j]![1], `vertices ${j}, ${j + 1}`).not.toBe(v[j + 1]![1]);
  });

  it("places an automatic legend away from the data", () => {
    // Data fill the top-right quadrant only: the legend must not go there.
    const t = steps(100);
    const svg = lineChart({ title: "", x: { label: "x" }, y: { label: "y", domain: [0, 1] }, series: [{ name: "a", points: { x: t, y: t.map((i) => (i < 50 ? Number.NaN : 0.75 + 0.2 * ((i % 7) / 7))) } }] });
    const [x, y] = attrsOf(svg, "g.legend rect", "x").map(Number).concat(attrsOf(svg, "g.legend rect", "y").map(Number));
    expect(x! < 320 || y! > 200, `legend at (${x}, ${y})`).toBe(true);
  });

  it("omits the legend when asked, and rules outside a fixed domain", () => {
    const svg = lineChart({ ...basicSpec(), legend: false, y: { label: "y", domain: [0, 0.9] } });
    expect(svg).not.toContain('class="legend"');
    expect(texts(svg)).not.toContain("σ1");
  });

  it("survives empty and all-NaN series", () => {
    const svg = lineChart({ title: "empty", x: { label: "x", type: "log" }, y: { label: "y", type: "log" }, series: [{ name: "a", points: [] }, { name: "b", points: [{ x: Number.NaN, y: 1 }] }] });
    expect(texts(svg)).toContain("empty");
    expect(linePaths(svg)).toEqual([]);
  });

  it("wraps a subtitle wider than the figure onto several lines", () => {
    const long = "K = 2, L = 20, η = 0.625 after a linear warm-up of 1000 steps from 0.05 · gradient descent, full matrices";
    const svg = lineChart({ ...basicSpec(), width: 400, subtitle: long });
    const lines = texts(svg).filter((s) => long.includes(s) && s.length > 10);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(" ")).toBe(long);
  });
});

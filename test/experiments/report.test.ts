/**
 * @file The report: self-contained HTML (inline SVG and styles, nothing fetched), every check listed
 * with its numbers, failing claims first with their notes, figure ids made unique, and a Markdown twin
 * that links the PNGs.
 */
import { describe, expect, it } from "vitest";
import type { Check } from "../../src/experiments/checks.js";
import { fmt, reportHtml, reportMarkdown, type ReportInput } from "../../src/experiments/report.js";

const check = (name: string, pass: boolean, note?: string): Check => ({
  name, claim: "docs/theory.md §4", predicted: 3.2, measured: pass ? 3.175 : 2.5, error: pass ? 0.0077 : 0.22,
  errorKind: "below", tolerance: 0.03, pass, ...(note ? { note } : {}),
});
const svg = (id: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><clipPath id="${id}"><rect width="5" height="5"/></clipPath></defs><g clip-path="url(#${id})"><text>fig</text></g></svg>`;

const input: ReportInput = {
  version: "0.1.0", size: "quick", created: "2026-01-01T00:00:00.000Z", wallSeconds: 61.234, jobs: 2,
  experiments: [
    {
      name: "exp-a", title: "Experiment A", figure: "Fig. 1", claim: "docs/theory.md §4", description: "A <description> & more.",
      status: "done", config: { kind: "pair", lr: 0.625 }, checks: [check("sharpness below 2/η", true), check("boundary", false, "GD stops past the boundary")],
      figures: [{ name: "runs", title: "Runs", caption: "Caption A.", svg: "runs.svg", png: "runs.png" }],
      files: [{ path: "a.csv", description: "trajectory" }], computeSeconds: 1.5,
    },
    {
      name: "exp-b", title: "Experiment B", figure: "Fig. 5", claim: "docs/theory.md §5", description: "B.",
      status: "reused", config: { kind: "chain" }, checks: [check("knife edge", true)],
      figures: [{ name: "edge", title: "Edge", caption: "Caption B.", svg: "edge.svg", png: "edge.png" }],
      files: [], computeSeconds: 0.1,
    },
  ],
  svgOf: () => svg("chart-clip-1"),
  notCovered: [{ figure: "Fig. 3", reason: "MLP" }],
};

describe("reportHtml", () => {
  const html = reportHtml(input);

  it("is self-contained: inline styles and SVG, no scripts, no external resources", () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link\b|<img\b/);
    const urls = [...html.matchAll(/https?:\/\/[^"'\s)]+/g)].map((m) => m[0]);
    expect(urls.every((u) => u === "http://www.w3.org/2000/svg")).toBe(true);
    expect((html.match(/<svg\b/g) ?? []).length).toBe(2);
  });

  it("lists every check with prediction, measurement, error, tolerance and verdict, failures first", () => {
    for (const name of ["sharpness below 2/η", "boundary", "knife edge"]) expect(html).toContain(name);
    expect(html).toContain("2 of 3 checks pass");
    const failing = html.indexOf("What does not reproduce");
    const all = html.indexOf("All checks");
    expect(failing).toBeGreaterThan(0);
    expect(html.slice(failing, all)).toContain("GD stops past the boundary");
    expect(html.slice(failing, all)).not.toContain("knife edge");
    expect(html).toContain('<td class="num">3.2</td><td class="num">2.5</td><td class="num">0.22');
    expect(html).toContain("Fig. 3");
  });

  it("escapes text and makes the figures' ids unique", () => {
    expect(html).toContain("A &lt;description&gt; &amp; more.");
    expect(html).toContain('id="exp-a-runs-chart-clip-1"');
    expect(html).toContain('id="exp-b-edge-chart-clip-1"');
    expect(html).toContain("url(#exp-a-runs-chart-clip-1)");
  });
});

describe("a report with every paper figure covered", () => {
  it("renders without the not-covered list (HTML and Markdown)", () => {
    const all: ReportInput = { ...input, notCovered: [] };
    const html = reportHtml(all);
    const md = reportMarkdown(all);
    expect(html).toMatch(/<\/html>\n$/);
    expect(html).not.toContain("Not covered by this suite");
    expect(md).not.toContain("Not covered by this suite");
    expect(reportHtml(input)).toContain("Not covered by this suite");
    for (const out of [html, md]) expect(out).toContain("What does not reproduce");
  });
});

describe("reportMarkdown and fmt", () => {
  it("links the PNGs and tabulates the checks", () => {
    const md = reportMarkdown(input);
    expect(md).toContain("![Runs](exp-a/runs.png)");
    expect(md).toContain("| exp-a | boundary — _GD stops past the boundary_ | docs/theory.md §4 | 3.2 | 2.5 | 0.22 (rel, one-sided) | 0.03 | **FAIL** |");
    expect(md).toContain("**2 of 3 checks pass**");
  });

  it("formats numbers with 4 significant digits and readable exponents", () => {
    expect(fmt(0.123456)).toBe("0.1235");
    expect(fmt(2.3e-13)).toBe("2.30e−13");
    expect(fmt(Number.NaN)).toBe("NaN");
    expect(fmt(null)).toBe("–");
    expect(fmt("0.5, 0.5")).toBe("0.5, 0.5");
  });
});

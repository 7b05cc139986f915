/**
 * @file The report reads top-down — a summary (counts by whose claim a check tests, the experiments,
 * the failing checks with links), the figures experiment by experiment (lazy images of the SVG files,
 * not inline markup), then every check, failing first, with a filter that works (run here on linkedom's
 * DOM) — stays self-contained (nothing fetched from elsewhere), and has a Markdown twin in the same order.
 */
import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { PROVENANCE, PROVENANCES, type Check, type Provenance } from "../../src/experiments/checks.js";
import { fmt, provenanceTally, reportHtml, reportMarkdown, type ReportInput } from "../../src/experiments/report.js";

const check = (name: string, pass: boolean, note?: string, provenance: Provenance = "paper"): Check => ({
  name, claim: "docs/theory.md §4", provenance, predicted: 3.2, measured: pass ? 3.175 : 2.5, error: pass ? 0.0077 : 0.22,
  errorKind: "below", tolerance: 0.03, pass, ...(note ? { note } : {}),
});
const svg = (id: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="330"><defs><clipPath id="${id}"><rect width="5" height="5"/></clipPath></defs><g clip-path="url(#${id})"><text>fig</text></g></svg>`;

const input: ReportInput = {
  version: "0.1.0", size: "quick", created: "2026-01-01T00:00:00.000Z", wallSeconds: 61.234, jobs: 2,
  experiments: [
    {
      name: "exp-a", title: "Experiment A", figure: "Fig. 1", claim: "docs/theory.md §4", description: "A <description> & more.",
      status: "done", config: { kind: "pair", lr: 0.625 }, checks: [check("sharpness below 2/η", true), check("boundary", false, "GD stops past the boundary"), check("leaf ray", false, undefined, "approximation")],
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
  const { document } = parseHTML(html);
  const rows = () => [...document.querySelectorAll("#all-checks tbody tr")];

  it("is self-contained and light: figures are lazy images of the SVG files beside it, the only script is inline, nothing is fetched", () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<link\b|<svg\b|<script\b[^>]*\ssrc=/);
    const imgs = [...document.querySelectorAll("img")];
    expect(imgs.map((i) => i.getAttribute("src"))).toEqual(["exp-a/runs.svg", "exp-b/edge.svg"]);
    for (const i of imgs) {
      expect(i.getAttribute("loading")).toBe("lazy");
      // The size of the SVG's root element, so the page does not jump while images load.
      expect([i.getAttribute("width"), i.getAttribute("height")]).toEqual(["640", "330"]);
    }
    // Every absolute URL is a link to a cited paper, never a resource the page loads.
    const urls = [...html.matchAll(/https?:\/\/[^"'\s)<]+/g)].map((m) => m[0]);
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expect(u, u).toMatch(/^https:\/\/arxiv\.org\/abs\/\d{4}\.\d{5}$/);
  });

  it("reads top-down: summary, what does not reproduce, figures by experiment, then all checks", () => {
    const at = (id: string) => html.indexOf(`id="${id}"`);
    const order = ["summary", "failing", "figures", "exp-a", "exp-a-runs", "exp-b", "all-checks-section", "all-checks"].map(at);
    expect(order.every((x) => x > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain("2 of 4 checks pass");
  });

  it("the summary counts checks by whose claim they test and links each failing check to its row", () => {
    const summary = html.slice(html.indexOf('id="summary"'), html.indexOf('id="figures"'));
    expect(summary).toContain(`${PROVENANCE.paper.label}</a></td><td><a href="https://arxiv.org/abs/2606.05219">`);
    expect(summary).toMatch(/dlnlab approximation<\/td><td>[^<]*<\/td><td class="num">0 \/ 1<\/td>/);
    expect(summary).toContain('<td class="num">2 / 3</td>');
    const links = [...document.querySelectorAll("#failing + p + ul a")].map((a) => a.getAttribute("href"));
    expect(links).toEqual(["#exp-a", "#check-exp-a-2", "#check-exp-a-3"]);
    for (const href of links) expect(document.getElementById(href!.slice(1)), href!).not.toBeNull();
    expect(summary).not.toContain("knife edge");
    // Each experiment's section links its own failing checks too.
    const sectionA = html.slice(html.indexOf('<h3 id="exp-a"'), html.indexOf('<h3 id="exp-b"'));
    expect([...sectionA.matchAll(/href="#(check-[^"]+)"/g)].map((m) => m[1])).toEqual(["check-exp-a-2", "check-exp-a-3"]);
    expect(html.slice(html.indexOf('<h3 id="exp-b"'), html.indexOf('id="all-checks-section"'))).not.toMatch(/href="#check-/);
  });

  it("lists every check with its provenance and numbers, failing first", () => {
    const r = rows();
    expect(r.map((x) => x.querySelector("td.check")!.firstChild!.textContent)).toEqual(["boundary", "leaf ray", "sharpness below 2/η", "knife edge"]);
    expect(r.map((x) => x.dataset.provenance)).toEqual(["paper", "approximation", "paper", "paper"]);
    expect(r[1]!.querySelector("td.prov")!.textContent).toBe("dlnlab approximation");
    expect(html).toContain('<td class="num">3.2</td><td class="num">2.5</td><td class="num">0.22');
    expect(html).toContain("GD stops past the boundary");
    expect(html).toContain("Fig. 3");
  });

  it("filters the table by text and by verdict (the inline script, run on the page's DOM)", () => {
    const script = document.querySelector("script")!.textContent!;
    new Function("document", script)(document);
    const shown = () => rows().filter((x) => !x.hidden).map((x) => x.id);
    const fire = (el: { dispatchEvent: (e: Event) => boolean }) => el.dispatchEvent(new document.defaultView!.Event("input"));
    expect(shown()).toHaveLength(4);
    const text = document.getElementById("filter-text");
    text.value = "KNIFE";
    fire(text);
    expect(shown()).toEqual(["check-exp-b-1"]);
    expect(document.getElementById("filter-count")!.textContent).toBe("1 of 4 checks shown");
    text.value = "";
    const failing = document.getElementById("filter-failing");
    failing.checked = true;
    fire(failing);
    expect(shown()).toEqual(["check-exp-a-2", "check-exp-a-3"]);
  });

  it("escapes text", () => {
    expect(html).toContain("A &lt;description&gt; &amp; more.");
  });
});

describe("provenance", () => {
  it("every provenance has a label, a source and what its failure means; the papers link to arXiv", () => {
    for (const p of PROVENANCES) {
      const info = PROVENANCE[p];
      expect(info.label.length, p).toBeGreaterThan(3);
      expect(info.failure.length, p).toBeGreaterThan(10);
      expect(info.href === null, p).toBe(info.group === "dlnlab");
    }
    expect(Object.keys(PROVENANCE).sort()).toEqual([...PROVENANCES].sort());
    expect(PROVENANCE["ji-telgarsky-2018"].href).toBe("https://arxiv.org/abs/1810.02032");
    expect(PROVENANCE["rawal-deweese-2026"].href).toBe("https://arxiv.org/abs/2605.01288");
  });

  it("provenanceTally counts passing and total checks per provenance, in the report's order", () => {
    const cs = [check("a", true, undefined, "consistency"), check("b", false), check("c", true), check("d", false, undefined, "consistency")];
    expect(provenanceTally(cs)).toEqual([{ provenance: "paper", pass: 1, total: 2 }, { provenance: "consistency", pass: 1, total: 2 }]);
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
  it("links the PNGs and tabulates the checks in the HTML's order, with their provenance", () => {
    const md = reportMarkdown(input);
    expect(md).toContain("![Runs](exp-a/runs.png)");
    expect(md).toContain("| exp-a | boundary — _GD stops past the boundary_ | paper | docs/theory.md §4 | 3.2 | 2.5 | 0.22 (rel, one-sided) | 0.03 | **FAIL** |");
    expect(md).toContain("**2 of 4 checks pass**");
    expect(md).toContain("- **exp-a**: boundary (paper); leaf ray (dlnlab approximation)");
    const order = ["## Summary", "### What does not reproduce", "## Figures, experiment by experiment", "### exp-a", "### exp-b", "## All checks"].map((h) => md.indexOf(h));
    expect(order.every((x) => x >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const all = md.slice(md.indexOf("## All checks"));
    expect(all.indexOf("| leaf ray |")).toBeLessThan(all.indexOf("| sharpness below 2/η |"));
  });

  it("formats numbers with 4 significant digits and readable exponents", () => {
    expect(fmt(0.123456)).toBe("0.1235");
    expect(fmt(2.3e-13)).toBe("2.30e−13");
    expect(fmt(Number.NaN)).toBe("NaN");
    expect(fmt(null)).toBe("–");
    expect(fmt("0.5, 0.5")).toBe("0.5, 0.5");
  });
});

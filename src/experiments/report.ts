/**
 * @file The reproduction report: one self-contained HTML page (figures inline as SVG, styles inline,
 * nothing fetched, so it opens offline) and a Markdown twin that links the PNGs. Both list every check
 * with its prediction, measurement, error and verdict, say first which claims do not reproduce and why,
 * and then show each experiment with its settings, figures and data files. Pure string building.
 */
import { stringify } from "yaml";
import { prefixIds } from "../plot/svg.js";
import type { Check } from "./checks.js";

/** What the report needs to know about one experiment. */
export interface ReportExperiment {
  name: string;
  title: string;
  figure: string;
  claim: string;
  description: string;
  /** "done", "reused" (finished earlier, unchanged) or "error". */
  status: "done" | "reused" | "error";
  error?: string;
  config: unknown;
  checks: Check[];
  figures: { name: string; title: string; caption: string; svg: string; png: string }[];
  files: { path: string; description: string }[];
  computeSeconds: number;
}

/** The whole report. */
export interface ReportInput {
  version: string;
  size: string;
  created: string;
  /** Wall time of the command that produced the report, s. */
  wallSeconds: number;
  jobs: number;
  experiments: ReportExperiment[];
  /** The SVG text of a figure (read from disk by the caller). */
  svgOf: (experiment: string, figurePath: string) => string;
  /** Paper figures or claims the suite does not cover, with the reason. */
  notCovered: readonly { figure: string; reason: string }[];
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A number for a table: 4 significant digits, exponent notation outside [1e-3, 1e5). */
export function fmt(x: number | string | null | undefined): string {
  if (x === null || x === undefined) return "–";
  if (typeof x === "string") return x;
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a < 1e-3 || a >= 1e5 ? x.toExponential(2).replace("-", "−") : String(Number(x.toPrecision(4))).replace("-", "−");
}

const ERROR_KIND: Record<Check["errorKind"], string> = {
  abs: "abs",
  rel: "rel",
  below: "rel, one-sided",
  "at-least": "one-sided",
  none: "",
};

function totals(experiments: readonly ReportExperiment[]): { pass: number; total: number; failing: (Check & { experiment: string })[] } {
  const all = experiments.flatMap((e) => e.checks.map((c) => ({ ...c, experiment: e.name })));
  return { pass: all.filter((c) => c.pass).length, total: all.length, failing: all.filter((c) => !c.pass) };
}

const STYLE = `
body{font-family:"DejaVu Sans",system-ui,sans-serif;max-width:1500px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:2.2em;border-bottom:1px solid #ccc;padding-bottom:.2em}h3{font-size:1.05em}
table{border-collapse:collapse;font-size:.86em;margin:.6em 0}th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums;max-width:16em}td.check{min-width:24em}
tr.fail td{background:#fde8e8}tr.pass td.verdict{color:#1a7f37;font-weight:bold}tr.fail td.verdict{color:#b2182b;font-weight:bold}
.note{color:#555;font-size:.92em}figure{margin:1.2em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#444;max-width:1100px}code,pre{background:#f6f6f6}pre{padding:.6em;overflow:auto;font-size:.85em}
.summary{font-size:1.05em}.bad{color:#b2182b}.good{color:#1a7f37}`;

function checkRows(checks: readonly (Check & { experiment?: string })[], withExperiment: boolean): string {
  return checks
    .map((c) => {
      const cells = [
        ...(withExperiment ? [`<td><a href="#${esc(c.experiment ?? "")}">${esc(c.experiment ?? "")}</a></td>`] : []),
        `<td class="check">${esc(c.name)}${c.note ? `<div class="note">${esc(c.note)}</div>` : ""}</td>`,
        `<td>${esc(c.claim)}</td>`,
        `<td class="num">${esc(fmt(c.predicted))}</td>`,
        `<td class="num">${esc(fmt(c.measured))}</td>`,
        `<td class="num">${esc(fmt(c.error))}${c.error !== null && ERROR_KIND[c.errorKind] ? ` <span class="note">(${ERROR_KIND[c.errorKind]})</span>` : ""}</td>`,
        `<td class="num">${esc(fmt(c.tolerance))}</td>`,
        `<td class="verdict">${c.pass ? "pass" : "FAIL"}</td>`,
      ];
      return `<tr class="${c.pass ? "pass" : "fail"}">${cells.join("")}</tr>`;
    })
    .join("\n");
}

function checkTable(checks: readonly (Check & { experiment?: string })[], withExperiment: boolean): string {
  const head = [...(withExperiment ? ["experiment"] : []), "check", "claim", "predicted", "measured", "error", "tolerance", "verdict"];
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>\n${checkRows(checks, withExperiment)}\n</tbody></table>`;
}

/** The self-contained HTML report. */
export function reportHtml(input: ReportInput): string {
  const t = totals(input.experiments);
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`);
  parts.push(`<title>dlnlab reproduction report (${esc(input.size)})</title><style>${STYLE}</style></head><body>`);
  parts.push(`<h1>Reproducing Kim &amp; Lee (2026), <i>Gradient Descent with Large Step Size Restores Symmetry in Deep Linear Networks with Multi-Pathway</i></h1>`);
  parts.push(`<p class="summary">dlnlab ${esc(input.version)} · <b>${esc(input.size)}</b> budget · ${input.experiments.length} experiments · ` +
    `<b class="${t.pass === t.total ? "good" : "bad"}">${t.pass} of ${t.total} checks pass</b> · wall time ${fmt(input.wallSeconds)} s on ${input.jobs} worker thread${input.jobs === 1 ? "" : "s"} · ${esc(input.created)}</p>`);
  parts.push(`<p>Every check compares a prediction of the theory (docs/theory.md, the closed forms and solvers of <code>src/theory</code>) with a number measured ` +
    `in the simulations of this run; the error column says how it is measured (absolute, relative, or one-sided) and the tolerance why it is what it is (see the notes). ` +
    `Figures draw the same predictions on the measurements.</p>`);
  parts.push(`<h2>Experiments</h2><table><thead><tr><th>experiment</th><th>reproduces</th><th>claims</th><th>checks</th><th>compute (s)</th><th>status</th></tr></thead><tbody>`);
  for (const e of input.experiments) {
    const pass = e.checks.filter((c) => c.pass).length;
    parts.push(`<tr class="${pass === e.checks.length && e.status !== "error" ? "pass" : "fail"}"><td><a href="#${esc(e.name)}">${esc(e.name)}</a><div class="note">${esc(e.title)}</div></td>` +
      `<td>${esc(e.figure)}</td><td>${esc(e.claim)}</td><td class="num">${pass} / ${e.checks.length}</td><td class="num">${e.computeSeconds.toFixed(2)}</td><td>${esc(e.status)}</td></tr>`);
  }
  parts.push(`</tbody></table>`);
  parts.push(`<h2>What does not reproduce</h2>`);
  const errors = input.experiments.filter((e) => e.status === "error");
  if (t.failing.length === 0 && errors.length === 0) parts.push(`<p>Every check passes.</p>`);
  else {
    parts.push(`<p>These checks fail. Each note says what the measurement shows instead and why.</p>`);
    if (t.failing.length > 0) parts.push(checkTable(t.failing, true));
    for (const e of errors) parts.push(`<p class="bad">${esc(e.name)}: the experiment did not finish: ${esc(e.error ?? "unknown error")}</p>`);
  }
  if (input.notCovered.length > 0) {
    parts.push(`<p>Not covered by this suite:</p><ul>${input.notCovered.map((n) => `<li><b>${esc(n.figure)}</b>: ${esc(n.reason)}</li>`).join("")}</ul>`);
  }
  parts.push(`<h2>All checks</h2>`);
  parts.push(checkTable(input.experiments.flatMap((e) => e.checks.map((c) => ({ ...c, experiment: e.name }))), true));
  for (const e of input.experiments) {
    parts.push(`<h2 id="${esc(e.name)}">${esc(e.title)}</h2>`);
    parts.push(`<p><b>${esc(e.figure)}</b> · ${esc(e.claim)} · <code>experiments/${esc(e.name)}.yaml</code> · ${esc(e.status)}, ${e.computeSeconds.toFixed(2)} s of compute</p>`);
    parts.push(`<p>${esc(e.description)}</p>`);
    if (e.error) parts.push(`<p class="bad">Error: ${esc(e.error)}</p>`);
    if (e.checks.length > 0) parts.push(checkTable(e.checks, false));
    for (const f of e.figures) {
      const svg = prefixIds(input.svgOf(e.name, f.svg), `${e.name}-${f.name}-`).replace(/<svg\b/, `<svg role="img" aria-label="${esc(f.title)}"`);
      parts.push(`<figure id="${esc(e.name)}-${esc(f.name)}">${svg}<figcaption><b>${esc(f.title)}.</b> ${esc(f.caption)} ` +
        `<a href="${esc(e.name)}/${esc(f.png)}">PNG</a> · <a href="${esc(e.name)}/${esc(f.svg)}">SVG</a></figcaption></figure>`);
    }
    parts.push(`<details><summary>Settings (resolved config) and data files</summary><pre>${esc(stringify(e.config))}</pre><ul>` +
      e.files.map((f) => `<li><a href="${esc(e.name)}/${esc(f.path)}">${esc(f.path)}</a> — ${esc(f.description)}</li>`).join("") + `</ul></details>`);
  }
  parts.push(`</body></html>`);
  return parts.join("\n") + "\n";
}

const mdCell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function mdChecks(checks: readonly (Check & { experiment?: string })[], withExperiment: boolean): string {
  const head = [...(withExperiment ? ["experiment"] : []), "check", "claim", "predicted", "measured", "error", "tolerance", "verdict"];
  const rows = checks.map((c) =>
    [...(withExperiment ? [c.experiment ?? ""] : []), c.name + (c.note ? ` — _${c.note}_` : ""), c.claim, fmt(c.predicted), fmt(c.measured),
      fmt(c.error) + (c.error !== null && ERROR_KIND[c.errorKind] ? ` (${ERROR_KIND[c.errorKind]})` : ""), fmt(c.tolerance), c.pass ? "pass" : "**FAIL**"]
      .map(mdCell).join(" | "));
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r} |`)].join("\n");
}

/** The Markdown twin of the report (figures as PNG links relative to the output folder). */
export function reportMarkdown(input: ReportInput): string {
  const t = totals(input.experiments);
  const out: string[] = [];
  out.push(`# Reproducing Kim & Lee (2026)`, "");
  out.push(`dlnlab ${input.version} · **${input.size}** budget · ${input.experiments.length} experiments · **${t.pass} of ${t.total} checks pass** · ` +
    `wall time ${fmt(input.wallSeconds)} s on ${input.jobs} worker thread${input.jobs === 1 ? "" : "s"} · ${input.created}`, "");
  out.push("| experiment | reproduces | checks | compute (s) | status |", "|---|---|---|---|---|");
  for (const e of input.experiments) {
    out.push(`| [${e.name}](#${e.name}) | ${mdCell(e.figure)} | ${e.checks.filter((c) => c.pass).length} / ${e.checks.length} | ${e.computeSeconds.toFixed(2)} | ${e.status} |`);
  }
  out.push("", "## What does not reproduce", "");
  if (t.failing.length === 0) out.push("Every check passes.", "");
  else out.push(mdChecks(t.failing, true), "");
  for (const e of input.experiments.filter((x) => x.status === "error")) out.push(`- **${e.name}** did not finish: ${e.error ?? "unknown error"}`);
  if (input.notCovered.length > 0) out.push("Not covered by this suite:", "", ...input.notCovered.map((n) => `- **${n.figure}**: ${n.reason}`), "");
  for (const e of input.experiments) {
    out.push(`## ${e.name}`, "", `**${e.title}** — ${e.figure} · ${e.claim} · \`experiments/${e.name}.yaml\``, "", e.description, "");
    if (e.checks.length > 0) out.push(mdChecks(e.checks, false), "");
    for (const f of e.figures) out.push(`![${f.title}](${e.name}/${f.png})`, "", `_${f.title}._ ${f.caption}`, "");
    if (e.files.length > 0) out.push("Data: " + e.files.map((f) => `[${f.path}](${e.name}/${f.path})`).join(", "), "");
  }
  return out.join("\n") + "\n";
}

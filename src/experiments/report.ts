/**
 * @file The reproduction report: one HTML page (styles and a small filter script inline, figures as
 * lazy-loaded `<img>` of the SVG files beside it, nothing fetched from elsewhere, so the output folder
 * opens offline and the page stays light) and a Markdown twin that links the PNGs. Both read top-down:
 * a summary (what reproduced and what did not, by whose claim it is — the paper's, a related paper's or
 * dlnlab's own approximation — with links), then the figures experiment by experiment, then the full
 * table of checks, failing first (filterable in the HTML). Pure string building.
 */
import { stringify } from "yaml";
import { PROVENANCE, PROVENANCES, type Check, type Provenance } from "./checks.js";

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
  /** The SVG text of a figure (read from disk by the caller; only its root width and height are used). */
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

/** A check with its experiment and the id of its row in the table of all checks. */
type Row = Check & { experiment: string; id: string };

/** Every check of every experiment, failing ones first (stable: suite order within each group). */
function allChecks(experiments: readonly ReportExperiment[]): Row[] {
  const all = experiments.flatMap((e) => e.checks.map((c, j) => ({ ...c, experiment: e.name, id: `check-${e.name}-${j + 1}` })));
  return [...all.filter((c) => !c.pass), ...all.filter((c) => c.pass)];
}

/** Pass and total counts of `checks` per provenance (only provenances that occur). */
export function provenanceTally(checks: readonly Check[]): { provenance: Provenance; pass: number; total: number }[] {
  return PROVENANCES.map((p) => {
    const of = checks.filter((c) => c.provenance === p);
    return { provenance: p, pass: of.filter((c) => c.pass).length, total: of.length };
  }).filter((t) => t.total > 0);
}

/** Width and height of an SVG's root element (null when absent). */
function svgSize(svg: string): { width: number; height: number } | null {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? "";
  const w = /\swidth="([\d.]+)"/.exec(root);
  const h = /\sheight="([\d.]+)"/.exec(root);
  return w && h ? { width: Number(w[1]), height: Number(h[1]) } : null;
}

const STYLE = `
body{font-family:"DejaVu Sans",system-ui,sans-serif;max-width:1500px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:2.2em;border-bottom:1px solid #ccc;padding-bottom:.2em}h3{font-size:1.05em}
table{border-collapse:collapse;font-size:.86em;margin:.6em 0}th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums;max-width:16em}td.check{min-width:24em}
tr.fail td{background:#fde8e8}tr.pass td.verdict{color:#1a7f37;font-weight:bold}tr.fail td.verdict{color:#b2182b;font-weight:bold}
.note{color:#555;font-size:.92em}figure{margin:1.2em 0}
figcaption{font-size:.9em;color:#444;max-width:1100px}code,pre{background:#f6f6f6}pre{padding:.6em;overflow:auto;font-size:.85em}
.summary{font-size:1.05em}.bad{color:#b2182b}.good{color:#1a7f37}figure img{max-width:100%;height:auto;border:1px solid #eee}
.prov{white-space:nowrap;font-size:.9em}.prov-approximation,.prov-consistency{color:#6a3d9a}.filters{margin:.6em 0;display:flex;gap:1em;flex-wrap:wrap;align-items:center}
.filters input[type=search]{width:24em;padding:3px}`;

/** Filters the table of all checks by text, provenance and verdict (the table is complete without it). */
const FILTER_SCRIPT = `(()=>{const q=document.getElementById("filter-text"),p=document.getElementById("filter-provenance"),f=document.getElementById("filter-failing"),n=document.getElementById("filter-count");
const rows=[...document.querySelectorAll("#all-checks tbody tr")];const run=()=>{const t=q.value.toLowerCase();let k=0;
for(const r of rows){const ok=(!t||r.textContent.toLowerCase().includes(t))&&(!p.value||r.dataset.provenance===p.value)&&(!f.checked||r.classList.contains("fail"));r.hidden=!ok;if(ok)k++;}
n.textContent=k+" of "+rows.length+" checks shown";};for(const e of [q,p,f])e.addEventListener("input",run);run();})();`;

function provCell(p: Provenance): string {
  const info = PROVENANCE[p];
  const label = info.href ? `<a href="${esc(info.href)}">${esc(info.label)}</a>` : esc(info.label);
  return `<td class="prov prov-${p}" title="${esc(`${info.source}. A failure means: ${info.failure}`)}">${label}</td>`;
}

function checkRows(checks: readonly Row[]): string {
  return checks
    .map((c) => {
      const cells = [
        `<td><a href="#${esc(c.experiment)}">${esc(c.experiment)}</a></td>`,
        `<td class="check">${esc(c.name)}${c.note ? `<div class="note">${esc(c.note)}</div>` : ""}</td>`,
        provCell(c.provenance),
        `<td>${esc(c.claim)}</td>`,
        `<td class="num">${esc(fmt(c.predicted))}</td>`,
        `<td class="num">${esc(fmt(c.measured))}</td>`,
        `<td class="num">${esc(fmt(c.error))}${c.error !== null && ERROR_KIND[c.errorKind] ? ` <span class="note">(${ERROR_KIND[c.errorKind]})</span>` : ""}</td>`,
        `<td class="num">${esc(fmt(c.tolerance))}</td>`,
        `<td class="verdict">${c.comparison ? "comparison" : c.pass ? "pass" : "FAIL"}</td>`,
      ];
      return `<tr id="${esc(c.id)}" class="${c.pass ? "pass" : "fail"}" data-provenance="${c.provenance}">${cells.join("")}</tr>`;
    })
    .join("\n");
}

const CHECK_HEAD = ["experiment", "check", "whose claim", "claim", "predicted", "measured", "error", "tolerance", "verdict"];

function checkTable(checks: readonly Row[], id: string): string {
  return `<table id="${id}"><thead><tr>${CHECK_HEAD.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>\n${checkRows(checks)}\n</tbody></table>`;
}

/** "3 / 4" per provenance, e.g. "paper 3/4 · dlnlab approximation 0/1". */
function byProvenance(checks: readonly Check[]): string {
  return provenanceTally(checks).map((t) => `${PROVENANCE[t.provenance].label} ${t.pass}/${t.total}`).join(" · ");
}

/** The HTML report: summary, figures per experiment, then every check (failing first, filterable). */
export function reportHtml(input: ReportInput): string {
  const rows = allChecks(input.experiments);
  const pass = rows.filter((c) => c.pass).length;
  const failing = rows.filter((c) => !c.pass);
  const errors = input.experiments.filter((e) => e.status === "error");
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`);
  parts.push(`<title>dlnlab reproduction report (${esc(input.size)})</title><style>${STYLE}</style></head><body>`);
  parts.push(`<h1>Reproducing Kim &amp; Lee (2026), <i>Gradient Descent with Large Step Size Restores Symmetry in Deep Linear Networks with Multi-Pathway</i></h1>`);
  parts.push(`<p class="summary">dlnlab ${esc(input.version)} · <b>${esc(input.size)}</b> budget · ${input.experiments.length} experiments · ` +
    `<b class="${pass === rows.length ? "good" : "bad"}">${pass} of ${rows.length} checks pass</b> · wall time ${fmt(input.wallSeconds)} s on ${input.jobs} worker thread${input.jobs === 1 ? "" : "s"} · ${esc(input.created)}</p>`);
  parts.push(`<p>Contents: <a href="#summary">summary</a> · <a href="#failing">what does not reproduce</a> · <a href="#figures">figures, experiment by experiment</a> · <a href="#all-checks-section">all checks</a></p>`);

  parts.push(`<h2 id="summary">Summary</h2>`);
  parts.push(`<p>Every check compares a prediction (docs/theory.md, the closed forms and solvers of <code>src/theory</code>) with a number measured ` +
    `in the simulations of this run. Each says whose claim it tests, so a failure can be read for what it is:</p>`);
  parts.push(`<table><thead><tr><th>whose claim</th><th>source</th><th>checks pass</th><th>a failure means</th></tr></thead><tbody>`);
  for (const t of provenanceTally(rows)) {
    const info = PROVENANCE[t.provenance];
    parts.push(`<tr class="${t.pass === t.total ? "pass" : "fail"}">${provCell(t.provenance)}<td>${info.href ? `<a href="${esc(info.href)}">${esc(info.source)}</a>` : esc(info.source)}</td>` +
      `<td class="num">${t.pass} / ${t.total}</td><td>${esc(info.failure)}</td></tr>`);
  }
  parts.push(`</tbody></table>`);
  parts.push(`<table><thead><tr><th>experiment</th><th>reproduces</th><th>checks pass</th><th>by whose claim</th><th>compute (s)</th><th>status</th></tr></thead><tbody>`);
  for (const e of input.experiments) {
    const ok = e.checks.filter((c) => c.pass).length;
    parts.push(`<tr class="${ok === e.checks.length && e.status !== "error" ? "pass" : "fail"}"><td><a href="#${esc(e.name)}">${esc(e.name)}</a><div class="note">${esc(e.title)}</div></td>` +
      `<td>${esc(e.figure)}</td><td class="num">${ok} / ${e.checks.length}</td><td class="note">${esc(byProvenance(e.checks))}</td><td class="num">${e.computeSeconds.toFixed(2)}</td><td>${esc(e.status)}</td></tr>`);
  }
  parts.push(`</tbody></table>`);
  parts.push(`<h3 id="failing">What does not reproduce</h3>`);
  if (failing.length === 0 && errors.length === 0) parts.push(`<p>Every check passes.</p>`);
  else {
    if (failing.length > 0) {
      parts.push(`<p>${failing.length} check${failing.length === 1 ? " fails" : "s fail"}; each links to its row in the table of all checks, whose note says what the measurement shows instead and why.</p><ul>`);
      for (const e of input.experiments) {
        const of = failing.filter((c) => c.experiment === e.name);
        if (of.length === 0) continue;
        parts.push(`<li><a href="#${esc(e.name)}">${esc(e.name)}</a>: ` + of.map((c) =>
          `<a href="#${esc(c.id)}">${esc(c.name)}</a> <span class="prov prov-${c.provenance}">(${esc(PROVENANCE[c.provenance].label)})</span>`).join("; ") + `</li>`);
      }
      parts.push(`</ul>`);
    }
    for (const e of errors) parts.push(`<p class="bad">${esc(e.name)}: the experiment did not finish: ${esc(e.error ?? "unknown error")}</p>`);
  }
  if (input.notCovered.length > 0) {
    parts.push(`<p>Not covered by this suite:</p><ul>${input.notCovered.map((n) => `<li><b>${esc(n.figure)}</b>: ${esc(n.reason)}</li>`).join("")}</ul>`);
  }

  parts.push(`<h2 id="figures">Figures, experiment by experiment</h2>`);
  for (const e of input.experiments) {
    const ok = e.checks.filter((c) => c.pass).length;
    parts.push(`<h3 id="${esc(e.name)}">${esc(e.title)}</h3>`);
    parts.push(`<p><b>${esc(e.figure)}</b> · ${esc(e.claim)} · <code>experiments/${esc(e.name)}.yaml</code> · ${esc(e.status)}, ${e.computeSeconds.toFixed(2)} s of compute · ` +
      `<span class="${ok === e.checks.length ? "good" : "bad"}">${ok} of ${e.checks.length} checks pass</span>${e.checks.length > 0 ? ` (${esc(byProvenance(e.checks))})` : ""}</p>`);
    parts.push(`<p>${esc(e.description)}</p>`);
    const own = failing.filter((c) => c.experiment === e.name);
    if (own.length > 0) {
      parts.push(`<p class="note">Failing here (rows of the table of all checks): ${own.map((c) =>
        `<a href="#${esc(c.id)}">${esc(c.name)}</a> (${esc(PROVENANCE[c.provenance].label)})`).join("; ")}</p>`);
    }
    if (e.error) parts.push(`<p class="bad">Error: ${esc(e.error)}</p>`);
    for (const f of e.figures) {
      const size = svgSize(input.svgOf(e.name, f.svg));
      const dims = size ? ` width="${size.width}" height="${size.height}"` : "";
      parts.push(`<figure id="${esc(e.name)}-${esc(f.name)}"><img src="${esc(e.name)}/${esc(f.svg)}" alt="${esc(f.title)}" loading="lazy" decoding="async"${dims}>` +
        `<figcaption><b>${esc(f.title)}.</b> ${esc(f.caption)} <a href="${esc(e.name)}/${esc(f.png)}">PNG</a> · <a href="${esc(e.name)}/${esc(f.svg)}">SVG</a></figcaption></figure>`);
    }
    parts.push(`<details><summary>Settings (resolved config) and data files</summary><pre>${esc(stringify(e.config))}</pre><ul>` +
      e.files.map((f) => `<li><a href="${esc(e.name)}/${esc(f.path)}">${esc(f.path)}</a> — ${esc(f.description)}</li>`).join("") + `</ul></details>`);
  }

  parts.push(`<h2 id="all-checks-section">All checks</h2>`);
  parts.push(`<p>Failing checks first. The error column says how the error is measured (absolute, relative, or one-sided); the notes say why each tolerance is what it is.</p>`);
  const present = provenanceTally(rows).map((t) => t.provenance);
  parts.push(`<div class="filters"><input type="search" id="filter-text" placeholder="filter: words of a check, claim or experiment" aria-label="filter the checks by text">` +
    `<label>whose claim <select id="filter-provenance"><option value="">any</option>${present.map((p) => `<option value="${p}">${esc(PROVENANCE[p].label)}</option>`).join("")}</select></label>` +
    `<label><input type="checkbox" id="filter-failing"> failing only</label><span id="filter-count" class="note"></span></div>`);
  parts.push(checkTable(rows, "all-checks"));
  parts.push(`<script>${FILTER_SCRIPT}</script>`);
  parts.push(`</body></html>`);
  return parts.join("\n") + "\n";
}

const mdCell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function mdChecks(checks: readonly Row[]): string {
  const head = ["experiment", "check", "whose claim", "claim", "predicted", "measured", "error", "tolerance", "verdict"];
  const rows = checks.map((c) =>
    [c.experiment, c.name + (c.note ? ` — _${c.note}_` : ""), PROVENANCE[c.provenance].label, c.claim, fmt(c.predicted), fmt(c.measured),
      fmt(c.error) + (c.error !== null && ERROR_KIND[c.errorKind] ? ` (${ERROR_KIND[c.errorKind]})` : ""), fmt(c.tolerance), c.comparison ? "comparison" : c.pass ? "pass" : "**FAIL**"]
      .map(mdCell).join(" | "));
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r} |`)].join("\n");
}

/** The Markdown twin of the report, in the same order (figures as PNG links relative to the output folder). */
export function reportMarkdown(input: ReportInput): string {
  const rows = allChecks(input.experiments);
  const pass = rows.filter((c) => c.pass).length;
  const failing = rows.filter((c) => !c.pass);
  const out: string[] = [];
  out.push(`# Reproducing Kim & Lee (2026)`, "");
  out.push(`dlnlab ${input.version} · **${input.size}** budget · ${input.experiments.length} experiments · **${pass} of ${rows.length} checks pass** · ` +
    `wall time ${fmt(input.wallSeconds)} s on ${input.jobs} worker thread${input.jobs === 1 ? "" : "s"} · ${input.created}`, "");
  out.push("## Summary", "", "| whose claim | source | checks pass | a failure means |", "|---|---|---|---|");
  for (const t of provenanceTally(rows)) {
    const info = PROVENANCE[t.provenance];
    out.push(`| ${info.label} | ${info.href ? `[${info.source}](${info.href})` : info.source} | ${t.pass} / ${t.total} | ${info.failure} |`);
  }
  out.push("", "| experiment | reproduces | checks pass | by whose claim | compute (s) | status |", "|---|---|---|---|---|---|");
  for (const e of input.experiments) {
    out.push(`| [${e.name}](#${e.name}) | ${mdCell(e.figure)} | ${e.checks.filter((c) => c.pass).length} / ${e.checks.length} | ${byProvenance(e.checks)} | ${e.computeSeconds.toFixed(2)} | ${e.status} |`);
  }
  out.push("", "### What does not reproduce", "");
  if (failing.length === 0) out.push("Every check passes.", "");
  else {
    for (const e of input.experiments) {
      const of = failing.filter((c) => c.experiment === e.name);
      if (of.length > 0) out.push(`- **${e.name}**: ${of.map((c) => `${c.name} (${PROVENANCE[c.provenance].label})`).join("; ")}`);
    }
    out.push("", "The table of all checks at the end gives each one's numbers and note.", "");
  }
  for (const e of input.experiments.filter((x) => x.status === "error")) out.push(`- **${e.name}** did not finish: ${e.error ?? "unknown error"}`);
  if (input.notCovered.length > 0) out.push("Not covered by this suite:", "", ...input.notCovered.map((n) => `- **${n.figure}**: ${n.reason}`), "");
  out.push("## Figures, experiment by experiment", "");
  for (const e of input.experiments) {
    out.push(`### ${e.name}`, "", `**${e.title}** — ${e.figure} · ${e.claim} · \`experiments/${e.name}.yaml\` · ` +
      `${e.checks.filter((c) => c.pass).length} of ${e.checks.length} checks pass`, "", e.description, "");
    for (const f of e.figures) out.push(`![${f.title}](${e.name}/${f.png})`, "", `_${f.title}._ ${f.caption}`, "");
    if (e.files.length > 0) out.push("Data: " + e.files.map((f) => `[${f.path}](${e.name}/${f.path})`).join(", "), "");
  }
  out.push("## All checks", "", "Failing checks first.", "", mdChecks(rows), "");
  return out.join("\n") + "\n";
}

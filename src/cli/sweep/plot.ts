/**
 * @file Figures of a sweep directory: with one varying axis, profiles of the final balance, shares and
 * sharpness against it with the theory lines (2/λ_single, 2/λ_bal, c_L, predicted split); with two, a
 * phase-diagram heat map (final balance where the run converged, the status otherwise, as the suite's
 * phase figure); a third axis gives facets. SVG + PNG beside the results and a self-contained report.html.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { heatmap, lineChart, panelGrid, pathwayColor, writeFigure, escapeMarkup } from "../../plot/index.js";
import type { HeatCell, Series, RuleSpec } from "../../plot/index.js";
import { writeFileAtomic } from "../io.js";
import { axisColumn, baseConfig, lambdaSingle, type SweepSpec } from "../../sweep/spec.js";
import { validateRunConfig } from "../../config/validate.js";
import { stabilityWindow } from "../../theory/windows.js";
import { openRuns } from "./store.js";

type Row = Record<string, unknown>;

/** Outcomes without a converged value, greys as in the suite's phase diagram (dark = worse). */
const CATEGORIES = [
  { name: "max-steps", color: "#d9d9d9", label: "not converged within the steps" },
  { name: "oscillating", color: "#a3a3a3", label: "oscillating (period 2 / EoS)" },
  { name: "sign-flip", color: "#5c5c5c", label: "converged after a layer's sign flip" },
  { name: "diverged", color: "#111111", label: "diverged" },
];

/** Normalised balance (K·BI − 1)/(K − 1) ∈ [0, 1]: 0 = one pathway carries σ, 1 = equal split. */
function balance(r: Row): number {
  const K = Number(r.K);
  const bi = Number(r.balance_1);
  return K > 1 ? (K * bi - 1) / (K - 1) : 1;
}

function num(v: unknown): number {
  return typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : Number.NaN;
}

/** Axis label with units where known. */
function axisLabel(name: string): string {
  if (name === "h") return "normalised step h = η·λ_single (dimensionless)";
  if (name === "lr" || name === "--lr") return "step size η";
  return name;
}

/** Theory lines on an h or lr axis from a point's config (mode 1). */
function theoryRules(spec: SweepSpec, axis: string, rows: Row[]): RuleSpec[] {
  if (axis !== "h" && axis !== "lr" && axis !== "--lr") return [];
  try {
    const config = validateRunConfig({ ...baseConfig(spec.base), lr: num(rows[0]!.lr) });
    const sigma1 = (config.target.sigma ?? [1])[0]!;
    const w = stabilityWindow(config.depths, sigma1);
    const scale = axis === "h" ? lambdaSingle(config) : 1;
    return [
      { x: w.etaSingle * scale, label: "2/λ_single", dash: "4,3" },
      { x: w.etaBalanced * scale, label: "2/λ_bal", dash: "6,3" },
      { x: w.etaWcr * scale, label: "c_L (WCR)", dash: "1.5,2.5" },
    ];
  } catch {
    return [];
  }
}

function profiles(spec: SweepSpec, axis: string, rows: Row[]): string {
  const col = axisColumn(axis);
  const K = Math.max(...rows.map((r) => num(r.K)));
  const sorted = [...rows].sort((a, b) => num(a[col]) - num(b[col]));
  const x = (r: Row) => num(r[col]);
  const rules = theoryRules(spec, axis, rows);
  const shares: Series[] = [];
  for (let k = 1; k <= K; k++) {
    shares.push({ name: `s_{${k},1} (measured)`, points: sorted.map((r) => ({ x: x(r), y: num(r[`s_${k}_1`]) })).filter((p) => Number.isFinite(p.y)), color: pathwayColor(k - 1), line: false, marker: true });
    if (spec.predict) {
      shares.push({ name: `s_{${k},1} (predicted)`, points: sorted.map((r) => ({ x: x(r), y: num(r[`pred_s_${k}_1`]) })).filter((p) => Number.isFinite(p.y)), color: pathwayColor(k - 1), strokeWidth: 1.25 });
    }
  }
  const sub = `${rows.length} runs; dots: final state, lines: theory`;
  const panels = [
    lineChart({ id: "sweep-shares", title: "Final shares of mode 1", subtitle: sub, x: { label: axisLabel(axis) }, y: { label: "mode coefficient s_{k,1}" }, series: shares, rules }),
    lineChart({
      id: "sweep-balance", title: "Final balance", subtitle: "0 = one pathway carries σ_1, 1 = equal split", x: { label: axisLabel(axis) },
      y: { label: "balance (K·BI − 1)/(K − 1)", domain: [0, 1.05] }, rules,
      series: [{ name: "balance", points: sorted.map((r) => ({ x: x(r), y: balance(r) })).filter((p) => Number.isFinite(p.y)), line: false, marker: true }],
    }),
    lineChart({
      id: "sweep-sharpness", title: "Sharpness relative to the edge", subtitle: "λ_max·η/2: 1 is the stability edge 2/η", x: { label: axisLabel(axis) },
      y: { label: "λ_max·η/2 (dimensionless)" }, rules: [...rules, { y: 1, label: "λ = 2/η", dash: "2,2" }],
      series: [
        { name: "final", points: sorted.map((r) => ({ x: x(r), y: num(r.lambda_eta_2) })).filter((p) => Number.isFinite(p.y)), line: false, marker: true },
        { name: "max over the run", points: sorted.map((r) => ({ x: x(r), y: (num(r.max_sharpness) * num(r.lr)) / 2 })).filter((p) => Number.isFinite(p.y)), color: "#d95f02", line: false, marker: true },
      ],
    }),
  ];
  return panelGrid(panels, { columns: 2, title: escapeMarkup(spec.name ?? "sweep") });
}

function phase(xAxis: string, rowAxis: string, rows: Row[], id: string, title: string): string {
  const xc = axisColumn(xAxis);
  const rc = axisColumn(rowAxis);
  const xs = [...new Set(rows.map((r) => num(r[xc])))].sort((a, b) => a - b);
  const short = (v: unknown) => (typeof v === "number" ? String(Number(v.toPrecision(4))) : typeof v === "bigint" ? String(v) : String(v));
  const labelOf = (r: Row) => `${rowAxis} = ${short(r[rc])}`;
  const labels = [...new Set(rows.map(labelOf))];
  const half = (i: number) => (xs.length > 1 ? (i === 0 ? (xs[1]! - xs[0]!) / 2 : (xs[i]! - xs[i - 1]!) / 2) : 0.5);
  const seen = new Set<string>();
  const cells: HeatCell[] = [];
  for (const r of rows) {
    const i = xs.indexOf(num(r[xc]));
    const key = `${i}|${labelOf(r)}`;
    // Replicates of one cell (further axes): the first point in expansion order is drawn.
    if (seen.has(key)) continue;
    seen.add(key);
    const base = { x0: xs[i]! - half(i), x1: xs[i]! + (i + 1 < xs.length ? (xs[i + 1]! - xs[i]!) / 2 : half(i)), row: labelOf(r) };
    const status = String(r.status);
    if (status === "converged" && !r.sign_flip) cells.push({ ...base, value: balance(r) });
    else cells.push({ ...base, category: status === "converged" ? "sign-flip" : status });
  }
  return heatmap({
    id, title, subtitle: `${rows.length} runs; colour: final balance of mode 1 where the run converged`, width: 900,
    // Rows of 52 px for a few networks, down to 12 px (still legible labels) for a numeric row axis.
    height: 90 + labels.length * Math.max(12, Math.min(52, 700 / labels.length)),
    x: { label: axisLabel(xAxis) }, rows: { label: rowAxis, labels }, cells,
    color: { label: "balance (K·BI − 1)/(K − 1)", domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1] },
    categories: CATEGORIES.filter((c) => cells.some((cell) => cell.category === c.name)),
    marks: xAxis === "h" ? [{ label: "h = 2 (2/λ_single)", at: [{ x: 2 }] }] : [],
  });
}

/** Draw DIR's figures and DIR/report.html; returns the files written (none without results). */
export async function plotSweep(dir: string): Promise<string[]> {
  const { spec } = JSON.parse(readFileSync(join(dir, "spec.json"), "utf8")) as { spec: SweepSpec };
  const { connection, close, files } = await openRuns(dir);
  let rows: Row[];
  try {
    if (files.length === 0) return [];
    rows = (await connection.runAndReadAll("SELECT * FROM runs ORDER BY point")).getRowObjectsJS() as Row[];
  } finally {
    close();
  }
  const numeric = (a: string) => rows.every((r) => typeof r[axisColumn(a)] === "number");
  const varying = Object.keys(spec.axes).filter((a) => new Set(rows.map((r) => String(r[axisColumn(a)]))).size > 1);
  const figures: { name: string; svg: string; caption: string }[] = [];
  if (varying.length === 1 && numeric(varying[0]!)) {
    figures.push({ name: "sweep-profiles", svg: profiles(spec, varying[0]!, rows), caption: `Final state against ${varying[0]}, with the theory's window edges${spec.predict ? " and predicted split" : ""}.` });
  } else if (varying.length >= 2) {
    const xAxis = varying.find(numeric) ?? varying[0]!;
    const rest = varying.filter((a) => a !== xAxis);
    const rowAxis = rest[0]!;
    const facet = rest[1];
    let svg: string;
    if (facet) {
      const fc = axisColumn(facet);
      const values = [...new Set(rows.map((r) => String(r[fc])))];
      svg = panelGrid(values.map((v, j) => phase(xAxis, rowAxis, rows.filter((r) => String(r[fc]) === v), `sweep-phase-${j}`, `${facet} = ${v}`)), { columns: 1, title: escapeMarkup(spec.name ?? "sweep") });
    } else {
      svg = phase(xAxis, rowAxis, rows, "sweep-phase", escapeMarkup(spec.name ?? "phase diagram"));
    }
    figures.push({ name: "sweep-phase", svg, caption: `Phase diagram over ${xAxis} and ${rowAxis}${facet ? `, faceted by ${facet}` : ""}: final balance where the run converged, grey categories otherwise.` });
  }
  const written: string[] = [];
  for (const f of figures) {
    const p = await writeFigure(dir, f.name, f.svg);
    written.push(p.svg, p.png);
  }
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(String(r.status), (counts.get(String(r.status)) ?? 0) + 1);
  const html = [
    "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">', `<title>${escapeHtml(spec.name ?? "sweep")}</title>`,
    "<style>body{font-family:DejaVu Sans,sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}pre{background:#f6f6f6;padding:1em;overflow:auto}</style>",
    "</head><body>", `<h1>${escapeHtml(spec.name ?? "sweep")}</h1>`, `<p>${rows.length} runs. Query them with <code>dlnlab sweep query ${escapeHtml(dir)} "SELECT … FROM runs"</code>.</p>`,
    "<table><tr><th>status</th><th>runs</th></tr>", ...[...counts].map(([s, n]) => `<tr><td>${escapeHtml(s)}</td><td>${n}</td></tr>`), "</table>",
    ...figures.map((f) => `<figure>${f.svg}<figcaption>${escapeHtml(f.caption)}</figcaption></figure>`),
    "<h2>Spec</h2>", `<pre>${escapeHtml(JSON.stringify(spec, null, 2))}</pre>`, "</body></html>",
  ].join("\n");
  writeFileAtomic(join(dir, "report.html"), html + "\n");
  written.push(join(dir, "report.html"));
  return written;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

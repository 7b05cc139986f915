/**
 * @file Figures of a sweep directory: with one varying axis, profiles of the final balance, shares and
 * sharpness against it with the theory lines (2/λ_single, 2/λ_bal, c_L, predicted split); with two, a
 * phase-diagram heat map (final balance where the run converged, the status otherwise, as the suite's
 * phase figure); a third axis gives facets; with a `trajectories` table, the balance and loss of up to 8
 * runs (spread over the expansion) against the step. SVG + PNG beside the results and a self-contained
 * report.html.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { heatmap, lineChart, panelGrid, pathwayColor, writeFigure, escapeMarkup } from "../../plot/index.js";
import type { HeatCell, Series, RuleSpec } from "../../plot/index.js";
import { writeFileAtomic } from "../io.js";
import { axisColumn, baseConfig, type SweepSpec } from "../../sweep/spec.js";
import { CATEGORIES, normalisedBalance, num, outcome, theoryLines } from "../../sweep/cells.js";
import { validateRunConfig } from "../../config/validate.js";
import { openRuns } from "./store.js";

type Row = Record<string, unknown>;

const balance = normalisedBalance;

/** Axis label with units where known. */
function axisLabel(name: string): string {
  if (name === "h") return "normalised step h = η·λ_single (dimensionless)";
  if (name === "lr" || name === "--lr") return "step size η";
  return name;
}

/** Theory lines on an h or lr axis from a point's config (mode 1). */
function theoryRules(spec: SweepSpec, axis: string, rows: Row[]): RuleSpec[] {
  try {
    return theoryLines(validateRunConfig({ ...baseConfig(spec.base), lr: num(rows[0]!.lr) }), axis);
  } catch {
    return [];
  }
}

function profiles(spec: SweepSpec, axis: string, rows: Row[]): string {
  const col = axisColumn(axis);
  // A reduce, not Math.max(...rows): spreading 2·10⁵ arguments overflows V8's stack.
  const K = rows.reduce((m, r) => Math.max(m, num(r.K)), 1);
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
    cells.push({ ...base, ...outcome(r) });
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

/** Runs shown in the trajectories figure: at most this many, evenly spread over the points (one colour each). */
const TRAJECTORY_RUNS = 8;

/** Balance and loss of a few runs against the step, from the `trajectories` table. */
function trajectories(spec: SweepSpec, rows: Row[], traj: Row[], varying: string[]): string {
  const byPoint = new Map<number, Row[]>();
  for (const t of traj) {
    const p = num(t.point);
    let list = byPoint.get(p);
    if (!list) byPoint.set(p, (list = []));
    list.push(t);
  }
  const points = rows.map((r) => num(r.point)).filter((p) => byPoint.has(p));
  const n = Math.min(TRAJECTORY_RUNS, points.length);
  const chosen = Array.from({ length: n }, (_, j) => points[Math.round((j * (points.length - 1)) / Math.max(1, n - 1))]!).filter((p, j, a) => a.indexOf(p) === j);
  const short = (v: unknown) => (typeof v === "number" ? String(Number(v.toPrecision(4))) : String(v));
  const label = (p: number) => {
    const r = rows.find((x) => num(x.point) === p)!;
    const axes = varying.length > 0 ? varying : Object.keys(spec.axes);
    return axes.map((a) => `${a} = ${short(r[axisColumn(a)])}`).join(", ") || `point ${p}`;
  };
  // Trajectory rows carry no K: the balance is normalised with the run's own (its runs row).
  const kOf = new Map(rows.map((r) => [num(r.point), r.K]));
  const series = (y: (t: Row) => number): Series[] => chosen.map((p, j) => ({
    name: label(p), color: pathwayColor(j), strokeWidth: 1.25,
    points: byPoint.get(p)!.map((t) => ({ x: num(t.step), y: y(t) })).filter((q) => Number.isFinite(q.y)),
  }));
  const sub = `${chosen.length} of ${points.length} runs, every ${spec.trajectories?.every ?? "?"} steps and the final step`;
  return panelGrid([
    lineChart({
      id: "sweep-trajectory-balance", title: "Balance of mode 1 along the run", subtitle: sub, x: { label: "GD step", type: "symlog", constant: Math.max(1, spec.trajectories?.every ?? 1) },
      y: { label: "balance (K·BI − 1)/(K − 1)", domain: [0, 1.05] }, series: series((t) => balance({ ...t, K: kOf.get(num(t.point)) })),
    }),
    lineChart({
      id: "sweep-trajectory-loss", title: "Loss along the run", subtitle: "½‖F − Y‖²_F", x: { label: "GD step", type: "symlog", constant: Math.max(1, spec.trajectories?.every ?? 1) },
      y: { label: "loss (units of σ²)", type: "log" }, series: series((t) => num(t.loss)),
    }),
  ], { columns: 2, title: escapeMarkup(spec.name ?? "sweep") });
}

/** Draw DIR's figures and DIR/report.html; returns the files written (none without results). */
export async function plotSweep(dir: string): Promise<string[]> {
  const { spec } = JSON.parse(readFileSync(join(dir, "spec.json"), "utf8")) as { spec: SweepSpec };
  const { connection, close, files } = await openRuns(dir);
  let rows: Row[];
  let traj: Row[] = [];
  try {
    if (files.length === 0) return [];
    rows = (await connection.runAndReadAll("SELECT * FROM runs ORDER BY point")).getRowObjectsJS() as Row[];
    if (spec.trajectories) {
      // The view exists once a trajectory chunk is there (openRuns).
      const has = await connection.runAndReadAll("SELECT count(*) AS n FROM duckdb_views() WHERE view_name = 'trajectories'");
      if (Number(has.getRowObjectsJS()[0]!.n) > 0) traj = (await connection.runAndReadAll("SELECT * FROM trajectories ORDER BY point, step")).getRowObjectsJS() as Row[];
    }
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
  if (traj.length > 0) {
    figures.push({ name: "sweep-trajectories", svg: trajectories(spec, rows, traj, varying), caption: `Balance and loss along up to ${TRAJECTORY_RUNS} runs (the table trajectories), spread over the sweep's points.` });
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

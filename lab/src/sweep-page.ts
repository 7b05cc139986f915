/**
 * @file The sweep page: a sweep spec (typed, picked from examples/sweeps or opened from a file) runs
 * on the engine's batched kernel in one Web Worker per core, drawn as cells finish with the theory
 * lines; results of `dlnlab sweep` (its Parquet chunks, read by hyparquet) are drawn the same way.
 * State in the URL (`?spec={…}&cell=N`); a selected cell opens as a single run in the run page.
 */
import "./styles.css";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { CATEGORIES, num, outcome, theoryLines, type TheoryLine } from "../../src/sweep/cells.js";
import type { Row } from "../../src/sweep/rows.js";
import { parseSweepSpec, type SweepSpec } from "../../src/sweep/spec.js";
import { byId, note } from "./dom.js";
import { download } from "./export.js";
import { fmt, fmtInt } from "./format.js";
import { SweepFigure, balanceColor } from "./sweep-figure.js";
import { SweepPool } from "./sweep-pool.js";
import { fromSweepQuery, layoutOf, parseSpecText, pointAt, runLink, specText, sweepQuery, valueKey, type Layout, type ParsedSpec } from "./sweep-state.js";

// The example specs ship with the page (text inlined at build time), as the run page ships the experiments.
const EXAMPLES = Object.entries(import.meta.glob("../../examples/sweeps/*.{yaml,yml}", { query: "?raw", import: "default", eager: true }) as Record<string, string>)
  .map(([path, text]) => ({ name: path.replace(/^.*\//, ""), text }))
  .sort((a, b) => a.name.localeCompare(b.name));

/** The page's first spec: a small phase diagram over (h, L) for K = 2 that finishes in seconds. */
const STARTER = `name: phase diagram, K = 2 (small)
base:
  width: 1
  target: { sigma: [1] }
  init: { type: svs, scales: [1.0e-3, 9.0e-4] }
  dynamics: reduced
  steps: 20000
axes:
  h: { from: 0.5, to: 4.5, points: 41 }
  depths: { values: [[2, 2], [3, 3], [4, 4], [6, 6], [8, 8]] }
predict: true
`;

/** Most points the page runs (its rows take about 2 kB each in the tab; 10⁵ is issue 13's phase diagram). */
const MAX_PAGE_POINTS = 200_000;

type Phase = "idle" | "running" | "done" | "stopped" | "error" | "loaded";

class SweepPage {
  private parsed: ParsedSpec | null = null;
  /** The spec whose rows are shown (the edited one may differ). */
  private shown: SweepSpec | null = null;
  private layout: Layout | null = null;
  private rows: Row[] = [];
  private total = 0;
  private pool: SweepPool | null = null;
  private started = 0;
  private frame = 0;
  /** Earliest time of the next redraw (ms, animation-frame clock). */
  private nextDraw = 0;
  private readonly figure: SweepFigure;
  private readonly editor = byId<HTMLTextAreaElement>("sweep-spec");
  private cell: number | null = null;
  private readonly lineCache = new Map<string, TheoryLine[]>();

  constructor() {
    this.figure = new SweepFigure(byId<HTMLCanvasElement>("sweep-canvas"));
    const q = fromSweepQuery(location.search);
    if (q.notes.length > 0) note(q.notes.join(" · "));
    const select = byId<HTMLSelectElement>("sweep-example");
    select.append(new Option("Small phase diagram (h × L, K = 2)", ""), ...EXAMPLES.map((e) => new Option(e.name, e.name)));
    select.addEventListener("change", () => {
      const ex = EXAMPLES.find((e) => e.name === select.value);
      this.setText(ex ? ex.text : STARTER);
    });
    this.editor.addEventListener("input", () => this.onSpec());
    byId("sweep-run").addEventListener("click", () => this.run());
    byId("sweep-stop").addEventListener("click", () => this.stop());
    byId<HTMLInputElement>("spec-file").addEventListener("change", (e) => void this.openSpec((e.target as HTMLInputElement).files));
    byId<HTMLInputElement>("parquet-file").addEventListener("change", (e) => void this.openParquet((e.target as HTMLInputElement).files));
    const canvas = byId<HTMLCanvasElement>("sweep-canvas");
    const at = (e: MouseEvent) => {
      const r = canvas.getBoundingClientRect();
      return this.figure.rowAt(e.clientX - r.left, e.clientY - r.top);
    };
    canvas.addEventListener("mousemove", (e) => this.hover(at(e)));
    canvas.addEventListener("click", (e) => {
      const row = at(e);
      if (row) this.select(num(row.point));
    });
    canvas.addEventListener("dblclick", (e) => {
      const row = at(e);
      if (row) this.select(num(row.point), true);
    });
    byId("export-rows-json").addEventListener("click", () => download("runs.json", new Blob([JSON.stringify(this.sortedRows())], { type: "application/json" })));
    byId("export-rows-csv").addEventListener("click", () => download("runs.csv", new Blob([this.csv()], { type: "text/csv" })));
    new ResizeObserver(() => this.requestDraw()).observe(canvas);
    this.cell = q.cell;
    this.setText(q.text ?? STARTER, q.cell);
  }

  private setText(text: string, cell: number | null = null): void {
    this.editor.value = text;
    this.cell = cell;
    this.onSpec();
  }

  /** The editor changed: validate, update the URL, the count and (when idle) the empty figure. */
  private onSpec(): void {
    const err = byId("sweep-spec-error");
    try {
      this.parsed = parseSpecText(this.editor.value);
      err.textContent = "";
      this.editor.removeAttribute("aria-invalid");
      const steps = Number((this.parsed.spec.base as { steps?: unknown }).steps);
      byId("sweep-count").textContent = `${fmtInt(this.parsed.points)} points` + (Number.isFinite(steps) ? ` × ${fmtInt(steps)} steps` : "");
      if (this.parsed.points > MAX_PAGE_POINTS) {
        err.textContent = `axes: ${fmtInt(this.parsed.points)} points is more than this page keeps (${fmtInt(MAX_PAGE_POINTS)}); run it with npx dlnlab sweep and open its Parquet files here`;
      }
      this.writeUrl();
      if (!this.pool) this.show(this.parsed.spec, [], this.parsed.points);
    } catch (e) {
      this.parsed = null;
      err.textContent = e instanceof Error ? e.message : String(e);
      this.editor.setAttribute("aria-invalid", "true");
      byId("sweep-count").textContent = "";
    }
    this.renderButtons();
  }

  private writeUrl(): void {
    if (!this.parsed) return;
    const url = `${location.pathname}?${sweepQuery(this.parsed.raw, this.cell)}`;
    if (`${location.pathname}${location.search}` !== url) history.replaceState(null, "", url);
  }

  private show(spec: SweepSpec, rows: Row[], total: number): void {
    this.shown = spec;
    this.layout = layoutOf(spec);
    this.rows = rows;
    this.total = total;
    this.lineCache.clear();
    byId("sweep-figure-title").textContent = `${spec.name ?? "sweep"}: ${this.layout?.kind === "heatmap" ? `phase diagram over ${this.layout.x.name} × ${this.layout.row!.name}` : this.layout ? `final balance against ${this.layout.x.name}` : "no varying axis"}`;
    this.renderLegend();
    this.renderCell();
    this.requestDraw();
  }

  private renderButtons(): void {
    const running = this.pool !== null;
    byId<HTMLButtonElement>("sweep-run").disabled = running || !this.parsed || !layoutOf(this.parsed.spec) || this.parsed.points > MAX_PAGE_POINTS;
    byId<HTMLButtonElement>("sweep-stop").disabled = !running;
  }

  private status(phase: Phase, text: string): void {
    const el = byId("sweep-status");
    el.dataset.phase = phase;
    el.textContent = text;
  }

  private run(): void {
    if (!this.parsed || this.pool) return;
    const { spec, points } = this.parsed;
    const workers = navigator.hardwareConcurrency || 2;
    this.show(spec, [], points);
    this.started = performance.now();
    const done = (phase: Phase, text: string) => {
      this.pool = null;
      // The last cells are drawn at once, whatever the throttle said.
      this.nextDraw = 0;
      this.renderButtons();
      this.renderRate();
      this.status(phase, text);
      this.requestDraw();
    };
    this.pool = new SweepPool(spec, points, workers, {
      rows: (rows) => {
        this.rows.push(...rows);
        this.requestDraw();
      },
      done: () => done("done", `Done: ${fmtInt(this.rows.length)} points.`),
      error: (message) => done("error", `The sweep failed: ${message}`),
    });
    this.status("running", `Running ${fmtInt(points)} points on ${this.pool.size} worker${this.pool.size > 1 ? "s" : ""}…`);
    this.renderButtons();
  }

  private stop(): void {
    if (!this.pool) return;
    this.pool.stop();
    this.pool = null;
    this.renderButtons();
    this.renderRate();
    this.status("stopped", `Stopped: ${fmtInt(this.rows.length)} of ${fmtInt(this.total)} points done.`);
  }

  /** Runs × steps per second of the sweep in the browser (spec steps and the steps actually taken). */
  private renderRate(): void {
    const seconds = (performance.now() - this.started) / 1000;
    const steps = this.rows.reduce((s, r) => s + num(r.final_step), 0);
    const budget = this.shown ? this.rows.length * Number((parseSweepSpec(this.shown).base as { steps?: number }).steps ?? Number.NaN) : Number.NaN;
    const el = byId("sweep-rate");
    el.textContent = `${fmtInt(this.rows.length)} runs in ${fmt(seconds, 3)} s: ${fmt(steps / seconds, 3)} steps/s taken (runs × steps to each run's end)` +
      (Number.isFinite(budget) ? `, ${fmt(budget / seconds, 3)} runs × spec steps per second` : "");
    el.dataset.seconds = String(seconds);
    el.dataset.steps = String(steps);
    el.dataset.runs = String(this.rows.length);
  }

  private async openSpec(files: FileList | null): Promise<void> {
    const file = files?.[0];
    if (!file) return;
    this.setText(await file.text());
    try {
      parseSpecText(this.editor.value, file.name);
    } catch (e) {
      byId("sweep-spec-error").textContent = e instanceof Error ? e.message : String(e);
    }
  }

  /** Results of `dlnlab sweep`: every chunk's rows, the spec from their key-value metadata. */
  private async openParquet(files: FileList | null): Promise<void> {
    if (!files || files.length === 0) return;
    this.stop();
    try {
      const rows: Row[] = [];
      let spec: SweepSpec | null = null;
      let hash = "";
      for (const file of Array.from(files)) {
        const buf = await file.arrayBuffer();
        const kv = Object.fromEntries((parquetMetadata(buf).key_value_metadata ?? []).map((e) => [e.key, e.value ?? ""]));
        if (!kv.spec) throw new Error(`${file.name}: no sweep spec in its metadata (is it a runs-*.parquet of dlnlab sweep?)`);
        if (hash && kv.sweep_hash !== hash) throw new Error(`${file.name}: belongs to another sweep (hash ${kv.sweep_hash}, the first file's ${hash})`);
        hash = kv.sweep_hash ?? "";
        spec ??= parseSweepSpec(JSON.parse(kv.spec), file.name);
        // BIGINT columns come back as bigint: plain numbers, as the page's own rows.
        for (const r of await parquetReadObjects({ file: buf })) rows.push(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])) as Row);
      }
      this.editor.value = specText(spec);
      this.parsed = parseSpecText(this.editor.value);
      byId("sweep-count").textContent = `${fmtInt(this.parsed.points)} points`;
      this.cell = null;
      this.writeUrl();
      this.show(spec!, rows, this.parsed.points);
      this.status("loaded", `Loaded ${fmtInt(rows.length)} runs from ${files.length} Parquet file${files.length > 1 ? "s" : ""} (sweep ${hash}).`);
    } catch (e) {
      this.status("error", `Could not read the Parquet file: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private sortedRows(): Row[] {
    return [...this.rows].sort((a, b) => num(a.point) - num(b.point));
  }

  private csv(): string {
    const rows = this.sortedRows();
    const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const cell = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "string" && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
    return [cols.join(","), ...rows.map((r) => cols.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
  }

  /** Theory lines of a heat-map row (by its axis value) or the profile: from the first point drawn there. */
  private lines(rowValue: unknown): TheoryLine[] {
    const layout = this.layout;
    if (!layout || !this.shown) return [];
    const key = rowValue === undefined ? "" : valueKey(rowValue);
    const cached = this.lineCache.get(key);
    if (cached) return cached;
    const first = layout.row && rowValue !== undefined ? this.rows.find((r) => valueKey(r[layout.row!.column]) === key) : this.rows[0];
    if (!first) return [];
    const p = pointAt(this.shown, num(first.point));
    const lines = p ? theoryLines(p.config, layout.x.name) : [];
    this.lineCache.set(key, lines);
    return lines;
  }

  private requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame((now) => {
      this.frame = 0;
      // Redraw at most at frame rate and less often when drawing is slow (large diagrams): while the
      // workers run, drawing takes at most a fifth of the main thread, which shares the cores with them.
      if (now < this.nextDraw) {
        this.requestDraw();
        return;
      }
      const t0 = performance.now();
      if (this.layout) this.figure.draw(this.layout, this.rows, (v) => this.lines(v));
      // How many rows the figure shows (tests wait for the last cells before clicking them).
      byId("sweep-canvas").dataset.drawn = String(this.rows.length);
      this.nextDraw = now + (this.pool ? 4 : 2) * (performance.now() - t0);
      const p = byId<HTMLProgressElement>("sweep-progress");
      p.value = this.total > 0 ? this.rows.length / this.total : 0;
      byId("sweep-progress-text").textContent = `${fmtInt(this.rows.length)} / ${fmtInt(this.total)} points`;
      if (this.pool) this.renderRate();
      this.renderCounts();
      if (this.cell !== null && this.rows.some((r) => num(r.point) === this.cell)) this.renderCell();
    });
  }

  private renderCounts(): void {
    const counts = new Map<string, number>();
    for (const r of this.rows) {
      const o = outcome(r);
      const k = "value" in o ? "converged" : o.category;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const el = byId("sweep-counts");
    el.textContent = [...counts].map(([k, n]) => `${k}: ${n}`).join(" · ");
    el.dataset.counts = JSON.stringify(Object.fromEntries(counts));
  }

  private renderLegend(): void {
    const ul = byId("sweep-legend");
    ul.replaceChildren();
    const item = (color: string, text: string, kind = "swatch") => {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = kind;
      sw.style.background = color;
      li.append(sw, text);
      ul.append(li);
    };
    const bar = document.createElement("li");
    const grad = document.createElement("span");
    grad.className = "swatch gradient";
    grad.style.background = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(balanceColor).join(", ")})`;
    bar.append("balance 0 ", grad, " 1 (converged: (K·BI − 1)/(K − 1), 1 = equal split)");
    ul.append(bar);
    for (const c of CATEGORIES) item(c.color, c.label);
    if (this.layout && ["h", "lr", "--lr"].includes(this.layout.x.name)) item("#e7298a", "2/λ_single, 2/λ_bal, c_L (WCR) of each row's network (docs/theory.md §4–§5)", "swatch line");
    if (this.layout?.hidden.length) item("transparent", `not drawn: ${this.layout.hidden.join(", ")} (first value of each cell shown)`);
  }

  private describe(r: Row): string {
    const layout = this.layout;
    const axes = layout ? [layout.x, ...(layout.row ? [layout.row] : [])].map((a) => `${a.name} = ${typeof r[a.column] === "number" ? fmt(r[a.column] as number, 5) : String(r[a.column])}`) : [];
    const o = outcome(r);
    return `point ${r.point}: ${axes.join(", ")} · ${r.status}${r.sign_flip ? " (sign flip)" : ""} at step ${fmtInt(num(r.final_step))} · balance ${"value" in o ? fmt(o.value, 4) : "–"} · loss ${fmt(num(r.loss), 3)} · λ·η/2 ${fmt(num(r.lambda_eta_2), 4)}`;
  }

  private hover(r: Row | null): void {
    byId("sweep-readout").textContent = r ? this.describe(r) : "Hover a cell for its values · click to select it";
  }

  private select(point: number, open = false): void {
    this.cell = point;
    this.figure.selected = point;
    this.writeUrl();
    this.renderCell();
    this.requestDraw();
    if (open) {
      const a = byId<HTMLAnchorElement>("cell-open");
      if (!a.hidden) location.href = a.href;
    }
  }

  /** The selected cell: its values and the link that opens it in the run page (and starts it). */
  private renderCell(): void {
    const a = byId<HTMLAnchorElement>("cell-open");
    const summary = byId("cell-summary");
    const noteEl = byId("cell-note");
    this.figure.selected = this.cell;
    if (this.cell === null || !this.shown) {
      a.hidden = true;
      summary.textContent = "Click a cell of the figure.";
      noteEl.textContent = "";
      return;
    }
    const row = this.rows.find((r) => num(r.point) === this.cell);
    summary.textContent = row ? this.describe(row) : `point ${this.cell} (not run yet)`;
    const p = pointAt(this.shown, this.cell);
    if (!p) {
      a.hidden = true;
      noteEl.textContent = `the sweep has no point ${this.cell}`;
      return;
    }
    const link = runLink(p);
    a.href = `./index.html?${link.query}#run`;
    a.hidden = false;
    a.dataset.point = String(p.index);
    noteEl.textContent = link.exact
      ? `Opens the run page with this point's config (${p.hash}) and runs it: the same engine spec as the sweep's row. Double-click a cell to open it at once.`
      : `This point sets fields the run page has no control for: the single run there differs from the sweep's (see the CLI: npx dlnlab run).`;
  }
}

window.addEventListener("error", (e) => note(`Unexpected error: ${e.message}`));
window.addEventListener("unhandledrejection", (e) => note(`Unexpected error: ${e.reason instanceof Error ? e.reason.message : String(e.reason)}`));

new SweepPage();

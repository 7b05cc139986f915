/**
 * @file Exports of the current run: the trajectory CSV in the CLI's exact format (same columns,
 * same number text, so a lab file and `dlnlab run --out` produce identical trajectory.csv for the same
 * config), a JSON result shaped like the CLI's result.json plus the lab link, the theory's predictions
 * and the records, and each plot as SVG (the CLI's figure builder) and as a PNG at twice its size.
 */
import { csvHeader, csvRow, finalState, trajectoryColumns } from "../../src/data/trajectory.js";
import type { SimulationSpec, StopInfo } from "../../src/engine/simulate.js";
import type { RunStatus } from "../../src/engine/types.js";
import { VERSION } from "../../src/version.js";
import type { LiveChart } from "./plots.js";
import type { TheorySummary } from "./regime.js";
import type { Timing } from "./protocol.js";
import type { RunData } from "./series.js";

/** The trajectory as CSV text: header and one line per record, each ending in "\n" (as the CLI writes it). */
export function trajectoryCsv(data: RunData, spec: SimulationSpec): string {
  const top = spec.sharpness.top;
  const lines = [csvHeader(trajectoryColumns(data.K, data.d, top))];
  for (let i = 0; i < data.length; i++) lines.push(csvRow(data.record(i), top));
  return lines.map((l) => l + "\n").join("");
}

/** Everything the JSON export says about a run. */
export interface RunExportInput {
  name: string | null;
  spec: SimulationSpec;
  data: RunData;
  status: RunStatus | null;
  stop: StopInfo | null;
  timing: Timing;
  /** The lab link that reopens this experiment. */
  url: string;
  /** The equivalent `dlnlab run` command. */
  command: string;
  /** The theory of the run's inputs (docs/theory.md §3–§6), or null when it does not apply. */
  theory: TheorySummary | null;
}

/** JSON text of a run: the fields of the CLI's result.json (status, stop, final, timing, config, columns) plus link, command, the theory's predictions and the records. */
export function runJson(inp: RunExportInput): string {
  const { spec, data, timing } = inp;
  const final = data.last;
  const result = {
    dlnlab: { version: VERSION, kind: "lab-run" },
    name: inp.name,
    status: inp.status ?? "interrupted",
    stop: inp.stop,
    final: final ? finalState(final, spec.dynamics === "flow") : null,
    timing: {
      seconds: timing.engineSeconds,
      steps: timing.steps,
      stepsPerSecond: timing.engineSeconds > 0 ? timing.steps / timing.engineSeconds : null,
      backend: timing.backend,
      wallSeconds: timing.wallSeconds,
      where: "browser (Web Worker)",
    },
    config: spec,
    url: inp.url,
    command: inp.command,
    theory: inp.theory,
    columns: trajectoryColumns(data.K, data.d, spec.sharpness.top),
    records: Array.from({ length: data.length }, (_, i) => data.record(i)),
  };
  // JSON has no NaN or Infinity: write null, as the CLI does.
  return JSON.stringify(result, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n";
}

/** Save a blob under a file name through a temporary link. */
export function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers; a minute is plenty.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Pixel size of exported figures (CSS px; the PNG is drawn at `PNG_SCALE` times this). */
export const FIGURE_SIZE = { width: 720, height: 460 };
/** Device pixels per figure pixel in exported PNGs. */
export const PNG_SCALE = 2;

/**
 * A chart as standalone SVG text, drawn by the CLI's own figure builder (src/plot/chart.ts, loaded on
 * first use: Observable Plot is a large module) from the points the chart shows, with title, subtitle,
 * axis labels with units and the legend.
 */
export async function chartSvg(chart: LiveChart, subtitle: string): Promise<string> {
  const { lineChart } = await import("../../src/plot/chart.js");
  const { axes, series, rules } = chart.exportSeries();
  return lineChart({
    title: chart.title,
    subtitle,
    ...FIGURE_SIZE,
    x: axes.x,
    y: axes.y,
    series: series.map((s) => ({
      name: s.name,
      points: { x: s.x, y: s.y },
      color: s.color,
      dash: s.dash,
      ...(s.opacity !== undefined ? { opacity: s.opacity } : {}),
      ...(s.marker ? { marker: true, line: s.line ?? false } : {}),
    })),
    rules,
    legend: { columns: 2 },
    // The chart already decimated its series to its pixels; a phase path must not be decimated by x.
    decimateAbove: Infinity,
    id: "lab",
  });
}

/** SVG text rasterised to a PNG at `scale` device pixels per SVG pixel, on white. */
export async function svgToPng(svg: string, scale = PNG_SCALE): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error("the browser could not draw the SVG"));
      img.src = url;
    });
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(img.naturalWidth * scale);
    canvas.height = Math.round(img.naturalHeight * scale);
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("no 2-D canvas in this browser");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("PNG encoding failed"))), "image/png"));
  } finally {
    URL.revokeObjectURL(url);
  }
}

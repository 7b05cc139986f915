/**
 * @file Exports of the current run: the trajectory CSV in the CLI's exact format (same columns,
 * same number text, so a lab file and `dlnlab run --out` produce identical trajectory.csv for the same
 * config), a JSON result shaped like the CLI's result.json plus the lab link and the records, and
 * each plot as a PNG with its title and legend drawn in (the on-screen legend is HTML).
 */
import { csvHeader, csvRow, finalState, trajectoryColumns } from "../../src/data/trajectory.js";
import type { SimulationSpec, StopInfo } from "../../src/engine/simulate.js";
import type { RunStatus } from "../../src/engine/types.js";
import { VERSION } from "../../src/version.js";
import type { LegendEntry, LiveChart } from "./plots.js";
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
}

/** JSON text of a run: the fields of the CLI's result.json (status, stop, final, timing, config, columns) plus link, command and records. */
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

/**
 * A PNG of a chart: white background, title and subtitle on top, the chart canvas (plot and axes with
 * their labels), and the legend entries below, at the canvas's device-pixel resolution.
 */
export function chartPng(chart: LiveChart, subtitle: string): Promise<Blob> {
  const src = chart.canvas();
  if (!src) return Promise.reject(new Error("the chart has not been drawn yet"));
  const ratio = src.width / Math.max(1, src.clientWidth || src.width);
  const pad = 12 * ratio;
  const line = 18 * ratio;
  const font = `${12 * ratio}px system-ui, sans-serif`;
  const entries = chart.legendEntries();
  const out = document.createElement("canvas");
  const measure = out.getContext("2d");
  if (!measure) return Promise.reject(new Error("no 2-D canvas in this browser"));
  measure.font = font;
  // Wrap the subtitle and lay the legend out in rows, to know the height first.
  const subLines: string[] = [];
  for (const word of subtitle.split(" ")) {
    const last = subLines[subLines.length - 1];
    if (last !== undefined && measure.measureText(`${last} ${word}`).width <= src.width - 2 * pad) subLines[subLines.length - 1] = `${last} ${word}`;
    else subLines.push(word);
  }
  const rows: (LegendEntry & { x: number })[][] = [[]];
  let x = pad;
  for (const e of entries) {
    const w = 30 * ratio + measure.measureText(e.label).width + 16 * ratio;
    if (x + w > src.width - pad && rows[rows.length - 1]!.length > 0) {
      rows.push([]);
      x = pad;
    }
    rows[rows.length - 1]!.push({ ...e, x });
    x += w;
  }
  const head = line * (1 + subLines.length) + pad / 2;
  const legendHeight = entries.length > 0 ? rows.length * line + pad : 0;
  out.width = src.width;
  out.height = Math.round(head + src.height + legendHeight);
  const ctx = out.getContext("2d")!;
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.textBaseline = "middle";
  ctx.fillStyle = "#111111";
  ctx.font = `bold ${14 * ratio}px system-ui, sans-serif`;
  ctx.fillText(chart.title, pad, line * 0.75);
  ctx.font = font;
  ctx.fillStyle = "#444444";
  subLines.forEach((t, j) => ctx.fillText(t, pad, line * (1.75 + j)));
  ctx.drawImage(src, 0, head);
  let y = head + src.height + pad / 2 + line / 2;
  for (const row of rows) {
    for (const e of row) {
      ctx.strokeStyle = e.color;
      ctx.fillStyle = e.color;
      if (e.marker) {
        ctx.beginPath();
        ctx.arc(e.x + 12 * ratio, y, 4 * ratio, 0, 2 * Math.PI);
        ctx.fill();
      } else {
        ctx.lineWidth = 2 * ratio;
        ctx.setLineDash((e.dash ?? []).map((v) => v * ratio));
        ctx.beginPath();
        ctx.moveTo(e.x, y);
        ctx.lineTo(e.x + 24 * ratio, y);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      ctx.fillStyle = "#222222";
      ctx.fillText(e.label, e.x + 30 * ratio, y);
    }
    y += line;
  }
  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error("PNG encoding failed"))), "image/png"));
}

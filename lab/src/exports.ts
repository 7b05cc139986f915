/**
 * @file The export buttons: the run as JSON (the CLI's result.json fields, the theory's predictions and
 * the records), the trajectory CSV (the CLI's trajectory.csv, byte for byte up to V8's last-ulp Math.pow
 * differences), each plot as SVG and as PNG at 2×, and copying the link and the CLI command.
 */
import { byId, note } from "./dom.js";
import { chartSvg, download, runJson, svgToPng, trajectoryCsv } from "./export.js";
import { PLOT_IDS, type Plots } from "./charts.js";
import type { TheorySummary } from "./regime.js";
import type { Runner } from "./runner.js";

/** What the JSON export needs to know about the run besides the runner. */
export interface RunMeta {
  name: string | null;
  url: string;
  command: string;
  theory: TheorySummary | null;
}

/** Wire the export buttons. `meta()` describes the current run; `subtitle()` the figures' subtitle. */
export function wireExports(runner: Runner, plots: Plots, meta: () => RunMeta, subtitle: () => string): void {
  byId("export-json").addEventListener("click", () => {
    if (!runner.spec || !runner.data) return;
    const m = meta();
    const text = runJson({ ...m, spec: runner.spec, data: runner.data, status: runner.status, stop: runner.stop, timing: runner.timing });
    download("dlnlab-run.json", new Blob([text], { type: "application/json" }));
  });
  byId("export-csv").addEventListener("click", () => {
    if (!runner.spec || !runner.data) return;
    download("trajectory.csv", new Blob([trajectoryCsv(runner.data, runner.spec)], { type: "text/csv" }));
  });
  for (const id of PLOT_IDS) {
    const name = id.replace("plot-", "");
    const fig = byId(id);
    fig.querySelector("button.svg")!.addEventListener("click", () => {
      chartSvg(plots.chart(id), subtitle())
        .then((svg) => download(`dlnlab-${name}.svg`, new Blob([svg], { type: "image/svg+xml" })))
        .catch((err: Error) => note(`SVG export failed: ${err.message}`));
    });
    fig.querySelector("button.png")!.addEventListener("click", () => {
      chartSvg(plots.chart(id), subtitle())
        .then((svg) => svgToPng(svg))
        .then((blob) => download(`dlnlab-${name}.png`, blob))
        .catch((err: Error) => note(`PNG export failed: ${err.message}`));
    });
  }
  const copy = (id: string) => {
    const input = byId<HTMLInputElement>(id);
    input.select();
    // The clipboard needs a secure context and permission; when refused, the text stays selected to copy by hand.
    navigator.clipboard?.writeText(input.value).then(
      () => note("Copied."),
      () => note("Copy by hand: the text is selected."),
    );
  };
  byId("copy-link").addEventListener("click", () => copy("share-link"));
  byId("copy-cli").addEventListener("click", () => copy("cli-command"));
}

/** Enable the run exports once there are records. */
export function renderExports(runner: Runner): void {
  const hasData = (runner.data?.length ?? 0) > 0;
  byId<HTMLButtonElement>("export-json").disabled = !hasData;
  byId<HTMLButtonElement>("export-csv").disabled = !hasData;
}

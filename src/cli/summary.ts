/**
 * @file Human-readable summaries of runs for the terminal: aligned tables, numbers with sensible
 * precision, and the stability threshold 2/η beside the measured sharpness.
 */
import type { RunResult } from "./run-session.js";
import { fmt, table } from "./format.js";

/** The per-mode table of a run: σ, s per pathway, balance index. */
function modeTable(r: RunResult, sigma: readonly number[], maxModes = 6): string {
  const K = r.final.s.length;
  const header = ["mode", "σ", ...Array.from({ length: K }, (_, k) => `s (path ${k + 1}, L=${r.config.depths[k]})`), "balance", "residual"];
  const rows: string[][] = [header];
  const d = r.final.residual.length;
  for (let i = 0; i < Math.min(d, maxModes); i++) {
    rows.push([String(i + 1), fmt(sigma[i], 3), ...r.final.s.map((row) => fmt(row[i], 6)), fmt(r.final.balanceIndex[i], 3), fmt(r.final.residual[i], 2)]);
  }
  return table(rows);
}

/** A full summary of one run. */
export function formatRunSummary(r: RunResult, sigma: readonly number[], outDir?: string): string {
  const c = r.config;
  const net = c.model === "mlp" && c.mlp ? `${c.mlp.activation} MLP (hidden ${[...new Set(c.mlp.hidden)].join("/")})` : "full matrices";
  const dyn = c.dynamics === "flow" ? `gradient flow (${c.model === "mlp" ? net : c.flow.system})` : c.dynamics === "reduced" ? "reduced GD (exact per-mode)" : `GD on ${net}`;
  const stop = r.stop ? ` — ${r.stop.reason}` : "";
  const lines = [
    `${r.name ?? "dlnlab run"}: ${dyn}, K=${c.depths.length}, depths ${c.depths.join(",")}, d=${c.width}, η=${fmt(c.lr)}`,
    `status      ${r.status}${stop}`,
    `final step  ${r.final.step} (time ${fmt(r.final.time)})`,
    `final loss  ${fmt(r.final.loss)}`,
    `sharpness   ${fmt(r.final.sharpness)}${r.final.stabilityThreshold !== null ? `  (2/η = ${fmt(r.final.stabilityThreshold)})` : ""}`,
    "",
    modeTable(r, sigma),
    "",
    `time        ${r.timing.seconds.toFixed(3)} s of simulation (${fmt(r.timing.stepsPerSecond, 0)} steps/s, ${r.timing.backend})`,
  ];
  if (outDir) lines.push(`results     ${outDir}/ (config.json, trajectory.csv, result.json, figures)`);
  return lines.join("\n") + "\n";
}

/**
 * @file Human-readable summaries of runs for the terminal: aligned tables, numbers with sensible
 * precision, and the stability threshold 2/η beside the measured sharpness.
 */
import type { RunResult } from "./run-session.js";
import { fmt, table } from "./format.js";

/** The per-mode table of a run: σ, s per pathway, balance index. */
function modeTable(r: RunResult, sigma: readonly number[], maxModes = 6): string {
  const K = r.final.s.length;
  const header = ["mode", "σ", ...Array.from({ length: K }, (_, k) => `s (path ${k + 1}, L=${r.config.depths[k]})`), "balance index", "residual"];
  const rows: string[][] = [header];
  const d = r.final.residual.length;
  for (let i = 0; i < Math.min(d, maxModes); i++) {
    rows.push([String(i + 1), fmt(sigma[i], 3), ...r.final.s.map((row) => fmt(row[i], 6)), fmt(r.final.balanceIndex[i], 3), fmt(r.final.residual[i], 2)]);
  }
  return table(rows);
}

/**
 * The classifier's table (docs/theory.md §9): its "modes" are the predictor's coordinates along ŵ_SVM and
 * the orthogonal directions, so the table gives the angle to ŵ_SVM and each layer's norm instead.
 */
function classifierTable(r: RunResult): string {
  const cos = Math.max(-1, Math.min(1, r.final.s[0]?.[0] ?? NaN));
  const norms = r.final.layerNorms?.[0] ?? [];
  const rows: string[][] = [["quantity", "value"], ["cos∠(w, ŵ_SVM)", fmt(cos, 6)], ["angle to ŵ_SVM", `${fmt((Math.acos(cos) * 180) / Math.PI, 3)}°`]];
  norms.forEach((n, l) => rows.push([`‖W_${l + 1}‖_F`, fmt(n, 4)]));
  return table(rows);
}

/** What was simulated, in words: "full matrices", "tanh MLP (hidden 64)", "depth-3 linear classifier (logistic loss)". */
function networkName(c: RunResult["config"]): string {
  if (c.model === "mlp" && c.mlp) return `${c.mlp.activation} MLP (hidden ${[...new Set(c.mlp.hidden)].join("/")})`;
  if (c.model === "classifier" && c.classifier) return `a depth-${c.depths[0]} linear classifier (${c.classifier.loss} loss)`;
  return "full matrices";
}

/** A full summary of one run. */
export function formatRunSummary(r: RunResult, sigma: readonly number[], outDir?: string): string {
  const c = r.config;
  const net = networkName(c);
  const dyn = c.dynamics === "flow" ? `gradient flow (${c.model === "dln" ? c.flow.system : net})`
    : c.dynamics === "central" ? `central flow of GD (${c.model === "dln" ? c.flow.system : net})`
    : c.dynamics === "reduced" ? "reduced GD (exact per-mode)" : `GD on ${net}`;
  const stop = r.stop ? ` — ${r.stop.reason}` : "";
  const lines = [
    `${r.name ?? "dlnlab run"}: ${dyn}, K=${c.depths.length}, depths ${c.depths.join(",")}, d=${c.width}, η=${fmt(c.lr)}`,
    `status      ${r.status}${stop}`,
    `final step  ${r.final.step} (time ${fmt(r.final.time)})`,
    `final ${c.model === "classifier" ? "risk" : "loss"}  ${fmt(r.final.loss)}`,
    `sharpness   ${fmt(r.final.sharpness)}${r.final.stabilityThreshold !== null ? `  (2/η = ${fmt(r.final.stabilityThreshold)})` : ""}`,
    "",
    c.model === "classifier" ? classifierTable(r) : modeTable(r, sigma),
    "",
    `time        ${r.timing.seconds.toFixed(3)} s of simulation (${fmt(r.timing.stepsPerSecond, 0)} steps/s, ${r.timing.backend})`,
  ];
  if (outDir) lines.push(`results     ${outDir}/ (config.json, trajectory.csv, result.json, figures)`);
  return lines.join("\n") + "\n";
}

/**
 * @file `dlnlab demo`: the README's default experiment — the same network trained with a small and a
 * large step (docs/theory.md §4) — with per-run results, a side-by-side figure and a comparison table.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { DEMO_PRESETS } from "../../config/presets.js";
import { EXIT_INTERRUPTED, UsageError } from "../errors.js";
import { loadRunConfig } from "../config-input.js";
import { runSession, type RunResult } from "../run-session.js";
import { fmt, table, toJson } from "../format.js";
import { onInterrupt } from "../signals.js";
import { acquireDirLock, outDirEntries, writeJsonAtomic } from "../io.js";
import { VERSION } from "../../version.js";

/** Where `dlnlab demo` writes by default: its own directory, never `results/` of `npm start`. */
export const DEMO_OUT = "results-demo";

/**
 * True when every entry of `dir` is one a demo writes and its summary.json (if any) is a demo's: an
 * earlier, maybe interrupted demo, which a new demo may replace (never `npm start`'s results).
 */
function holdsOnlyDemo(dir: string): boolean {
  const own = new Set<string>([...DEMO_PRESETS, "comparison.svg", "comparison.png", "summary.json"]);
  if (!outDirEntries(dir).every((name) => own.has(name))) return false;
  const summary = join(dir, "summary.json");
  if (!existsSync(summary)) return true;
  try {
    return (JSON.parse(readFileSync(summary, "utf8")) as { dlnlab?: { kind?: unknown } }).dlnlab?.kind === "demo";
  } catch {
    return false;
  }
}

/** Add `demo` to the program. */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .summary("run the default experiment: a small and a large step on K=2 pathways of depth 4")
    .description(
      "Train the same two-pathway depth-4 network (full matrices, d=2, σ=(1,0.5)) with a small step " +
        "(h = η·λ_single = 0.5, winner-takes-all) and a large one (h = 2.5, Edge of Stability, re-balancing), " +
        "writing each run to OUT/<name>/, a side-by-side figure OUT/comparison.{svg,png} and OUT/summary.json, " +
        `(default OUT = ${DEMO_OUT}, apart from the results/ of \`npm start\`; a non-empty OUT that is not an earlier demo's needs --force), ` +
        `and printing a comparison table. Presets: ${DEMO_PRESETS.join(", ")}.`,
    )
    .option("--out <dir>", "output directory", DEMO_OUT)
    .option("--force", "write into a non-empty --out that does not hold an earlier demo")
    .option("--json", "print the summary as one JSON object instead of the table")
    .action(async (opts) => {
      const lock = acquireDirLock(opts.out);
      try {
        if (!holdsOnlyDemo(opts.out) && !opts.force) {
          throw new UsageError(`--out: ${opts.out} is not empty and holds no earlier demo; use --force to write there anyway, or another --out`);
        }
        await runDemo(opts);
      } finally {
        lock.release();
      }
    });
}

/** Run the two demo presets into `opts.out` and write the comparison (the caller holds the lock). */
async function runDemo(opts: { out: string; json?: true }): Promise<void> {
  const { panelGrid, runFigureMeta, runFigures, writeFigure } = await import("../../plot/index.js");
  const stop = onInterrupt();
  const results: RunResult[] = [];
  const figures: string[] = [];
  try {
    for (const name of DEMO_PRESETS) {
      const { config, spec } = loadRunConfig(undefined, name, new Map());
      const { result, records } = await runSession(spec, {
        name: config.name ?? name,
        outDir: join(opts.out, name),
        label: name,
        interrupted: stop.requested,
      });
      results.push(result);
      const figs = runFigures(records, runFigureMeta(spec, spec.target.sigma ?? [], config.name ?? name));
      figures.push(figs.find((f) => f.name === "modes")!.svg, figs.find((f) => f.name === "sharpness")!.svg);
      if (result.status === "interrupted") break;
    }
  } finally {
    stop.dispose();
  }
  if (figures.length === 4) {
    const grid = panelGrid([figures[0]!, figures[2]!, figures[1]!, figures[3]!], {
      columns: 2,
      title: "Small step (left) follows gradient flow; a large step (right) re-balances the pathways at the Edge of Stability",
    });
    await writeFigure(opts.out, "comparison", grid);
  }
  const summary = {
    dlnlab: { version: VERSION, kind: "demo" },
    runs: results.map((r, j) => ({ preset: DEMO_PRESETS[j], name: r.name, status: r.status, lr: r.lr, h: r.h, final: r.final, timing: r.timing })),
  };
  writeJsonAtomic(join(opts.out, "summary.json"), summary);
  if (opts.json) {
    process.stdout.write(toJson(summary) + "\n");
  } else {
    const rows: string[][] = [["run", "η", "h=ηλ₁", "status", "s₁ (path 1)", "s₁ (path 2)", "balance₁", "λ_max", "2/η", "sim time"]];
    for (const r of results) {
      rows.push([
        r.name ?? "",
        fmt(r.lr, 3),
        r.h === null ? "–" : fmt(r.h, 2),
        r.status,
        fmt(r.final.s[0]![0], 4),
        fmt(r.final.s[1]![0], 4),
        fmt(r.final.balanceIndex[0], 3),
        fmt(r.final.sharpness, 4),
        fmt(r.final.stabilityThreshold, 4),
        `${r.timing.seconds.toFixed(2)} s`,
      ]);
    }
    process.stdout.write(
      table(rows) +
        `\n\nTop mode (σ₁ = 1): the small step leaves pathway 1 with almost everything (winner-takes-all);\n` +
        `the large step pushes λ_max above 2/η, then re-balances until λ_max sits just below 2/η.\n` +
        `Results, trajectories and figures: ${opts.out}/ (comparison.png, <run>/modes.png, …)\n`,
    );
  }
  if (results.some((r) => r.status === "interrupted")) process.exitCode = EXIT_INTERRUPTED;
}

/**
 * @file `dlnlab reproduce`: the experiment suite of experiments/ run on a pool of worker threads, each
 * experiment's tasks stored as they finish (so an interrupted run resumes where it stopped, and a run
 * with unchanged settings reuses finished experiments), then summary.json, report.html and report.md
 * built from every result. Exit codes: 0 when the suite ran (its checks say how the claims fared),
 * 1 when an experiment failed to run (or, with --strict, a check failed), 2 for bad input, 130 after Ctrl-C.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { PROVENANCE, type Check, type Provenance } from "../../experiments/checks.js";
import { kindFor } from "../../experiments/config.js";
import { fmt as fmtValue, provenanceTally, reportHtml, reportMarkdown, type ReportExperiment } from "../../experiments/report.js";
import type { Size } from "../../experiments/types.js";
import { VERSION } from "../../version.js";
import { errorLine, EXIT_FAILURE, EXIT_INTERRUPTED, UsageError } from "../errors.js";
import { table, toJson } from "../format.js";
import { acquireDirLock, describeFsError, isWriteFault, writeFileAtomic, writeJsonAtomic } from "../io.js";
import { parseInteger } from "../parse.js";
import { onInterrupt } from "../signals.js";
import { SuiteDisplay } from "../reproduce/display.js";
import { ReproducePool } from "../reproduce/pool.js";
import { readFinished, readPart, type ExperimentResult } from "../reproduce/store.js";
import { defaultExperimentsDir, loadSuite, type SuiteEntry } from "../reproduce/suite.js";
import type { PartDone } from "../reproduce/worker.js";

/**
 * Paper figures the suite does not reproduce, and why (listed in the report and in summary.json). Empty
 * since the tanh MLP figures (Figs. 3 and 7) joined the suite as kind mlp; kept for what may come.
 */
export const NOT_COVERED: readonly { figure: string; reason: string }[] = [];

/** One experiment's state during the run. */
interface Job {
  entry: SuiteEntry;
  tasks: { id: string; label: string; weight: number; args: unknown; fraction: number }[];
  result: ExperimentResult | null;
  reused: boolean;
  error: string | null;
}

/** The summary.json of a suite run. */
export interface SuiteSummary {
  dlnlab: { version: string; kind: "reproduce" };
  size: Size;
  created: string;
  wallSeconds: number;
  jobs: number;
  experiments: {
    name: string; kind: string; title: string; figure: string; claim: string; status: "done" | "reused" | "error";
    error: string | null; hash: string; computeSeconds: number; checks: { pass: number; total: number }; result: string | null;
  }[];
  /** Every check of every experiment: name, claim, provenance, predicted, measured, error, tolerance, pass (and the experiment). */
  checks: Check[];
  /** Passing and total checks per provenance (whose claim: the paper, a related paper, or dlnlab's approximation or consistency). */
  provenance: { provenance: Provenance; label: string; source: string; pass: number; total: number }[];
  notCovered: typeof NOT_COVERED;
  files: { report: string; markdown: string };
}

/** Add `reproduce` to the program. */
export function registerReproduce(program: Command): void {
  program
    .command("reproduce")
    .summary("reproduce the paper: run the experiment suite in parallel, write figures and a report")
    .description(
      "Run every experiment of experiments/ (or --only some) on a pool of worker threads, with a progress bar per experiment, " +
        "and write OUT/report.html (summary first, then the figures as lazy-loaded images of the SVG files beside it, then every check, " +
        "failing first and filterable; nothing is fetched from elsewhere), OUT/report.md, OUT/summary.json (every check: name, claim, " +
        "provenance — the paper's claim, a related paper's, or dlnlab's own approximation or consistency — predicted, measured, error, pass) and per experiment OUT/<name>/ (result.json, figures as SVG and PNG, data as CSV). Finished experiments " +
        "whose settings did not change are reused; an interrupted run (Ctrl-C, exit code 130) resumes from its finished tasks. " +
        "--quick (the default) takes 37–48 s on 2 cores (measured on fresh clones); --full (the paper-scale budgets) about 4 minutes (244 s).",
    )
    .option("--quick", "the quick budget (default)")
    .option("--full", "the paper-scale budget (longer runs, finer grids, larger full-matrix widths)")
    .option("--smoke", "a tiny budget for tests of the pipeline: every file is written (PNGs at 1× instead of 2×), the numbers are not meaningful")
    .option("--only <names...>", "run only these experiments (file names without .yaml)")
    .option("--out <dir>", "output folder", "results")
    .option("--jobs <n>", `worker threads (default: all cores, here ${availableParallelism()})`)
    .option("--experiments <dir>", "folder of experiment files (default: the experiments/ shipped with dlnlab)")
    .option("--strict", "exit with code 1 when a check fails")
    .option("--fresh", "recompute the selected experiments even where finished results exist (results are keyed by the settings and the dlnlab version, not by the code: use this after changing the engine)")
    .option("--json", "print summary.json on stdout instead of the table")
    .action(async (opts) => {
      const picked = [opts.quick && "quick", opts.full && "full", opts.smoke && "smoke"].filter(Boolean) as Size[];
      if (picked.length > 1) throw new UsageError(`--${picked.join(", --")}: give only one of --quick, --full and --smoke`);
      const size: Size = picked[0] ?? "quick";
      const jobs = opts.jobs === undefined ? availableParallelism() : parseInteger("--jobs", opts.jobs, 1);
      const entries = loadSuite(opts.experiments ?? defaultExperimentsDir(), size, opts.only);
      const code = await runSuite(entries, { size, jobs, out: opts.out, json: opts.json === true, strict: opts.strict === true, fresh: opts.fresh === true });
      process.exitCode = code;
    });
}

/** Options of `runSuite`. */
interface SuiteOptions {
  size: Size;
  jobs: number;
  out: string;
  json: boolean;
  strict: boolean;
  /** Ignore finished results and tasks in `out` (recompute everything selected). */
  fresh?: boolean;
}

/** Run (or reuse) every experiment, then write the summary and the report; resolves to the exit code. */
export async function runSuite(entries: SuiteEntry[], o: SuiteOptions): Promise<number> {
  // One process per output directory: a second `reproduce` into DIR is refused, not mixed in.
  const lock = acquireDirLock(o.out);
  try {
    return await runSuiteLocked(entries, o);
  } finally {
    lock.release();
  }
}

async function runSuiteLocked(entries: SuiteEntry[], o: SuiteOptions): Promise<number> {
  const t0 = performance.now();
  const jobs: Job[] = entries.map((entry) => {
    const name = entry.config.name;
    const stored = o.fresh ? null : readFinished(o.out, name, entry.hash);
    // A result written before checks carried their provenance cannot go into the report: recompute it.
    const result = stored && stored.checks.every((c) => Object.hasOwn(PROVENANCE, c.provenance ?? "")) ? stored : null;
    const tasks = result ? [] : kindFor(entry.resolved).plan(entry.resolved).map((t) => ({ ...t, fraction: 0 }));
    return { entry, tasks, result, reused: result !== null, error: null };
  });
  const display = new SuiteDisplay(jobs.map((j) => j.entry.config.name));
  const stop = onInterrupt();
  const pool = new ReproducePool(Math.max(1, Math.min(o.jobs, jobs.reduce((n, j) => n + j.tasks.length, 0) || 1)));
  const watcher = setInterval(() => {
    if (stop.requested()) pool.cancel();
  }, 100);
  const progressOf = (job: Job, finishing = false) => {
    const total = job.tasks.reduce((a, t) => a + t.weight, 0) || 1;
    const done = job.tasks.reduce((a, t) => a + t.weight * t.fraction, 0);
    const finished = job.tasks.filter((t) => t.fraction >= 1).length;
    display.update(job.entry.config.name, 0.97 * (done / total), finishing ? "figures and checks" : `${finished}/${job.tasks.length} tasks`);
  };
  const verdict = (r: ExperimentResult) => {
    const pass = r.checks.filter((c) => c.pass).length;
    return `${pass}/${r.checks.length} checks pass`;
  };
  /** The first file-system fault (disk full, read-only, permission): the suite stops with it as one line, exit 2. */
  let ioFault: string | null = null;
  const runJob = async (job: Job): Promise<void> => {
    const name = job.entry.config.name;
    if (job.result) {
      display.done(name, `reused (${verdict(job.result)})`);
      return;
    }
    const experiment = { name, hash: job.entry.hash, resolved: job.entry.resolved };
    let reusedTasks = 0;
    try {
      await Promise.all(job.tasks.map(async (t) => {
        if (!o.fresh && readPart(o.out, name, t.id, job.entry.hash)) {
          reusedTasks++;
          t.fraction = 1; // finished before an interruption: kept
          progressOf(job);
          return;
        }
        await pool.run<PartDone>({ type: "part", out: o.out, experiment, task: t.id, args: t.args }, (f) => {
          t.fraction = f;
          progressOf(job);
        });
        t.fraction = 1;
        progressOf(job);
      }));
      progressOf(job, true);
      job.result = await pool.run<ExperimentResult>({ type: "finish", out: o.out, experiment, tasks: job.tasks.map((t) => t.id), reusedTasks });
      display.done(name, `${verdict(job.result)} (${job.result.timing.computeSeconds.toFixed(1)} s compute)`);
    } catch (err) {
      if (stop.requested()) return;
      // A write fault stops the suite (below), not just this job. io.ts's writers (in this thread or a
      // worker's) already said "cannot write PATH: disk full"; a bare one (a figure, cloned from a worker
      // with only its message) is described here.
      const message = (err as Error).message;
      if (/^cannot write .*: (disk full|disk quota exceeded|the file system is read-only|permission denied)$/.test(message)) {
        job.error = message;
        ioFault ??= job.error;
      } else if (isWriteFault(err)) {
        job.error = `cannot write ${describeFsError(err, o.out)}`;
        ioFault ??= job.error;
      } else job.error = errorLine(err);
      display.done(name, `error: ${job.error}`);
    }
  };
  try {
    await Promise.all(jobs.map(runJob));
  } finally {
    clearInterval(watcher);
    display.stop();
    await pool.close();
    stop.dispose();
  }
  if (ioFault) {
    const finished = jobs.filter((j) => j.result).length;
    throw new UsageError(`${ioFault}; ${finished} of ${jobs.length} experiments are finished and every finished task is kept in ${o.out}/: run the same command again once it can be written`);
  }
  if (stop.requested()) {
    const finished = jobs.filter((j) => j.result).length;
    process.stderr.write(`dlnlab: interrupted; ${finished} of ${jobs.length} experiments are finished and every finished task is kept in ${o.out}/; run the same command again to resume\n`);
    return EXIT_INTERRUPTED;
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const summary = writeOutputs(jobs, o, wallSeconds);
  if (o.json) process.stdout.write(toJson(summary) + "\n");
  else process.stdout.write(formatSuite(summary, o.out));
  if (jobs.some((j) => j.error)) return EXIT_FAILURE;
  if (o.strict && summary.checks.some((c) => !c.pass)) return EXIT_FAILURE;
  return 0;
}

/** Write summary.json, report.html and report.md from every experiment's result. */
function writeOutputs(jobs: Job[], o: SuiteOptions, wallSeconds: number): SuiteSummary {
  const created = new Date().toISOString();
  const experiments: ReportExperiment[] = jobs.map((j) => {
    const c = j.entry.resolved;
    const r = j.result;
    return {
      name: c.name, title: c.title, figure: c.figure, claim: c.claim, description: c.description,
      status: j.error ? "error" : j.reused ? "reused" : "done",
      ...(j.error ? { error: j.error } : {}),
      config: c,
      checks: r?.checks ?? [],
      figures: r?.figures ?? [],
      files: r?.files ?? [],
      computeSeconds: r?.timing.computeSeconds ?? 0,
    };
  });
  const summary: SuiteSummary = {
    dlnlab: { version: VERSION, kind: "reproduce" },
    size: o.size,
    created,
    wallSeconds,
    jobs: o.jobs,
    experiments: experiments.map((e, i) => ({
      name: e.name, kind: jobs[i]!.entry.config.kind, title: e.title, figure: e.figure, claim: e.claim, status: e.status,
      error: e.error ?? null, hash: jobs[i]!.entry.hash, computeSeconds: e.computeSeconds,
      checks: { pass: e.checks.filter((c) => c.pass).length, total: e.checks.length },
      result: jobs[i]!.result ? `${e.name}/result.json` : null,
    })),
    checks: experiments.flatMap((e) => e.checks.map((c) => ({ ...c, experiment: e.name }))),
    provenance: provenanceTally(experiments.flatMap((e) => e.checks)).map((t) => ({ ...t, label: PROVENANCE[t.provenance].label, source: PROVENANCE[t.provenance].source })),
    notCovered: NOT_COVERED,
    files: { report: "report.html", markdown: "report.md" },
  };
  writeJsonAtomic(join(o.out, "summary.json"), summary);
  const input = {
    version: VERSION, size: o.size, created, wallSeconds, jobs: o.jobs, experiments, notCovered: NOT_COVERED,
    svgOf: (name: string, file: string) => readFileSync(join(o.out, name, file), "utf8"),
  };
  writeFileAtomic(join(o.out, "report.html"), reportHtml(input));
  writeFileAtomic(join(o.out, "report.md"), reportMarkdown(input));
  return summary;
}

/** The terminal summary: one row per experiment, then every failing check. */
function formatSuite(s: SuiteSummary, out: string): string {
  const rows = [["experiment", "reproduces", "checks", "compute", "status"]];
  for (const e of s.experiments) rows.push([e.name, e.figure, `${e.checks.pass}/${e.checks.total}`, `${e.computeSeconds.toFixed(1)} s`, e.error ? `error: ${e.error}` : e.status]);
  const pass = s.checks.filter((c) => c.pass).length;
  const lines = [table(rows), "", `${pass} of ${s.checks.length} checks pass (${s.size} budget, ${s.wallSeconds.toFixed(1)} s wall time on ${s.jobs} threads): ` +
    s.provenance.map((t) => `${t.label} ${t.pass}/${t.total}`).join(", ") + "."];
  const failing = s.checks.filter((c) => !c.pass);
  if (failing.length > 0) {
    lines.push("", "Failing checks (the report explains each):");
    for (const c of failing) lines.push(`  ${c.experiment}: ${c.name} [${PROVENANCE[c.provenance].label}] — predicted ${fmtValue(c.predicted)}, measured ${fmtValue(c.measured)}`);
  }
  lines.push("", `Report: ${join(out, "report.html")} (also report.md, summary.json, and ${out}/<experiment>/ with figures and data)`);
  return lines.join("\n") + "\n";
}


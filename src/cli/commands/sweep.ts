/**
 * @file `dlnlab sweep SPEC --out DIR` (run every point of a sweep spec, docs/sweeps.md), `dlnlab sweep
 * query DIR SQL` (SQL over the tables `runs` and `trajectories`) and `dlnlab sweep plot DIR` (profiles or a phase diagram).
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Command, Option } from "@commander-js/extra-typings";
import { EXIT_INTERRUPTED, UsageError } from "../errors.js";
import { readConfigFile } from "../config-input.js";
import { expandSweep, parseSweepSpec, sweepHash, SweepSpecError, type SweepPoint, type SweepSpec } from "../../sweep/spec.js";
import { runColumns, runTask, trajectoryColumns, type Row, type TaskRows } from "../../sweep/rows.js";
import { BLOCK_RUNS, batchable, batchKey } from "../../sweep/batch.js";
import { openRuns, SweepStore } from "../sweep/store.js";
import { SweepPool } from "../sweep/pool.js";
import { plotSweep } from "../sweep/plot.js";
import { Progress } from "../progress.js";
import { onInterrupt } from "../signals.js";
import { formatShard, parseShard, type Shard } from "../../sweep/shard.js";
import { checkLayout, shardDir, shardPoints, writeDoneMarker } from "../sweep/shards.js";
import { shardFromEnv } from "../sweep/slurm.js";
import { claimSpec } from "../sweep/store.js";
import { registerSweepCluster } from "./sweep-cluster.js";

/** Read and validate a sweep spec file; every problem is a UsageError naming the field. */
export function loadSweepSpec(file: string): SweepSpec {
  const { raw } = readConfigFile(file, "SPEC");
  try {
    return parseSweepSpec(raw, file);
  } catch (err) {
    if (err instanceof SweepSpecError) throw new UsageError(err.message);
    throw err;
  }
}

/** Split points into worker tasks: kernel blocks of one batch key, and single points of other dynamics. */
export function sweepTasks(points: readonly SweepPoint[]): SweepPoint[][] {
  const groups = new Map<string, SweepPoint[]>();
  const tasks: SweepPoint[][] = [];
  for (const p of points) {
    if (!batchable(p.spec)) {
      tasks.push([p]);
      continue;
    }
    const key = batchKey(p.spec);
    const g = groups.get(key) ?? [];
    g.push(p);
    if (g.length === BLOCK_RUNS) {
      tasks.push(g);
      groups.delete(key);
    } else groups.set(key, g);
  }
  tasks.push(...groups.values());
  return tasks.sort((a, b) => a[0]!.index - b[0]!.index);
}

interface RunOptions {
  out: string;
  jobs: number;
  force: boolean;
  plot: boolean;
  chunkRows: number;
  /** Run only this shard of the points (DIR/shards/I-of-N). */
  shard?: Shard;
}

async function runSweep(file: string, opts: RunOptions): Promise<void> {
  const spec = loadSweepSpec(file);
  let points: SweepPoint[];
  try {
    points = expandSweep(spec, { force: opts.force });
  } catch (err) {
    if (err instanceof SweepSpecError) throw new UsageError(err.message);
    throw err;
  }
  const hash = sweepHash(spec);
  // Columns from all points, so every shard writes the same table.
  const columns = runColumns(spec, points);
  const trajectoryCols = spec.trajectories ? trajectoryColumns(points) : [];
  const shard = opts.shard;
  checkLayout(opts.out, shard, shard ? "--shard" : "--out");
  if (shard) {
    claimSpec(opts.out, spec, hash);
    points = shardPoints(points, shard.count)[shard.index]!;
  }
  const storeDir = shard ? shardDir(opts.out, shard) : opts.out;
  const what = shard ? `shard ${formatShard(shard)}: ${points.length} points` : `${points.length} points`;
  const { store, done } = await SweepStore.open(storeDir, spec, hash, columns, trajectoryCols);
  const stop = onInterrupt();
  const started = performance.now();
  let pool: SweepPool | null = null;
  let written = 0;
  try {
    const byIndex = new Map(points.map((p) => [p.index, p]));
    for (const [index, h] of done) {
      const p = byIndex.get(index);
      if (!p || p.hash !== h) throw new UsageError(`--out: point ${index} in ${opts.out} has config hash ${h}, the spec now gives ${p?.hash ?? "no such point"}; use a new directory`);
    }
    const todo = points.filter((p) => !done.has(p.index));
    const progress = new Progress("sweep", points.length);
    let finished = done.size;
    let buffer: Row[] = [];
    let trajectoryBuffer: Row[] = [];
    let lastFlush = performance.now();
    let chunks = 0;
    const killAfter = Number(process.env.DLNLAB_SWEEP_KILL_AFTER_CHUNKS ?? 0);
    // Chunks are written one after the other (one DuckDB connection), in completion order.
    let writing: Promise<unknown> = Promise.resolve();
    const flush = () => {
      const rows = buffer;
      const trajectories = trajectoryBuffer;
      buffer = [];
      trajectoryBuffer = [];
      lastFlush = performance.now();
      written += rows.length;
      writing = writing.then(async () => {
        await store.write(rows, trajectories);
        // Test hook: die like kill -9 right after the N-th chunk, to test resuming (test/sweep/cli.test.ts).
        if (++chunks === killAfter) process.kill(process.pid, "SIGKILL");
      });
      return writing;
    };
    const accept = ({ runs: rows, trajectories }: TaskRows) => {
      buffer.push(...rows);
      trajectoryBuffer.push(...trajectories);
      finished += rows.length;
      progress.update(finished, `${todo.length - (finished - done.size)} to go`);
      if (buffer.length >= opts.chunkRows || performance.now() - lastFlush > 2000) void flush();
    };
    const tasks = sweepTasks(todo);
    if (opts.jobs <= 1) {
      for (const t of tasks) {
        if (stop.requested()) break;
        accept(runTask(spec, t));
        await writing;
        // Let a pending SIGINT be delivered between tasks.
        await new Promise((r) => setImmediate(r));
      }
    } else {
      const p = (pool = new SweepPool(opts.jobs));
      await new Promise<void>((resolve, reject) => {
        let next = 0;
        let running = 0;
        // After Ctrl-C the running tasks finish (a block takes well under a second) and are stored.
        const timer = setInterval(() => launch(), 100);
        const end = (err?: unknown) => {
          clearInterval(timer);
          if (err) reject(err);
          else resolve();
        };
        const launch = () => {
          while (!stop.requested() && running < 2 * opts.jobs && next < tasks.length) {
            running++;
            p.run({ sweep: spec, indices: tasks[next++]!.map((q) => q.index) }).then((rows) => {
              running--;
              accept(rows);
              launch();
            }, end);
          }
          if (running === 0 && (next >= tasks.length || stop.requested())) end();
        };
        launch();
      });
    }
    await flush();
    progress.stop();
    const seconds = (performance.now() - started) / 1000;
    if (stop.requested()) {
      process.stderr.write(`dlnlab: sweep interrupted: ${finished} of ${points.length} points${shard ? ` of shard ${formatShard(shard)}` : ""} stored in ${storeDir}; run the same command again to finish\n`);
      process.exitCode = EXIT_INTERRUPTED;
      return;
    }
    if (shard) writeDoneMarker(opts.out, shard, hash, points.length);
    process.stdout.write(`sweep: ${what} (${written} computed, ${done.size} already stored) in ${seconds.toFixed(2)} s -> ${storeDir}\n`);
  } finally {
    stop.dispose();
    await pool?.close();
    store.close();
  }
  if (opts.plot) await plotSweep(opts.out).then((files) => files.length && process.stdout.write(`figures: ${files.join(", ")}\n`));
}

/** A directory `sweep query` and `sweep plot` can read (one line otherwise). */
function requireSweepDir(dir: string): void {
  if (!existsSync(join(dir, "spec.json"))) throw new UsageError(`DIR: ${dir} is not a sweep directory (no spec.json)`);
}

/** Print rows as an aligned text table. */
function formatTable(columns: string[], rows: unknown[][]): string {
  const text = rows.map((r) => r.map((v) => (v === null || v === undefined ? "" : typeof v === "number" ? String(v) : String(v))));
  const widths = columns.map((c, j) => Math.max(c.length, ...text.map((r) => r[j]!.length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padEnd(widths[j]!)).join("  ").trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...text.map(line)].join("\n") + "\n";
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function querySweep(dir: string, sql: string, opts: { json?: boolean; csv?: boolean }): Promise<void> {
  requireSweepDir(dir);
  const { connection, close, files } = await openRuns(dir);
  try {
    if (files.length === 0) throw new UsageError(`DIR: ${dir} has no results yet`);
    let reader;
    try {
      reader = await connection.runAndReadAll(sql);
    } catch (err) {
      throw new UsageError(`SQL: ${(err as Error).message.split("\n")[0]}`);
    }
    const names = reader.columnNames();
    const rows = reader.getRowsJS().map((r) => r.map((v) => (typeof v === "bigint" ? Number(v) : v)));
    if (opts.json) {
      process.stdout.write(JSON.stringify(rows.map((r) => Object.fromEntries(names.map((n, j) => [n, r[j] ?? null]))), (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v)) + "\n");
    } else if (opts.csv) {
      process.stdout.write([names.map(csvCell).join(","), ...rows.map((r) => r.map(csvCell).join(","))].join("\n") + "\n");
    } else {
      process.stdout.write(formatTable(names, rows));
    }
  } finally {
    close();
  }
}

/** Add `sweep` (with `query` and `plot`) to the program. */
export function registerSweep(program: Command): void {
  const sweep = program
    .command("sweep")
    .summary("run a sweep spec over any config fields; query and plot its results")
    .description("Sweeps (docs/sweeps.md): `dlnlab sweep SPEC --out DIR` runs every point, `dlnlab sweep query DIR SQL` runs SQL over the tables `runs` and `trajectories`, `dlnlab sweep plot DIR` draws profiles or a phase diagram; `dlnlab sweep slurm SPEC --out DIR --tasks N` runs it as a Slurm job array of shards, `dlnlab sweep status DIR` follows them.");
  sweep
    .command("run", { isDefault: true })
    .description(
      "Run every point of the sweep SPEC (YAML/JSON, docs/sweeps.md), writing DIR/runs-*.parquet in atomic chunks as runs finish. " +
        "Started again on the same DIR it computes only the missing points. Exit code 0 when the sweep ran (diverging points are rows with their status), 2 for a bad spec, 130 after Ctrl-C.",
    )
    .argument("<spec>", "sweep spec (YAML or JSON)")
    .requiredOption("--out <dir>", "results directory (spec.json, runs-*.parquet, figures, report.html)")
    .addOption(new Option("--jobs <n>", "worker threads (default: the machine's cores)").argParser((v) => positiveInt("--jobs", v)))
    .addOption(new Option("--chunk-rows <n>", "rows per Parquet chunk (a chunk is also written every 2 s)").default(4096).argParser((v) => positiveInt("--chunk-rows", v)))
    .option("--force", `run sweeps of more than 10^8 points`)
    .option("--no-plot", "do not draw figures and report.html at the end")
    .option("--shard <I/N>", "run only shard I of N (0 <= I < N; points balanced by estimated cost) into DIR/shards/I-of-N")
    .option("--shard-from-env", "take the shard from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (Kubernetes), N from --shard-count, DLNLAB_SHARD_COUNT or SLURM_ARRAY_TASK_COUNT")
    .addOption(new Option("--shard-count <n>", "N for --shard-from-env (e.g. a Kubernetes Indexed Job's completions)").argParser((v) => positiveInt("--shard-count", v)))
    .action(async (file, opts) => {
      if (opts.shard && opts.shardFromEnv) throw new UsageError("give either --shard I/N or --shard-from-env, not both");
      if (opts.shardCount !== undefined && !opts.shardFromEnv) throw new UsageError("--shard-count: only with --shard-from-env");
      let shard: Shard | undefined;
      try {
        shard = opts.shard !== undefined ? parseShard(opts.shard) : opts.shardFromEnv ? shardFromEnv(process.env, opts.shardCount) : undefined;
      } catch (err) {
        if (err instanceof RangeError) throw new UsageError(err.message);
        throw err;
      }
      await runSweep(file, { out: opts.out, jobs: opts.jobs ?? availableParallelism(), force: Boolean(opts.force), plot: opts.plot, chunkRows: opts.chunkRows, shard });
    });
  registerSweepCluster(sweep);
  sweep
    .command("query")
    .description("Run SQL over the tables `runs` and (with `trajectories` in the spec) `trajectories` of a sweep directory (DuckDB). Prints a table, or --json (an array of row objects) or --csv.")
    .argument("<dir>", "sweep directory")
    .argument("<sql>", 'SQL, e.g. "SELECT h, status, s_1_1 FROM runs ORDER BY h"')
    .option("--json", "print a JSON array of row objects")
    .option("--csv", "print CSV with a header line")
    .action(async (dir, sql, opts) => {
      if (opts.json && opts.csv) throw new UsageError("give either --json or --csv, not both");
      await querySweep(dir, sql, opts);
    });
  sweep
    .command("plot")
    .description("Draw a sweep's figures (SVG and PNG) and DIR/report.html: one axis → profiles with the theory lines, two → a phase diagram of the status, a third → facets.")
    .argument("<dir>", "sweep directory")
    .action(async (dir) => {
      requireSweepDir(dir);
      const files = await plotSweep(dir);
      process.stdout.write(files.length ? `figures: ${files.join(", ")}\n` : "no figures (no results yet)\n");
    });
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected an integer >= 1 (got ${JSON.stringify(v)})`);
  return n;
}


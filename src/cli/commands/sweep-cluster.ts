/**
 * @file `dlnlab sweep slurm SPEC --out DIR --tasks N` (write DIR/sweep.sbatch, a Slurm array job whose
 * task I runs shard I/N; submit it, or resubmit only the shards without results) and `dlnlab sweep
 * status DIR` (per shard: done, running, pending, failed with the log's last line, missing; overall
 * progress). docs/sweeps.md, "Run it on your cluster".
 */
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command, Option } from "@commander-js/extra-typings";
import { UsageError } from "../errors.js";
import { ensureOutDir, writeFileAtomic } from "../io.js";
import { expandSweep, parseSweepSpec, sweepHash, SweepSpecError, type SweepPoint, type SweepSpec } from "../../sweep/spec.js";
import { loadSweepSpec } from "./sweep.js";
import { checkLayout, formatStatus, sweepStatus } from "../sweep/shards.js";
import { claimSpec, shardDirs } from "../sweep/store.js";
import {
  arraySpec, queuedTasks, readSlurmRecord, sbatchScript, shardsToResubmit, submitArray, writeSlurmRecord, type SlurmRecord,
} from "../sweep/slurm.js";

function expand(spec: SweepSpec): SweepPoint[] {
  try {
    return expandSweep(spec, { force: true });
  } catch (err) {
    if (err instanceof SweepSpecError) throw new UsageError(err.message);
    throw err;
  }
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected an integer >= 1 (got ${JSON.stringify(v)})`);
  return n;
}

/** Slurm's time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
function slurmTime(v: string): string {
  if (!/^(\d+-\d+(:\d+){0,2}|\d+(:\d+){0,2})$/.test(v)) throw new UsageError(`--time: expected HH:MM:SS, MM, D-HH or D-HH:MM:SS (got ${JSON.stringify(v)})`);
  return v;
}

/** Memory as sbatch takes it: an integer with an optional unit K, M, G or T. */
function slurmMem(v: string): string {
  if (!/^\d+[KMGT]?$/i.test(v)) throw new UsageError(`--mem: expected an integer with an optional unit K, M, G or T, e.g. 4G (got ${JSON.stringify(v)})`);
  return v;
}

function collect(v: string, prev: string[]): string[] {
  if (!v.startsWith("-")) throw new UsageError(`--sbatch-arg: expected an sbatch option such as --account=abc (got ${JSON.stringify(v)})`);
  return [...prev, v];
}

/** N of a directory: DIR/slurm.json, else the shard directories; null for an unsharded sweep. */
function shardCount(dir: string): number | null {
  const record = readSlurmRecord(dir);
  if (record) return record.tasks;
  const counts = [...new Set(shardDirs(dir).map((s) => s.count))];
  if (counts.length > 1) throw new UsageError(`DIR: ${dir} holds shards of several N (${counts.join(", ")})`);
  return counts[0] ?? null;
}

/** The validated spec and hash stored in DIR/spec.json. */
function storedSpec(dir: string): { spec: SweepSpec; hash: string } {
  const path = join(dir, "spec.json");
  if (!existsSync(path)) throw new UsageError(`DIR: ${dir} is not a sweep directory (no spec.json)`);
  const { spec, hash } = JSON.parse(readFileSync(path, "utf8")) as { spec: unknown; hash: string };
  try {
    const parsed = parseSweepSpec(spec, path);
    if (sweepHash(parsed) !== hash) throw new UsageError(`DIR: ${path} is inconsistent (its spec hashes to ${sweepHash(parsed)}, not ${hash})`);
    return { spec: parsed, hash };
  } catch (err) {
    if (err instanceof SweepSpecError) throw new UsageError(err.message);
    throw err;
  }
}

interface SlurmOptions {
  out: string;
  tasks: number;
  partition?: string;
  time?: string;
  cpusPerTask: number;
  mem?: string;
  arrayParallelism?: number;
  sbatchArg: string[];
  jobName?: string;
  submit?: boolean;
  resubmit?: boolean;
}

async function slurmSweep(file: string, opts: SlurmOptions): Promise<void> {
  if (opts.submit && opts.resubmit) throw new UsageError("give either --submit or --resubmit, not both");
  const spec = loadSweepSpec(file);
  const points = expand(spec);
  const hash = sweepHash(spec);
  if (opts.tasks > points.length) throw new UsageError(`--tasks: ${opts.tasks} tasks for ${points.length} points; use at most ${points.length}`);
  const out = resolve(opts.out);
  const specPath = resolve(file);
  checkLayout(out, { index: 0, count: opts.tasks }, "--tasks");
  const previous = readSlurmRecord(out);
  if (previous && previous.tasks !== opts.tasks) throw new UsageError(`--tasks: ${out} was set up for --tasks ${previous.tasks}; use that or a new directory`);
  ensureOutDir(join(out, "logs"));
  claimSpec(out, spec, hash);
  const script = join(out, "sweep.sbatch");
  writeFileAtomic(script, sbatchScript({
    spec: specPath, out, tasks: opts.tasks, arrayParallelism: opts.arrayParallelism, partition: opts.partition, time: opts.time,
    cpusPerTask: opts.cpusPerTask, mem: opts.mem, extra: opts.sbatchArg, jobName: opts.jobName,
  }));
  chmodSync(script, 0o755);
  const record: SlurmRecord = { tasks: opts.tasks, spec: specPath, sweep_hash: hash, submissions: previous?.submissions ?? [] };
  writeSlurmRecord(out, record);
  const all = Array.from({ length: opts.tasks }, (_, i) => i);
  let tasks: number[] | null = null;
  if (opts.submit) {
    const queued = queuedTasks([...new Set(record.submissions.map((s) => s.job))]) ?? [];
    if (queued.length > 0) throw new UsageError(`--submit: array job ${queued[0]!.job} of ${out} is still in the queue; follow it with \`dlnlab sweep status ${out}\` or use --resubmit`);
    tasks = all;
  } else if (opts.resubmit) {
    const status = await sweepStatus(out, hash, points, opts.tasks);
    tasks = shardsToResubmit(status.status);
    if (tasks.length === 0) {
      process.stdout.write(`nothing to resubmit: every shard of ${out} is done or in the queue (dlnlab sweep status ${out})\n`);
      return;
    }
  }
  if (!tasks) {
    process.stdout.write(`wrote ${script} (array ${arraySpec(all, opts.arrayParallelism)}, ${points.length} points in ${opts.tasks} shards); submit it with \`sbatch ${script}\` or add --submit\n`);
    return;
  }
  const job = submitArray(script, opts.resubmit ? tasks : undefined, opts.arrayParallelism, opts.resubmit ? "--resubmit" : "--submit");
  record.submissions.push({ job, tasks, at: new Date().toISOString() });
  writeSlurmRecord(out, record);
  process.stdout.write(`submitted array job ${job} (${opts.resubmit ? `shards ${arraySpec(tasks)}` : `${opts.tasks} tasks`}) for ${out}; follow it with \`dlnlab sweep status ${out}\`\n`);
}

async function statusSweep(dir: string, opts: { json?: boolean }): Promise<void> {
  const out = resolve(dir);
  const { spec, hash } = storedSpec(out);
  const count = shardCount(out);
  if (count === null) throw new UsageError(`DIR: ${out} is not a sharded sweep (no DIR/shards, no DIR/slurm.json); \`dlnlab sweep query ${dir} "SELECT count(*) FROM runs"\` counts its rows`);
  const points = expand(spec);
  const s = await sweepStatus(out, hash, points, count);
  if (opts.json) {
    process.stdout.write(JSON.stringify(s) + "\n");
    return;
  }
  const record = readSlurmRecord(out);
  const todo = shardsToResubmit(s.status);
  const hint = record
    ? `dlnlab sweep slurm ${record.spec} --out ${out} --tasks ${count} --resubmit`
    : todo.map((i) => `dlnlab sweep SPEC --out ${out} --shard ${i}/${count}`).join("; ");
  process.stdout.write(formatStatus(s, hint));
}

/** Add `slurm` and `status` to the `sweep` command. */
export function registerSweepCluster(sweep: Command): void {
  sweep
    .command("slurm")
    .description(
      "Write DIR/sweep.sbatch, a Slurm array job of N tasks: task I runs shard I/N of SPEC (points balanced by estimated cost) " +
        "with --cpus-per-task worker threads, logging to DIR/logs/JOB_TASK.out. --submit submits it (sbatch) and prints the job id; " +
        "--resubmit submits only the shards that are neither done nor in the queue. Follow with `dlnlab sweep status DIR`; " +
        "`dlnlab sweep query/plot DIR` read all shards, also while some still run.",
    )
    .argument("<spec>", "sweep spec (YAML or JSON)")
    .requiredOption("--out <dir>", "results directory (on a file system the compute nodes share)")
    .requiredOption("--tasks <n>", "number of shards = array tasks N", (v) => positiveInt("--tasks", v))
    .option("--partition <name>", "Slurm partition (default: the cluster's default)")
    .option("--time <limit>", "time limit per task, HH:MM:SS or D-HH:MM:SS (default: the partition's)", slurmTime)
    .addOption(new Option("--cpus-per-task <c>", "CPUs per task, also the worker threads of each shard").default(1).argParser((v) => positiveInt("--cpus-per-task", v)))
    .option("--mem <size>", "memory per task, e.g. 4G (default: the cluster's)", slurmMem)
    .option("--array-parallelism <p>", "run at most P tasks at once (--array=0-(N-1)%P)", (v) => positiveInt("--array-parallelism", v))
    .addOption(new Option("--sbatch-arg <arg>", "one more sbatch option, verbatim (repeatable), e.g. --sbatch-arg=--account=abc").argParser(collect).default([] as string[], "none"))
    .option("--job-name <name>", "Slurm job name (default dlnlab-sweep)")
    .option("--submit", "submit the array with sbatch and print the job id")
    .option("--resubmit", "submit only the failed and missing shards (--array=i,j,…)")
    .action(async (file, opts) => {
      await slurmSweep(file, opts);
    });
  sweep
    .command("status")
    .description("Per shard of a sharded sweep: done, running, pending, failed (with the log's last line) or missing, points stored, and the overall progress.")
    .argument("<dir>", "sweep directory")
    .option("--json", "print one JSON object (shards, points, stored, status per shard)")
    .action(async (dir, opts) => {
      await statusSweep(dir, opts);
    });
}

/**
 * @file Sharded sweeps on an existing scheduler (docs/sweeps.md, "Run it on your cluster"): the Slurm
 * array script `DIR/sweep.sbatch` (task I runs shard I/N), submission with `sbatch`, the queue's view
 * from `squeue`, the per-shard status (done, running, pending, failed with the log's last line, missing),
 * the array of shards to resubmit, and the shard of a task from its environment (Slurm job arrays and
 * Kubernetes Indexed Jobs).
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../errors.js";
import { VERSION } from "../../version.js";
import type { Shard } from "../../sweep/shard.js";

/** The dlnlab launcher next to dist/ (bin/dlnlab.js), by absolute path so a job runs from any cwd. */
export const DLNLAB_BIN = fileURLToPath(new URL("../../../bin/dlnlab.js", import.meta.url));

/** Quote a word for a POSIX shell (single quotes; a quote inside becomes '\''). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What `dlnlab sweep slurm` puts into the array script. */
export interface SbatchOptions {
  /** Absolute path of the sweep spec the tasks read. */
  spec: string;
  /** Absolute path of the results directory. */
  out: string;
  /** Number of shards N = array tasks. */
  tasks: number;
  /** At most this many tasks at once (`%P` of --array; default: all N). */
  arrayParallelism?: number;
  /** Slurm partition (default: the cluster's default partition). */
  partition?: string;
  /** Time limit per task, e.g. 01:30:00 (default: the partition's). */
  time?: string;
  /** CPUs per task; also the sweep's worker threads (default 1). */
  cpusPerTask?: number;
  /** Memory per task as sbatch takes it, e.g. 4G (default: the cluster's). */
  mem?: string;
  /** Further `#SBATCH` arguments, verbatim (e.g. --account=abc, --qos=short). */
  extra?: readonly string[];
  /** Job name (default dlnlab-sweep). */
  jobName?: string;
  /** Absolute path of the Node binary (default: the one running now). */
  node?: string;
  /** Absolute path of bin/dlnlab.js (default: this installation's). */
  bin?: string;
}

/** The `--array` value for these task indices: ranges a-b and single indices, with `%P` when limited. */
export function arraySpec(indices: readonly number[], parallelism?: number): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  if (sorted.length === 0) throw new RangeError("arraySpec: no task indices");
  const parts: string[] = [];
  for (let j = 0; j < sorted.length; ) {
    let k = j;
    while (k + 1 < sorted.length && sorted[k + 1] === sorted[k]! + 1) k++;
    parts.push(k === j ? String(sorted[j]) : `${sorted[j]}-${sorted[k]}`);
    j = k + 1;
  }
  return parts.join(",") + (parallelism !== undefined && parallelism < sorted.length ? `%${parallelism}` : "");
}

/** `DIR/logs/JOB_TASK.out`: where task TASK of array job JOB writes (sbatch's %A_%a). */
export function logPath(out: string, job: string, task: number): string {
  return join(out, "logs", `${job}_${task}.out`);
}

/** An #SBATCH option with a path: sbatch splits directives at blanks unless the value is double-quoted. */
function pathDirective(name: string, path: string): string {
  if (/["\n]/.test(path)) throw new UsageError(`--out: sbatch cannot take a path with a double quote or a newline (${JSON.stringify(path)})`);
  return /\s|'/.test(path) ? `${name}="${path}"` : `${name}=${path}`;
}

/** The array job script: task I runs `dlnlab sweep SPEC --out DIR --shard I/N --jobs C --no-plot`. */
export function sbatchScript(o: SbatchOptions): string {
  const cpus = o.cpusPerTask ?? 1;
  const all = Array.from({ length: o.tasks }, (_, i) => i);
  const directives = [
    `--job-name=${o.jobName ?? "dlnlab-sweep"}`,
    `--array=${arraySpec(all, o.arrayParallelism)}`,
    pathDirective("--output", join(o.out, "logs", "%A_%a.out")),
    `--cpus-per-task=${cpus}`,
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.mem ? [`--mem=${o.mem}`] : []),
    ...(o.extra ?? []),
  ];
  const command = [
    o.node ?? process.execPath, o.bin ?? DLNLAB_BIN, "sweep", o.spec, "--out", o.out,
  ].map(shellQuote).join(" ");
  return [
    "#!/bin/bash",
    `# Written by \`dlnlab sweep slurm\` (dlnlab ${VERSION}): array task I computes shard I/${o.tasks} of the sweep`,
    `# ${o.spec} into ${o.out}. Submit with \`sbatch ${o.out}/sweep.sbatch\` or \`dlnlab sweep slurm … --submit\`;`,
    "# follow with `dlnlab sweep status DIR`. A shard that is started again computes only its missing points.",
    ...directives.map((d) => `#SBATCH ${d}`),
    "set -euo pipefail",
    `echo "dlnlab: shard \${SLURM_ARRAY_TASK_ID}/${o.tasks} (job \${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID}) on $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ)"`,
    `exec ${command} --shard "\${SLURM_ARRAY_TASK_ID}/${o.tasks}" --jobs ${cpus} --no-plot`,
    "",
  ].join("\n");
}

/** The job id in `sbatch --parsable` output ("123" or "123;cluster"). */
export function parseJobId(stdout: string): string {
  const m = /^\s*(\d+)(?:;\S+)?\s*$/.exec(stdout);
  if (!m) throw new Error(`sbatch printed no job id: ${JSON.stringify(stdout.trim())}`);
  return m[1]!;
}

/** Run a Slurm client command; a missing command or a failure is one line naming it and `flag`. */
function slurmCommand(cmd: string, args: readonly string[], flag: string): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `${flag}: ${cmd} not found on PATH (run this on a Slurm login node)` : `${flag}: ${cmd}: ${r.error.message}`);
  }
  if (r.status !== 0) throw new UsageError(`${flag}: ${cmd} ${args.join(" ")} failed: ${(r.stderr || r.stdout).trim().split("\n")[0]}`);
  return r.stdout;
}

/** Submit the array script (optionally only these tasks); returns the array job id. */
export function submitArray(script: string, tasks?: readonly number[], parallelism?: number, flag = "--submit"): string {
  const args = ["--parsable", ...(tasks ? [`--array=${arraySpec(tasks, parallelism)}`] : []), script];
  const out = slurmCommand("sbatch", args, flag);
  try {
    return parseJobId(out);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

/** A task of an array job as squeue shows it. */
export interface QueuedTask {
  /** Array job id (%A of the log name). */
  job: string;
  /** Array task index = shard index. */
  task: number;
  /** Slurm state, e.g. PENDING, RUNNING, COMPLETING. */
  state: string;
}

/** Parse `squeue -h -r -o "%F|%K|%T"` lines; non-array jobs and array ranges not yet split are skipped. */
export function parseSqueue(stdout: string): QueuedTask[] {
  const out: QueuedTask[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^\s*(\d+)\|(\d+)\|([A-Z_]+)\s*$/.exec(line);
    if (m) out.push({ job: m[1]!, task: Number(m[2]), state: m[3]! });
  }
  return out;
}

/** The queued tasks of these array jobs (one line per task: squeue -r), or null when squeue is absent. */
export function queuedTasks(jobs: readonly string[]): QueuedTask[] | null {
  if (jobs.length === 0) return [];
  const r = spawnSync("squeue", ["-h", "-r", "-o", "%F|%K|%T"], { encoding: "utf8", timeout: 30_000 });
  if (r.error || r.status !== 0) return null;
  const wanted = new Set(jobs);
  return parseSqueue(r.stdout).filter((t) => wanted.has(t.job));
}

/** One submission of the array script: which tasks, under which job id. */
export interface Submission {
  job: string;
  tasks: number[];
  /** ISO time of the submission. */
  at: string;
}

/** DIR/slurm.json: how the array was generated and every submission, for status and --resubmit. */
export interface SlurmRecord {
  /** Number of shards N. */
  tasks: number;
  /** Absolute path of the spec the tasks run. */
  spec: string;
  /** The sweep spec's hash. */
  sweep_hash: string;
  submissions: Submission[];
}

/** Read DIR/slurm.json, or null when there is none. */
export function readSlurmRecord(out: string): SlurmRecord | null {
  const path = join(out, "slurm.json");
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, "utf8")) as SlurmRecord;
}

/** Write DIR/slurm.json atomically. */
export function writeSlurmRecord(out: string, record: SlurmRecord): void {
  const path = join(out, "slurm.json");
  writeFileSync(`${path}.tmp`, JSON.stringify(record, null, 2) + "\n");
  renameSync(`${path}.tmp`, path);
}

/** The last non-empty line of a file (reads at most its last 8 KiB), or null when it has none. */
export function lastLine(file: string): string | null {
  if (!existsSync(file)) return null;
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const n = Math.min(size, 8192);
    const buf = new Uint8Array(n);
    readSync(fd, buf, 0, n, size - n);
    const lines = new TextDecoder().decode(buf).split(/\r?\n|\r/).map((l) => l.trim()).filter(Boolean);
    return lines.length ? lines[lines.length - 1]! : null;
  } finally {
    closeSync(fd);
  }
}

/** State of one shard in `dlnlab sweep status`. */
export type ShardState = "done" | "running" | "pending" | "failed" | "missing";

/** What status reports about one shard. */
export interface ShardStatus {
  shard: number;
  state: ShardState;
  /** Points of this shard stored so far. */
  stored: number;
  /** Points assigned to this shard. */
  planned: number;
  /** Latest array job (id_task) this shard was submitted in, if any. */
  job: string | null;
  /** For failed shards: the last line of the task's log. */
  note: string | null;
}

/** What is known of one shard before classifying it. */
export interface ShardFacts {
  stored: number;
  planned: number;
  /** Its done marker exists (and belongs to this spec). */
  done: boolean;
  /** Slurm state if the shard is in the queue. */
  queued?: string;
  /** Latest submission's job id containing this shard. */
  job?: string;
  /** Last line of that submission's log, if the log exists. */
  logLine?: string | null;
  /** A local process holds the shard's lock (a sharded run outside Slurm). */
  locked?: boolean;
}

/**
 * Classify a shard: done (marker), running or pending (in the queue, or locked by a live local
 * process), failed (submitted, left the queue without its marker; note = the log's last line), or
 * missing (never submitted, or submitted and gone without a log).
 */
export function classifyShard(shard: number, f: ShardFacts): ShardStatus {
  const base = { shard, stored: f.stored, planned: f.planned, job: f.job !== undefined ? `${f.job}_${shard}` : null, note: null };
  if (f.done) return { ...base, state: "done" };
  if (f.queued !== undefined) return { ...base, state: f.queued === "PENDING" || f.queued === "CONFIGURING" ? "pending" : "running" };
  if (f.locked) return { ...base, state: "running" };
  if (f.job !== undefined && f.logLine !== undefined && f.logLine !== null) return { ...base, state: "failed", note: f.logLine };
  return { ...base, state: "missing" };
}

/** Shards to submit again: neither done nor in the queue (failed or missing), ascending. */
export function shardsToResubmit(statuses: readonly ShardStatus[]): number[] {
  return statuses.filter((s) => s.state === "failed" || s.state === "missing").map((s) => s.shard);
}

/** Latest submission containing each shard: shard → job id. */
export function latestJobs(record: SlurmRecord | null): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of record?.submissions ?? []) for (const t of s.tasks) out.set(t, s.job);
  return out;
}

/** A non-negative integer from an environment variable, or an error naming it. */
function envInt(env: Record<string, string | undefined>, name: string, min: number): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || n < min) throw new UsageError(`--shard-from-env: ${name}=${JSON.stringify(v)} is not an integer >= ${min}`);
  return n;
}

/**
 * The shard of this task from its environment (`--shard-from-env`): I from SLURM_ARRAY_TASK_ID
 * (Slurm job arrays) or JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs); N from `count` (the
 * `--shard-count` flag), else DLNLAB_SHARD_COUNT, else SLURM_ARRAY_TASK_COUNT. Kubernetes does not
 * tell a pod the job's completions: set DLNLAB_SHARD_COUNT to them in the manifest. A resubmitted
 * subset of a Slurm array has a smaller SLURM_ARRAY_TASK_COUNT, so the generated script passes I/N.
 */
export function shardFromEnv(env: Record<string, string | undefined>, count?: number): Shard {
  const index = envInt(env, "SLURM_ARRAY_TASK_ID", 0) ?? envInt(env, "JOB_COMPLETION_INDEX", 0);
  if (index === undefined) {
    throw new UsageError("--shard-from-env: neither SLURM_ARRAY_TASK_ID (Slurm job array) nor JOB_COMPLETION_INDEX (Kubernetes Indexed Job) is set");
  }
  const n = count ?? envInt(env, "DLNLAB_SHARD_COUNT", 1) ?? envInt(env, "SLURM_ARRAY_TASK_COUNT", 1);
  if (n === undefined) {
    throw new UsageError("--shard-from-env: the number of shards is unknown: pass --shard-count N or set DLNLAB_SHARD_COUNT (a Kubernetes Indexed Job's completions)");
  }
  if (index >= n) throw new UsageError(`--shard-from-env: shard index ${index} is not below the shard count ${n}`);
  return { index, count: n };
}

/**
 * @file The layout of a sharded sweep directory (docs/sweeps.md, "Run it on your cluster"): shard I of N
 * writes its own store DIR/shards/I-of-N/ (spec.json, runs-*.parquet, its lock) and, when all its points
 * are stored, DIR/shards/I-of-N/done.json; DIR/spec.json names the spec of every shard. Also the
 * per-shard status that `dlnlab sweep status` prints.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { lockHolder, writeJsonAtomic } from "../io.js";
import { VERSION } from "../../version.js";
import { estimateCost, formatShard, planShards, type Shard } from "../../sweep/shard.js";
import type { SweepPoint } from "../../sweep/spec.js";
import { chunkFiles, openRuns, shardDirs, sqlString } from "./store.js";
import {
  classifyShard, lastLine, latestJobs, logPath, queuedTasks, readSlurmRecord, type ShardStatus,
} from "./slurm.js";

/** DIR/shards/I-of-N: where shard I of N keeps its results. */
export function shardDir(out: string, shard: Shard): string {
  return join(out, "shards", `${shard.index}-of-${shard.count}`);
}

/** The points of each shard of N: the cost-balanced plan of src/sweep/shard.ts over all points. */
export function shardPoints(points: readonly SweepPoint[], count: number): SweepPoint[][] {
  const plan = planShards(points.map((p) => estimateCost(p.spec)), count);
  const out: SweepPoint[][] = Array.from({ length: count }, () => []);
  points.forEach((p, j) => out[plan.shardOf[j]!]!.push(p));
  return out;
}

/**
 * Refuse to mix layouts in one DIR: shards of another N, or sharded and unsharded results. `shard`
 * is the run about to start (undefined: an unsharded run).
 */
export function checkLayout(out: string, shard: Shard | undefined, flag: string): void {
  const shards = shardDirs(out);
  if (shard) {
    const other = shards.find((s) => s.count !== shard.count);
    if (other) throw new UsageError(`${flag}: ${out} holds shards of N = ${other.count} (${other.path}); use the same N or a new directory`);
    if (chunkFiles(out).length > 0) throw new UsageError(`${flag}: ${out} holds results of an unsharded run; use a new directory for a sharded one`);
  } else if (shards.length > 0) {
    throw new UsageError(`--out: ${out} holds shards of N = ${shards[0]!.count}; run the missing ones with --shard I/${shards[0]!.count} or use a new directory`);
  }
}

/** DIR/shards/I-of-N/done.json: the shard stored all its points. */
export interface DoneMarker {
  sweep_hash: string;
  shard: string;
  /** Points of the shard (all stored). */
  points: number;
  dlnlab_version: string;
  /** ISO time at which the shard finished. */
  finished: string;
}

/** Write the done marker of a finished shard. */
export function writeDoneMarker(out: string, shard: Shard, sweepHash: string, points: number): void {
  const marker: DoneMarker = { sweep_hash: sweepHash, shard: formatShard(shard), points, dlnlab_version: VERSION, finished: new Date().toISOString() };
  writeJsonAtomic(join(shardDir(out, shard), "done.json"), marker);
}

/** The done marker of a shard if it exists and belongs to this spec. */
export function readDoneMarker(out: string, shard: Shard, sweepHash: string): DoneMarker | null {
  const path = join(shardDir(out, shard), "done.json");
  if (!existsSync(path)) return null;
  const m = JSON.parse(readFileSync(path, "utf8")) as DoneMarker;
  return m.sweep_hash === sweepHash ? m : null;
}

/** Is a live process on this machine holding the shard's lock? */
function lockedHere(out: string, shard: Shard): boolean {
  return lockHolder(shardDir(out, shard)) !== null;
}

/** The latest job of each shard that has a log in DIR/logs (JOB_TASK.out). */
function logJobs(out: string): Map<number, string> {
  const dir = join(out, "logs");
  const jobs = new Map<number, string>();
  if (!existsSync(dir)) return jobs;
  for (const name of readdirSync(dir)) {
    const m = /^(\d+)_(\d+)\.out$/.exec(name);
    if (!m) continue;
    const task = Number(m[2]);
    if (!jobs.has(task) || Number(m[1]) > Number(jobs.get(task))) jobs.set(task, m[1]!);
  }
  return jobs;
}

/** Stored points per shard index (distinct points in each shard's chunks). */
async function storedCounts(out: string, count: number): Promise<number[]> {
  const stored = new Array<number>(count).fill(0);
  const { connection, close, files } = await openRuns(out);
  try {
    if (files.length === 0) return stored;
    const reader = await connection.runAndReadAll(
      `SELECT regexp_extract(filename, '/shards/([0-9]+)-of-', 1) AS s, count(DISTINCT point) AS n ` +
        `FROM read_parquet([${files.map(sqlString).join(", ")}], filename = true, union_by_name = true) GROUP BY s`,
    );
    for (const [s, n] of reader.getRowsJS()) {
      const i = Number(s);
      if (s !== "" && i < count) stored[i] = Number(n);
    }
  } finally {
    close();
  }
  return stored;
}

/** The whole sweep's status: each shard's, and the totals. */
export interface SweepStatus {
  dir: string;
  sweep_hash: string;
  shards: number;
  points: number;
  stored: number;
  /** Array job ids submitted for DIR (DIR/slurm.json), oldest first. */
  jobs: string[];
  /** False when squeue could not be asked (no Slurm here): running and pending cannot be told. */
  queue: boolean;
  status: ShardStatus[];
}

/**
 * Gather every shard's state: done markers, stored points, the Slurm queue (jobs in DIR/slurm.json),
 * the logs of shards that left the queue, and local locks (shards run outside Slurm, on this machine).
 */
export async function sweepStatus(out: string, sweepHash: string, points: readonly SweepPoint[], count: number): Promise<SweepStatus> {
  const planned = shardPoints(points, count).map((p) => p.length);
  const stored = await storedCounts(out, count);
  const record = readSlurmRecord(out);
  const jobs = latestJobs(record);
  // Arrays submitted by hand (`sbatch DIR/sweep.sbatch`) are known by their logs; job ids grow.
  for (const [shard, job] of logJobs(out)) if (!jobs.has(shard) || Number(job) > Number(jobs.get(shard))) jobs.set(shard, job);
  const jobIds = [...new Set([...(record?.submissions ?? []).map((s) => s.job), ...jobs.values()])].sort((a, b) => Number(a) - Number(b));
  const queue = queuedTasks(jobIds);
  const queued = new Map<number, string>();
  for (const t of queue ?? []) queued.set(t.task, t.state);
  const status = planned.map((n, i) => {
    const shard = { index: i, count };
    const job = jobs.get(i);
    return classifyShard(i, {
      stored: stored[i]!, planned: n, done: readDoneMarker(out, shard, sweepHash) !== null, queued: queued.get(i), job,
      logLine: job !== undefined ? lastLine(logPath(out, job, i)) : undefined,
      // Only shards no Slurm job ran: a lock written on another node names a pid of that node.
      locked: job === undefined && lockedHere(out, shard),
    });
  });
  return {
    dir: out, sweep_hash: sweepHash, shards: count, points: points.length, stored: stored.reduce((a, b) => a + b, 0),
    jobs: jobIds, queue: queue !== null, status,
  };
}

/** The status as a table, then the overall progress and what to do next. */
export function formatStatus(s: SweepStatus, resubmitHint: string): string {
  const rows = s.status.map((x) => [String(x.shard), x.state, `${x.stored}/${x.planned}`, x.job ?? "-", x.note ?? ""]);
  const head = ["shard", "state", "points", "job", "note"];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padEnd(widths[j]!)).join("  ").trimEnd();
  const count = (state: string) => s.status.filter((x) => x.state === state).length;
  const parts = ["done", "running", "pending", "failed", "missing"].map((st) => [st, count(st)] as const).filter(([, n]) => n > 0);
  const pct = s.points > 0 ? ((100 * s.stored) / s.points).toFixed(1) : "100.0";
  const out = [
    `sweep ${s.dir}: spec ${s.sweep_hash}, ${s.points} points in ${s.shards} shards${s.jobs.length ? `, array job${s.jobs.length > 1 ? "s" : ""} ${s.jobs.join(", ")}` : ""}`,
    line(head),
    ...rows.map(line),
    `progress: ${s.stored} of ${s.points} points stored (${pct}%); shards: ${parts.map(([st, n]) => `${n} ${st}`).join(", ")}`,
  ];
  if (!s.queue && s.jobs.length > 0) out.push("note: squeue is not available here, so queued shards show as failed or missing");
  if (count("failed") + count("missing") > 0) out.push(`resubmit the failed and missing shards: ${resubmitHint}`);
  return out.join("\n") + "\n";
}

/**
 * @file The Slurm side of sharded sweeps without a cluster (src/cli/sweep/slurm.ts): the array script
 * run by bash with a stand-in for dlnlab (so the shell, not this test, parses the quoting), `--array`
 * strings expanded independently, sbatch/squeue output parsing, shard classification and the shard
 * of a task from Slurm or Kubernetes environment variables.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  arraySpec, classifyShard, lastLine, parseJobId, parseSqueue, sbatchScript, shardFromEnv, shardsToResubmit, shellQuote,
} from "../../src/cli/sweep/slurm.js";
import { UsageError } from "../../src/cli/errors.js";

const tmp = mkdtempSync(join(tmpdir(), "dlnlab-slurm-unit-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Expand an sbatch --array value ("0-3,7,9-10%2") into its indices and the limit, as Slurm reads it. */
function expandArray(spec: string): { indices: number[]; limit: number | null } {
  const [list, limit] = spec.split("%");
  const indices = list!.split(",").flatMap((part) => {
    const [a, b] = part.split("-").map(Number);
    return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, j) => a! + j);
  });
  return { indices, limit: limit === undefined ? null : Number(limit) };
}

describe("sbatchScript", () => {
  // Paths with a space and a single quote: the script must hand them to dlnlab as one word each.
  const spec = join(tmp, "my spec's.yaml");
  const out = join(tmp, "out dir");
  const argvDump = join(tmp, "argv.mjs");
  writeFileSync(argvDump, "process.stdout.write(JSON.stringify(process.argv.slice(2)));\n");
  const script = sbatchScript({
    spec, out, tasks: 4, arrayParallelism: 2, partition: "short", time: "00:30:00", cpusPerTask: 3, mem: "2G",
    extra: ["--account=lab", "--qos=low"], bin: argvDump,
  });

  it("is an array job 0-(N−1)%P with the options as #SBATCH lines and logs under DIR/logs", () => {
    const directives = script.split("\n").filter((l) => l.startsWith("#SBATCH ")).map((l) => l.slice(8));
    expect(directives).toEqual([
      "--job-name=dlnlab-sweep", "--array=0-3%2", `--output="${out}/logs/%A_%a.out"`, "--cpus-per-task=3",
      "--partition=short", "--time=00:30:00", "--mem=2G", "--account=lab", "--qos=low",
    ]);
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
  });

  it("runs shard $SLURM_ARRAY_TASK_ID/N of the spec by absolute paths, from any directory", () => {
    const file = join(tmp, "sweep.sbatch");
    writeFileSync(file, script);
    for (const task of [0, 3]) {
      const r = spawnSync("bash", [file], { cwd: "/", encoding: "utf8", env: { PATH: "/usr/bin:/bin", SLURM_ARRAY_TASK_ID: String(task), SLURM_ARRAY_JOB_ID: "77" } });
      expect(r.status, r.stderr).toBe(0);
      const [banner, argv] = r.stdout.split("\n");
      expect(banner).toMatch(new RegExp(`^dlnlab: shard ${task}/4 \\(job 77_${task}\\) on `));
      expect(JSON.parse(argv!)).toEqual(["sweep", spec, "--out", out, "--shard", `${task}/4`, "--jobs", "3", "--no-plot"]);
    }
  });

  it("refuses an output path sbatch cannot quote", () => {
    expect(() => sbatchScript({ spec: "/s.yaml", out: '/a"b', tasks: 2 })).toThrow(/^--out: sbatch cannot/);
  });

  it("leaves partition, time and memory to the cluster when not given", () => {
    const plain = sbatchScript({ spec: "/s.yaml", out: "/o", tasks: 5 });
    expect(plain).toMatch(/^#SBATCH --array=0-4$/m);
    expect(plain).toMatch(/^#SBATCH --cpus-per-task=1$/m);
    expect(plain).toMatch(/^#SBATCH --output=\/o\/logs\/%A_%a.out$/m);
    expect(plain).not.toMatch(/--partition|--time|--mem/);
    expect(plain).toContain(shellQuote(process.execPath));
  });
});

describe("arraySpec", () => {
  it("lists exactly the given tasks, compressed into ranges (fast-check)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 40 }), fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }), (tasks, p) => {
        const s = arraySpec(tasks, p);
        const { indices, limit } = expandArray(s);
        expect(indices).toEqual([...tasks].sort((a, b) => a - b));
        expect(limit).toBe(p !== undefined && p < tasks.length ? p : null);
        // No two adjacent parts that could have been one range.
        expect(s.split("%")[0]!.split(",").length).toBeLessThanOrEqual(tasks.length);
      }),
    );
    expect(arraySpec([0, 1, 2, 3], 2)).toBe("0-3%2");
    expect(arraySpec([3, 1, 5, 6, 7])).toBe("1,3,5-7");
  });
});

describe("sbatch and squeue output", () => {
  it("reads the job id of sbatch --parsable, with or without a cluster name", () => {
    expect(parseJobId("1234\n")).toBe("1234");
    expect(parseJobId("99;cluster2\n")).toBe("99");
    expect(() => parseJobId("sbatch: error: Batch job submission failed")).toThrow(/no job id/);
  });

  it("reads squeue -r -o '%F|%K|%T' one task a line, skipping unsplit ranges and non-array jobs", () => {
    // As printed by Slurm 22.05 for `--array=0-5%2` two seconds after submission, plus a plain job.
    const text = "5|2|PENDING\n5|3|PENDING\n5|0|RUNNING\n5|1|RUNNING\n6|2-5%2|PENDING\n7|N/A|RUNNING\n";
    expect(parseSqueue(text)).toEqual([
      { job: "5", task: 2, state: "PENDING" }, { job: "5", task: 3, state: "PENDING" },
      { job: "5", task: 0, state: "RUNNING" }, { job: "5", task: 1, state: "RUNNING" },
    ]);
  });
});

describe("classifyShard", () => {
  const facts = { stored: 3, planned: 10, done: false };
  it("tells done, running, pending, failed and missing apart", () => {
    expect(classifyShard(0, { ...facts, done: true, stored: 10, queued: "RUNNING", job: "5" }).state).toBe("done");
    expect(classifyShard(1, { ...facts, queued: "RUNNING", job: "5" })).toMatchObject({ state: "running", job: "5_1" });
    expect(classifyShard(1, { ...facts, queued: "COMPLETING", job: "5" }).state).toBe("running");
    expect(classifyShard(2, { ...facts, queued: "PENDING", job: "5" }).state).toBe("pending");
    expect(classifyShard(3, { ...facts, locked: true }).state).toBe("running");
    const failed = classifyShard(4, { ...facts, job: "5", logLine: "slurmstepd: error: *** JOB 9 ON vm CANCELLED ***" });
    expect(failed).toMatchObject({ state: "failed", note: "slurmstepd: error: *** JOB 9 ON vm CANCELLED ***", job: "5_4" });
    expect(classifyShard(5, { ...facts, job: "5", logLine: null }).state).toBe("missing");
    expect(classifyShard(6, facts)).toMatchObject({ state: "missing", job: null });
    expect(shardsToResubmit([failed, classifyShard(6, facts), classifyShard(2, { ...facts, queued: "PENDING", job: "5" })])).toEqual([4, 6]);
  });

  it("takes the last non-empty line of a log, also past 8 KiB", () => {
    const log = join(tmp, "x.out");
    writeFileSync(log, "a\n".repeat(10_000) + "the end\n\n  \n");
    expect(lastLine(log)).toBe("the end");
    writeFileSync(log, "");
    expect(lastLine(log)).toBeNull();
    expect(lastLine(join(tmp, "none.out"))).toBeNull();
  });
});

describe("shardFromEnv", () => {
  it("takes I and N from a Slurm array task", () => {
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "8" })).toEqual({ index: 3, count: 8 });
  });
  it("takes I from a Kubernetes Indexed Job and N from DLNLAB_SHARD_COUNT or the flag", () => {
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: "0", DLNLAB_SHARD_COUNT: "16" })).toEqual({ index: 0, count: 16 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: "5" }, 6)).toEqual({ index: 5, count: 6 });
    // The flag wins over the variables: a resubmitted subset has a smaller SLURM_ARRAY_TASK_COUNT.
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "2" }, 8)).toEqual({ index: 5, count: 8 });
  });
  it("names the variable that is missing or wrong", () => {
    const cases: [Record<string, string>, number | undefined, RegExp][] = [
      [{}, undefined, /SLURM_ARRAY_TASK_ID .*JOB_COMPLETION_INDEX/],
      [{ JOB_COMPLETION_INDEX: "1" }, undefined, /DLNLAB_SHARD_COUNT/],
      [{ JOB_COMPLETION_INDEX: "x" }, 4, /JOB_COMPLETION_INDEX="x"/],
      [{ JOB_COMPLETION_INDEX: "1", DLNLAB_SHARD_COUNT: "0" }, undefined, /DLNLAB_SHARD_COUNT="0"/],
      [{ SLURM_ARRAY_TASK_ID: "4", SLURM_ARRAY_TASK_COUNT: "4" }, undefined, /index 4 is not below the shard count 4/],
    ];
    for (const [env, count, pattern] of cases) {
      expect(() => shardFromEnv(env, count)).toThrow(UsageError);
      expect(() => shardFromEnv(env, count)).toThrow(pattern);
    }
  });
});

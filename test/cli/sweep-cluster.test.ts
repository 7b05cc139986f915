/**
 * @file A sharded sweep on a real Slurm cluster (skipped with the reason when none answers; CI starts
 * one with scripts/slurm/start.sh): `dlnlab sweep slurm --submit` as a 4-task array, followed with
 * `dlnlab sweep status`, one task cancelled midway (scancel), `--resubmit` of exactly that shard,
 * which resumes from its stored points, and the merged table equal to the same sweep run locally.
 * Every wait is bounded. The CLI calls run its built `main` in this process (runMain): a node start per
 * once-a-second status poll would take CPU from the cluster's tasks on the same machine.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runMain } from "../helpers/cli.js";
import { describeWithSlurm } from "../helpers/slurm.js";

// Full-matrix points that never converge (loss tolerance 1e-300), so each runs all its steps and a
// shard of 12 takes about 4 s on one idle core (0.33 s a point; longer when loaded): a chunk is written
// at the first point after 2 s, so there is time to cancel it midway. At 150 000 steps a shard took
// 1.95 s idle and finished before its first chunk, so the resubmit path was never exercised.
const SPEC = {
  name: "slurm integration test",
  base: {
    width: 2, depths: [3, 3], target: { sigma: [1, 0.5] }, init: { type: "svs", scales: [0.01, 0.008] },
    dynamics: "full", steps: 300000, stop: { lossTol: 1e-300 },
  },
  axes: { h: { from: 0.5, to: 2.5, points: 6 }, seed: { range: 8 } },
};
const POINTS = 48;
const TASKS = 4;
const VICTIM = 1;
/** Bound of every wait for the cluster (the whole test is about a minute here). */
const WAIT_MS = 300_000;

type Status = { stored: number; points: number; status: { shard: number; state: string; stored: number; planned: number; job: string | null; note: string | null }[] };

const root = mkdtempSync(join(tmpdir(), "dlnlab-slurm-test-"));
afterAll(() => {
  // A failed test may leave its arrays queued: cancel exactly the jobs it submitted, then clean up.
  const record = join(root, "cluster", "slurm.json");
  if (existsSync(record)) {
    const jobs = (JSON.parse(readFileSync(record, "utf8")) as { submissions: { job: string }[] }).submissions.map((s) => s.job);
    if (jobs.length > 0) spawnSync("scancel", jobs, { encoding: "utf8" });
  }
  rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `check` every `everyMs` until it returns a value, at most WAIT_MS. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, everyMs: number): Promise<T> {
  const end = Date.now() + WAIT_MS;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up after ${WAIT_MS / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function status(dir: string): Promise<Status> {
  const r = await runMain(["sweep", "status", dir, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Status;
}

/** Until no shard is running or pending: `dlnlab sweep status` polled once a second. */
async function settled(dir: string): Promise<Status> {
  return waitFor("the array to leave the queue", async () => {
    const s = await status(dir);
    return s.status.some((x) => x.state === "running" || x.state === "pending") ? undefined : s;
  }, 1000);
}

describeWithSlurm("dlnlab sweep slurm on a real Slurm cluster", () => {
  it("runs a 4-task array, survives a cancelled task by resubmitting it, and equals the local sweep", async () => {
    const started = Date.now();
    const spec = join(root, "spec.yaml");
    writeFileSync(spec, JSON.stringify(SPEC));
    const dir = join(root, "cluster");
    const sub = await runMain(["sweep", "slurm", spec, "--out", dir, "--tasks", String(TASKS), "--array-parallelism", "2", "--submit"]);
    expect(sub.code, sub.stderr).toBe(0);
    const job = /submitted array job (\d+) \(4 tasks\)/.exec(sub.stdout)?.[1];
    expect(job, sub.stdout).toBeDefined();
    expect(readFileSync(join(dir, "sweep.sbatch"), "utf8")).toContain("#SBATCH --array=0-3%2");

    // Cancel the victim once it has stored a chunk but not finished (files only: polling is cheap).
    const victimDir = join(dir, "shards", `${VICTIM}-of-${TASKS}`);
    const phase = await waitFor("shard 1 to store its first chunk", () => {
      if (existsSync(join(victimDir, "done.json"))) return "finished";
      const chunks = existsSync(victimDir) ? readdirSync(victimDir).filter((f) => /^runs-\d+\.parquet$/.test(f)) : [];
      return chunks.length > 0 ? "midway" : undefined;
    }, 100);
    let storedBefore = 0;
    if (phase === "midway") {
      const c = spawnSync("scancel", [`${job}_${VICTIM}`], { encoding: "utf8" });
      expect(c.status, c.stderr).toBe(0);
    }
    const afterKill = await settled(dir);
    const victim = afterKill.status[VICTIM]!;
    if (phase === "midway" && victim.state !== "done") {
      expect(victim.state).toBe("failed");
      expect(victim.note, "the log's last line").toMatch(/CANCELLED|interrupted/);
      expect(victim.stored).toBeLessThan(victim.planned);
      storedBefore = victim.stored;
      for (const s of afterKill.status) if (s.shard !== VICTIM) expect(s.state, `shard ${s.shard}`).toBe("done");
      const text = await runMain(["sweep", "status", dir]);
      expect(text.stdout).toMatch(new RegExp(`^${VICTIM}\\s+failed\\s+${storedBefore}/${victim.planned}\\s+${job}_${VICTIM}\\s+\\S`, "m"));
      expect(text.stdout).toContain(`--tasks ${TASKS} --resubmit`);
      process.stdout.write(`dlnlab sweep status (after scancel of ${job}_${VICTIM}):\n${text.stdout}`);

      const re = await runMain(["sweep", "slurm", spec, "--out", dir, "--tasks", String(TASKS), "--array-parallelism", "2", "--resubmit"]);
      expect(re.code, re.stderr).toBe(0);
      const again = /submitted array job (\d+) \(shards 1\)/.exec(re.stdout)?.[1];
      expect(again, re.stdout).toBeDefined();
      const final = await settled(dir);
      expect(final.status.map((s) => s.state)).toEqual(new Array(TASKS).fill("done"));
      // The resubmitted task resumed: it computed only the points the cancelled one had not stored.
      const log = readFileSync(join(dir, "logs", `${again}_${VICTIM}.out`), "utf8");
      expect(log).toMatch(new RegExp(`shard ${VICTIM}/${TASKS}: ${victim.planned} points \\(${victim.planned - storedBefore} computed, ${storedBefore} already stored\\)`));
    } else {
      // Only on a machine fast enough to finish the shard between two polls: nothing to cancel.
      process.stderr.write(`[slurm] shard ${VICTIM} finished before it could be cancelled; the resubmit path was not exercised\n`);
      expect(afterKill.status.map((s) => s.state)).toEqual(new Array(TASKS).fill("done"));
      const re = await runMain(["sweep", "slurm", spec, "--out", dir, "--tasks", String(TASKS), "--resubmit"]);
      expect(re.stdout).toMatch(/nothing to resubmit/);
    }
    const done = await runMain(["sweep", "status", dir]);
    expect(done.stdout).toMatch(new RegExp(`progress: ${POINTS} of ${POINTS} points stored \\(100\\.0%\\); shards: ${TASKS} done`));
    process.stdout.write(`dlnlab sweep status (at the end):\n${done.stdout}`);
    process.stdout.write(`[slurm] 4-task array with a cancelled and resubmitted task: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

    // The same sweep run locally: the merged table is equal, bit for bit, with no point twice.
    const local = join(root, "local");
    const l = await runMain(["sweep", spec, "--out", local, "--no-plot"]);
    expect(l.code, l.stderr).toBe(0);
    const sql = "SELECT * FROM runs ORDER BY point";
    const a = await runMain(["sweep", "query", dir, sql, "--json"]);
    const b = await runMain(["sweep", "query", local, sql, "--json"]);
    expect(a.stdout).toBe(b.stdout);
    const n = await runMain(["sweep", "query", dir, "SELECT count(*) AS n, count(DISTINCT point) AS d FROM runs", "--json"]);
    expect(JSON.parse(n.stdout)).toEqual([{ n: POINTS, d: POINTS }]);
  }, 2 * WAIT_MS);
});

/**
 * @file Sharded sweeps without a scheduler, through the built CLI: the shards of N = 2 and 5 together
 * are the unsharded table bit for bit (read by DuckDB through `sweep query` and, file by file, by
 * hyparquet), every file carries the spec's hash, mixed layouts and other specs are refused, the
 * shard can come from Kubernetes' environment, `sweep status` tells done from missing shards, and
 * `sweep slurm` writes its script without a cluster. 500 steps per point: the shards and their cost balance do
 * not depend on the budget, only on the points.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { afterAll, describe, expect, it } from "vitest";
import { expectUsageError, runMain } from "../helpers/cli.js";

// Every call runs the built CLI's `main` in this process (runMain): the ~25 calls of this file would
// otherwise spend most of their time starting node. Nothing here needs its own process.
const runCli = runMain;

const root = mkdtempSync(join(tmpdir(), "dlnlab-shard-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Reduced points (batched kernel) and full-matrix points (one task each): costs differ by d² = 4 per
// step and more for the Lanczos sharpness, so the cost balance puts different counts in the shards.
const SPEC = {
  name: "shard test",
  base: { width: 2, depths: [3, 3], target: { sigma: [1, 0.5] }, init: { type: "svs", scales: [0.01, 0.008] }, steps: 500 },
  axes: { dynamics: { values: ["reduced", "full"] }, h: { from: 0.5, to: 2.5, points: 6 }, seed: { range: 2 } },
};
const POINTS = 24;
const specFile = join(root, "spec.yaml");
/** Each test calls the CLI 8–12 times: ≈ 0.2–0.5 s each on one idle core, 5–15× that on a loaded 2-core machine. */
const SLOW = 240_000;
writeFileSync(specFile, JSON.stringify(SPEC));

/** `SELECT * FROM runs ORDER BY point` as JSON text: equal text means equal doubles, bit for bit. */
async function table(dir: string): Promise<string> {
  const q = await runCli(["sweep", "query", dir, "SELECT * FROM runs ORDER BY point", "--json"]);
  expect(q.code, q.stderr).toBe(0);
  return q.stdout;
}

async function sweep(args: string[], env?: NodeJS.ProcessEnv) {
  return runCli(["sweep", specFile, "--jobs", "1", "--no-plot", ...args], { env });
}

let unsharded = "";

describe("dlnlab sweep --shard I/N", () => {
  it("gives, over all shards of N = 2 and of N = 5, exactly the unsharded table", async () => {
    const full = join(root, "full");
    const res = await sweep(["--out", full]);
    expect(res.code, res.stderr).toBe(0);
    unsharded = await table(full);
    expect(JSON.parse(unsharded)).toHaveLength(POINTS);
    const hash = (JSON.parse(readFileSync(join(full, "spec.json"), "utf8")) as { hash: string }).hash;
    for (const n of [2, 5]) {
      const dir = join(root, `n${n}`);
      for (let i = 0; i < n; i++) {
        const r = await sweep(["--out", dir, "--shard", `${i}/${n}`]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^sweep: shard ${i}/${n}: \\d+ points`));
      }
      expect(await table(dir), `N = ${n}`).toBe(unsharded);
      // Independently of DuckDB: every shard file read by hyparquet; each point in exactly one shard.
      const owner = new Map<number, number>();
      const fullPoints = new Array<number>(n).fill(0);
      for (let i = 0; i < n; i++) {
        const sd = join(dir, "shards", `${i}-of-${n}`);
        let rows = 0;
        for (const f of readdirSync(sd).filter((x) => /^runs-\d+\.parquet$/.test(x))) {
          const buf = readFileSync(join(sd, f));
          const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
          const kv = Object.fromEntries((parquetMetadata(file).key_value_metadata ?? []).map((e) => [e.key, e.value]));
          expect(kv.sweep_hash, `${sd}/${f}`).toBe(hash);
          for (const row of await parquetReadObjects({ file, columns: ["point", "axis_dynamics"] })) {
            const p = Number(row.point);
            // Non-numeric axis values are stored as JSON text.
            if (row.axis_dynamics === JSON.stringify("full")) fullPoints[i]!++;
            expect(owner.has(p), `point ${p} in shards ${owner.get(p)} and ${i}`).toBe(false);
            owner.set(p, i);
            rows++;
          }
        }
        const done = JSON.parse(readFileSync(join(sd, "done.json"), "utf8")) as { sweep_hash: string; points: number; shard: string };
        expect(done).toMatchObject({ sweep_hash: hash, points: rows, shard: `${i}/${n}` });
      }
      expect([...owner.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: POINTS }, (_, j) => j));
      // Balanced by cost, not by position: the 12 expensive full-matrix points (the second half of the
      // expansion order) are spread over the shards as evenly as they can be, ⌊12/N⌋ or ⌈12/N⌉ each.
      for (const f of fullPoints) expect([Math.floor(12 / n), Math.ceil(12 / n)], `full points per shard ${fullPoints}`).toContain(f);
    }
  }, SLOW);

  it("refuses other specs, other shard counts and sharded with unsharded results in one DIR", async () => {
    const dir = join(root, "n2");
    const other = join(root, "other.yaml");
    writeFileSync(other, JSON.stringify({ ...SPEC, base: { ...SPEC.base, steps: 400 } }));
    expectUsageError(await runCli(["sweep", other, "--out", dir, "--shard", "0/2", "--no-plot"]), /--out: .* holds results of another sweep spec/, "other spec");
    expectUsageError(await sweep(["--out", dir, "--shard", "0/4"]), /--shard: .* holds shards of N = 2/, "other N");
    expectUsageError(await sweep(["--out", dir]), /--out: .* holds shards of N = 2; run the missing ones with --shard I\/2/, "unsharded into sharded");
    expectUsageError(await sweep(["--out", join(root, "full"), "--shard", "0/2"]), /--shard: .* holds results of an unsharded run/, "sharded into unsharded");
    expectUsageError(await sweep(["--out", dir, "--shard", "2/2"]), /--shard: I must be < N/, "I = N");
    expectUsageError(await sweep(["--out", dir, "--shard", "1/2", "--shard-from-env"]), /either --shard I\/N or --shard-from-env/, "both");
  }, SLOW);

  it("takes the shard from a Kubernetes Indexed Job's environment, and status tells done from missing shards", async () => {
    const dir = join(root, "k8s");
    const env = { JOB_COMPLETION_INDEX: "1", DLNLAB_SHARD_COUNT: "3" };
    const r = await sweep(["--out", dir, "--shard-from-env"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, "shards", "1-of-3", "done.json"))).toBe(true);
    expectUsageError(await sweep(["--out", dir, "--shard-from-env"], { JOB_COMPLETION_INDEX: "1" }), /--shard-from-env: .*DLNLAB_SHARD_COUNT/, "no count");

    const st = await runCli(["sweep", "status", dir, "--json"]);
    expect(st.code, st.stderr).toBe(0);
    const s = JSON.parse(st.stdout) as { shards: number; points: number; stored: number; status: { shard: number; state: string; stored: number; planned: number }[] };
    expect(s.status.map((x) => x.state)).toEqual(["missing", "done", "missing"]);
    expect(s.status.reduce((a, x) => a + x.planned, 0)).toBe(POINTS);
    expect(s.stored).toBe(s.status[1]!.planned);
    const text = await runCli(["sweep", "status", dir]);
    expect(text.stdout).toMatch(new RegExp(`progress: ${s.stored} of ${POINTS} points stored .*1 done, 2 missing`));
    expect(text.stdout).toContain(`--shard 0/3; dlnlab sweep SPEC --out ${dir} --shard 2/3`);
    // Query works while shards are missing: the rows of shard 1 only.
    const q = await runCli(["sweep", "query", dir, "SELECT count(*) AS n FROM runs", "--json"]);
    expect(JSON.parse(q.stdout)).toEqual([{ n: s.stored }]);
  }, SLOW);
});

describe("dlnlab sweep slurm (no submission)", () => {
  it("writes DIR/sweep.sbatch and DIR/slurm.json, and names the flag of bad input", async () => {
    const dir = join(root, "slurm");
    const r = await runCli(["sweep", "slurm", specFile, "--out", dir, "--tasks", "4", "--time", "00:10:00", "--mem", "1G", "--sbatch-arg=--qos=low"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote .*sweep\.sbatch \(array 0-3, 24 points in 4 shards\)/);
    const script = readFileSync(join(dir, "sweep.sbatch"), "utf8");
    for (const line of ["#SBATCH --array=0-3", "#SBATCH --time=00:10:00", "#SBATCH --mem=1G", "#SBATCH --qos=low", `--shard "\${SLURM_ARRAY_TASK_ID}/4"`]) expect(script).toContain(line);
    expect(JSON.parse(readFileSync(join(dir, "slurm.json"), "utf8"))).toMatchObject({ tasks: 4, spec: specFile, submissions: [] });
    expectUsageError(await runCli(["sweep", "slurm", specFile, "--out", dir, "--tasks", "3"]), /--tasks: .* was set up for --tasks 4/, "other N");
    expectUsageError(await runCli(["sweep", "slurm", specFile, "--out", join(root, "s2"), "--tasks", "25"]), /--tasks: 25 tasks for 24 points/, "too many tasks");
    expectUsageError(await runCli(["sweep", "slurm", specFile, "--out", join(root, "s2"), "--tasks", "2", "--time", "soon"]), /--time: expected/, "time");
    expectUsageError(await runCli(["sweep", "slurm", specFile, "--out", join(root, "s2"), "--tasks", "2", "--mem", "lots"]), /--mem: expected/, "mem");
    expectUsageError(await runCli(["sweep", "slurm", specFile, "--out", join(root, "s2"), "--tasks", "2", "--sbatch-arg", "qos"]), /--sbatch-arg: expected an sbatch option/, "sbatch arg");
    const st = await runCli(["sweep", "status", dir]);
    expect(st.stdout).toMatch(/0 of 24 points stored .*4 missing/);
    expect(st.stdout).toContain(`dlnlab sweep slurm ${specFile} --out ${dir} --tasks 4 --resubmit`);
  }, SLOW);
});

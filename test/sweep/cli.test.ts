/**
 * `dlnlab sweep` end to end through the built CLI: rows equal separate `dlnlab run` calls point by
 * point (batched reduced points and full-matrix points through the worker pool), the Parquet chunks
 * read back with an independent reader (hyparquet) including their key-value metadata, a sweep killed
 * after two chunks and started again gives the same table as an uninterrupted one, the lock, SQL
 * queries, figures, and one-line errors for bad specs. Calls run the built CLI's `main` in this process
 * (runMain) except where a test needs a process of its own: the killed sweep and the lock held by a live pid.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { expectUsageError, runCli, runMain } from "../helpers/cli.js";

const tmp = () => mkdtempSync(join(tmpdir(), "dlnlab-sweep-test-"));

/** Every row of DIR's chunks (of table `runs`, or `trajectories`), read with hyparquet, sorted by point (and step); also the chunks' metadata. */
async function readRuns(dir: string, table: "runs" | "trajectories" = "runs"): Promise<{ rows: Record<string, unknown>[]; meta: Record<string, string>[] }> {
  const rows: Record<string, unknown>[] = [];
  const meta: Record<string, string>[] = [];
  for (const f of readdirSync(dir).filter((n) => new RegExp(`^${table}-\\d+\\.parquet$`).test(n)).sort()) {
    const buf = readFileSync(join(dir, f));
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    meta.push(Object.fromEntries((parquetMetadata(file).key_value_metadata ?? []).map((kv) => [kv.key, kv.value ?? ""])));
    rows.push(...(await parquetReadObjects({ file })));
  }
  rows.sort((a, b) => Number(a.point) - Number(b.point) || Number(a.step ?? 0) - Number(b.step ?? 0));
  return { rows, meta };
}

// Records every 5 steps and sharpness every 1000 keep the separate `dlnlab run` calls cheap.
const reducedBase = { width: 1, depths: [4, 4], target: { sigma: [1] }, init: { type: "svs", scales: [0.0016, 0.00130321] }, dynamics: "reduced", steps: 3000, record: { every: 5 }, sharpness: { every: 1000 } };

describe("dlnlab sweep", () => {
  it("gives the rows of separate dlnlab run calls, in Parquet with the spec as metadata", async () => {
    const dir = tmp();
    const lrs = [0.125, 0.5625, 0.625, 0.75, 1.2];
    const spec = { name: "cli test", base: reducedBase, axes: { lr: { values: lrs } } };
    writeFileSync(join(dir, "s.yaml"), JSON.stringify(spec));
    const res = await runMain(["sweep", join(dir, "s.yaml"), "--out", join(dir, "out"), "--jobs", "1"]);
    expect(res.code, res.stderr).toBe(0);
    const { rows, meta } = await readRuns(join(dir, "out"));
    expect(rows.map((r) => r.axis_lr)).toEqual(lrs);
    expect(JSON.parse(meta[0]!.spec!)).toMatchObject(spec);
    expect(meta[0]!.dlnlab_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(meta[0]!.sweep_hash).toMatch(/^[0-9a-f]{16}$/);
    for (const [j, lr] of lrs.entries()) {
      writeFileSync(join(dir, "run.json"), JSON.stringify({ ...reducedBase, lr }));
      const one = await runMain(["run", join(dir, "run.json"), "--json"]);
      const r = JSON.parse(one.stdout) as { status: string; final: { step: number; loss: number; s: number[][]; sharpness: number | null } };
      const row = rows[j]!;
      expect(row.status, `lr ${lr}`).toBe(r.status);
      expect(Number(row.final_step)).toBe(r.final.step);
      // Bit for bit: JSON and Parquet both carry every double exactly.
      expect(row.loss).toBe(r.final.loss);
      expect([row.s_1_1, row.s_2_1]).toEqual([r.final.s[0]![0], r.final.s[1]![0]]);
      // Closed-form vs dense-block sharpness of one mode: 1e-12 relative (test/sweep/batch.test.ts).
      if (r.final.sharpness !== null) expect(Math.abs((row.sharpness as number) - r.final.sharpness)).toBeLessThanOrEqual(1e-12 * r.final.sharpness);
    }
    // SQL over the table runs.
    const q = await runMain(["sweep", "query", join(dir, "out"), "SELECT status, count(*) AS n FROM runs GROUP BY status ORDER BY status", "--json"]);
    const counts = JSON.parse(q.stdout) as { status: string; n: number }[];
    expect(counts.reduce((a, c) => a + c.n, 0)).toBe(lrs.length);
    const csv = await runMain(["sweep", "query", join(dir, "out"), "SELECT point, axis_lr FROM runs ORDER BY point", "--csv"]);
    expect(csv.stdout.trim().split("\n")).toEqual(["point,axis_lr", ...lrs.map((lr, j) => `${j},${lr}`)]);
    // A 1-axis sweep draws profiles; the report embeds them and loads nothing from outside.
    const html = readFileSync(join(dir, "out", "report.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/<(script|link|img)\b[^>]*(src|href)=/);
  }, 120_000);

  it("runs full-matrix points one task each through the worker pool, equal to dlnlab run", async () => {
    const dir = tmp();
    const base = { width: 2, depths: [3, 3], target: { sigma: [1, 0.5], basis: "symmetric" }, init: { type: "gaussian", std: 0.1 }, dynamics: "full", steps: 400, lr: 0.2 };
    writeFileSync(join(dir, "s.yaml"), JSON.stringify({ base, axes: { seed: { range: 3 } } }));
    const res = await runMain(["sweep", join(dir, "s.yaml"), "--out", join(dir, "out"), "--jobs", "2", "--no-plot"]);
    expect(res.code, res.stderr).toBe(0);
    const { rows } = await readRuns(join(dir, "out"));
    expect(rows).toHaveLength(3);
    for (const seed of [0, 1, 2]) {
      writeFileSync(join(dir, "run.json"), JSON.stringify({ ...base, seed }));
      const r = JSON.parse((await runMain(["run", join(dir, "run.json"), "--json"])).stdout) as { status: string; final: { step: number; loss: number; s: number[][] } };
      const row = rows[seed]!;
      expect([row.status, Number(row.final_step), row.loss]).toEqual([r.status, r.final.step, r.final.loss]);
      expect([row.s_1_1, row.s_1_2, row.s_2_1, row.s_2_2]).toEqual([r.final.s[0]![0], r.final.s[0]![1], r.final.s[1]![0], r.final.s[1]![1]]);
    }
  }, 120_000);

  it("resumes a sweep killed after two chunks to the tables of an uninterrupted sweep, trajectories included", async () => {
    const dir = tmp();
    // 6 kernel blocks of 256 runs: chunks of 256 rows with --chunk-rows 256 --jobs 1.
    writeFileSync(join(dir, "s.yaml"), JSON.stringify({
      base: { ...reducedBase, steps: 500 }, axes: { h: { from: 0.5, to: 4.5, points: 48 }, "init.scales.1": { from: 5e-4, to: 1.5e-3, points: 32 } }, trajectories: { every: 100 },
    }));
    const args = (out: string) => ["sweep", join(dir, "s.yaml"), "--out", join(dir, out), "--jobs", "1", "--chunk-rows", "256", "--no-plot"];
    const killed = await runCli(args("a"), { env: { DLNLAB_SWEEP_KILL_AFTER_CHUNKS: "2" } });
    expect(killed.signal).toBe("SIGKILL");
    expect((await readRuns(join(dir, "a"))).rows).toHaveLength(512);
    // A trajectory chunk whose runs chunk never landed (a write cut between the two) is not a result.
    copyFileSync(join(dir, "a", "trajectories-000000.parquet"), join(dir, "a", "trajectories-000007.parquet"));
    // The dead sweep's lock is stale: the next one takes it over and computes only the rest.
    const resumed = await runMain(args("a"));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/1536 points \(1024 computed, 512 already stored\)/);
    const whole = await runMain(args("b"));
    expect(whole.code, whole.stderr).toBe(0);
    const a = (await readRuns(join(dir, "a"))).rows;
    const b = (await readRuns(join(dir, "b"))).rows;
    expect(a).toHaveLength(1536);
    expect(new Set(a.map((r) => r.point)).size).toBe(1536);
    expect(a).toEqual(b);
    expect(readdirSync(join(dir, "a"))).not.toContain("trajectories-000007.parquet");
    const ta = (await readRuns(join(dir, "a"), "trajectories")).rows;
    const tb = (await readRuns(join(dir, "b"), "trajectories")).rows;
    expect(ta).toEqual(tb);
    // Each run's trajectory: steps 0, 100, … below its final step, then its final state, which is the runs row's.
    const byPoint = new Map<number, Record<string, unknown>[]>();
    for (const r of ta) byPoint.set(Number(r.point), [...(byPoint.get(Number(r.point)) ?? []), r]);
    expect(byPoint.size).toBe(1536);
    for (const r of a) {
      const t = byPoint.get(Number(r.point))!;
      const fin = Number(r.final_step);
      expect(t.map((x) => Number(x.step))).toEqual([...Array.from({ length: Math.ceil(fin / 100) }, (_, j) => 100 * j), fin]);
      const last = t[t.length - 1]!;
      expect([last.loss, last.s_1_1, last.s_2_1, last.balance_1]).toEqual([r.loss, r.s_1_1, r.s_2_1, r.balance_1]);
    }
    // The figures draw a few of the trajectories against the step.
    const plot = await runMain(["sweep", "plot", join(dir, "a")]);
    expect(plot.code, plot.stderr).toBe(0);
    const svg = readFileSync(join(dir, "a", "sweep-trajectories.svg"), "utf8");
    expect(svg).toContain("Balance of mode 1 along the run");
    expect(svg).toContain("GD step");
    // One drawn line per shown run and panel: groups stroked in the first run's colour holding a path of several points.
    expect((svg.match(/stroke="#0072B2" fill="none"><path d="M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){2,}/g) ?? []).length).toBe(2);
    // Nothing more to do: a third start computes no point.
    expect((await runMain(args("a"))).stdout).toMatch(/\(0 computed, 1536 already stored\)/);
  }, 180_000);

  it("refuses a directory locked by a running sweep and specs that are bad", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "s.yaml"), JSON.stringify({ base: reducedBase, axes: { lr: { values: [0.1] } } }));
    const out = join(dir, "out");
    expect((await runMain(["sweep", join(dir, "s.yaml"), "--out", out, "--jobs", "1", "--no-plot"])).code).toBe(0);
    // This test's own process is alive: its pid in the lock means "in use".
    writeFileSync(join(out, ".dlnlab.lock"), JSON.stringify({ pid: process.pid }));
    expectUsageError(await runCli(["sweep", join(dir, "s.yaml"), "--out", out]), new RegExp(`--out: .* in use by process ${process.pid}`));
    writeFileSync(join(dir, "other.yaml"), JSON.stringify({ base: reducedBase, axes: { lr: { values: [0.2] } } }));
    expectUsageError(await runCli(["sweep", join(dir, "other.yaml"), "--out", out]), /--out: .*in use by process|holds results of another sweep spec/);
    writeFileSync(join(dir, "bad.yaml"), "base: {}\naxes:\n  lr: { values: [] }\n");
    expectUsageError(await runMain(["sweep", join(dir, "bad.yaml"), "--out", join(dir, "x")]), /bad\.yaml: axes\.lr/);
    writeFileSync(join(dir, "bad2.yaml"), JSON.stringify({ base: reducedBase, axes: { "init.scalez": { values: [1] } } }));
    expectUsageError(await runMain(["sweep", join(dir, "bad2.yaml"), "--out", join(dir, "y")]), /init\.scalez: unknown field/);
    expectUsageError(await runMain(["sweep", "query", out, "SELEC nonsense"]), /SQL: /);
    expectUsageError(await runMain(["sweep", "plot", join(dir, "nothing-here")]), /DIR: .* is not a sweep directory/);
    // A directory as the spec (an EISDIR stack before), and a misspelt field (named, not the field it hides).
    expectUsageError(await runMain(["sweep", dir, "--out", join(dir, "z")]), /SPEC: .* is a directory, not a YAML or JSON file/);
    writeFileSync(join(dir, "bad3.yaml"), JSON.stringify({ base: reducedBase, axes: { lr: { values: [0.1] } }, trajectories: { evry: 5 } }));
    expectUsageError(await runMain(["sweep", join(dir, "bad3.yaml"), "--out", join(dir, "w")]), /bad3\.yaml: trajectories\.evry: unknown field/);
  }, 120_000);
});

/**
 * @file `npm run bench:lab-sweep`: the sweep rate of the browser lab (sweep.html: the engine's batched
 * kernel in one Web Worker per core, in Debian's Chromium) against `dlnlab sweep --jobs N` (worker
 * threads, Parquet chunks) on the same spec, both measured in this command. Rates are runs × steps per
 * second of wall time: with the spec's step budget (points × steps) and with the steps actually taken
 * (Σ final_step: runs that converge or diverge stop early). Needs `npm run build && npm run build:lab`.
 *
 * Usage: `npm run bench:lab-sweep -- [--points 8192] [--steps 10000] [--jobs 2]`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { DIST_LAB, ROOT, launchChromium, serveStatic } from "../test/lab/harness.js";

const argv = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const POINTS = arg("--points", 8192);
const STEPS = arg("--steps", 10_000);
const JOBS = arg("--jobs", 2);

/** K = 4 pathways of depth 4 (the phase diagram of issue 13's benchmark), h across the window and beyond. */
const spec = {
  name: "lab sweep benchmark",
  base: { width: 1, depths: [4, 4, 4, 4], target: { sigma: [1] }, init: { type: "svs", scales: [1e-3, 9e-4, 8.1e-4, 7.29e-4] }, dynamics: "reduced", steps: STEPS },
  axes: { h: { from: 0.5, to: 4.5, points: POINTS } },
};

declare const document: { getElementById(id: string): { dataset: Record<string, string | undefined> } | null };

async function browser(): Promise<{ seconds: number; steps: number; runs: number; workers: string }> {
  const server = await serveStatic(DIST_LAB);
  const chromium = await launchChromium();
  try {
    const page = await (await chromium.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    await page.goto(`${server.origin}/sweep.html?spec=${encodeURIComponent(JSON.stringify(spec))}`);
    await page.click("#sweep-run");
    const workers = (await page.textContent("#sweep-status")) ?? "";
    await page.waitForFunction(() => document.getElementById("sweep-status")?.dataset.phase === "done", null, { timeout: 600_000 });
    const d = await page.$eval("#sweep-rate", (e) => ({ ...(e as unknown as { dataset: Record<string, string> }).dataset }));
    return { seconds: Number(d.seconds), steps: Number(d.steps), runs: Number(d.runs), workers };
  } finally {
    await chromium.close();
    await server.close();
  }
}

async function cli(): Promise<{ seconds: number; steps: number; runs: number }> {
  const dir = mkdtempSync(join(tmpdir(), "dlnlab-bench-lab-sweep-"));
  try {
    writeFileSync(join(dir, "spec.json"), JSON.stringify(spec));
    // Wall time of the whole command, as a user sees it (start-up and Parquet writing included).
    const t0 = performance.now();
    const res = spawnSync(process.execPath, [join(ROOT, "bin/dlnlab.js"), "sweep", join(dir, "spec.json"), "--out", join(dir, "out"), "--jobs", String(JOBS), "--no-plot"], { encoding: "utf8" });
    const seconds = (performance.now() - t0) / 1000;
    if (res.status !== 0) throw new Error(`dlnlab sweep failed: ${res.stderr}`);
    let steps = 0;
    let runs = 0;
    for (const f of readdirSync(join(dir, "out")).filter((n) => /^runs-\d+\.parquet$/.test(n))) {
      const buf = readFileSync(join(dir, "out", f));
      for (const r of await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer, columns: ["final_step"] })) {
        steps += Number(r.final_step);
        runs++;
      }
    }
    return { seconds, steps, runs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number) => x.toExponential(3);
const report = (name: string, r: { seconds: number; steps: number; runs: number }) =>
  console.log(`${name.padEnd(28)} ${String(r.runs).padStart(7)} runs  ${r.seconds.toFixed(2).padStart(7)} s  ${fmt((r.runs * STEPS) / r.seconds)} runs×steps/s (budget)  ${fmt(r.steps / r.seconds)} steps/s (taken)`);

const c = await cli();
const b = await browser();
console.log(`spec: K = 4, L = 4, ${POINTS} points of h ∈ [0.5, 4.5], ${STEPS} steps each; ${JOBS} CLI jobs; browser: ${b.workers}`);
report(`dlnlab sweep --jobs ${JOBS}`, c);
report("lab sweep.html (Chromium)", b);
console.log(`browser / CLI rate (budget): ${((b.runs / b.seconds) / (c.runs / c.seconds)).toFixed(2)}`);

/**
 * @file Issue 16 point 3 in the built lab (Chromium): sweep.html runs a small 2-axis sweep on the
 * engine's batched kernel in Web Workers and its cells equal the engine's rows for the same points
 * (computed here in the test process with src/sweep, i.e. what `dlnlab sweep`'s workers run); a cell
 * clicked on the heat map opens in the run page and reaches that row's final state; Parquet chunks
 * written by the real `dlnlab sweep` show the same cells; the URL round-trips the spec and the cell.
 * Screenshots of both sizes go to results/ to be looked at.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Download, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expandSweep, parseSweepSpec } from "../../src/sweep/spec.js";
import { runPoints, type Row } from "../../src/sweep/rows.js";
import { outcome } from "../../src/sweep/cells.js";
import { runCli } from "../helpers/cli.js";
import { ROOT, useLab, describeWithChromium } from "./harness.js";

const RESULTS = join(ROOT, "results");

interface El {
  textContent: string | null;
  value: string;
  dataset: Record<string, string | undefined>;
  getBoundingClientRect(): { top: number; left: number; right: number; bottom: number; width: number; height: number };
}
declare const location: { href: string };
declare const document: { getElementById(id: string): El | null; documentElement: { scrollWidth: number; clientWidth: number } };

/**
 * 9 step sizes h across and beyond the window × 2 depths, K = 2: converged, re-balanced and failed
 * cells. The init scales α_k are chosen so that the per-layer scales α_k^{1/L} (Math.pow) are exact
 * for L = 2 and 4 (2^-6, 2^-3, 0.875²·2^-6, 0.875·2^-3): Chromium's and Node's V8 round Math.pow
 * differently in the last bit (0.001^(1/3) is 0.1 in Node 20, 0.10000000000000002 in Chromium), and
 * an ulp in the start of an oscillating run grows into a different final state. With exact starts the
 * WebAssembly kernel takes the same steps in both.
 */
const SPEC = {
  name: "e2e phase diagram",
  base: { width: 1, target: { sigma: [1] }, init: { type: "svs", scales: [2 ** -12, 0.875 ** 4 * 2 ** -12] }, dynamics: "reduced", steps: 4000 },
  axes: { h: { from: 0.5, to: 4.5, points: 9 }, depths: { values: [[2, 2], [4, 4]] } },
};

/** The engine's rows for SPEC, by point. */
function engineRows(raw: unknown): Row[] {
  const spec = parseSweepSpec(raw);
  return runPoints(spec, expandSweep(spec)).sort((a, b) => Number(a.point) - Number(b.point));
}

/**
 * Rows equal column by column. The kernel is WebAssembly (the same bits everywhere); the row's loss,
 * sharpness and balance are JS arithmetic with Math.pow, whose last ulp may differ between Node's and
 * Chromium's V8 builds: floats agree to 1e-12 relative (a few ulps through the closed-form sharpness
 * solve), everything else (status, steps, flags, hashes, axis values) exactly.
 */
function expectSameRows(actual: Row[], expected: Row[]): void {
  expect(actual.map((r) => r.point)).toEqual(expected.map((r) => r.point));
  expected.forEach((e, j) => {
    const a = actual[j]!;
    expect(Object.keys(a).sort()).toEqual(Object.keys(e).sort());
    for (const [k, v] of Object.entries(e)) {
      const got = a[k];
      if (typeof v === "number" && typeof got === "number" && !Number.isInteger(v)) {
        expect(Math.abs(got - v), `point ${e.point} ${k}: ${got} vs ${v}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v)));
      } else expect(got, `point ${e.point} ${k}`).toEqual(v);
    }
  });
}

async function downloaded(page: Page, click: () => Promise<void>): Promise<Buffer> {
  const [d] = (await Promise.all([page.waitForEvent("download"), click()])) as [Download, void];
  return readFileSync((await d.path())!);
}


describeWithChromium("issue 16 sweep page (Chromium)", () => {
  const lab = useLab({ beforeAll, afterAll });
  const expected = engineRows(SPEC);
  const query = `?spec=${encodeURIComponent(JSON.stringify(SPEC))}`;

  beforeAll(() => {
    mkdirSync(RESULTS, { recursive: true });
  });

  /** The sweep page has no run worker to wait for. */
  const open = (path: string, viewport?: { width: number; height: number }): Promise<{ page: Page; errors: string[] }> => lab.open(path, viewport, { waitReady: false });

  async function runSweep(page: Page): Promise<Row[]> {
    await page.click("#sweep-run");
    await page.waitForFunction(() => document.getElementById("sweep-status")?.dataset.phase === "done", null, { timeout: 60_000 });
    return JSON.parse((await downloaded(page, () => page.click("#export-rows-json"))).toString()) as Row[];
  }

  it("runs a 2-axis sweep in Web Workers whose cells equal the engine's rows; screenshots at both sizes", async () => {
    const { page, errors } = await open(`sweep.html${query}`);
    const rows = await runSweep(page);
    expectSameRows(rows, expected);
    // Both outcomes kinds occur, so the comparison covers converged cells and status categories.
    expect(new Set(expected.map((r) => ("value" in outcome(r) ? "value" : "category"))).size).toBe(2);
    const counts = JSON.parse((await page.$eval("#sweep-counts", (e) => (e as unknown as El).dataset.counts))!) as Record<string, number>;
    const want: Record<string, number> = {};
    for (const r of expected) {
      const o = outcome(r);
      const k = "value" in o ? "converged" : o.category;
      want[k] = (want[k] ?? 0) + 1;
    }
    expect(counts).toEqual(want);
    await page.waitForTimeout(100);
    await page.screenshot({ path: join(RESULTS, "lab-sweep-1440x900.png"), fullPage: true });
    const phone = await open(`sweep.html${query}`, { width: 390, height: 844 });
    await runSweep(phone.page);
    const fig = await phone.page.$eval("#sweep-canvas", (e) => (e as unknown as El).getBoundingClientRect());
    expect(fig.top).toBeLessThan(844);
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
    await phone.page.screenshot({ path: join(RESULTS, "lab-sweep-390x844.png"), fullPage: true });
    expect([...errors, ...phone.errors]).toEqual([]);
  });

  it("a clicked cell opens as a single run in the run page with the same final state", async () => {
    const { page, errors } = await open(`sweep.html${query}`);
    const pageRows = await runSweep(page);
    // The cell of h = 2.5 (x index 4 of 9, edges ±0.25 beyond the ends) and depths [4, 4] (row 1 of 2).
    await page.waitForFunction((n) => document.getElementById("sweep-canvas")?.dataset.drawn === String(n), pageRows.length);
    const box = await page.$eval("#sweep-canvas", (e) => (e as unknown as El).getBoundingClientRect());
    const left = 118, right = 16, top = 26, bottom = 58;
    const x = left + ((2.5 - 0.25) / (4.75 - 0.25)) * (box.width - left - right);
    const y = top + 1.5 * ((box.height - top - bottom) / 2);
    await page.mouse.click(box.left + x, box.top + y);
    const point = Number(await page.$eval("#cell-open", (e) => (e as unknown as El).dataset.point));
    // The page's own row: the run page runs in the same browser, so equality is exact (see SPEC for Node).
    const row = pageRows.find((r) => r.point === point)!;
    expect(row.axis_h).toBe(2.5);
    expect(row.axis_depths).toBe("[4,4]");
    expect(await page.evaluate(() => location.href)).toContain(`cell=${point}`);
    await page.click("#cell-open");
    await page.waitForFunction(() => document.getElementById("run-status")?.dataset.phase === "done", null, { timeout: 60_000 });
    await page.waitForTimeout(100);
    const run = JSON.parse((await downloaded(page, () => page.click("#export-json"))).toString()) as { status: string; final: { step: number; s: number[][] } };
    // Simulation in the run page and the batched kernel take bit-for-bit the same steps (src/sweep/batch.ts).
    expect(run.status).toBe(row.status);
    expect(run.final.step).toBe(row.final_step);
    expect(run.final.s[0]![0]).toBe(row.s_1_1);
    expect(run.final.s[1]![0]).toBe(row.s_2_1);
    expect(errors).toEqual([]);
  });

  it("shows the cells of Parquet chunks written by dlnlab sweep", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dlnlab-lab-sweep-"));
    writeFileSync(join(dir, "s.json"), JSON.stringify(SPEC));
    // Small chunks: the page must read several files as one table.
    const res = await runCli(["sweep", join(dir, "s.json"), "--out", join(dir, "out"), "--jobs", "1", "--no-plot", "--chunk-rows", "5"]);
    expect(res.code, res.stderr).toBe(0);
    const files = readdirSync(join(dir, "out")).filter((f) => /^runs-\d+\.parquet$/.test(f)).map((f) => join(dir, "out", f));
    expect(files.length).toBeGreaterThan(1);
    const { page, errors } = await open("sweep.html");
    await page.setInputFiles("#parquet-file", files);
    await page.waitForFunction(() => document.getElementById("sweep-status")?.dataset.phase === "loaded", null, { timeout: 30_000 });
    const rows = JSON.parse((await downloaded(page, () => page.click("#export-rows-json"))).toString()) as Row[];
    expectSameRows(rows, expected);
    // The spec comes from the files' metadata: the editor holds it, and the URL carries it.
    const url = new URL(await page.evaluate(() => location.href));
    expect(parseSweepSpec(JSON.parse(url.searchParams.get("spec")!))).toEqual(parseSweepSpec(SPEC));
    expect(errors).toEqual([]);
  });

  it("round-trips the spec and the selected cell through the URL, and opens a spec file", async () => {
    const { page, errors } = await open("sweep.html");
    await page.waitForFunction(() => /points/.test(document.getElementById("sweep-count")?.textContent ?? ""));
    const edited = { ...SPEC, axes: { h: { from: 1, to: 3, points: 5 }, depths: { values: [[2, 2], [5, 5]] } } };
    await page.fill("#sweep-spec", JSON.stringify(edited));
    // location.href, not page.url(): history.replaceState reaches Playwright's URL asynchronously.
    const url = new URL(await page.evaluate(() => location.href));
    expect(JSON.parse(url.searchParams.get("spec")!)).toEqual(edited);
    const again = await open(`sweep.html?${url.searchParams.toString()}&cell=3`);
    const text = await again.page.$eval("#sweep-spec", (e) => (e as unknown as El).value);
    expect(parseSweepSpec((await import("yaml")).parse(text))).toEqual(parseSweepSpec(edited));
    expect(await again.page.textContent("#sweep-count")).toBe("10 points × 4,000 steps");
    expect(new URL(await again.page.evaluate(() => location.href)).searchParams.get("cell")).toBe("3");
    expect(await again.page.isVisible("#cell-open")).toBe(true);
    // A spec file (YAML, comments and all) opens into the editor and the URL.
    const file = join(mkdtempSync(join(tmpdir(), "dlnlab-lab-spec-")), "phase-K4.yaml");
    writeFileSync(file, readFileSync(join(ROOT, "examples", "sweeps", "phase-K4.yaml")));
    await again.page.setInputFiles("#spec-file", file);
    await again.page.waitForFunction(() => /^486 points/.test(document.getElementById("sweep-count")?.textContent ?? ""));
    const opened = new URL(await again.page.evaluate(() => location.href));
    expect(parseSweepSpec(JSON.parse(opened.searchParams.get("spec")!))).toEqual(parseSweepSpec((await import("yaml")).parse(readFileSync(file, "utf8"))));
    expect([...errors, ...again.errors]).toEqual([]);
  });

  it("names the field of a bad spec and keeps Run disabled; Stop ends a running sweep at once", async () => {
    const { page, errors } = await open("sweep.html");
    await page.waitForFunction(() => /points/.test(document.getElementById("sweep-count")?.textContent ?? ""));
    await page.fill("#sweep-spec", JSON.stringify({ ...SPEC, axes: { h: { from: 1, points: 3 } } }));
    expect(await page.textContent("#sweep-spec-error")).toMatch(/^spec: axes\.h: /);
    expect(await page.isDisabled("#sweep-run")).toBe(true);
    // 10⁵ points × 10⁴ steps: minutes of work, stopped right after it starts.
    const big = { ...SPEC, base: { ...SPEC.base, steps: 10_000 }, axes: { h: { from: 0.5, to: 4.5, points: 50_000 }, depths: { values: [[2, 2], [4, 4]] } } };
    await page.fill("#sweep-spec", JSON.stringify(big));
    expect(await page.textContent("#sweep-spec-error")).toBe("");
    await page.click("#sweep-run");
    expect(await page.isDisabled("#sweep-run")).toBe(true);
    await page.click("#sweep-stop");
    expect(await page.$eval("#sweep-status", (e) => (e as unknown as El).dataset.phase)).toBe("stopped");
    const done = Number(await page.$eval("#sweep-rate", (e) => (e as unknown as El).dataset.runs));
    expect(done).toBeLessThan(100_000);
    // The workers are gone: a second later the page still shows the rows it had at Stop.
    await page.waitForTimeout(1000);
    expect(await page.textContent("#sweep-progress-text")).toBe(`${done.toLocaleString("en-US")} / 100,000 points`);
    expect(await page.isDisabled("#sweep-run")).toBe(false);
    expect(errors).toEqual([]);
  });
});

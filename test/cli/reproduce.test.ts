/**
 * @file `dlnlab reproduce` as a user runs it (the built binary): a smoke-budget run of the whole suite
 * writes every file and a report that reads top-down with every check's provenance; a second run reuses
 * every finished experiment; --only and --fresh select and recompute; bad input is one line and exit
 * code 2; Ctrl-C exits 130 keeping finished tasks, and the next run resumes from them.
 *
 * Timeouts come from what each test does, measured on one idle core (`taskset -c 0`), with room for a
 * 2-core machine shared with other busy processes: at load average 20–25 these tests ran 5–15× slower.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PROVENANCES } from "../../src/experiments/checks.js";
import { expectUsageError, runCli } from "../helpers/cli.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXPERIMENTS = join(ROOT, "experiments");
const tmp = () => mkdtempSync(join(tmpdir(), "dlnlab-reproduce-"));
const names = readdirSync(EXPERIMENTS).filter((f) => f.endsWith(".yaml")).map((f) => f.replace(/\.yaml$/, "")).sort();

/** The whole suite at the smoke budget: ≈ 17 s on one idle core, of which ≈ 2 s render ~25 figures to PNG at 1× (156 s pinned to one core at load 25). */
const SUITE_MS = 300_000;
/** One or two small experiments, or a run that only rereads finished results and rewrites the report: ≤ 3 s (21 s at load 25). */
const SMALL_MS = 60_000;
/** The Ctrl-C test: two CLI starts, two worker-thread starts, 12 small tasks and two figures, ≈ 5 s of CPU (over 60 s at load 25). */
const CTRL_C_MS = 180_000;

interface SummaryCheck { name: string; experiment: string; provenance: string; pass: boolean }

describe("dlnlab reproduce --smoke", () => {
  const out = tmp();

  it("runs the whole suite and writes the report, the summary and every experiment's files", { timeout: SUITE_MS }, async () => {
    // --jobs by default: every core the process may use (2 on CI, where the pool's parallel paths run;
    // 1 under `taskset -c 0`, where a second worker thread would only share the core, 2.7 s slower).
    const first = await runCli(["reproduce", "--smoke", "--out", out], { timeoutMs: SUITE_MS });
    expect(first.code, first.stderr).toBe(0);
    for (const f of ["report.html", "report.md", "summary.json"]) expect(existsSync(join(out, f)), f).toBe(true);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.dlnlab.kind).toBe("reproduce");
    expect(summary.size).toBe("smoke");
    expect(summary.experiments.map((e: { name: string }) => e.name).sort()).toEqual(names);
    expect(summary.checks.length).toBeGreaterThan(50);
    // Every paper figure is in the suite (Figs. 3 and 7 as kind mlp): the field stays, empty.
    expect(summary.notCovered).toEqual([]);
    expect(summary.experiments.filter((e: { kind: string }) => e.kind === "mlp").map((e: { figure: string }) => e.figure).sort()).toEqual(["Fig. 3", "Fig. 7"]);
    for (const c of summary.checks) {
      for (const key of ["name", "claim", "provenance", "predicted", "measured", "error", "pass", "experiment"]) expect(c, `${c.name}: ${key}`).toHaveProperty(key);
      expect(typeof c.pass).toBe("boolean");
    }
    const html = readFileSync(join(out, "report.html"), "utf8");
    for (const name of names) {
      const dir = join(out, name);
      const result = JSON.parse(readFileSync(join(dir, "result.json"), "utf8"));
      expect(result.name).toBe(name);
      expect(result.figures.length, name).toBeGreaterThan(0);
      for (const f of result.figures) {
        expect(readFileSync(join(dir, f.svg), "utf8"), `${name}/${f.svg}`).toMatch(/^<svg\b/);
        const png = readFileSync(join(dir, f.png));
        expect(png.subarray(1, 4).toString(), `${name}/${f.png}`).toBe("PNG");
        // --smoke renders at 1×: the IHDR width is the SVG's width in px (2× that at the other budgets).
        const svgWidth = Number(/^<svg\b[^>]*\bwidth="([\d.]+)"/.exec(readFileSync(join(dir, f.svg), "utf8"))?.[1]);
        expect(png.readUInt32BE(16), `${name}/${f.png} width`).toBe(Math.ceil(svgWidth));
        // The page loads each figure from its file when scrolled to, instead of carrying it inline.
        expect(html).toContain(`<img src="${name}/${f.svg}" alt="${f.title.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")}" loading="lazy"`);
      }
      for (const f of result.files) expect(existsSync(join(dir, f.path)), `${name}/${f.path}`).toBe(true);
      expect(result.files.length, name).toBeGreaterThan(0);
      expect(existsSync(join(dir, "parts")), `${name}: parts are removed once the result is written`).toBe(false);
    }
    expect(html).not.toMatch(/<svg\b/);
    const order = ['id="summary"', 'id="failing"', 'id="figures"', 'id="all-checks"'].map((s) => html.indexOf(s));
    expect(order.every((x) => x > 0) && [...order].sort((a, b) => a - b).join() === order.join(), order.join()).toBe(true);
    // In the table of all checks every failing check comes before every passing one.
    const verdicts = [...html.slice(html.indexOf('id="all-checks"')).matchAll(/<tr id="check-[^"]+" class="(pass|fail)"/g)].map((m) => m[1]);
    expect(verdicts).toHaveLength(summary.checks.length);
    expect(verdicts.lastIndexOf("fail")).toBeLessThan(verdicts.indexOf("pass"));
    // Not a terminal: one line per finished experiment on stderr, no progress bars.
    expect(first.stderr.trim().split("\n")).toHaveLength(names.length);
    expect(first.stdout).toContain("checks pass");
  });

  it("every check says whose claim it tests, and summary.json counts them", () => {
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    const checks: SummaryCheck[] = summary.checks;
    for (const c of checks) expect(PROVENANCES, `${c.experiment}: ${c.name}`).toContain(c.provenance);
    const of = (part: string) => checks.filter((c) => c.name.includes(part));
    // dlnlab's own stopping boundaries for K > 2 (docs/theory.md §4) are approximations, not the paper's claims.
    expect(of("leaf-ray").length).toBeGreaterThan(0);
    for (const c of [...of("leaf-ray"), ...of("drift-flow"), ...of("drift flow")]) expect(c.provenance, c.name).toBe("approximation");
    for (const c of of("exact K = 2")) expect(c.provenance, c.name).toBe("paper");
    // Full matrices against the reduced dynamics: two exact computations, so a failure is a bug.
    expect(of("full matrices").length).toBeGreaterThan(0);
    for (const c of of("full matrices")) expect(c.provenance, c.name).toBe("consistency");
    // The related papers' checks live in their experiments, and only there.
    const related = (p: string) => new Set(checks.filter((c) => c.provenance === p).map((c) => c.experiment));
    expect(related("ji-telgarsky-2018")).toEqual(new Set(["layer-alignment"]));
    expect(related("rawal-deweese-2026")).toEqual(new Set(["saddle-escape"]));
    expect(checks.filter((c) => c.experiment === "layer-alignment").every((c) => c.provenance !== "paper")).toBe(true);
    const tally = summary.provenance as { provenance: string; pass: number; total: number }[];
    expect(tally.map((t) => t.provenance)).toEqual(PROVENANCES);
    for (const t of tally) {
      const own = checks.filter((c) => c.provenance === t.provenance);
      expect([t.pass, t.total], t.provenance).toEqual([own.filter((c) => c.pass).length, own.length]);
    }
  });

  it("a second run reuses every finished experiment, and --strict turns failing checks into exit code 1", { timeout: SMALL_MS }, async () => {
    const again = await runCli(["reproduce", "--smoke", "--out", out, "--strict"]);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.experiments.every((e: { status: string }) => e.status === "reused")).toBe(true);
    // Smoke budgets are far too short for the claims, so some checks fail: --strict says so.
    expect(summary.checks.some((c: { pass: boolean }) => !c.pass)).toBe(true);
    expect(again.code).toBe(1);
  });

  it("--only runs the named experiments (in the suite's order); --fresh recomputes them instead of reusing them", { timeout: SMALL_MS }, async () => {
    const res = await runCli(["reproduce", "--smoke", "--out", out, "--only", "warmup", "fig5-chain-knife-edge", "--fresh", "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary.experiments.map((e: { name: string; status: string }) => `${e.name} ${e.status}`)).toEqual(["fig5-chain-knife-edge done", "warmup done"]);
    for (const name of ["warmup", "fig5-chain-knife-edge"]) {
      const result = JSON.parse(readFileSync(join(out, name, "result.json"), "utf8"));
      expect(result.timing.reusedTasks, name).toBe(0);
    }
  });
});

describe("dlnlab reproduce options", () => {
  it("bad input: one line naming the flag or the file position, exit code 2", async () => {
    const bad = tmp();
    writeFileSync(join(bad, "x.yaml"), "name: x\nkind: chain\ntitle: t\nfigure: f\nclaim: c\ndescription: d\ndepths: [1]\nepsilon: 0.01\niterations: 5\nsizes: { quick: { grid: 101 }, full: { grid: 101 } }\n");
    const cases: [string[], RegExp][] = [
      [["--quick", "--full"], /--quick, --full: give only one of/],
      [["--only", "nope"], /--only: unknown experiment "nope"/],
      [["--jobs", "0"], /--jobs: expected an integer >= 1/],
      [["--experiments", bad], /x\.yaml:7:10: depths\[0\]: must be an integer >= 2/],
      [["--experiments", join(bad, "missing")], /--experiments: .* is not a folder/],
    ];
    for (const [args, pattern] of cases) {
      expectUsageError(await runCli(["reproduce", "--out", tmp(), ...args]), pattern, args.join(" "));
    }
  });

  it("npm start runs the quick suite into ./results", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pkg.scripts.start).toBe("node bin/dlnlab.js reproduce --quick --out results");
  });
});

/**
 * A phase diagram written for this test: 12 rows (12 tasks) of ≈ 0.1 s each on one idle core, run on one
 * thread, so a task finishes every ≈ 0.1 s: the interrupt (sent as soon as the first task is stored)
 * lands with most tasks still to do on any machine up to several times faster than that.
 */
const PHASE = `name: phase-small
kind: phase
title: Phase diagram for the Ctrl-C test
figure: none
claim: docs/theory.md §4–§5
description: Twelve rows, 25 cells each.
pathways: [2, 3, 4]
depths: [3, 4, 5, 6]
sigma: 1
init: { scale: 1.0e-6, ratio: 0.9 }
h: { from: 1, to: 7 }
sizes:
  quick: { points: 25, steps: 500000 }
  full: { points: 25, steps: 500000 }
`;

describe("Ctrl-C and resume", () => {
  it("exits 130 keeping finished tasks; the next run reuses them and finishes", { timeout: CTRL_C_MS }, async () => {
    const dir = tmp();
    mkdirSync(join(dir, "exp"));
    writeFileSync(join(dir, "exp", "phase-small.yaml"), PHASE);
    const out = join(dir, "out");
    const args = [join(ROOT, "bin/dlnlab.js"), "reproduce", "--quick", "--experiments", join(dir, "exp"), "--out", out, "--jobs", "1"];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    const parts = join(out, "phase-small", "parts");
    const stored = () => (existsSync(parts) ? readdirSync(parts).filter((f) => f.endsWith(".json")).length : 0);
    // Polled, not timed: however slow the machine, the interrupt follows the first stored task.
    while (stored() === 0 && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    child.kill("SIGINT");
    const code = await closed;
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted; 0 of 1 experiments are finished/);
    expect(existsSync(join(out, "phase-small", "result.json"))).toBe(false);
    const kept = stored();
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(12);
    const resumed = await runCli(args.slice(1));
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, "phase-small", "result.json"), "utf8"));
    expect(result.timing.reusedTasks).toBe(kept);
    expect(result.timing.tasks).toBe(12);
  });
});

/**
 * @file `dlnlab reproduce` as a user runs it (the built binary): a smoke-budget run of the whole suite
 * writes every file; a second run reuses every finished experiment; --only selects; bad input is one
 * line and exit code 2; Ctrl-C exits 130 keeping finished tasks, and the next run resumes from them.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { expectUsageError, runCli } from "../helpers/cli.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXPERIMENTS = join(ROOT, "experiments");
const tmp = () => mkdtempSync(join(tmpdir(), "dlnlab-reproduce-"));
const names = readdirSync(EXPERIMENTS).filter((f) => f.endsWith(".yaml")).map((f) => f.replace(/\.yaml$/, "")).sort();

describe("dlnlab reproduce --smoke", () => {
  const out = tmp();
  let first: Awaited<ReturnType<typeof runCli>>;

  it("runs the whole suite and writes the report, the summary and every experiment's files", async () => {
    first = await runCli(["reproduce", "--smoke", "--out", out, "--jobs", "2"]);
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
      for (const key of ["name", "claim", "predicted", "measured", "error", "pass", "experiment"]) expect(c, `${c.name}: ${key}`).toHaveProperty(key);
      expect(typeof c.pass).toBe("boolean");
    }
    const html = readFileSync(join(out, "report.html"), "utf8");
    for (const name of names) {
      const dir = join(out, name);
      const result = JSON.parse(readFileSync(join(dir, "result.json"), "utf8"));
      expect(result.name).toBe(name);
      expect(result.figures.length, name).toBeGreaterThan(0);
      for (const f of result.figures) {
        expect(existsSync(join(dir, f.svg)), `${name}/${f.svg}`).toBe(true);
        expect(readFileSync(join(dir, f.png)).subarray(1, 4).toString(), `${name}/${f.png}`).toBe("PNG");
        expect(html).toContain(`${name}/${f.png}`);
      }
      for (const f of result.files) expect(existsSync(join(dir, f.path)), `${name}/${f.path}`).toBe(true);
      expect(result.files.length, name).toBeGreaterThan(0);
      expect(existsSync(join(dir, "parts")), `${name}: parts are removed once the result is written`).toBe(false);
    }
    // Not a terminal: one line per finished experiment on stderr, no progress bars.
    expect(first.stderr.trim().split("\n")).toHaveLength(names.length);
    expect(first.stdout).toContain("checks pass");
  });

  it("a second run reuses every finished experiment, and --strict turns failing checks into exit code 1", async () => {
    const again = await runCli(["reproduce", "--smoke", "--out", out, "--strict"]);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.experiments.every((e: { status: string }) => e.status === "reused")).toBe(true);
    // Smoke budgets are far too short for the claims, so some checks fail: --strict says so.
    expect(summary.checks.some((c: { pass: boolean }) => !c.pass)).toBe(true);
    expect(again.code).toBe(1);
  });

  it("--fresh recomputes a finished experiment instead of reusing it", async () => {
    const res = await runCli(["reproduce", "--smoke", "--out", out, "--only", "fig5-chain-knife-edge", "--fresh", "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary.experiments.map((e: { status: string }) => e.status)).toEqual(["done"]);
    const result = JSON.parse(readFileSync(join(out, "fig5-chain-knife-edge", "result.json"), "utf8"));
    expect(result.timing.reusedTasks).toBe(0);
  });
});

describe("dlnlab reproduce options", () => {
  it("--only runs the named experiments", async () => {
    const out = tmp();
    const res = await runCli(["reproduce", "--smoke", "--only", "fig5-chain-knife-edge", "warmup", "--out", out, "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary.experiments.map((e: { name: string }) => e.name)).toEqual(["fig5-chain-knife-edge", "warmup"]);
  });

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

describe("Ctrl-C and resume", () => {
  it("exits 130 keeping finished tasks; the next run reuses them and finishes", async () => {
    // A phase diagram of 8 rows (8 tasks) at a budget that takes a few seconds on 2 threads.
    const dir = tmp();
    mkdirSync(join(dir, "exp"));
    copyFileSync(join(EXPERIMENTS, "phase-diagram.yaml"), join(dir, "exp", "phase-diagram.yaml"));
    const out = join(dir, "out");
    const args = [join(ROOT, "bin/dlnlab.js"), "reproduce", "--quick", "--experiments", join(dir, "exp"), "--out", out, "--jobs", "2"];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const parts = join(out, "phase-diagram", "parts");
    const deadline = Date.now() + 60_000;
    while (!(existsSync(parts) && readdirSync(parts).some((f) => f.endsWith(".json"))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted; 0 of 1 experiments are finished/);
    expect(existsSync(join(out, "phase-diagram", "result.json"))).toBe(false);
    const kept = readdirSync(parts).filter((f) => f.endsWith(".json")).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(8);
    const resumed = await runCli(args.slice(1));
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, "phase-diagram", "result.json"), "utf8"));
    expect(result.timing.reusedTasks).toBe(kept);
    expect(result.timing.tasks).toBe(8);
  });
});

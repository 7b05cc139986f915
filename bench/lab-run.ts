/**
 * @file `npm run bench:lab-run`: the step rate of a single run in the browser lab (index.html: the run
 * layer in a Web Worker, in Debian's Chromium) against `dlnlab run` on the command the page shows, both
 * measured in this command, and how fluid the page stayed (its longest frame while the worker ran).
 * Rates are steps per second of the engine's own wall time (the page's `#rate`, the CLI's
 * `timing.seconds`), so the CLI's start-up is not counted. Needs `npm run build && npm run build:lab`.
 * This was an e2e test until it was clear that a rate is a measurement, not a pass/fail property.
 *
 * Usage: `npm run bench:lab-run -- [--repeats 3]`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DIST_LAB, ROOT, launchChromium, serveStatic } from "../test/lab/harness.js";

const argv = process.argv.slice(2);
const at = argv.indexOf("--repeats");
const REPEATS = at >= 0 ? Number(argv[at + 1]) : 3;
if (!(Number.isInteger(REPEATS) && REPEATS >= 1)) throw new Error("--repeats must be a positive integer");

/** Both end in period-2 oscillation, so every step of the budget is taken. */
const WORKLOADS = [
  { name: "reduced, K = 2, L = 4, 10⁵ steps (reference h = 3.0)", path: "?preset=reference-h3.0" },
  { name: "full matrices, d = 8, K = 2, L = 4, 10⁴ steps, η = 0.75", path: "?width=8&depths=4,4&sigma=1,0.8,0.6,0.5,0.4,0.3,0.2,0.1&basis=symmetric&lr=0.75&steps=10000&dynamics=full" },
];

declare const document: { getElementById(id: string): { dataset: Record<string, string | undefined>; value?: string } | null };

const median = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]!;

const server = await serveStatic(DIST_LAB);
const chromium = await launchChromium();
try {
  const context = await chromium.newContext({ viewport: { width: 1440, height: 900 } });
  console.log(`Chromium ${chromium.version()}, Node ${process.version}; median of ${REPEATS} runs each\n`);
  console.log(`${"workload".padEnd(58)} ${"lab steps/s".padStart(12)} ${"CLI steps/s".padStart(12)} ${"lab/CLI".padStart(8)} ${"longest frame".padStart(14)}`);
  for (const w of WORKLOADS) {
    const lab: number[] = [];
    const frames: number[] = [];
    const cli: number[] = [];
    let command: string[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const page = await context.newPage();
      await page.goto(`${server.origin}/index.html${w.path}`);
      command = (await page.inputValue("#cli-command")).split(" ").slice(2);
      await page.click("#run");
      await page.waitForFunction(() => document.getElementById("run-status")?.dataset.phase === "done", null, { timeout: 600_000 });
      const rate = await page.$eval("#rate", (e) => ({ ...(e as unknown as { dataset: Record<string, string> }).dataset }));
      lab.push(Number(rate.value));
      frames.push(Number(rate.maxFrameMs));
      await page.close();
      const dir = mkdtempSync(join(tmpdir(), "dlnlab-bench-lab-run-"));
      const res = spawnSync(process.execPath, [join(ROOT, "bin/dlnlab.js"), ...command, "--json", "--no-figures", "--out", join(dir, "out")], { encoding: "utf8" });
      rmSync(dir, { recursive: true, force: true });
      if (res.status !== 0) throw new Error(`dlnlab ${command.join(" ")} failed: ${res.stderr}`);
      const out = JSON.parse(res.stdout) as { final: { step: number }; timing: { seconds: number } };
      cli.push(out.final.step / out.timing.seconds);
    }
    const [l, c] = [median(lab), median(cli)];
    console.log(`${w.name.padEnd(58)} ${l.toExponential(3).padStart(12)} ${c.toExponential(3).padStart(12)} ${(l / c).toFixed(2).padStart(8)} ${`${median(frames).toFixed(0)} ms`.padStart(14)}`);
  }
} finally {
  await chromium.close();
  await server.close();
}

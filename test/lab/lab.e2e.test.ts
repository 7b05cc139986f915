/**
 * The built lab (dist-lab/) in Debian's Chromium: what the page shows is checked against numbers
 * computed here (closed forms of docs/theory.md §3–§5) and against the CLI run on the command the page
 * itself displays, so a lab link and a CLI command are proven to be the same experiment. Also: bad
 * input, keyboard use, the URL round trip, exports and screenshots (results/). The step rate is a
 * measurement, not a property: `npm run bench:lab-run` gives it against the CLI's.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { ROOT, openPage, useLab, describeWithChromium } from "./harness.js";

const RESULTS = join(ROOT, "results");

/**
 * The page's `document` as far as the callbacks below use it: they run in the browser, while this file
 * is type-checked with Node typings only (no DOM lib for the whole test program).
 */
interface PageElement {
  id: string;
  value: string;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  activeElement: PageElement | null;
  documentElement: { scrollWidth: number; clientWidth: number };
};

// ---- independent numbers (docs/theory.md §3–§5), not taken from src/theory

/** λ_single(σ) = L σ^{2−2/L} and λ_bal = L K^{2/L−1} σ^{2−2/L} for K pathways of depth L. */
function thresholds(L: number, K: number, sigma: number) {
  const lambdaSingle = L * sigma ** (2 - 2 / L);
  const lambdaBal = L * K ** (2 / L - 1) * sigma ** (2 - 2 / L);
  return { etaSingle: 2 / lambdaSingle, etaBal: 2 / lambdaBal, lambdaSingle };
}

/**
 * c_L of docs/theory.md §5: the h > 1 where g_h(M(h)) = 0, g_h(z) = z − (h/L)(z^L − 1)z^{L−1} and
 * M(h) = max_{z∈(0,1)} g_h(z) (grid then golden section; bisection in h). Reproduces the closed form
 * c_2 = 3√3 − 2 to 1e-12.
 */
function wcrConstant(L: number): number {
  const g = (h: number, z: number) => z - (h / L) * (z ** L - 1) * z ** (L - 1);
  const worst = (h: number) => {
    const n = 2000;
    let bz = 0;
    for (let j = 1; j < n; j++) if (g(h, j / n) > g(h, bz)) bz = j / n;
    let a = Math.max(0, bz - 1 / n);
    let b = Math.min(1, bz + 1 / n);
    const phi = (Math.sqrt(5) - 1) / 2;
    for (let it = 0; it < 80; it++) {
      const c = b - phi * (b - a);
      const d = a + phi * (b - a);
      if (g(h, c) > g(h, d)) b = d;
      else a = c;
    }
    return g(h, (a + b) / 2);
  };
  let lo = 2;
  let hi = 20;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    if (g(mid, worst(mid)) > 0) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** K = 2, depth L: the split x ≥ σ/2 of the top mode with L(x^p + (σ−x)^p) = 2/η, p = 2 − 2/L (bisection). */
function stopSplit(L: number, sigma: number, lr: number): number {
  const p = 2 - 2 / L;
  let lo = sigma / 2;
  let hi = sigma;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (L * (mid ** p + (sigma - mid) ** p) < 2 / lr) lo = mid;
    else hi = mid;
  }
  return lo;
}

// ---- page helpers

async function value(page: Page, selector: string): Promise<number> {
  const v = await page.getAttribute(selector, "data-value");
  if (v === null) throw new Error(`${selector} has no data-value`);
  return Number(v);
}

async function runToEnd(page: Page, timeout = 45_000): Promise<string> {
  await page.click("#run");
  await page.waitForFunction(() => document.getElementById("run-status")?.dataset.phase === "done", null, { timeout });
  return (await page.textContent("#run-status")) ?? "";
}

/** The CLI arguments of the command the page shows (`npx dlnlab run …` → `run …`). */
async function shownCommand(page: Page): Promise<string[]> {
  const command = await page.inputValue("#cli-command");
  const words = command.split(" ");
  expect(words.slice(0, 3)).toEqual(["npx", "dlnlab", "run"]);
  return words.slice(2);
}

async function cliJson(args: string[]): Promise<{ status: string; final: { step: number; s: number[][]; loss: number } }> {
  const r = await runCli([...args, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { status: string; final: { step: number; s: number[][]; loss: number } };
}

/** Every form control's value, by id. */
async function formValues(page: Page): Promise<Record<string, string>> {
  return page.$$eval("#controls input, #controls select", (els) =>
    Object.fromEntries(els.map((e) => [e.id, (e as unknown as PageElement).value])),
  );
}

describeWithChromium("browser lab (Chromium)", () => {
  const lab = useLab({ beforeAll, afterAll }, { width: 1366, height: 900 });
  const open = lab.open;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "dlnlab-lab-"));
    mkdirSync(RESULTS, { recursive: true });
  });

  afterAll(async () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("shows the theory of the default experiment from closed forms, without console errors", async () => {
    const { page, errors } = await open("");
    const t = thresholds(4, 2, 1); // defaults: depths 4,4, σ = (1, 0.5), η = 0.625
    // The page's numbers come from src/theory; these from the formulas: agreement to rounding.
    expect(Math.abs((await value(page, "#t-eta-single")) - t.etaSingle)).toBeLessThan(1e-12);
    expect(Math.abs((await value(page, "#t-eta-bal")) - t.etaBal)).toBeLessThan(1e-12);
    // c_L by grid + golden section + bisection here: ~1e-9 accurate, so 1e-7 on η_WCR = c_L/λ_single.
    expect(Math.abs((await value(page, "#t-eta-wcr")) - wcrConstant(4) / t.lambdaSingle)).toBeLessThan(1e-7);
    expect(0.625 > t.etaSingle && 0.625 < t.etaBal).toBe(true);
    expect(await page.textContent("#regime")).toBe("re-balancing window");
    expect(await page.inputValue("#f-multiple")).toBe(String(0.625 / t.etaSingle));
    expect(errors).toEqual([]);
  });

  it("runs a preset to the end: regime label and final coefficients equal the CLI's for the shown command", async () => {
    const { page, errors } = await open("?preset=reference-h2.5");
    expect(await page.textContent("#regime")).toBe("re-balancing window");
    const args = await shownCommand(page);
    expect(args).toEqual(["run", "--preset", "reference-h2.5"]);
    const [status, cli] = await Promise.all([runToEnd(page), cliJson(args)]);
    expect(status).toContain(`Done: ${cli.status} at step ${cli.final.step.toLocaleString("en-US")}`);
    expect(await value(page, "#v-step")).toBe(cli.final.step);
    for (let k = 0; k < 2; k++) {
      const id = `#s-${k + 1}-1`;
      const shown = await value(page, id);
      // Same engine, same float64 operations in the same order: bit-for-bit in practice. 1e-12 leaves
      // room for a last-ulp difference in Math.pow between V8 versions (Node's and Chromium's).
      expect(Math.abs(shown - cli.final.s[k]![0]!), `${id}: lab ${shown}, CLI ${cli.final.s[k]![0]}`).toBeLessThan(1e-12);
      expect(await page.textContent(id)).toBe(String(Number(cli.final.s[k]![0]!.toPrecision(6))));
    }
    // The predicted stop (exact for K = 2) against the bisection here, and the run against it: the
    // theory's stopping boundary is an approximation of where GD ends (docs/theory.md §4), ~1% here.
    const predicted = stopSplit(4, 1, 0.625);
    const shownStop = (await page.getAttribute("#t-stop", "data-value"))!.split(",").map(Number);
    expect(Math.abs(shownStop[0]! - predicted)).toBeLessThan(1e-12);
    expect(Math.abs(cli.final.s[0]![0]! - predicted)).toBeLessThan(0.02);
    expect(errors).toEqual([]);
  });

  it("exports the trajectory CSV in the CLI's format with the CLI's numbers, and a JSON result (full matrices)", async () => {
    const { page, errors } = await open("?preset=large-step");
    const args = await shownCommand(page);
    const out = join(scratch, "large-step");
    const [, cliRun] = await Promise.all([runToEnd(page), runCli([...args, "--out", out, "--no-figures"])]);
    expect(cliRun.code, cliRun.stderr).toBe(0);
    const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
    const lab = readFileSync((await csv.path())!, "utf8").split("\n");
    const cli = readFileSync(join(out, "trajectory.csv"), "utf8").split("\n");
    expect(lab[0]).toBe(cli[0]);
    expect(lab.length).toBe(cli.length);
    const columns = cli[0]!.split(",");
    let differing = 0;
    for (let i = 1; i < cli.length; i++) {
      const a = lab[i]!.split(",");
      const b = cli[i]!.split(",");
      expect(a.length).toBe(b.length);
      for (let j = 0; j < b.length; j++) {
        if (a[j] === b[j]) continue;
        differing++;
        // GD on full matrices is + and × only (the same WebAssembly kernels in Node and Chromium), so the
        // state columns must match bit for bit. The leaf coordinates (Math.pow) and the Lanczos
        // sharpness go through libm-like functions whose last bit differs between V8 versions
        // (Node 20 and Chromium's): those may differ by a few ulps, 1e-12 relative at most.
        const name = columns[j]!;
        expect(/^(leaf_|sharpness)/.test(name), `row ${i}, ${name}: lab ${a[j]}, CLI ${b[j]}`).toBe(true);
        const x = Number(a[j]);
        const y = Number(b[j]);
        expect(Math.abs(x - y), `row ${i}, ${name}: lab ${x}, CLI ${y}, tolerance 1e-12·|CLI|`).toBeLessThanOrEqual(1e-12 * Math.abs(y));
      }
    }
    // Most fields are identical text (the same number printed the same way).
    expect(differing).toBeLessThan(0.05 * (cli.length - 1) * columns.length);
    const [json] = await Promise.all([page.waitForEvent("download"), page.click("#export-json")]);
    const result = JSON.parse(readFileSync((await json.path())!, "utf8")) as { final: { s: number[][] }; command: string; url: string; timing: { backend: string } };
    const cliResult = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as { final: { s: number[][] } };
    expect(result.final.s).toEqual(cliResult.final.s);
    expect(result.command).toBe("npx dlnlab run --preset large-step");
    expect(result.url).toContain("?preset=large-step");
    expect(["wasm", "js"]).toContain(result.timing.backend);
    expect(errors).toEqual([]);
  });

  it("keeps the whole state in the URL: edit, reload, same form and same command", async () => {
    const { page, errors } = await open("");
    await page.selectOption("#f-preset", "preset:reference-h0.5");
    expect(await page.textContent("#regime")).toBe("below 2/λ_single: winner-takes-all");
    // η through its multiple of 2/λ_single (= 0.5 here): 1.1 × 0.5 = 0.55.
    await page.fill("#f-multiple", "1.1");
    expect(await page.inputValue("#f-lr")).toBe("0.55");
    expect(await page.textContent("#regime")).toBe("re-balancing window");
    await page.selectOption("#f-dynamics", "full");
    await page.selectOption("#f-schedule", "warmup");
    await page.fill("#f-warmup-steps", "200");
    await page.fill("#f-depths", "4,4,4");
    await page.fill("#f-init-scales", "0.0016,0.0013,0.001");
    await page.fill("#f-steps", "3000");
    const before = await formValues(page);
    const url = page.url();
    expect(url).toContain("preset=reference-h0.5");
    expect(url).toContain("lr=0.55");
    const command = await page.inputValue("#cli-command");
    expect(command).toBe(
      "npx dlnlab run --preset reference-h0.5 --depths 4,4,4 --init-scales 0.0016,0.0013,0.001 --lr 0.55 --steps 3000 --dynamics full --schedule warmup --warmup-steps 200",
    );
    const again = await openPage(page.context(), url);
    expect(await formValues(again.page)).toEqual(before);
    expect(await again.page.inputValue("#cli-command")).toBe(command);
    expect(await again.page.textContent("#regime")).toBe(await page.textContent("#regime"));
    expect(await again.page.inputValue("#f-K")).toBe("3");
    expect([...errors, ...again.errors]).toEqual([]);
  });

  it("shows a bad value's message next to its control and never runs it", async () => {
    const { page, errors } = await open("?preset=reference-h2.5");
    await page.fill("#f-lr", "-1");
    expect(await page.textContent("#e-lr")).toBe("--lr: must be > 0 (got -1)");
    expect(await page.getAttribute("#f-lr", "aria-invalid")).toBe("true");
    expect(await page.isDisabled("#run")).toBe(true);
    expect(await page.isDisabled("#step")).toBe(true);
    // Enter submits the form: a disabled Run must not start anything.
    await page.press("#f-lr", "Enter");
    await page.waitForTimeout(200);
    expect(await page.getAttribute("#run-status", "data-phase")).toBeNull();
    await page.fill("#f-depths", "4,x");
    expect(await page.textContent("#e-depths")).toBe('--depths (item 2): expected a finite number, got "x"');
    await page.fill("#f-depths", "4,4");
    // A lab-only control (K resizes the depth list) blocks runs the same way.
    await page.fill("#f-K", "0");
    expect(await page.textContent("#e-K")).toBe('K: expected an integer from 1 to 64, got "0"');
    await page.fill("#f-K", "3");
    expect(await page.inputValue("#f-depths")).toBe("4,4,4");
    expect(await page.textContent("#e-K")).toBe("");
    await page.fill("#f-K", "2");
    await page.fill("#f-lr", "0.625");
    expect(await page.textContent("#e-lr")).toBe("");
    expect(await page.getAttribute("#f-lr", "aria-invalid")).toBeNull();
    expect(await page.isEnabled("#run")).toBe(true);
    expect(errors).toEqual([]);
  });

  it("is operable from the keyboard: reach a field by Tab, run with Enter, pause, step and reset with keys", async () => {
    const { page, errors } = await open("?preset=reference-h3.0");
    // Tab order reaches the step size through the labelled controls.
    let focused = "";
    for (let i = 0; i < 40 && focused !== "f-lr"; i++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate(() => document.activeElement?.id ?? "");
    }
    expect(focused).toBe("f-lr");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("0.74");
    expect(await page.textContent("#regime")).toBe("above 2/λ_bal: no stable SVS minimum");
    // Slowest speed, so that the run is still going when it is paused.
    await page.focus("#speed");
    await page.keyboard.press("Home");
    expect(await page.getAttribute("#speed", "aria-valuetext")).toBe("10 steps/s");
    await page.focus("#f-lr");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.getElementById("run-status")?.dataset.phase === "running");
    await page.focus("#pause");
    await page.keyboard.press("Space");
    await page.waitForFunction(() => document.getElementById("run-status")?.dataset.phase === "paused");
    expect(await page.textContent("#pause")).toBe("Resume");
    const before = await page.evaluate(() => Number(document.getElementById("v-step")?.dataset.value ?? -1));
    await page.focus("#step");
    await page.keyboard.press("Enter");
    await page.waitForFunction((b) => Number(document.getElementById("v-step")?.dataset.value ?? -1) > b, before);
    await page.focus("#reset");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.getElementById("run-status")?.dataset.phase === "idle");
    expect(errors).toEqual([]);
  });

  it("exports each plot as a PNG with its title, and looks right on a laptop and a phone (screenshots in results/)", async () => {
    const { page, errors } = await open("?preset=large-step", { width: 1366, height: 800 });
    await runToEnd(page);
    await page.waitForTimeout(100); // the last animation frame
    for (const id of ["plot-modes", "plot-loss", "plot-sharpness", "plot-phase"]) {
      const [png] = await Promise.all([page.waitForEvent("download"), page.click(`#${id} button.png`)]);
      const bytes = readFileSync((await png.path())!);
      expect(bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
      const width = bytes.readUInt32BE(16);
      const height = bytes.readUInt32BE(20);
      expect(width).toBeGreaterThan(300);
      expect(height).toBeGreaterThan(250);
      if (id === "plot-phase") writeFileSync(join(RESULTS, "lab-phase.png"), bytes);
    }
    await page.screenshot({ path: join(RESULTS, "lab-laptop.png"), fullPage: true });
    // A phone: one column, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(RESULTS, "lab-phone.png"), fullPage: true });
    expect(errors).toEqual([]);
  });
});

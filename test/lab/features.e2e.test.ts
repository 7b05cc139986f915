/**
 * Issue 16's points 1, 2 and 4 in the built lab (Chromium): the layout a newcomer meets (run bar always
 * in reach, plots beside the form or first on a phone, folded advanced fields, explainer, glossary,
 * links), comparing runs (a pinned run under the next, in every plot and the phase portrait), and the
 * plots' tools (hover readout against the exported records, zoom and reset, direct labels, log x, SVG
 * and 2× PNG exports, the theory in the JSON export checked against closed forms). Screenshots of both
 * sizes go to results/ to be looked at.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Download, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { ROOT, useLab, describeWithChromium } from "./harness.js";

const RESULTS = join(ROOT, "results");

interface El {
  textContent: string | null;
  title: string;
  dataset: Record<string, string | undefined>;
  getBoundingClientRect(): { top: number; left: number; right: number; bottom: number; width: number };
}
declare const document: {
  getElementById(id: string): El | null;
  querySelector(s: string): El | null;
  querySelectorAll(s: string): ArrayLike<El>;
  documentElement: { scrollWidth: number; clientWidth: number };
};
declare const window: { scrollTo(x: number, y: number): void; innerHeight: number };

const rect = (page: Page, selector: string) => page.$eval(selector, (e) => (e as unknown as El).getBoundingClientRect());

async function runToEnd(page: Page): Promise<void> {
  await page.click("#run");
  await page.waitForFunction(() => document.getElementById("run-status")?.dataset.phase === "done", null, { timeout: 45_000 });
  await page.waitForTimeout(100); // the last animation frame
}

async function downloaded(page: Page, click: () => Promise<void>): Promise<Buffer> {
  const [d] = (await Promise.all([page.waitForEvent("download"), click()])) as [Download, void];
  return readFileSync((await d.path())!);
}

/** λ_single = L σ^{2−2/L} (docs/theory.md §3), independent of src/theory. */
const lambdaSingle = (L: number, sigma: number) => L * sigma ** (2 - 2 / L);

describeWithChromium("issue 16 layout, comparison and plots (Chromium)", () => {
  const lab = useLab({ beforeAll, afterAll });
  beforeAll(() => mkdirSync(RESULTS, { recursive: true }));

  it("desktop 1440×900: the run bar stays in view, the plots sit beside the form in the first screen, advanced fields are folded", async () => {
    const { page, errors } = await lab.open("?preset=reference-h2.5");
    // Under the page title at first, then stuck to the top of the window.
    const run = await rect(page, "#run");
    expect(run.top).toBeGreaterThanOrEqual(0);
    expect(run.bottom).toBeLessThan(250);
    const form = await rect(page, "#controls");
    const plots = await rect(page, "#plot-modes");
    expect(plots.left).toBeGreaterThan(form.right);
    expect(plots.top).toBeLessThan(900 / 2);
    await page.evaluate(() => window.scrollTo(0, 100_000));
    await page.waitForTimeout(100);
    const after = await rect(page, "#run");
    expect(after.top).toBeGreaterThanOrEqual(0);
    expect(after.bottom).toBeLessThan(120);
    expect(await page.isVisible("#f-record-every")).toBe(false);
    await page.click("summary:has-text('More settings')");
    expect(await page.isVisible("#f-record-every")).toBe(true);
    await page.evaluate(() => window.scrollTo(0, 0));
    await runToEnd(page);
    await page.screenshot({ path: join(RESULTS, "lab-1440x900.png") });
    expect(errors).toEqual([]);
  });

  it("phone 390×844: plots first, inside the screen width, run bar in reach", async () => {
    const { page, errors } = await lab.open("?preset=reference-h2.5", { width: 390, height: 844 });
    const plots = await rect(page, "#plot-modes");
    const form = await rect(page, "#controls");
    expect(plots.top).toBeLessThan(form.top);
    expect(plots.top).toBeLessThan(844);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await runToEnd(page);
    await page.evaluate(() => window.scrollTo(0, 1500));
    const run = await rect(page, "#run");
    expect(run.top).toBeGreaterThanOrEqual(0);
    expect(run.bottom).toBeLessThan(200);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(RESULTS, "lab-390x844.png") });
    expect(errors).toEqual([]);
  });

  it("explains the two phases, the window and balance, defines every term on hover, and links the paper and the theory", async () => {
    const { page, errors } = await lab.open("?preset=reference-h2.5");
    const explainer = (await page.textContent("#explainer")) ?? "";
    for (const words of ["Two phases", "The window", "Balanced"]) expect(explainer).toContain(words);
    const terms = await page.$$eval("abbr.term", (as) => as.map((a): [string, string] => [(a as unknown as El).textContent ?? "", (a as unknown as El).title]));
    const defined = new Map(terms);
    for (const term of ["SVS", "η_WCR", "c_L", "GF leaf", "λ_single", "λ_bal", "EoS", "sharpness", "winner-takes-all", "balance index"]) {
      expect(defined.get(term)?.length ?? 0, term).toBeGreaterThan(20);
    }
    expect(await page.getAttribute("a[href='https://arxiv.org/abs/2606.05219']", "href")).toBeTruthy();
    const href = (await page.getAttribute("#theory-link", "href"))!;
    const doc = await page.evaluate(async (h) => {
      const r = await fetch(h);
      return { status: r.status, text: await r.text() };
    }, href);
    expect(doc.status).toBe(200);
    // The shipped file is the repository's docs/theory.md.
    expect(doc.text).toBe(readFileSync(join(ROOT, "docs/theory.md"), "utf8"));
    expect(errors).toEqual([]);
  });

  it("pins a finished run and draws it faintly under the next run, in the phase portrait too", async () => {
    const { page, errors } = await lab.open("?preset=reference-h2.5");
    expect(await page.isDisabled("#pin")).toBe(true);
    await runToEnd(page);
    await page.click("#pin");
    expect(await page.textContent("#pin")).toBe("Unpin");
    await page.fill("#f-lr", "0.7");
    await runToEnd(page);
    const legend = (id: string) => page.$$eval(`#${id} .legend li`, (lis) => lis.map((l) => (l as unknown as El).textContent ?? ""));
    expect(await legend("plot-loss")).toContain("pinned (η = 0.625): loss");
    expect(await legend("plot-phase")).toContain("pinned (η = 0.625): trajectory");
    // The exported phase portrait holds both paths: the pinned one faint (opacity 0.3).
    const svg = (await downloaded(page, () => page.click("#plot-phase button.svg"))).toString("utf8");
    expect(svg).toContain("pinned (η = 0.625): trajectory");
    expect(svg).toMatch(/opacity="0\.3"/);
    await page.click("#pin");
    expect((await legend("plot-loss")).filter((l) => l.startsWith("pinned"))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("draws the central-flow prediction dashed over a GD run, ending where dlnlab run --dynamics central ends", async () => {
    const { page, errors } = await lab.open("?preset=reference-h2.5");
    expect(await page.isChecked("#predict-central")).toBe(true);
    await runToEnd(page);
    await page.waitForFunction(() => document.getElementById("prediction-status")?.dataset.phase === "done", null, { timeout: 60_000 });
    const status = await page.$eval("#prediction-status", (e) => {
      const el = e as unknown as El;
      return { step: el.dataset.step ?? "", value: el.dataset.value ?? "", text: el.textContent ?? "" };
    });
    expect(status.text).toMatch(/^Central flow \(dashed\): \S+ at step [\d,]+, top-mode s = \(/);
    // The page integrates the engine's centralFlowSpec of the run, as the CLI's --dynamics central does:
    // same code, same float64 operations (1e-12 leaves room for Math.pow's last ulp across V8 versions).
    const r = await runCli(["run", "--preset", "reference-h2.5", "--dynamics", "central", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const cli = JSON.parse(r.stdout) as { final: { step: number; s: number[][] } };
    expect(Number(status.step)).toBe(cli.final.step);
    status.value.split(",").map(Number).forEach((v, k) => expect(Math.abs(v - cli.final.s[k]![0]!), `s_${k + 1}`).toBeLessThan(1e-12));
    // Dashed, in each plot's legend and in the exported SVG.
    const swatch = await page.$$eval("#plot-sharpness .legend li", (lis) =>
      lis.map((li) => {
        const el = li as unknown as { textContent: string | null; querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null }> };
        return { text: el.textContent ?? "", dash: el.querySelectorAll("svg line")[0]?.getAttribute("stroke-dasharray") ?? null };
      }));
    const predicted = swatch.find((x) => x.text.startsWith("central flow (prediction)"));
    expect(predicted?.dash, JSON.stringify(swatch)).toMatch(/\d/);
    const svg = (await downloaded(page, () => page.click("#plot-loss button.svg"))).toString("utf8");
    expect(svg).toContain("central flow (prediction)");
    // Unticked, the overlay goes; ticked again, it comes back for the same run.
    await page.uncheck("#predict-central");
    expect(await page.isHidden("#prediction-status")).toBe(true);
    expect((await page.$$eval("#plot-loss .legend li", (lis) => lis.map((l) => (l as unknown as El).textContent ?? ""))).some((t) => t.startsWith("central flow"))).toBe(false);
    await page.check("#predict-central");
    await page.waitForFunction(() => document.getElementById("prediction-status")?.dataset.phase === "done", null, { timeout: 60_000 });
    // A gradient-flow run has no prediction, and says why.
    await page.selectOption("#f-dynamics", "flow");
    await runToEnd(page);
    expect(await page.textContent("#prediction-status")).toMatch(/^No central-flow prediction: a gradient-flow run is not GD\./);
    expect(errors).toEqual([]);
  });

  it("hover shows the recorded values, drag zooms and ⟲ resets, thresholds are labelled, log x, SVG and 2× PNG, JSON with the theory", async () => {
    const { page, errors } = await lab.open("?preset=reference-h2.5");
    await runToEnd(page);
    const json = JSON.parse((await downloaded(page, () => page.click("#export-json"))).toString("utf8")) as {
      records: { step: number; loss: number; s: number[][] }[];
      theory: { window: { etaSingle: number; lambdaSingle: number; lambdaBalanced: number }; h: number; stop: { ok: boolean; boundary: { s: number[] } } };
      config: { depths: number[]; lr: number };
    };
    // The theory in the export against the closed forms: depth 4, σ₁ = 1, K = 2.
    const ls = lambdaSingle(4, 1);
    expect(Math.abs(json.theory.window.lambdaSingle - ls)).toBeLessThan(1e-12);
    expect(Math.abs(json.theory.window.etaSingle - 2 / ls)).toBeLessThan(1e-12);
    expect(Math.abs(json.theory.window.lambdaBalanced - 4 * 2 ** (2 / 4 - 1))).toBeLessThan(1e-12);
    expect(Math.abs(json.theory.h - json.config.lr * ls)).toBeLessThan(1e-12);
    expect(json.theory.stop.ok).toBe(true);

    // Hover the loss plot: the readout names a recorded step and its loss to 6 digits.
    const box = (await page.$("#plot-loss .host canvas"))!;
    await box.scrollIntoViewIfNeeded(); // the export buttons are further down
    const b = (await box.boundingBox())!;
    await page.mouse.move(b.x + b.width * 0.5, b.y + b.height * 0.4);
    await page.mouse.move(b.x + b.width * 0.5 + 3, b.y + b.height * 0.4, { steps: 3 });
    const text = (await page.textContent("#plot-loss .readout")) ?? "";
    const m = /^step (\d+) · loss = (\S+)$/.exec(text);
    expect(m, text).not.toBeNull();
    const rec = json.records.find((r) => r.step === Number(m![1]));
    expect(rec).toBeDefined();
    // The readout prints 6 significant digits: half a unit in the 6th digit is 5e-6 relative.
    expect(Math.abs(Number(m![2]) - rec!.loss)).toBeLessThanOrEqual(5e-6 * Math.abs(rec!.loss));

    // Hover the phase portrait: the nearest recorded point, with its step, as in the exported records.
    const phase = (await page.$("#plot-phase .host canvas"))!;
    await phase.scrollIntoViewIfNeeded();
    const pb = (await phase.boundingBox())!;
    await page.mouse.move(pb.x + pb.width * 0.6, pb.y + pb.height * 0.5);
    await page.mouse.move(pb.x + pb.width * 0.6 + 3, pb.y + pb.height * 0.5, { steps: 3 });
    const ptext = (await page.textContent("#plot-phase .readout")) ?? "";
    const pm = /nearest record: step (\d+), s₁ = (\S+), s₂ = (\S+)$/.exec(ptext);
    expect(pm, ptext).not.toBeNull();
    const prec = json.records.find((r) => r.step === Number(pm![1]))!;
    expect(Math.abs(Number(pm![2]) - prec.s[0]![0]!)).toBeLessThanOrEqual(5e-6 * Math.abs(prec.s[0]![0]!));
    expect(Math.abs(Number(pm![3].replace(/,$/, "")) - prec.s[1]![0]!)).toBeLessThanOrEqual(5e-6 * Math.abs(prec.s[1]![0]!));

    // Drag across the first half of the mode plot: the x range shrinks; ⟲ restores it.
    const host = "#plot-modes .host";
    const full = Number(await page.getAttribute(host, "data-x-max"));
    const modes = (await page.$(`${host} canvas`))!;
    await modes.scrollIntoViewIfNeeded();
    const mb = (await modes.boundingBox())!;
    await page.mouse.move(mb.x + mb.width * 0.2, mb.y + mb.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(mb.x + mb.width * 0.45, mb.y + mb.height * 0.5, { steps: 5 });
    await page.mouse.up();
    const zoomed = Number(await page.getAttribute(host, "data-x-max"));
    expect(zoomed).toBeLessThan(0.6 * full);
    await page.click("#plot-modes button.zoom-reset");
    expect(Number(await page.getAttribute(host, "data-x-max"))).toBe(full);

    // Direct labels on the sharpness plot's reference lines, also in its SVG.
    expect((await page.getAttribute("#plot-sharpness .host", "data-direct-labels"))!.split("|").sort()).toEqual(["2/η", "λ_bal", "λ_single"]);
    const svg = (await downloaded(page, () => page.click("#plot-sharpness button.svg"))).toString("utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    for (const t of ["Sharpness against 2/η", "GD step t", "λ", "single", "bal"]) expect(svg).toContain(t);

    // PNG at twice the figure size (720×460 px).
    const png = await downloaded(page, () => page.click("#plot-loss button.png"));
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1440, 920]);

    // Log x: the axis says so, step 0 drops out and the range starts at a positive step.
    await page.check("#log-x");
    await page.waitForTimeout(100);
    expect(Number(await page.getAttribute(host, "data-x-min"))).toBeGreaterThan(0);
    const logSvg = (await downloaded(page, () => page.click("#plot-modes button.svg"))).toString("utf8");
    expect(logSvg).toContain("(log scale)");
    expect(errors).toEqual([]);
  });
});

/**
 * Bugs of issue 16 in the built lab (Chromium), each checked through what a user sees: charts that pile
 * up (A), runs that Reset and Run cannot stop (B), inputs that break the page silently (C), a theory
 * panel that blames the wrong field (D), and the small ones (URL text, one-at-a-time messages, plurals,
 * preset labels, legend swatches).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { useLab, describeWithChromium } from "./harness.js";

/** The page's DOM as far as the callbacks use it (they run in the browser; this file has Node typings). */
interface El {
  value: string;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
  querySelectorAll(s: string): ArrayLike<El>;
}
declare const document: {
  getElementById(id: string): El | null;
  querySelectorAll(s: string): ArrayLike<El>;
  documentElement: { scrollHeight: number };
};
declare const location: { search: string };

const phase = (page: Page) => page.getAttribute("#run-status", "data-phase");

async function waitPhase(page: Page, want: string, timeout = 30_000): Promise<void> {
  await page.waitForFunction((w) => document.getElementById("run-status")?.dataset.phase === w, want, { timeout });
}

describeWithChromium("issue 16 bugs (Chromium)", () => {
  const lab = useLab({ beforeAll, afterAll });

  it("A: switching K back and forth keeps exactly one chart per plot", async () => {
    const { page, errors } = await lab.open("?preset=reference-h2.5");
    const canvases = () => page.evaluate(() => document.querySelectorAll("#plots canvas").length);
    const perPlot = await canvases();
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    for (const K of ["3", "2", "4", "2", "3", "2"]) {
      await page.fill("#f-K", K);
      await page.waitForTimeout(50); // the preview redraws at the next animation frame
    }
    expect(await canvases()).toBe(perPlot);
    expect(await page.evaluate(() => document.querySelectorAll("#plot-phase canvas").length)).toBe(1);
    // The page does not grow (a few px of slack for a re-wrapped legend line).
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(height + 40);
    expect(errors).toEqual([]);
  });

  it("B: Reset stops a run whose worker is busy for minutes, and the next run starts at once", async () => {
    // d = 1200 full matrices: one GD step is ~24 products of 1200×1200 matrices (~8e10 flops) and the
    // worker's first engine call takes 16 steps, over 30 s here (a 10-step record of the same call took
    // 10 s at d = 800). A run of the 2×2 reference preset takes well under a second, so 15 s for it to end
    // separates "stopped at once" from "waited for the busy call" with a wide margin either way.
    const { page, errors } = await lab.open("?width=1200&dynamics=full&steps=50");
    await page.click("#run");
    await waitPhase(page, "running");
    // Long enough for the worker to be inside its first engine call (a Pause queued before it would be
    // read first and hide the bug).
    await page.waitForTimeout(1500);
    await page.click("#reset");
    await waitPhase(page, "idle");
    await page.selectOption("#f-preset", "preset:reference-h2.5");
    await page.click("#run");
    await waitPhase(page, "done", 15_000);
    expect(await page.textContent("#run-status")).toMatch(/^Done: /);
    // A new Run during a busy run replaces it the same way.
    await page.goto(page.url().replace(/\?.*$/, "?width=1200&dynamics=full&steps=50"));
    await page.waitForFunction(() => /kernels/.test(document.getElementById("rate")?.textContent ?? ""));
    await page.click("#run");
    await waitPhase(page, "running");
    await page.waitForTimeout(1500);
    await page.selectOption("#f-preset", "preset:reference-h2.5");
    await page.click("#run");
    await waitPhase(page, "done", 15_000);
    expect(errors).toEqual([]);
  });

  it("B: progress moves inside a long stretch of steps that makes no record", async () => {
    // One record at step 0 and one at the end: before, the bar sat at step 0 for the whole run.
    const { page, errors } = await lab.open("?width=120&dynamics=full&steps=100000&record-every=100000&sharpness-every=0");
    await page.click("#run");
    await page.waitForFunction(() => Number(document.getElementById("progress")?.getAttribute("value") ?? 0) > 0 && document.getElementById("run-status")?.dataset.phase === "running", null, { timeout: 30_000 });
    expect(await page.textContent("#progress-text")).toMatch(/^step [1-9][\d,]* \/ 100,000$/);
    await page.click("#reset");
    expect(errors).toEqual([]);
  });

  it("B: estimates the cost before a run: a warning for a long run, a refusal for one that cannot fit in memory", async () => {
    const { page, errors } = await lab.open("?preset=reference-h2.5");
    expect(await page.isHidden("#estimate")).toBe(true);
    // d = 1000, 10⁵ full steps: ~10⁵ × 6·8·10⁹ flops, hours at any browser's speed.
    await page.fill("#f-width", "1000");
    await page.selectOption("#f-dynamics", "full");
    await page.fill("#f-steps", "100000");
    expect(await page.isVisible("#estimate")).toBe(true);
    expect(Number(await page.getAttribute("#estimate", "data-seconds"))).toBeGreaterThan(60);
    expect(await page.textContent("#estimate")).toMatch(/^This run may take about /);
    expect(await page.isEnabled("#run")).toBe(true);
    // d = 5000: the weights alone are 8 × 5000² doubles = 1.6 GB, and the engine keeps several copies.
    await page.fill("#f-width", "5000");
    expect(await page.textContent("#e-width")).toMatch(/^--width: .*memory/);
    expect(await page.isDisabled("#run")).toBe(true);
    expect(errors).toEqual([]);
  });

  it("C: width = 1e9 is refused next to its field, and any uncaught error is shown on the page", async () => {
    const { page } = await lab.open("?preset=reference-h2.5&width=1000000000");
    expect(await page.textContent("#e-width")).toMatch(/^--width: /);
    expect(await page.isDisabled("#run")).toBe(true);
    await page.evaluate(() => {
      setTimeout(() => {
        throw new Error("a bug for the test");
      });
    });
    await page.waitForFunction(() => /a bug for the test/.test(document.getElementById("notes")?.textContent ?? ""));
    await page.evaluate(() => void Promise.reject(new Error("a rejected promise")));
    await page.waitForFunction(() => /a rejected promise/.test(document.getElementById("notes")?.textContent ?? ""));
  });

  it("D: with σ at its default, a bad seed or step size is not blamed on σ", async () => {
    const { page, errors } = await lab.open("?seed=1.5");
    expect(await page.textContent("#e-seed")).not.toBe("");
    // The defaults (depths 4,4, σ = 1, 0.5, η = 0.625) are in the window whatever the seed.
    expect(await page.textContent("#regime")).toBe("re-balancing window");
    await page.fill("#f-seed", "0");
    await page.fill("#f-lr", "abc");
    expect(await page.textContent("#regime")).toBe("theory not available: needs a valid step size η");
    expect(errors).toEqual([]);
  });

  it("small: the URL keeps a trimmed value, all bad URL values are reported at once, plurals, labels, legend swatches", async () => {
    const { page, errors } = await lab.open("?lr=-1&steps=-3");
    // Both schema errors at once, each next to its own field.
    expect(await page.textContent("#e-lr")).toMatch(/^--lr: must be > 0/);
    expect(await page.textContent("#e-steps")).toMatch(/^--steps: must be an integer >= 0/);
    await page.fill("#f-steps", "5000");
    await page.fill("#f-lr", " 0.5 ");
    expect(await page.evaluate(() => location.search)).toBe("?lr=0.5");
    await page.click("summary:has-text('More settings')"); // advanced fields are folded
    await page.fill("#f-record-every", "1");
    expect(await page.getAttribute("#step", "title")).toBe("Advance one record interval (1 step)");
    const labels = await page.$$eval("#f-preset option", (os) => os.map((o) => (o as unknown as El).textContent ?? ""));
    for (const l of labels) expect(l, l).not.toMatch(/(h = [\d.]+) \(\1\)/);
    // Legend swatches draw each line's own dash: mode 1 solid, mode 2 dashed.
    const swatches = await page.$$eval("#plot-modes .legend li", (lis) =>
      lis.map((li) => {
        const el = li as unknown as El;
        const line = el.querySelectorAll("svg line")[0];
        return { text: el.textContent ?? "", dash: line?.getAttribute("stroke-dasharray") ?? null, stroke: line?.getAttribute("stroke") ?? null };
      }),
    );
    const m1 = swatches.find((s) => /pathway 1 .*mode 1/.test(s.text));
    const m2 = swatches.find((s) => /pathway 1 .*mode 2/.test(s.text));
    expect(m1?.stroke).toBeTruthy();
    expect(m1?.dash ?? "").toBe("");
    expect(m2?.dash).toMatch(/\d/);
    expect(m2?.stroke).toBe(m1?.stroke);
    // Marker series get a dot.
    const dots = await page.$$eval("#plot-sharpness .legend li svg circle", (c) => c.length);
    expect(dots).toBeGreaterThan(0);
    expect(await phase(page)).not.toBe("error");
    expect(errors).toEqual([]);
  });
});

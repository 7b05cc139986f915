/**
 * @file runFigures on records of the reduced dynamics (test/plot/fixtures.ts): the three figures,
 * their legends and reference lines, flow vs GD axes, scheduled vs constant step sizes, and gallery
 * snapshots of a small-step and a large-step (Edge of Stability) run.
 */
import { describe, expect, it } from "vitest";
import { runFigures } from "../../src/plot/index.js";
import type { RunFigureMeta } from "../../src/plot/index.js";
import { shownModes } from "../../src/plot/run-figures.js";
import { plainText } from "../../src/plot/text.js";
import { reducedRun } from "./fixtures.js";
import { linePaths, parseSvg, texts } from "./svg-query.js";

const meta = (title: string, extra: Partial<RunFigureMeta> = {}): RunFigureMeta => ({
  title,
  depths: [4, 4],
  sigma: [1, 0.5],
  dynamics: "reduced",
  ...extra,
});
// h = η·λ_single = 4η (docs/theory.md §4): h = 0.5 stays winner-takes-all, h = 2.5 re-balances at the EoS.
const small = reducedRun({ lr: 0.125, steps: 600 });
const large = reducedRun({ lr: 0.625, steps: 600 });

describe("runFigures", () => {
  it("returns modes, loss and sharpness, in that order, with plain-text titles", () => {
    const figs = runFigures(small, meta("η = 0.125"));
    expect(figs.map((f) => f.name)).toEqual(["modes", "loss", "sharpness"]);
    for (const f of figs) {
      expect(f.title).toContain("η = 0.125");
      expect(f.title).not.toMatch(/[_^{}]/);
    }
  });

  it("mode figure: one legend row per pathway (with depth) and per mode, σ_i rules, step axis", () => {
    const [modes] = runFigures(large, meta("η = 0.625"));
    const t = texts(modes!.svg);
    for (const want of ["pathway 1 (L=4)", "pathway 2 (L=4)", "mode 1", "mode 2", "σ_1", "σ_2", "step t", "mode coefficient s_{k,i}"])
      expect(t, `missing "${want}"`).toContain(plainText(want));
    expect(linePaths(modes!.svg)).toHaveLength(4); // K = 2 pathways × 2 modes
  });

  it("mode figure keeps pathway colours fixed: pathway k is pathwayColor(k) in every run", () => {
    const a = runFigures(small, meta("a"))[0]!.svg;
    const b = runFigures(large, meta("b"))[0]!.svg;
    const strokes = (svg: string): string[] =>
      [...parseSvg(svg).querySelectorAll('g[aria-label="line"] g')].map((g) => g.getAttribute("stroke") ?? "");
    expect(strokes(a)).toEqual(strokes(b));
    expect(strokes(a).slice(0, 2)).toEqual(["#0072B2", "#D55E00"]);
  });

  it("mode figure shows σ_i > 0 modes only, at most maxModes", () => {
    expect(shownModes([3, 2, 1, 0, 0], 4)).toEqual([0, 1, 2]);
    expect(shownModes([3, 2, 1, 0.5, 0.1], 2)).toEqual([0, 1]);
    expect(shownModes([0, 0], 4)).toEqual([0]);
    const [modes] = runFigures(large, meta("one mode", { maxModes: 1 }));
    expect(linePaths(modes!.svg)).toHaveLength(2);
    expect(texts(modes!.svg)).not.toContain("mode 2");
  });

  it("mode figure draws one rule for equal singular values (identity-like targets)", () => {
    const sigma = [1, 1, 1, 0.5];
    const records = reducedRun({ lr: 0.125, steps: 50, sigma });
    const t = texts(runFigures(records, meta("equal σ", { sigma }))[0]!.svg);
    expect(t).toContain(plainText("σ_1 = … = σ_3"));
    expect(t).toContain(plainText("σ_4"));
    expect(t).not.toContain(plainText("σ_2"));
  });

  it("loss figure uses a log axis with power-of-ten labels", () => {
    const [, loss] = runFigures(large, meta("η = 0.625"));
    expect(texts(loss!.svg).some((s) => /^10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+$/.test(s))).toBe(true);
    expect(texts(loss!.svg)).toContain(plainText("loss ½‖F − Y‖_F^2"));
  });

  it("sharpness figure: λ_max and a constant 2/η rule in the legend", () => {
    const [, , sharp] = runFigures(large, meta("η = 0.625"));
    const t = texts(sharp!.svg);
    expect(t).toContain(plainText("λ_max (Lanczos)"));
    expect(t).toContain("2/η");
    expect(t).toContain("2/η = 3.2");
    expect(t).toContain(plainText("λ_2")); // the fixture records two eigenvalues: the second drawn faintly
  });

  it("sharpness figure: a scheduled step size gives a 2/η step function, not a rule", () => {
    const warm = reducedRun({ lr: (t) => Math.min(0.625, 0.05 + (0.575 * t) / 200), steps: 400 });
    const [, , sharp] = runFigures(warm, meta("warm-up"));
    const t = texts(sharp!.svg);
    expect(t).toContain("2/η");
    expect(t.some((s) => s.startsWith("2/η ="))).toBe(false);
    expect(linePaths(sharp!.svg).length).toBe(3); // λ_2, λ_max, 2/η
  });

  it("gradient flow: time axis, no 2/η", () => {
    const flow = reducedRun({ lr: 0.05, steps: 400, flow: true });
    const figs = runFigures(flow, meta("flow", { dynamics: "flow" }));
    for (const f of figs) expect(texts(f.svg)).toContain("time t = η·steps");
    expect(texts(figs[2]!.svg).some((s) => s.startsWith("2/η"))).toBe(false);
  });

  it("notes when no sharpness was measured, and survives an empty run", () => {
    const none = small.map((r) => ({ ...r, sharpness: null }));
    expect(texts(runFigures(none, meta("x"))[2]!.svg).join(" ")).toContain("no sharpness measurements");
    expect(runFigures([], meta("empty"))).toHaveLength(3);
  });

  it("rejects depths that do not match the records", () => {
    expect(() => runFigures(small, meta("bad", { depths: [4, 4, 4] }))).toThrow(/meta\.depths/);
  });

  it("gallery: small step (winner takes all) and large step (re-balancing at the EoS)", async () => {
    for (const [tag, records, eta] of [["small", small, 0.125], ["large", large, 0.625]] as const)
      for (const f of runFigures(records, meta(`K = 2, L = 4, η = ${eta}`)))
        await expect(f.svg).toMatchFileSnapshot(`./__snapshots__/run-${tag}-${f.name}.svg`);
  });
});

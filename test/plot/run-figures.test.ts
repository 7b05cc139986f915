/**
 * @file runFigures on records of the reduced dynamics (test/plot/fixtures.ts): the three figures,
 * their legends and reference lines, the theory drawn on them (σ_i, 2/η, λ_single, λ_bal, the predicted
 * final split, checked against closed forms), MLP and classifier labels, flow vs GD axes, scheduled vs
 * constant step sizes, and gallery snapshots of a small-step and a large-step (Edge of Stability) run.
 */
import { describe, expect, it } from "vitest";
import { runFigures } from "../../src/plot/index.js";
import type { RunFigureMeta } from "../../src/plot/index.js";
import { runFigureMeta, shownModes } from "../../src/plot/run-figures.js";
import { RunConfigSchema, resolveRunConfig } from "../../src/config/schema.js";
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
  it("returns modes, loss, sharpness and (K ≥ 2) balance, in that order, with plain-text titles", () => {
    const figs = runFigures(small, meta("η = 0.125"));
    expect(figs.map((f) => f.name)).toEqual(["modes", "loss", "sharpness", "balance"]);
    for (const f of figs) {
      expect(f.title).toContain("η = 0.125");
      expect(f.title).not.toMatch(/[_^{}]/);
    }
  });

  it("mode figure: one legend row per pathway (with depth) and per mode, σ_i rules, step axis", () => {
    const [modes] = runFigures(large, meta("η = 0.625"));
    const t = texts(modes!.svg);
    for (const want of ["pathway 1 (L=4)", "pathway 2 (L=4)", "mode 1", "mode 2", "σ_1", "σ_2", "GD step t", "mode coefficient s_{k,i} (units of σ_1)"])
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
    expect(t).toContain("2/η (stability threshold)");
    expect(t).toContain("2/η = 3.2");
    expect(t).toContain(plainText("λ_2")); // the fixture records two eigenvalues: the second drawn faintly
  });

  it("sharpness figure: a scheduled step size gives a 2/η step function, not a rule", () => {
    const warm = reducedRun({ lr: (t) => Math.min(0.625, 0.05 + (0.575 * t) / 200), steps: 400 });
    const [, , sharp] = runFigures(warm, meta("warm-up"));
    const t = texts(sharp!.svg);
    expect(t).toContain(plainText("2/η_t (stability threshold)"));
    expect(t.some((s) => s.startsWith("2/η ="))).toBe(false);
    expect(linePaths(sharp!.svg).length).toBe(3); // λ_2, λ_max, 2/η_t
  });

  it("gradient flow: time axis, no 2/η", () => {
    const flow = reducedRun({ lr: 0.05, steps: 400, flow: true });
    const figs = runFigures(flow, meta("flow", { dynamics: "flow" }));
    for (const f of figs) expect(texts(f.svg)).toContain("time t = η·steps");
    expect(texts(figs[2]!.svg).join(" ")).not.toContain("stability threshold");
    expect(figs[2]!.title).toContain("Sharpness along gradient flow");
    expect(texts(figs[2]!.svg).some((s) => s.startsWith("2/η"))).toBe(false);
  });

  it("notes when no sharpness was measured, and survives an empty run", () => {
    const none = small.map((r) => ({ ...r, sharpness: null }));
    expect(texts(runFigures(none, meta("x"))[2]!.svg).join(" ")).toContain("no sharpness measurements");
    expect(runFigures([], meta("empty"))).toHaveLength(4);
  });

  it("rejects depths that do not match the records", () => {
    expect(() => runFigures(small, meta("bad", { depths: [4, 4, 4] }))).toThrow(/meta\.depths/);
  });

  describe("theory lines (K = 2, L = 4, σ_1 = 1; docs/theory.md §3–§4)", () => {
    // Per-layer init 0.2 / 0.19 of the fixture: end-to-end scales α_k = a_k^L.
    const initScales = [0.2 ** 4, 0.19 ** 4];
    // The numeric rule labels: the predicted levels (σ_i rules are labelled "σ_i").
    const numbers = (svg: string) => [...parseSvg(svg).querySelectorAll("text.rule-label")].map((e) => e.textContent ?? "").filter((t) => /^\d(\.\d+)?$/.test(t)).map(Number);
    const lambdaOf = (s: number[]) => s.reduce((acc, x) => acc + 4 * x ** 1.5, 0); // Σ_k L s_k^{2−2/L}

    it("sharpness figure: λ_single = L σ^{2−2/L} and λ_bal = L K^{2/L−1} σ^{2−2/L}", () => {
      const t = texts(runFigures(large, meta("η = 0.625"))[2]!.svg);
      expect(t).toContain(plainText(`λ_single = ${Number((4).toPrecision(4))}`));
      expect(t).toContain(plainText(`λ_bal = ${Number((4 * 2 ** -0.5).toPrecision(4))}`));
    });

    it("inside the window (h = 2.5): the predicted stop sits on σ's line with λ = 2/η", () => {
      const [modes] = runFigures(large, meta("η = 0.625", { initScales }));
      expect(texts(modes!.svg)).toContain(plainText("predicted stop λ = 2/η (exact)"));
      const s = numbers(modes!.svg);
      expect(s).toHaveLength(2);
      // Labels carry 3 significant digits (±5e-4 each): Σ s within 1e-3, λ (slope 6√s ≤ 6) within 6e-3.
      expect(Math.abs(s[0]! + s[1]! - 1)).toBeLessThan(1e-3);
      expect(Math.abs(lambdaOf(s) - 2 / 0.625)).toBeLessThan(6e-3);
      expect(s[0]!).toBeGreaterThan(s[1]!); // the larger init keeps the larger share
    });

    it("below the window (h = 0.5): the gradient-flow end point, from the conserved leaf difference", () => {
      // Gradient flow conserves z_1 − z_2, z = a^{2−L}/(L−2) = s^{−1/2}/2 for L = 4 (docs/theory.md §6); s_1 + s_2 = 1.
      const c = 0.2 ** -2 - 0.19 ** -2;
      let lo = 0.5;
      let hi = 1 - 1e-12;
      for (let j = 0; j < 200; j++) {
        const m = (lo + hi) / 2;
        if (m ** -0.5 - (1 - m) ** -0.5 > c) lo = m;
        else hi = m;
      }
      const [modes] = runFigures(small, meta("η = 0.125", { initScales }));
      expect(texts(modes!.svg)).toContain(plainText("gradient-flow end point (η ≤ 2/λ_single)"));
      const s = numbers(modes!.svg);
      expect(Math.abs(s[0]! - lo)).toBeLessThan(5e-4 + 1e-9);
      expect(Math.abs(s[1]! - (1 - lo))).toBeLessThan(5e-4 + 1e-9);
    });

    it("above the window (h = 3 > 2λ_single/λ_bal): the flattest allocation, marked as not reached", () => {
      const run = reducedRun({ lr: 0.75, steps: 300 });
      const [modes] = runFigures(run, meta("η = 0.75", { initScales }));
      expect(texts(modes!.svg)).toContain(plainText("flattest allocation (η ≥ 2/λ_bal: not reached)"));
      expect(numbers(modes!.svg)).toEqual([0.5, 0.5]);
    });

    it("no init scales (a Gaussian or per-layer init): no predicted split; gradient flow: its own end point", () => {
      expect(texts(runFigures(large, meta("η = 0.625"))[0]!.svg).join(" ")).not.toMatch(/predicted|end point|flattest/);
      const flow = reducedRun({ lr: 0.05, steps: 400, flow: true });
      expect(texts(runFigures(flow, meta("flow", { dynamics: "flow", initScales }))[0]!.svg)).toContain("gradient-flow end point");
    });
  });

  it("balance figure: the balance index per mode between 1/K and 1, with the predicted split's index", () => {
    const initScales = [0.2 ** 4, 0.19 ** 4];
    const figs = runFigures(large, meta("η = 0.625", { initScales }));
    const balance = figs.find((f) => f.name === "balance")!;
    const t = texts(balance.svg);
    expect(t).toContain(plainText("balance index (Σ_k s_k)²/(K Σ_k s_k²)"));
    expect(t).toContain("equal split");
    expect(t).toContain("one pathway (1/K = 0.5)");
    // The predicted level is the balance index of the predicted split drawn on the mode figure (3 digits each).
    const level = (svg: string) => [...parseSvg(svg).querySelectorAll("text.rule-label")].map((e) => e.textContent ?? "").filter((x) => /^\d\.\d+$/.test(x)).map(Number);
    const [a, b] = level(figs[0]!.svg);
    const bi = (a! + b!) ** 2 / (2 * (a! ** 2 + b! ** 2));
    // dBI/ds ≤ 2 here, so 3-digit labels (±5e-4) give BI to ±2e-3, plus the level's own rounding.
    expect(Math.abs(level(balance.svg)[0]! - bi)).toBeLessThan(3e-3);
    expect(linePaths(balance.svg)).toHaveLength(2); // modes 1 and 2
    // One pathway has no balance to show.
    const one = reducedRun({ lr: 0.1, steps: 50, init: [0.3], sigma: [1] });
    expect(runFigures(one, { title: "K = 1", depths: [4], sigma: [1], dynamics: "reduced" }).map((f) => f.name)).toEqual(["modes", "loss", "sharpness"]);
  });

  it("an MLP run is labelled as one: the linear theory as a guide, no SVS or leaf language", () => {
    const figs = runFigures(large, meta("mlp", { model: "mlp", dynamics: "full", mlp: { activation: "tanh", hidden: [5, 5] }, initScales: [0.1, 0.1] }));
    const all = figs.map((f) => texts(f.svg).join(" ")).join(" ");
    expect(all).toContain("tanh MLP, hidden 5 · gradient descent");
    expect(all).toContain(plainText("λ_single (linear theory) = 4"));
    expect(texts(figs[0]!.svg)).toContain(plainText("output mode coefficient u_iᵀ f_k(X) v_i"));
    expect(all).not.toMatch(/SVS|leaf|predicted|end point/);
  });

  it("a classifier run shows alignment cos∠(w, ŵ) and risk, without a target's σ or λ_single", () => {
    const run = reducedRun({ lr: 0.1, steps: 200, init: [0.3], depth: 3, sigma: [1] });
    const figs = runFigures(run, { title: "cls", depths: [3], sigma: [1], dynamics: "full", model: "classifier" });
    const all = figs.map((f) => texts(f.svg).join(" ")).join(" ");
    expect(texts(figs[0]!.svg)).toContain(plainText("cos∠(w, ŵ) (ŵ: max-margin direction)"));
    expect(figs[0]!.title).toContain("Alignment with the max-margin direction");
    expect(figs[1]!.title).toContain("Training risk");
    expect(all).toContain("deep linear classifier on separable data");
    expect(all).not.toMatch(/σ|single|SVS|leaf|mode 2/);
  });

  it("runFigureMeta reads model, init scales and sharpness method from the resolved spec", () => {
    const spec = (raw: Record<string, unknown>) => resolveRunConfig(RunConfigSchema.parse(raw));
    const dln = runFigureMeta(spec({ depths: [4, 4], init: { type: "svs", scales: [0.1] }, dynamics: "reduced" }), [1, 0.5], "t");
    expect(dln).toMatchObject({ model: "dln", initScales: [0.1, 0.1], sharpnessMethod: "blocks", dynamics: "reduced" });
    const gauss = runFigureMeta(spec({ depths: [4, 4], init: { type: "gaussian", std: 0.1 } }), [1, 0.5], "t");
    expect(gauss.initScales).toBeUndefined();
    const mlp = runFigureMeta(spec({ depths: [3, 3], model: "mlp", mlp: { hidden: 7 } }), [1, 0.5], "t");
    expect(mlp).toMatchObject({ model: "mlp", mlp: { activation: "tanh", hidden: [7, 7] }, sharpnessMethod: "lanczos" });
    expect(mlp.initScales).toBeUndefined();
  });

  it("gallery: small step (winner takes all) and large step (re-balancing at the EoS)", async () => {
    for (const [tag, records, eta] of [["small", small, 0.125], ["large", large, 0.625]] as const)
      for (const f of runFigures(records, meta(`K = 2, L = 4, η = ${eta}`, { initScales: [0.2 ** 4, 0.19 ** 4] })))
        await expect(f.svg).toMatchFileSnapshot(`./__snapshots__/run-${tag}-${f.name}.svg`);
  });
});

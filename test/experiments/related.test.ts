/**
 * The experiment kinds of docs/theory.md §9–§10 (`alignment`, `saddle`) on small budgets, in-process on the
 * plain-JS kernels (bytes do not depend on the WebAssembly build): their checks are computed from the
 * data and fail when the data contradict the prediction; their figures have titles, labelled axes, legends
 * inside the SVG and the theory drawn (SVG snapshots in __snapshots__, look at them when they change).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDefaultBackend, jsBackend, setDefaultBackend, type Backend } from "../../src/engine/linalg/kernels.js";
import { figuresFor } from "../../src/experiments/figures/index.js";
import { alignmentChecks, analyseRun, type AlignmentConfig, type AlignmentData } from "../../src/experiments/kinds/alignment/kind.js";
import { analyseSaddle, measuredClass, saddleChecks, type SaddleConfig, type SaddleData } from "../../src/experiments/kinds/saddle/kind.js";
import type { Resolved } from "../../src/experiments/types.js";
import { plainText } from "../../src/plot/text.js";
import { parseSvg, texts } from "../plot/svg-query.js";
import { resolveWith, runAll } from "./helpers.js";

let saved: Backend;
beforeAll(() => {
  saved = getDefaultBackend();
  setDefaultBackend(jsBackend);
});
afterAll(() => setDefaultBackend(saved));

/** Structure every figure must have (as in figures.test.ts). */
function expectWellFormed(figs: ReturnType<typeof figuresFor>, theory: string[]): void {
  expect(figs.length).toBeGreaterThan(0);
  for (const f of figs) {
    expect(f.name).toMatch(/^[\w.-]+$/);
    expect(f.caption.length).toBeGreaterThan(40);
    const labels = [...parseSvg(f.svg).querySelectorAll("text.x-label, text.y-label")].map((e) => e.textContent ?? "");
    expect(labels.length, `${f.name}: axis labels`).toBeGreaterThanOrEqual(2);
    for (const l of labels) expect(l.length, `${f.name}: empty axis label`).toBeGreaterThan(3);
    expect([...parseSvg(f.svg).querySelectorAll("g.legend")].length, `${f.name}: in-SVG legend`).toBeGreaterThan(0);
    expect(f.svg).not.toMatch(/NaN|Infinity/);
  }
  const all = figs.flatMap((f) => texts(f.svg)).join("\n");
  for (const want of theory) expect(all, `missing "${want}"`).toContain(plainText(want));
}

describe("kind alignment (layer-alignment.yaml, 20 000 steps)", () => {
  const resolved = resolveWith("layer-alignment", { steps: 20_000 });
  const r = resolved as unknown as Resolved<AlignmentConfig>;
  const { data } = runAll(resolved) as { data: AlignmentData };

  it("records every run on a τ grid and measures the rates the checks compare", () => {
    expect(data.runs).toHaveLength(4);
    for (const run of data.runs) {
      const times = run.records.map((x) => x.time);
      for (let j = 1; j < times.length; j++) expect(times[j]!).toBeGreaterThan(times[j - 1]!);
      expect(run.records.at(-1)!.step).toBe(20_000);
      const a = analyseRun(run, 2);
      expect(a.window.length).toBeGreaterThan(40);
      // Even this short run is in the aligned regime: risk slope ≈ −1.1, rank-one exponent ≈ −1.
      expect(a.risk.slope).toBeLessThan(-0.9);
      expect(Math.abs(a.ratio[1]!.slope + 1)).toBeLessThan(0.2);
    }
    const checks = alignmentChecks(r, data);
    expect(checks).toHaveLength(1 + 4 * 7);
    for (const c of checks) expect(typeof c.pass).toBe("boolean");
  });

  it("a rate check fails when the data contradict it", () => {
    // The angle decaying like ‖w‖^{−1/2} instead of ‖w‖^{−1}: the angle check must fail.
    const bent: AlignmentData = { runs: data.runs.map((run) => ({ ...run, records: run.records.map((x) => ({ ...x, angle: x.angle * Math.sqrt(x.wNorm) })) })) };
    const angle = alignmentChecks(r, bent).filter((c) => c.name.startsWith("predictor → max-margin"));
    expect(angle.every((c) => !c.pass)).toBe(true);
  });

  it("draws the rates with their predicted laws, and the data with the SVM", async () => {
    const figs = figuresFor("alignment", r, data);
    expectWellFormed(figs, ["rate law (theory)", "∝ ‖W_l‖_F^{−2} (theory)", "∝ ‖W_l‖_F^{−4} (theory)", "∝ 1/‖w‖ ∝ 1/ln τ (theory)", "max-margin separator (SVM)"]);
    for (const f of figs) await expect(f.svg).toMatchFileSnapshot(`./__snapshots__/alignment-${f.name}.svg`);
  });
});

describe("kind saddle (saddle-escape.yaml, smoke budget)", () => {
  const resolved = resolveWith("saddle-escape", { epsilon: { from: 1e-4, to: 1e-2, points: 4 }, rtol: 1e-10 });
  const r = resolved as unknown as Resolved<SaddleConfig>;
  const { data } = runAll(resolved) as { data: SaddleData };

  it("measures escape times for every base, activation, r and ε, and groups the activations as predicted", () => {
    expect(data.series).toHaveLength(2 * 6);
    for (const s of data.series) {
      expect(s.rows).toHaveLength(5 * 4);
      for (const row of s.rows) expect(row.tau, `${s.base} ${s.activation} r=${row.r} ε=${row.eps}: ${row.reason}`).toBeGreaterThan(0);
    }
    const { series, grouping } = analyseSaddle(r, data);
    for (const a of series) expect(measuredClass(a), `${a.base} ${a.activation}`).toBe(a.cls.label);
    expect(grouping.predicted).toEqual({ A: ["linear"], B: ["tanh", "erf", "sin"], C: ["gelu", "swish"] });
    const checks = saddleChecks(r, data);
    const failing = checks.filter((c) => !c.pass).map((c) => `${c.name}: ${c.measured}`);
    expect(failing).toEqual([]);
  });

  it("an exponent check fails when τ grows with the wrong power of ε", () => {
    // τ·ε^{−0.5}: every fitted exponent off by 0.5.
    const wrong: SaddleData = { ...data, series: data.series.map((s) => ({ ...s, rows: s.rows.map((x) => ({ ...x, tau: x.tau! * Math.pow(x.eps, -0.5) })) })) };
    const exps = saddleChecks(r, wrong).filter((c) => c.name.startsWith("escape time τ* ∝"));
    expect(exps.length).toBe(2 * 6 * 4);
    expect(exps.every((c) => !c.pass)).toBe(true);
  });

  it("draws escape times with the laws, the exponents against r − 2, the classes and the plateaus", async () => {
    const figs = figuresFor("saddle", r, data);
    expectWellFormed(figs, ["exact (theory)", "theory", "r − 2 (theory)", "2Σ∫ψ/φ' (exact identity)", "∝ ε (class C), ∝ ε^2 (class B) (theory)", "exact chain, linear (theory)"]);
    for (const f of figs) await expect(f.svg).toMatchFileSnapshot(`./__snapshots__/saddle-${f.name}.svg`);
  });
});

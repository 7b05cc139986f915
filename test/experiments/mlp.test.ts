/**
 * @file Kind mlp (docs/theory.md §7; experiments/fig3-mlp-tanh.yaml and fig7-mlp-sweep.yaml): the files carry
 * the settings of docs/mlp.md, bad files name the field, the smoke budget is tiny; the linear theory the
 * checks use matches closed forms; the checks pass on data that satisfy the claims and each fails on data
 * that violate its claim; the figures, built from seeded synthetic data, are well formed (SVG snapshots in
 * __snapshots__, look at them when they change); and a smoke-budget run in-process has the expected shape.
 */
import { describe, expect, it } from "vitest";
import { balanceIndex } from "../../src/engine/measure/observables.js";
import { Rng } from "../../src/engine/rng.js";
import type { TrajectoryRecord } from "../../src/engine/types.js";
import type { Check } from "../../src/experiments/checks.js";
import type { RunData } from "../../src/experiments/common.js";
import { ConfigError, kindFor, parseExperiment, resolveExperiment } from "../../src/experiments/config.js";
import { figuresFor } from "../../src/experiments/figures/index.js";
import {
  linearTheoryBalance, mlpChecks, mlpKind, mlpTheory, predictedOutcome, regimeOf, type MlpConfig, type MlpData, type SweepPoint,
} from "../../src/experiments/kinds/mlp/kind.js";
import type { Resolved } from "../../src/experiments/types.js";
import { plainText } from "../../src/plot/text.js";
import { parseSvg, texts } from "../plot/svg-query.js";
import { loadExperiment, runAll } from "./helpers.js";

type R = Resolved<MlpConfig>;
const clone = <T>(x: T): T => structuredClone(x);
const byName = (checks: Check[], part: string): Check => {
  const c = checks.find((x) => x.name.includes(part));
  if (!c) throw new Error(`no check named like "${part}" in: ${checks.map((x) => x.name).join(" | ")}`);
  return c;
};

describe("mlp experiment files", () => {
  const fig3 = loadExperiment("fig3-mlp-tanh") as unknown as MlpConfig;
  const fig7 = loadExperiment("fig7-mlp-sweep") as unknown as MlpConfig;

  it("carry the settings of docs/mlp.md: K = 2 tanh pathways of depth 4, d = 4, hidden 64, std 0.01, σ = 0.25", () => {
    for (const c of [fig3, fig7]) {
      expect(c.kind).toBe("mlp");
      expect(c.network).toMatchObject({ width: 4, depths: [4, 4], sigma: 0.25, hidden: 64, initStd: 0.01 });
    }
    expect(fig3.network).toMatchObject({ activation: "tanh", seed: 0 });
    expect(fig3.runs!.map((x) => x.h)).toEqual([1, 2.6, 2.9]);
    expect(fig3.sizes.quick.steps).toBe(30_000);
    expect(fig7.sweep!.activations).toEqual(["tanh", "linear"]);
    expect(fig7.sizes.full).toMatchObject({ steps: 30_000, seeds: [0, 1, 2], h: [0.5, 1, 1.5, 2, 2.2, 2.4, 2.5, 2.6, 2.7, 2.75, 2.8, 2.85, 2.9, 3, 3.2, 3.4] });
    // The quick grid keeps h ≤ 2, points inside the window and steps of 0.05 around its top.
    const q = fig7.sizes.quick.h!;
    expect(q.some((h) => h <= 2) && q.some((h) => h > 2 && h < 2.8)).toBe(true);
    for (const h of [2.8, 2.85, 2.9]) expect(q).toContain(h);
  });

  it("the smoke budget is tiny: ≤ 300 steps, one seed, at most three grid points", () => {
    for (const c of [fig3, fig7]) {
      const r = resolveExperiment(c as never, "smoke") as unknown as R;
      expect(r.budget.steps).toBeLessThanOrEqual(300);
      const tasks = mlpKind.plan(r);
      expect(tasks.reduce((a, t) => a + t.weight, 0)).toBeLessThanOrEqual(6 * 300);
    }
    const s = resolveExperiment(fig7 as never, "smoke").budget as MlpConfig["sizes"]["quick"];
    expect(s.seeds).toHaveLength(1);
    expect(s.h!.length).toBeLessThanOrEqual(3);
  });

  it("bad files name the field", () => {
    const text = `name: x\nkind: mlp\ntitle: t\nfigure: Fig. 7\nclaim: docs/theory.md §7\ndescription: d
network: { width: 4, depths: [4, 4], sigma: 0.25, initStd: 0.01 }
sweep: { activations: [tanh, linear] }
sizes:
  quick: { steps: 100, seeds: [0], h: [1, 2] }
  full: { steps: 100, seeds: [0], h: [1, 2] }
`;
    expect(parseExperiment(text, "x.yaml").name).toBe("x");
    const fails = (t: string): string => {
      try {
        parseExperiment(t, "x.yaml");
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error("expected a ConfigError");
    };
    expect(fails(text.replace("[tanh, linear]", "[tanh, relu]"))).toMatch(/sweep\.activations: must include linear/);
    expect(fails(text.replace("depths: [4, 4]", "depths: [4, 3]"))).toMatch(/network\.depths: the pathways must have equal depth/);
    expect(fails(text.replace("depths: [4, 4]", "depths: [4, 4, 4]"))).toMatch(/network\.depths: needs exactly 2 pathways/);
    expect(fails(text.replace("  quick: { steps: 100, seeds: [0], h: [1, 2] }", "  quick: { steps: 100, seeds: [0] }"))).toMatch(/sizes\.quick\.h: is required/);
    expect(fails(text.replace("h: [1, 2] }\n  full", "h: [2, 1] }\n  full"))).toMatch(/sizes\.quick\.h\[1\]: the grid must increase/);
    expect(fails(text.replace("sweep: { activations: [tanh, linear] }\n", ""))).toMatch(/runs: give runs, a sweep, or both/);
  });
});

describe("the linear theory of the mlp checks", () => {
  const net = (loadExperiment("fig7-mlp-sweep") as unknown as MlpConfig).network;

  it("matches closed forms: λ_single = Lσ^{2−2/L}, window top 2K^{1−2/L} = 2√2, boundary balance 1/2 → 1 across it", () => {
    const th = mlpTheory(net);
    // Closed forms of docs/theory.md §3 for L = 4, K = 2, σ = 0.25 (tolerance: rounding of a few operations).
    expect(Math.abs(th.lambdaSingle - 4 * Math.pow(0.25, 1.5))).toBeLessThan(1e-15);
    expect(Math.abs(th.hBalanced - 2 * Math.SQRT2)).toBeLessThan(1e-12);
    expect(Math.abs(linearTheoryBalance(net, th.hFull)! - 0.99)).toBeLessThan(1e-9);
    expect(th.hFull).toBeGreaterThan(2.8);
    expect(th.hFull).toBeLessThan(th.hBalanced);
    expect(linearTheoryBalance(net, 2 + 1e-6)!).toBeLessThan(0.51);
    expect(linearTheoryBalance(net, 1.5)).toBeNull();
    expect(linearTheoryBalance(net, 2.9)).toBeNull();
    expect([1, 2.6, 2.9].map((h) => predictedOutcome(net, h).regime)).toEqual(["WTA", "partial", "full"]);
    expect([0.59, 0.6, 0.989, 0.99, Number.NaN].map(regimeOf)).toEqual(["WTA", "partial", "partial", "full", "failed"]);
  });
});

// ---------------------------------------------------------------------------------------------
// Seeded synthetic data with the numbers of the study (docs/mlp.md): every claim holds.

const SIGMA = 0.25;
const LAMBDA_SINGLE = 0.5;

/** Top-mode shares (larger first) with balance index b and sum σ. */
function sharesOf(b: number): number[] {
  const x = (1 + Math.sqrt(Math.max(0, 1 / b - 1))) / 2;
  return [SIGMA * x, SIGMA * (1 - x)];
}

/**
 * A trajectory like the study's: a plateau, a sigmoidal rise at step t0, then (when `osc`) a decaying
 * alternation of the shares and of λ at every step; records every step to 400, then every 99.
 */
function synthRun(label: string, h: number, finalBalance: number, lamRatio: number, status: RunData["status"], osc: number, seed: number): RunData {
  const rng = new Rng(seed);
  const lr = h / LAMBDA_SINGLE;
  const final = sharesOf(finalBalance).reverse(); // pathway 2 wins
  const t0 = 70 + 80 * rng.uniform();
  const steps: number[] = [];
  for (let t = 0; t <= 400; t++) steps.push(t);
  for (let t = 499; t < 30_000; t += 99) steps.push(t);
  steps.push(30_000);
  const records: TrajectoryRecord[] = steps.map((t) => {
    const g = 1 / (1 + Math.exp(-(t - t0) / 6));
    const alt = t > t0 ? osc * Math.exp(-(t - t0) / 120) * (t % 2 === 0 ? 1 : -1) : 0;
    const s1 = final[0]! * g * (1 + 0.5 * alt);
    const s2 = final[1]! * g * (1 - 0.3 * alt);
    const r1 = s1 + s2 - SIGMA;
    const lam = (lamRatio * 2) / lr * g + 0.002 * g * (1 + 40 * Math.abs(alt)) * (t % 2 === 0 ? 1 : -1) * Math.sign(alt);
    const s = [[s1, 0, 0, 0], [s2, 0, 0, 0]];
    return {
      step: t, time: t * lr, lr, loss: 0.5 * r1 * r1 + 1e-12 * Math.exp(-t / 5000), residual: [r1, 0, 0, 0], s,
      balanceIndex: [balanceIndex([s1, s2]), Number.NaN, Number.NaN, Number.NaN], gap: [((s1 - s2) / 2) ** 2, 0, 0, 0],
      leaf: [[Number.NaN, Number.NaN, Number.NaN, Number.NaN], [Number.NaN, Number.NaN, Number.NaN, Number.NaN]], drift: 0.01 * g,
      sharpness: t % 5 === 0 || t === 30_000 ? [lam] : null, layerNorms: [[0.6, 0.6, 0.6, 0.6], [0.7, 0.7, 0.7, 0.7]],
    };
  });
  const last = records[records.length - 1]!;
  return {
    label, lr, dynamics: "full", status, stopReason: null, steps: 30_000, records,
    sharpness: records.filter((q) => q.sharpness).map((q) => [q.step, q.sharpness![0]!] as [number, number]),
    final: last, centre: last.s, signFlip: null,
    eos: {
      stride: 1, samples: osc > 0 ? 40 : 0, alternation: osc > 0 ? 1 : Number.NaN, pairs: 0, contraction: Number.NaN,
      leafStart: Number.NaN, leafEnd: Number.NaN, postPairs: 0, postChange: Number.NaN,
      first: osc > 0 ? Math.ceil(t0) : null, last: osc > 0 ? Math.ceil(t0) + 200 : null,
    },
    firstOvershoot: null, beforeOvershoot: null, seconds: 1,
  };
}

const GRID = [1, 2, 2.2, 2.4, 2.6, 2.8, 2.85, 2.9, 3];
const SEEDS = [0, 1];

/** Final balance of the study: the linear network on its stopping boundary (+0.01), the tanh MLP 0.04 below it, thresholds 2.85 and 2.9. */
function studyBalance(act: string, h: number, net: MlpConfig["network"]): number {
  const b = linearTheoryBalance(net, h);
  if (act === "linear") return h <= 2 ? 0.545 : b !== null ? Math.min(b + 0.01, 0.985) : 1;
  if (h <= 2) return 0.55;
  if (h < 2.85) return Math.max(0.556, (b ?? 1) - 0.04);
  return h === 2.85 ? 0.976 : 0.999;
}

function synthPoint(act: "tanh" | "linear", seed: number, h: number, net: MlpConfig["network"], rng: Rng): SweepPoint {
  const balance = Math.min(1, studyBalance(act, h, net) + 0.002 * rng.uniform());
  const lr = h / LAMBDA_SINGLE;
  const above = act === "linear" ? h > 2.83 : h > 2.88;
  const ratio = h <= 2 ? (h / 2) * (act === "tanh" ? 0.93 : 0.95) : above ? 1.1 : 0.993 + 0.004 * rng.uniform();
  const s = sharesOf(balance);
  return {
    activation: act, seed, h, lr, status: above ? "oscillating" : "max-steps", steps: 30_000, loss: 1e-12, s, balance: balanceIndex(s),
    sharpness: (ratio * 2) / lr, threshold: 2 / lr, norms: [[0.6, 0.6, 0.6, 0.6], [0.7, 0.7, 0.7, 0.7]], seconds: 0.6,
  };
}

/** Resolved fig3 and fig7 configs with the synthetic budgets, and data assembled by the kind from synthetic task results. */
function synthetic(): { r3: R; d3: MlpData; r7: R; d7: MlpData } {
  const r3 = resolveExperiment(loadExperiment("fig3-mlp-tanh"), "quick") as unknown as R;
  const runs = [
    synthRun("small step", 1, 0.548, 0.458, "max-steps", 0, 1),
    synthRun("window step", 2.6, 0.783, 0.993, "max-steps", 0.3, 2),
    synthRun("large step", 2.9, 0.9994, 0.999, "oscillating", 0.5, 3),
  ];
  const parts3 = Object.fromEntries(mlpKind.plan(r3).map((t, j) => [t.id, runs[j]!]));
  const r7base = resolveExperiment(loadExperiment("fig7-mlp-sweep"), "quick") as unknown as R;
  const r7 = { ...r7base, budget: { ...r7base.budget, h: GRID, seeds: SEEDS } } as R;
  const rng = new Rng(7);
  const parts7: Record<string, SweepPoint> = {};
  for (const t of mlpKind.plan(r7)) {
    const m = /^sweep-([a-z]+)-s(\d+)-h(.+)$/.exec(t.id)!;
    parts7[t.id] = synthPoint(m[1] as "tanh" | "linear", Number(m[2]), Number(m[3]), r7.network, rng);
  }
  return { r3, d3: mlpKind.assemble(r3, parts3), r7, d7: mlpKind.assemble(r7, parts7) };
}

describe("mlp checks on synthetic data with the study's numbers", () => {
  const { r3, d3, r7, d7 } = synthetic();
  const checks3 = mlpChecks(r3, d3);
  const checks7 = mlpChecks(r7, d7);

  it("hold: every claim of Figs. 3 and 7 is satisfied by these data", () => {
    for (const c of [...checks3, ...checks7]) expect(c.pass, `${c.name}: predicted ${c.predicted}, measured ${c.measured}, error ${c.error}`).toBe(true);
    // Fig. 3: regime of each run, λ ≤ 2/η of the two runs that stopped, EoS stop and sign alternation of the window run.
    expect(checks3).toHaveLength(3 + 2 + 1);
    // Fig. 7: boundary and threshold of the linear network; per activation WTA, full balance, EoS stop; the finding; less balanced.
    expect(checks7).toHaveLength(2 + 2 * 3 + 2);
    const finding = byName(checks7, "finding");
    expect(finding).toMatchObject({ predicted: 2.85, measured: 2.9 });
    expect(finding.note).toMatch(/^yes: the tanh MLP needs a 1\.8% larger step/);
    expect(finding.note).toMatch(/ratio 1\.018/);
  });

  it("fig. 3: a small step that balances, a window run above 2/η or far below it, no sign alternation, a large step that stays partial — each fails", () => {
    const wta = clone(d3);
    wta.runs[0]!.balance = 0.7;
    expect(byName(mlpChecks(r3, wta), "winner-takes-all (tanh, h = 1").pass).toBe(false);
    const above = clone(d3);
    above.runs[1]!.run.final.sharpness = [1.01 * (2 / above.runs[1]!.run.lr)];
    expect(byName(mlpChecks(r3, above), "stops at the Edge of Stability").pass).toBe(false);
    const below = clone(d3);
    below.runs[1]!.run.final.sharpness = [0.9 * (2 / below.runs[1]!.run.lr)];
    expect(byName(mlpChecks(r3, below), "stops at the Edge of Stability").pass).toBe(false);
    const unstable = clone(d3);
    unstable.runs[0]!.run.final.sharpness = [1.05];
    expect(byName(mlpChecks(r3, unstable), "end point linearly stable").pass).toBe(false);
    const noFlip = clone(d3);
    noFlip.runs[1]!.run.eos.alternation = 0.6;
    expect(byName(mlpChecks(r3, noFlip), "residual alternates").pass).toBe(false);
    const partial = clone(d3);
    partial.runs[2]!.balance = 0.95;
    expect(byName(mlpChecks(r3, partial), "full balance (tanh, h = 2.9").pass).toBe(false);
  });

  /** The sweep data with the balance of some points replaced. */
  const edit = (f: (p: SweepPoint) => number | null): MlpData => {
    const d = clone(d7);
    for (const c of d.sweep!.curves) {
      for (const p of c.rows.flat()) {
        const b = f(p);
        if (b !== null) {
          p.balance = b;
          p.s = sharesOf(b);
        }
      }
    }
    // Recompute the curves' medians and thresholds as assemble does.
    const parts = Object.fromEntries(d.sweep!.curves.flatMap((c) => c.rows.flat().map((p) => [`sweep-${p.activation}-s${p.seed}-h${p.h}`, p])));
    return mlpKind.assemble(r7, parts);
  };

  it("fig. 7: each claim fails on data that violate it", () => {
    const off = mlpChecks(r7, edit((p) => (p.activation === "linear" && p.h === 2.6 ? p.balance + 0.05 : null)));
    expect(byName(off, "on the linear theory's stopping boundary").pass).toBe(false);
    const late = mlpChecks(r7, edit((p) => (p.activation === "linear" && (p.h === 2.85 || p.h === 2.9) ? 0.98 : null)));
    expect(byName(late, "linear activation: full balance from the top of the window").pass).toBe(false);
    const early = mlpChecks(r7, edit((p) => (p.activation === "tanh" && p.h === 2 ? 0.65 : null)));
    expect(byName(early, "tanh MLP: winner-takes-all at every h ≤ 2").pass).toBe(false);
    const never = mlpChecks(r7, edit((p) => (p.activation === "tanh" && p.h >= 2.85 ? 0.98 : null)));
    expect(byName(never, "tanh MLP: full balance reached").pass).toBe(false);
    expect(byName(never, "finding").pass).toBe(false);
    // The MLP fully balanced before the linear network: the finding fails.
    const sooner = mlpChecks(r7, edit((p) => (p.activation === "tanh" && p.h === 2.8 ? 0.995 : null)));
    expect(byName(sooner, "finding").pass).toBe(false);
    expect(byName(sooner, "finding").note).toMatch(/^no: /);
    const more = mlpChecks(r7, edit((p) => (p.activation === "tanh" && p.h === 2.4 && p.seed === 1 ? 0.75 : null)));
    expect(byName(more, "less balanced than the linear network").pass).toBe(false);
    const notEos = clone(d7);
    const q = notEos.sweep!.curves[0]!.rows[GRID.indexOf(2.6)]![0]!;
    q.sharpness = 0.9 * q.threshold;
    expect(byName(mlpChecks(r7, notEos), "tanh MLP: runs inside the window stop just below").pass).toBe(false);
  });

  it("draws the runs and the sweep with the linear theory on them (SVG snapshots)", async () => {
    const theory: Record<string, string[]> = {
      runs: ["2/η (stability threshold)", "linear theory", "λ_single = 0.5", "λ_bal = 0.3536"],
      sweep: ["linear theory (stopping boundary)", "linear window 2 < h < 2.83", "partial ≥ 0.6", "full ≥ 0.99", "tanh: full balance from h = 2.9",
        "linear: full balance from h = 2.85", "λ = 2/η"],
    };
    for (const [r, d] of [[r3, d3], [r7, d7]] as const) {
      const figs = figuresFor("mlp", r, d);
      expect(figs).toHaveLength(1);
      const f = figs[0]!;
      expect(f.caption.length).toBeGreaterThan(40);
      const labels = [...parseSvg(f.svg).querySelectorAll("text.x-label, text.y-label")].map((e) => e.textContent ?? "");
      expect(labels.length).toBeGreaterThanOrEqual(6);
      for (const l of labels) expect(l.length, `${f.name}: empty axis label`).toBeGreaterThan(3);
      expect([...parseSvg(f.svg).querySelectorAll("g.legend")].length).toBeGreaterThanOrEqual(3);
      expect(f.svg).not.toMatch(/NaN|Infinity|undefined/);
      const all = texts(f.svg).join("\n");
      for (const want of theory[f.name]!) expect(all, `${f.name}: missing "${want}"`).toContain(plainText(want));
      await expect(f.svg).toMatchFileSnapshot(`./__snapshots__/mlp-${f.name}.svg`);
    }
  });
});

describe("mlp kind at the smoke budget (in-process)", () => {
  it("runs both experiments: trajectories with records and sharpness, a sweep with one point per (activation, seed, h), data files", () => {
    for (const name of ["fig3-mlp-tanh", "fig7-mlp-sweep"]) {
      const r = resolveExperiment(loadExperiment(name), "smoke");
      const { data } = runAll(r) as { data: MlpData };
      const kind = kindFor(r);
      for (const x of data.runs) {
        expect(x.run.steps).toBe(300);
        expect(x.run.records[0]!.step).toBe(0);
        expect(x.run.records.at(-1)!.step).toBe(300);
        expect(x.run.sharpness.length).toBeGreaterThan(10);
        expect(x.run.final.layerNorms).toHaveLength(2);
      }
      if (data.sweep) {
        expect(data.sweep.curves.map((c) => c.activation)).toEqual(["tanh", "linear"]);
        for (const c of data.sweep.curves) expect(c.rows.map((row) => row.map((p) => [p.h, p.seed]))).toEqual(data.sweep.grid.map((h) => [[h, 0]]));
      }
      for (const c of kind.checks(r, data)) expect(typeof c.pass).toBe("boolean");
      const files = kind.dataFiles(r, data);
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const [head, ...rows] = f.content.trim().split("\n");
        for (const row of rows) expect(row.split(",").length, `${f.name}`).toBe(head!.split(",").length);
      }
      expect(JSON.parse(JSON.stringify(kind.summary(r, data)))).toBeTruthy();
    }
  });
});

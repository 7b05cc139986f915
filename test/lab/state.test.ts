/**
 * The lab's DOM-free logic in Node: its state ↔ URL ↔ CLI-command mapping must give exactly the
 * config the CLI builds from the same command (checked through the CLI's own loader), its
 * validation messages must be the CLI's, and its theory, geometry and decimation must match closed
 * forms and invariants computed here.
 */
import { describe, expect, it } from "vitest";
import { FIELD_FLAGS } from "../../src/config/flags.js";
import { loadRunConfig } from "../../src/cli/config-input.js";
import { UsageError } from "../../src/cli/errors.js";
import { readdirSync, readFileSync } from "node:fs";
import { presetBases } from "../../lab/src/catalogue.js";
import { experimentPresets } from "../../lab/src/experiments.js";
import { csvRow } from "../../src/data/trajectory.js";
import { Simulation } from "../../src/engine/simulate.js";
import { alignTraces, thinPath } from "../../lab/src/decimate.js";
import { packRecord, recordLayout, unpackRecord } from "../../lab/src/packing.js";
import { FIELDS } from "../../lab/src/fields.js";
import { MAX_BYTES, estimateRun } from "../../lab/src/cost.js";
import { gradientFlowLeaf, sharpnessLevelSet } from "../../lab/src/phase.js";
import { REGIME_LABELS, theorySummary } from "../../lab/src/regime.js";
import {
  DEFAULT_BASE, cliCommand, evaluate, formTexts, fromQuery, isApplicable, setFlag, toQuery, type LabState,
} from "../../lab/src/state.js";

const BASES = presetBases();
const preset = (name: string) => BASES.find((b) => b.id === name)!;

/** The flags of a `npx dlnlab run …` command line as the CLI's loader takes them. */
function parseCommand(command: string): { preset?: string; file?: string; flags: Map<string, string> } {
  const words = command.split(" ");
  expect(words.slice(0, 3)).toEqual(["npx", "dlnlab", "run"]);
  const out: { preset?: string; file?: string; flags: Map<string, string> } = { flags: new Map() };
  for (let i = 3; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--preset") out.preset = words[++i];
    else if (w.startsWith("--")) out.flags.set(w, words[++i]!);
    else out.file = w;
  }
  return out;
}

/** Apply edits the way the form does. */
function edit(state: LabState, edits: Record<string, string>): LabState {
  for (const [k, v] of Object.entries(edits)) state = setFlag(state, k, v);
  return state;
}

describe("lab state", () => {
  it("offers a control for every CLI flag", () => {
    const keys = new Set(FIELDS.map((f) => f.key));
    for (const f of FIELD_FLAGS) expect(keys.has(f.flag.slice(2)), f.flag).toBe(true);
  });

  it("shows a preset's values and keeps only real changes as overrides", () => {
    let state: LabState = { base: preset("reference-h2.5"), overrides: new Map() };
    const texts = formTexts(state);
    expect(texts.get("lr")).toBe("0.625");
    expect(texts.get("depths")).toBe("4,4");
    expect(texts.get("dynamics")).toBe("reduced");
    state = edit(state, { lr: "0.7" });
    expect(toQuery(state)).toBe("preset=reference-h2.5&lr=0.7");
    state = edit(state, { lr: "0.625" });
    expect(toQuery(state)).toBe("preset=reference-h2.5");
  });

  const cases: [string, LabState][] = [
    ["defaults", { base: DEFAULT_BASE, overrides: new Map() }],
    ["preset + edits", edit({ base: preset("reference-h2.5"), overrides: new Map() }, { lr: "0.7", steps: "2000", "sharpness-every": "auto" })],
    ["warm-up schedule", edit({ base: preset("large-step"), overrides: new Map() }, { schedule: "warmup", "warmup-steps": "300", depths: "4,4,4", "init-scales": "0.0016,0.0013,0.001" })],
    ["gaussian init", edit({ base: DEFAULT_BASE, overrides: new Map() }, { init: "gaussian", width: "3", sigma: "1,0.5,0.25" })],
    // The CLI alone rejects --basis without --sigma (no default σ inside a given target): the lab sends both.
    ["basis only", edit({ base: DEFAULT_BASE, overrides: new Map() }, { basis: "symmetric" })],
    ["gradient flow", edit({ base: DEFAULT_BASE, overrides: new Map() }, { dynamics: "flow", "flow-system": "reduced", rtol: "1e-9" })],
  ];

  it.each(cases)("URL round trip and CLI command give the CLI's own config: %s", (_name, state) => {
    const back = fromQuery(toQuery(state), BASES);
    expect(back.notes).toEqual([]);
    expect(back.state.base.id).toBe(state.base.id);
    expect(formTexts(back.state)).toEqual(formTexts(state));
    const lab = evaluate(state);
    if (!lab.ok) throw new Error(`lab rejected a valid state: ${[...lab.errors.values(), ...lab.general].join("; ")}`);
    const cmd = parseCommand(cliCommand(state));
    const cli = loadRunConfig(cmd.file, cmd.preset, cmd.flags);
    expect(lab.spec).toEqual(cli.spec);
  });

  it("a variant's fields apply only while it is chosen", () => {
    let state = edit({ base: DEFAULT_BASE, overrides: new Map() }, { init: "gaussian" });
    expect(formTexts(state).get("init-std")).toBe("0.01"); // a starting value, so the run is valid
    state = edit(state, { init: "svs" });
    // Back to the base's type: nothing of the Gaussian variant is left in the URL or the command.
    expect(toQuery(state)).toBe("");
    expect(cliCommand(state)).toBe("npx dlnlab run");
  });

  const bad: [string, LabState, string][] = [
    ["lr", edit({ base: DEFAULT_BASE, overrides: new Map() }, { lr: "-1" }), "--lr"],
    ["depths", edit({ base: DEFAULT_BASE, overrides: new Map() }, { depths: "4,x" }), "--depths"],
    ["sigma", edit({ base: DEFAULT_BASE, overrides: new Map() }, { sigma: "1,0.5,0.2" }), "--sigma"],
    ["init-scales", edit({ base: preset("large-step"), overrides: new Map() }, { depths: "4,4,4" }), "--preset large-step"],
    ["steps", edit({ base: DEFAULT_BASE, overrides: new Map() }, { steps: "1.5" }), "--steps"],
  ];

  it.each(bad)("a bad %s gets the CLI's message next to its control", (key, state, _flag) => {
    const lab = evaluate(state);
    expect(lab.ok).toBe(false);
    if (lab.ok) return;
    const message = lab.errors.get(key);
    expect(message, `errors: ${JSON.stringify([...lab.errors])}`).toBeDefined();
    const cmd = parseCommand(cliCommand(state));
    let cliMessage = "";
    try {
      loadRunConfig(cmd.file, cmd.preset, cmd.flags);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      cliMessage = (err as Error).message;
    }
    expect(message).toBe(cliMessage);
  });

  it("refuses runs that would keep more records than the page can hold", () => {
    const lab = evaluate(edit({ base: DEFAULT_BASE, overrides: new Map() }, { steps: "100000000", "record-every": "1" }));
    expect(lab.ok).toBe(false);
    if (!lab.ok) expect(lab.errors.get("record-every")).toMatch(/at most 1000000/);
  });

  it("runs a decreasing step like the CLI: choosing the schedule fills its time scale, and its fields apply only to it", () => {
    const state = edit({ base: DEFAULT_BASE, overrides: new Map() }, { schedule: "decay" });
    expect(formTexts(state).get("decay-steps")).toBe("1000");
    const lab = evaluate(state);
    expect(lab.ok, JSON.stringify(lab.ok ? null : [...lab.errors])).toBe(true);
    if (lab.ok) expect(lab.spec.schedule).toEqual({ type: "decay", timescale: 1000, power: 1 });
    expect(isApplicable("decay-steps", formTexts(state))).toBe(true);
    expect(isApplicable("decay-steps", formTexts(edit(state, { schedule: "warmup" })))).toBe(false);
  });

  it("offers only the models it can draw, and names --model for the classifier", () => {
    const model = FIELDS.find((f) => f.key === "model");
    expect(model?.options?.map((o) => o.value)).toEqual(["dln", "mlp"]);
    const { state } = fromQuery("model=classifier&depths=3", BASES);
    const lab = evaluate(state);
    expect(lab.ok).toBe(false);
    if (!lab.ok) expect(lab.errors.get("model")).toMatch(/^--model: the lab shows networks fitting a target \(dln, mlp\); run model classifier with `npx dlnlab run --model classifier`$/);
  });

  it("reports URL parameters it cannot use instead of failing", () => {
    const { state, notes } = fromQuery("preset=nope&lr=0.5&colour=red", BASES);
    expect(state.base).toBe(DEFAULT_BASE);
    expect(state.overrides.get("lr")).toBe("0.5");
    expect(notes).toHaveLength(2);
  });

});

describe("lab presets from the reproduction suite's experiment files", () => {
  const dir = new URL("../../experiments/", import.meta.url);
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) files[`experiments/${name}`] = readFileSync(new URL(name, dir), "utf8");
  const { bases, notes } = experimentPresets(files);

  it("offers every single run of every file, and says why a file gives none", () => {
    expect(Object.keys(files).length).toBeGreaterThan(0);
    const covered = new Set([...bases.map((b) => b.id.split("/")[0]), ...notes.map((n) => /experiments\/([^.:]+)\.ya?ml/.exec(n)?.[1])]);
    for (const path of Object.keys(files)) expect(covered.has(path.replace(/^experiments\/|\.ya?ml$/g, "")), path).toBe(true);
    expect(bases.length).toBeGreaterThan(0);
  });

  it("gives each run a URL and a CLI command that build the same config", () => {
    for (const base of bases) {
      const state: LabState = { base, overrides: new Map() };
      const lab = evaluate(state);
      if (!lab.ok) throw new Error(`${base.id}: ${[...lab.errors.values(), ...lab.general].join("; ")}`);
      const cmd = parseCommand(cliCommand(state));
      expect(cmd.preset).toBeUndefined();
      // Recording and measurement strides are the lab's own (auto); what the run is must match.
      const cli = loadRunConfig(undefined, undefined, cmd.flags).spec;
      expect(lab.spec, base.id).toEqual(cli);
      expect(fromQuery(toQuery(state), bases).state.base).toBe(base);
    }
  });

  it("the docs/theory.md §4 reference run of the suite is the embedded reference preset", () => {
    // Found by content, not by name: K = 2, depth 4, σ = 1, h = 2.5 (η = 0.625), reduced dynamics.
    const run = bases.find((b) => {
      const c = evaluate({ base: b, overrides: new Map() });
      return c.ok && c.spec.dynamics === "reduced" && c.spec.lr === 0.625 && c.spec.width === 1 && c.spec.depths.join() === "4,4";
    });
    expect(run, "no experiment run with K = 2, L = 4, σ = 1, η = 0.625").toBeDefined();
    const a = evaluate({ base: run!, overrides: new Map() });
    const b = evaluate({ base: preset("reference-h2.5"), overrides: new Map() });
    if (!a.ok || !b.ok) throw new Error("invalid");
    expect(a.spec.target).toEqual(b.spec.target);
    expect(a.spec.steps).toBe(b.spec.steps);
    // Per-layer 0.2 and 0.19 to the 4th power vs the preset's decimal 0.0016, 0.00130321: equal to rounding.
    if (a.spec.init.type !== "svs" || b.spec.init.type !== "svs") throw new Error("expected SVS inits");
    const sa = a.spec.init.scales;
    const sb = b.spec.init.scales;
    sa.forEach((x, k) => expect(Math.abs(x - sb[k]!)).toBeLessThan(1e-17));
  });
});

describe("lab theory", () => {
  // Closed forms of docs/theory.md §3 for K = 2, L = 4, σ = 1: λ_single = L σ^{2−2/L} = 4, λ_bal = L K^{2/L−1} = 4/√2.
  const etaSingle = 2 / 4;
  const etaBal = 2 / (4 / Math.SQRT2);
  const base = { depths: [4, 4], sigma: [1], dynamics: "reduced" as const, initScales: [0.0016, 0.00130321] };

  it.each([
    [0.125, "winner-takes-all"],
    [etaSingle, "winner-takes-all"],
    [0.625, "rebalancing"],
    [0.75, "above-balanced"],
  ] as const)("η = %s is in the %s regime", (lr, regime) => {
    const t = theorySummary({ ...base, lr });
    expect(t.regime).toBe(regime);
    expect(t.label).toBe(REGIME_LABELS[regime]);
    expect(t.window.etaSingle).toBeCloseTo(etaSingle, 14);
    expect(t.window.etaBalanced).toBeCloseTo(etaBal, 14);
    expect(t.multiple).toBeCloseTo(lr / etaSingle, 14);
  });

  it("finds the WCR regime where η_WCR < 2/λ_bal (K = 8, L = 4)", () => {
    const depths = new Array<number>(8).fill(4);
    const t0 = theorySummary({ depths, sigma: [1], lr: 0.1, dynamics: "full", initScales: null });
    expect(t0.window.etaWcr).toBeLessThan(t0.window.etaBalanced);
    const lr = 0.5 * (t0.window.etaWcr + t0.window.etaBalanced);
    expect(theorySummary({ depths, sigma: [1], lr, dynamics: "full", initScales: null }).regime).toBe("above-wcr");
  });

  it("predicts the K = 2 stop where 4(x^1.5 + (1−x)^1.5) = 2/η", () => {
    const t = theorySummary({ ...base, lr: 0.625 });
    if (!t.stop.ok) throw new Error(t.stop.reason);
    // Bisection on the closed form (decreasing in x on [0.5, 1]).
    let lo = 0.5;
    let hi = 1;
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (4 * (mid ** 1.5 + (1 - mid) ** 1.5) < 3.2) lo = mid;
      else hi = mid;
    }
    expect(Math.abs(t.stop.boundary.s[0]! - lo)).toBeLessThan(1e-12);
  });

  it("explains why there is no stopping point outside the window", () => {
    const t = theorySummary({ ...base, lr: 0.125 });
    expect(t.stop.ok).toBe(false);
    if (!t.stop.ok) expect(t.stop.reason).toMatch(/2\/λ_single/);
  });
});

describe("lab geometry", () => {
  it("the stability boundary lies on λ(s) = 2/η", () => {
    const level = 3.2;
    const curve = sharpnessLevelSet([4, 4], level);
    expect(curve.x.length).toBeGreaterThan(100);
    for (let j = 0; j < curve.x.length; j++) {
      const lam = 4 * (curve.x[j]! ** 1.5 + curve.y[j]! ** 1.5);
      // 60 halvings of a bracket ≤ 1 put the point within 1e-18 of the level set; λ' ≤ 10 there.
      expect(Math.abs(lam - level)).toBeLessThan(1e-12);
    }
  });

  it("the GF leaf conserves z₁ − z₂ (docs/theory.md §6) and crosses the zero-loss line", () => {
    const leaf = gradientFlowLeaf([4, 4], [0.0016, 0.00130321], 1);
    // z = a^{2−L}/(L−2) with a = s^{1/L}: for L = 4, z = s^{−1/2}/2.
    const z = (s: number) => 0.5 / Math.sqrt(s);
    const dz0 = z(0.0016) - z(0.00130321);
    let crossed = false;
    for (let j = 0; j < leaf.x.length; j++) {
      expect(Math.abs(z(leaf.x[j]!) - z(leaf.y[j]!) - dz0)).toBeLessThan(1e-9 * Math.abs(dz0) + 1e-9);
      if (leaf.x[j]! + leaf.y[j]! > 1) crossed = true;
    }
    expect(crossed).toBe(true);
  });
});

describe("lab decimation", () => {
  it("keeps each bucket's extremes, so a period-2 oscillation stays a band", () => {
    const n = 100_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    // Alternating ±1 around a slow ramp: every bucket holds both signs.
    const y = Float64Array.from({ length: n }, (_, i) => i / n + (i % 2 === 0 ? 1 : -1));
    const [ox, oy] = alignTraces([{ x, y, n }], 500);
    expect(ox.length).toBeLessThanOrEqual(1002);
    expect(oy!.length).toBe(ox.length);
    let up = 0;
    let down = 0;
    for (const v of oy!) (v! > 0.5 ? up++ : down++);
    // One max and one min per bucket; the last point (x = x_max) is a bucket of its own (src/plot's
    // pixelBuckets maps the domain's end to bucket `buckets`), so the counts differ by at most one.
    expect(Math.abs(up - down)).toBeLessThanOrEqual(1);
    expect(Math.max(...(oy as number[]))).toBe(Math.max(...y));
    expect(Math.min(...(oy as number[]))).toBe(Math.min(...y));
  });

  it("drops non-positive values on log axes, x ≤ 0 on a log x axis, and passes short series through", () => {
    const [ox, oy] = alignTraces([{ x: [0, 1, 2], y: [1, 0, -1], n: 3 }], 100, false, [true]);
    expect(ox).toEqual([0]);
    expect(oy).toEqual([1]);
    const [lx, ly] = alignTraces([{ x: [0, 1, 10, 100], y: [4, 3, 2, 1], n: 4 }], 100, true);
    expect(lx).toEqual([1, 10, 100]);
    expect(ly).toEqual([3, 2, 1]);
  });

  it("merges series with different x onto their union, each value at its own x", () => {
    const [ux, a, b] = alignTraces([{ x: [0, 2, 4], y: [1, 2, 3], n: 3 }, { x: [1, 2, 5], y: [7, 8, 9], n: 3 }], 100);
    expect(ux).toEqual([0, 1, 2, 4, 5]);
    expect(a).toEqual([1, null, 2, 3, null]);
    expect(b).toEqual([null, 7, 8, null, 9]);
  });

  it("thins a path bouncing between two cells to those cells", () => {
    const n = 1000;
    const x = Array.from({ length: n }, (_, i) => (i % 2 ? 0.8 : 0.2));
    const y = Array.from({ length: n }, (_, i) => (i % 2 ? 0.2 : 0.8));
    const p = thinPath(x, y, n, 0.01, 0.01);
    expect(p.x.length).toBe(3); // both cells once, and the last point
  });
});

describe("lab record packing", () => {
  it("round-trips the engine's records exactly (so the CSV export prints the CLI's text)", () => {
    // Gradient flow: lr is NaN; sharpness is measured at some records and null at the others.
    for (const dynamics of ["full", "flow"] as const) {
      const lab = evaluate(edit({ base: DEFAULT_BASE, overrides: new Map() }, { dynamics, steps: "40", "sharpness-every": "7", "sharpness-top": "2" }));
      if (!lab.ok) throw new Error("invalid");
      const sim = new Simulation(lab.spec);
      sim.advance(1e9);
      const L = recordLayout(2, 2, 2);
      const buf = new Float64Array(L.stride * sim.records.length);
      sim.records.forEach((r, j) => packRecord(r, L, buf, j * L.stride));
      sim.records.forEach((r, j) => {
        const back = unpackRecord(buf, L, j * L.stride);
        expect(back).toEqual(r);
        expect(csvRow(back, 2)).toBe(csvRow(r, 2));
      });
      expect(sim.records.some((r) => r.sharpness === null)).toBe(true);
    }
  });
});

describe("lab run cost estimate", () => {
  const spec = (edits: Record<string, string>) => {
    const lab = evaluate(edit({ base: DEFAULT_BASE, overrides: new Map() }, edits));
    if (!lab.ok) throw new Error([...lab.errors.values()].join("; "));
    return lab.spec;
  };

  it("never estimates less memory than the weights, and scales as the engine's work does", () => {
    const a = estimateRun(spec({ width: "400", dynamics: "full", steps: "100" }));
    const b = estimateRun(spec({ width: "800", dynamics: "full", steps: "100" }));
    // Lower bound: the 8 layers of d×d float64 weights themselves.
    expect(a.bytes).toBeGreaterThanOrEqual(8 * 8 * 400 * 400);
    // Network memory ∝ d² once the Lanczos basis is at its 64 MB cap (it is at d = 400: n·maxIter > 8e6).
    // The records kept for the plots grow only ∝ d, so the ratio is a little below 4.
    const ratio = (b.bytes - 64 * 1024 ** 2) / (a.bytes - 64 * 1024 ** 2);
    expect(ratio).toBeGreaterThan(3.8);
    expect(ratio).toBeLessThanOrEqual(4);
    // Full-matrix GD time ∝ d³ (every step is products of d×d matrices), and ∝ steps.
    expect(b.seconds! / a.seconds!).toBeCloseTo(8, 6);
    // Linear in the steps at a fixed number of sharpness measurements (start and end only).
    const t = (steps: number) => estimateRun(spec({ width: "400", dynamics: "full", steps: String(steps), "sharpness-every": "0" })).seconds!;
    expect(t(300) - t(200)).toBeCloseTo(t(200) - t(100), 9);
  });

  it("refuses runs that cannot fit in a tab, on the field that makes them large", () => {
    const wide = evaluate(edit({ base: DEFAULT_BASE, overrides: new Map() }, { width: "5000", dynamics: "full" }));
    expect(wide.ok).toBe(false);
    if (!wide.ok) expect(wide.errors.get("width")).toMatch(/^--width: 5000 needs about .* GB of memory/);
    // Reduced dynamics keep d numbers per pathway, but every record holds O(d) numbers: width again.
    const huge = evaluate(edit({ base: preset("reference-h2.5"), overrides: new Map() }, { width: "1000000000" }));
    expect(huge.ok).toBe(false);
    if (!huge.ok) expect(huge.errors.get("width")).toMatch(/^--width: /);
    expect(estimateRun(spec({})).bytes).toBeLessThan(MAX_BYTES);
  });
});

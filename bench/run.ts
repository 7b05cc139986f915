/**
 * @file `npm run bench`: dlnlab's benchmarks on fixed size ladders with deterministic inputs, and the
 * NumPy/SciPy baseline (bench/baseline.py) measured in the same command, printed as one table of
 * medians, spreads and speed-ups. Each workload is one registry entry; add one in a few lines.
 *
 * Usage: `npm run bench -- [--only gemm,full] [--repeats 7] [--min-time 0.2] [--no-baseline]
 * [--threads N (BLAS threads of the baseline)] [--json out.json]`.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jsBackend, type Backend } from "../src/engine/linalg/kernels.js";
import { createWasmBackend } from "../src/engine/linalg/wasm.js";
import { balancedGdStepTyped } from "../src/engine/dynamics/reduced.js";
import { buildSystem, Simulation, systemOfKind, type SimulationSpec, type SystemOfKind } from "../src/engine/simulate.js";
import { RunConfigSchema, resolveRunConfig } from "../src/config/schema.js";
import { Rng } from "../src/engine/rng.js";

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  only: Set<string> | null;
  repeats: number;
  minTime: number;
  baseline: boolean;
  threads: number;
  json: string | null;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { only: null, repeats: 7, minTime: 0.2, baseline: true, threads: 0, json: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--only") o.only = new Set(value().split(",").map((s) => s.trim()));
    else if (flag === "--repeats") o.repeats = Number(value());
    else if (flag === "--min-time") o.minTime = Number(value());
    else if (flag === "--no-baseline") o.baseline = false;
    else if (flag === "--threads") o.threads = Number(value());
    else if (flag === "--json") o.json = value();
    else throw new Error(`unknown option ${flag} (see the header of bench/run.ts)`);
  }
  if (!(o.repeats >= 3)) throw new Error("--repeats must be at least 3");
  return o;
}

// ---------------------------------------------------------------------------------------------
// Timing

/** Seconds per operation over several repeats (median and extremes), plus workload facts. */
interface Timing {
  median: number;
  min: number;
  max: number;
  repeats: number;
  /** Free-form facts to print or cross-check (final loss, measurements…). */
  extra?: Record<string, unknown>;
}

function summarize(perOp: number[], extra?: Record<string, unknown>): Timing {
  const s = [...perOp].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], repeats: s.length, extra };
}

/**
 * Time `run(n)` (which performs n operations) after an untimed `setup()`: grow n until one repeat
 * lasts at least `minTime` seconds (this doubles as warm-up), then time `repeats` of them.
 */
function measure(run: (n: number) => void, o: Options, setup?: () => void): Timing {
  let n = 1;
  for (;;) {
    setup?.();
    const t0 = performance.now();
    run(n);
    const dt = (performance.now() - t0) / 1e3;
    if (dt >= o.minTime || n >= 2 ** 30) break;
    n = Math.max(2 * n, Math.ceil(((n * o.minTime) / Math.max(dt, 1e-9)) * 1.2));
  }
  const perOp: number[] = [];
  for (let r = 0; r < o.repeats; r++) {
    setup?.();
    const t0 = performance.now();
    run(n);
    perOp.push((performance.now() - t0) / 1e3 / n);
  }
  return summarize(perOp);
}

/** Time whole runs (one operation each), `repeats` times, after one untimed warm-up run. */
function measureRuns(run: () => Record<string, unknown> | void, repeats: number): Timing {
  run();
  const times: number[] = [];
  let extra: Record<string, unknown> | undefined;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    extra = run() ?? undefined;
    times.push((performance.now() - t0) / 1e3);
  }
  return summarize(times, extra);
}

/** A per-run timing divided into `steps` equal steps. */
function perStep(t: Timing, steps: number): Timing {
  return { ...t, median: t.median / steps, min: t.min / steps, max: t.max / steps };
}

/** Deterministic values in [−1, 1) (a fixed LCG), so every run multiplies the same matrices. */
function fillDeterministic(x: Float64Array, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Workloads

/** One row of the table: a TS measurement and the key of its NumPy/SciPy counterpart. */
interface Workload {
  /** Group selectable with --only; also the baseline.py workload that produces `baselineKey`. */
  group: string;
  /** What is measured (shown in the table). */
  name: string;
  /** Which implementation ("wasm", "js", …). */
  impl: string;
  /** Key in baseline.py's results, or null when there is no counterpart. */
  baselineKey: string | null;
  /** Unit of the times: per call, per step or per run. */
  per: string;
  /** Target for the speed-up NumPy/TS, if the issue sets one. */
  targetRatio?: number;
  ts(o: Options): Timing;
  /** Extra line(s) derived from the timing, e.g. ns per pathway update. */
  notes?(t: Timing, base: BaselineResult | undefined): string[];
}

const wasm = createWasmBackend();
/** wasm first: each call site then sees one workspace class while the wasm rows are timed. */
const BACKENDS: Backend[] = wasm ? [wasm, jsBackend] : [jsBackend];

function gemmWorkloads(): Workload[] {
  const out: Workload[] = [];
  for (const backend of BACKENDS) {
    for (const d of [4, 16, 64]) {
      for (const [tn, transA, transB] of [["NN", false, false], ["TN", true, false], ["NT", false, true]] as const) {
        out.push({
          group: "gemm", name: `gemm ${tn} d=${d}`, impl: backend.name, baselineKey: `gemm/${tn}/${d}`, per: "call",
          ts(o) {
            const ws = backend.workspace(3 * d * d);
            const a = ws.alloc(d * d);
            const b = ws.alloc(d * d);
            const c = ws.alloc(d * d);
            fillDeterministic(a, d);
            fillDeterministic(b, d + 1);
            return measure((n) => {
              for (let i = 0; i < n; i++) ws.gemm(d, d, d, a, transA, b, transB, c, 0);
            }, o);
          },
        });
      }
    }
  }
  return out;
}

function axpyWorkloads(): Workload[] {
  const out: Workload[] = [];
  for (const backend of BACKENDS) {
    for (const len of [256, 4096, 65536]) {
      out.push({
        group: "axpy", name: `axpy n=${len}`, impl: backend.name, baselineKey: `axpy/${len}`, per: "call",
        ts(o) {
          const ws = backend.workspace(2 * len);
          const x = ws.alloc(len);
          const y = ws.alloc(len);
          fillDeterministic(x, 1);
          fillDeterministic(y, 2);
          return measure((n) => {
            for (let i = 0; i < n; i++) ws.axpy(len, -1e-9, x, y);
          }, o);
        },
      });
    }
  }
  return out;
}

/** Reduced workload (baseline.py REDUCED): one mode, K = 4 pathways of depth 4, σ = 1, η = 0.1. */
const REDUCED = { K: 4, L: 4, sigma: 1, eta: 0.1, steps: 1_000_000, a0: [1, 0.99, 0.98, 0.97].map((c) => 0.2 * c ** 0.25) };

function reducedNotes(t: Timing, base: BaselineResult | undefined): string[] {
  const perUpdate = (t.median / REDUCED.K) * 1e9;
  const facts = t.extra?.status ? `, ${String(t.extra.system)} system, status ${String(t.extra.status)} after ${String(t.extra.steps)} steps` : "";
  const lines = [`${perUpdate.toFixed(2)} ns per pathway update (target ≤ 5 ns); ${REDUCED.steps.toExponential(0)} steps per run${facts}`];
  if (base) lines.push(`NumPy: ${((base.median / REDUCED.K) * 1e9).toFixed(0)} ns per pathway update, timed over ${String(base.extra?.stepsTimed)} steps`);
  return lines;
}

function reducedWorkloads(): Workload[] {
  const depths = new Int32Array(REDUCED.K).fill(REDUCED.L);
  const sigma = Float64Array.of(REDUCED.sigma);
  const a = new Float64Array(REDUCED.K);
  const residual = new Float64Array(1);
  const scratch = new Float64Array(REDUCED.K);
  const simSpec = (): SimulationSpec => ({
    width: 1, depths: Array.from(depths), target: { sigma: [REDUCED.sigma], basis: "identity" },
    // Depth-balanced SVS init (BalancedSystem, the same step as the row above): α_k = a_k^L.
    init: { type: "svs", scales: REDUCED.a0.map((x) => x ** REDUCED.L) },
    lr: REDUCED.eta, schedule: { type: "constant" }, steps: REDUCED.steps, dynamics: "reduced",
    flow: { system: "reduced", rtol: 1e-10, atol: 1e-12 }, seed: 0, record: { every: 10_000 },
    sharpness: { every: 0, top: 1, method: "blocks", tol: 1e-10, maxIter: 200 },
    // A negative tolerance: never stop early on convergence (baseline.py always runs every step).
    stop: { lossTol: -1, divergeFactor: 1e8, window: 64 },
  });
  return [
    {
      group: "reduced", name: "reduced K=4 L=4, GD step loop", impl: "balancedGdStepTyped", baselineKey: "reduced", per: "step",
      targetRatio: 100, notes: reducedNotes,
      ts(o) {
        return perStep(measureRuns(() => {
          a.set(REDUCED.a0);
          for (let t = 0; t < REDUCED.steps; t++) balancedGdStepTyped(a, depths, sigma, REDUCED.eta, residual, scratch);
          return { finalA: Array.from(a) };
        }, o.repeats), REDUCED.steps);
      },
    },
    {
      group: "reduced", name: "reduced K=4 L=4, Simulation runner", impl: "Simulation", baselineKey: "reduced", per: "step",
      targetRatio: 100, notes: reducedNotes,
      ts(o) {
        return perStep(measureRuns(() => {
          const sim = new Simulation(simSpec(), { keepRecords: false });
          sim.advance(REDUCED.steps);
          return { status: sim.status, steps: sim.step, system: sim.system.kind };
        }, o.repeats), REDUCED.steps);
      },
    },
  ];
}

/** Full workload (baseline.py FULL): d = 16, K = 4 of depth 4, Y = Q diag(linspace(1, 0.1, 16)) Qᵀ. */
const FULL = { d: 16, K: 4, L: 4, eta: 0.1, steps: 2000, every: 100, alphas: [1, 0.99, 0.98, 0.97].map((c) => 0.0016 * c), tol: 1e-10 };

function fullSpec(): SimulationSpec {
  const sigma = Array.from({ length: FULL.d }, (_, i) => 1 - (0.9 * i) / (FULL.d - 1));
  return {
    width: FULL.d, depths: new Array<number>(FULL.K).fill(FULL.L), target: { sigma, basis: "symmetric" },
    init: { type: "svs", scales: FULL.alphas }, lr: FULL.eta, schedule: { type: "constant" }, steps: FULL.steps,
    dynamics: "full", flow: { system: "full", rtol: 1e-10, atol: 1e-12 }, seed: 0, record: { every: FULL.every },
    sharpness: { every: FULL.every, top: 1, method: "lanczos", tol: FULL.tol, maxIter: 200 },
    stop: { lossTol: -1, divergeFactor: 1e8, window: 64 },
  };
}

function fullWorkloads(): Workload[] {
  // Against both baselines: eigsh warm-started from the previous eigenvector (the strongest), and
  // eigsh called afresh (how it is usually written). The TS run is the same in both rows.
  return BACKENDS.flatMap((backend) => (["full", "full/cold"] as const).map((baselineKey) => ({
    group: "full", name: `full d=16 K=4 L=4, 2000 GD steps + 21 sharpness${baselineKey === "full" ? "" : " (vs cold eigsh)"}`, impl: backend.name, baselineKey,
    per: "run", targetRatio: 3,
    ts(o) {
      const cpu: number[] = [];
      const t = measureRuns(() => {
        const c0 = process.cpuUsage();
        const sim = new Simulation(fullSpec(), { backend });
        sim.advance(FULL.steps);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1e6);
        const sharp = sim.records.filter((r) => r.sharpness !== null).map((r) => r.sharpness![0]);
        return { status: sim.status, finalLoss: sim.last?.loss, measurements: sharp.length, sharpness: sharp };
      }, Math.max(3, Math.ceil(o.repeats / 2)));
      // CPU seconds of the timed runs (the first, untimed warm-up run is dropped): steadier than wall
      // time when other processes share the cores.
      const timed = cpu.slice(1).sort((a, b) => a - b);
      return { ...t, extra: { ...t.extra, cpuMedian: timed[Math.floor(timed.length / 2)] } };
    },
    notes(t, base) {
      const tsSharp = t.extra?.sharpness as number[] | undefined;
      const pySharp = base?.extra?.sharpness as number[] | undefined;
      const lines = [`${String(t.extra?.measurements)} sharpness measurements, final loss ${Number(t.extra?.finalLoss).toExponential(6)}, status ${String(t.extra?.status)}`];
      if (tsSharp && pySharp && base) {
        let worst = 0;
        for (let i = 0; i < Math.min(tsSharp.length, pySharp.length); i++) {
          worst = Math.max(worst, Math.abs(tsSharp[i] - pySharp[i]) / Math.abs(pySharp[i]));
        }
        lines.push(
          `cross-check vs NumPy: final loss ${Number(base.extra?.finalLoss).toExponential(6)}, ` +
            `max relative sharpness difference ${worst.toExponential(1)} over ${Math.min(tsSharp.length, pySharp.length)} measurements`,
        );
      }
      const tsCpu = Number(t.extra?.cpuMedian);
      const pyCpu = Number(base?.extra?.cpuMedian);
      if (Number.isFinite(tsCpu) && Number.isFinite(pyCpu)) {
        lines.push(`CPU time per run (median): ${fmtTime(tsCpu)} vs NumPy ${fmtTime(pyCpu)}, speed-up ${(pyCpu / tsCpu).toFixed(2)}×`);
      }
      return lines;
    },
  })));
}

function stepWorkloads(): Workload[] {
  const out: Workload[] = [];
  for (const backend of BACKENDS) {
    for (const d of [4, 16, 64]) {
      out.push({
        group: "step", name: `GD step d=${d} K=4 L=4`, impl: backend.name, baselineKey: `step/${d}`, per: "step",
        ts(o) {
          const sigma = Array.from({ length: d }, (_, i) => 1 - (0.9 * i) / Math.max(1, d - 1));
          const sys = benchSystem({ width: d, depths: [4, 4, 4, 4], target: { sigma, basis: "symmetric" }, init: { type: "svs", scales: FULL.alphas }, dynamics: "full" }, backend, "full");
          const theta0 = Float64Array.from(sys.state);
          return measure((n) => {
            for (let i = 0; i < n; i++) sys.step(FULL.eta);
          }, o, () => sys.state.set(theta0));
        },
      });
    }
  }
  return out;
}

/**
 * MLP workloads (baseline.py MLP): the tanh multi-pathway MLP of docs/theory.md §7 with K = 2 pathways of
 * depth 4, width d (X = I_d, d samples), hidden width h, weights N(0, 1/h) (pre-activations of order
 * one): one GD step (MlpSystem.step: gradient + update) and one exact HVP at a fixed point (as Lanczos
 * calls it). NumPy's HVP is its analytic R-operator; the notes add the central-difference HVP.
 */
const MLP_BENCH = { K: 2, L: 4, eta: 1e-3, ladder: [[4, 64], [4, 256], [16, 64], [16, 256]] as const };

function mlpSystem(backend: Backend, d: number, h: number): SystemOfKind["mlp"] {
  const sigma = Array.from({ length: d }, (_, i) => 1 - (0.9 * i) / Math.max(1, d - 1));
  return benchSystem({
    model: "mlp", width: d, depths: new Array<number>(MLP_BENCH.K).fill(MLP_BENCH.L), target: { sigma, basis: "symmetric" },
    mlp: { activation: "tanh", hidden: h, init: { type: "gaussian", std: 1 / Math.sqrt(h) } },
  }, backend, "mlp");
}

/** A workload's system from a run config, built as every run builds it (the engine's buildSystem; seed 0). */
function benchSystem<K extends keyof SystemOfKind>(raw: Record<string, unknown>, backend: Backend, kind: K): SystemOfKind[K] {
  return systemOfKind(buildSystem(resolveRunConfig(RunConfigSchema.parse({ seed: 0, ...raw })), backend).system, kind);
}

function mlpWorkloads(): Workload[] {
  const out: Workload[] = [];
  for (const backend of BACKENDS) {
    for (const [d, h] of MLP_BENCH.ladder) {
      const shape = `d=${d} h=${h}`;
      out.push({
        group: "mlp", name: `MLP GD step ${shape} (tanh, K=2, L=4)`, impl: backend.name, baselineKey: `mlp-step/${d}/${h}`, per: "step",
        ...(h === 64 ? { targetRatio: 2 } : {}),
        ts(o) {
          const sys = mlpSystem(backend, d, h);
          const theta0 = Float64Array.from(sys.state);
          return measure((n) => {
            for (let i = 0; i < n; i++) sys.step(MLP_BENCH.eta);
          }, o, () => sys.state.set(theta0));
        },
      });
      out.push({
        group: "mlp", name: `MLP HVP ${shape} (tanh, K=2, L=4)`, impl: backend.name, baselineKey: `mlp-hvp/${d}/${h}`, per: "call",
        ...(h === 64 ? { targetRatio: 2 } : {}),
        ts(o) {
          const sys = mlpSystem(backend, d, h);
          sys.model.evaluate();
          const v = new Rng(3).fillNormal(new Float64Array(sys.model.nParams));
          const hv = new Float64Array(v.length);
          return measure((n) => {
            for (let i = 0; i < n; i++) sys.model.hvp(v, hv);
          }, o);
        },
        notes(t, base) {
          if (!base) return [];
          const fd = Number(base.extra?.fdMedian);
          return [
            `${String(base.extra?.nParams)} parameters; NumPy's R-op HVP and its central-difference HVP agree to ${Number(base.extra?.fdRelativeDifference).toExponential(1)} relative`,
            `vs NumPy's central-difference HVP (2 gradients, ${fmtTime(fd)}): ${(fd / t.median).toFixed(2)}×`,
          ];
        },
      });
    }
  }
  return out;
}

const WORKLOADS: Workload[] = [...gemmWorkloads(), ...axpyWorkloads(), ...reducedWorkloads(), ...fullWorkloads(), ...stepWorkloads(), ...mlpWorkloads()];

// ---------------------------------------------------------------------------------------------
// Baseline

type BaselineResult = Timing;

interface Baseline {
  meta: Record<string, unknown>;
  results: Record<string, BaselineResult>;
}

/** Run bench/baseline.py for the selected groups; null (with the reason printed) when it cannot run. */
function runBaseline(groups: string[], o: Options): Baseline | null {
  const script = join(dirname(fileURLToPath(import.meta.url)), "baseline.py");
  const args = [script, "--json", "--workloads", groups.join(","), "--repeats", String(o.repeats), "--min-time", String(o.minTime)];
  if (o.threads > 0) args.push("--threads", String(o.threads));
  process.stderr.write(`baseline: python3 ${args.slice(1).join(" ")}\n`);
  const r = spawnSync("python3", args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === "ENOENT";
    console.log(missing ? "python3 not found: printing absolute times only." : `baseline failed to start (${r.error.message}): absolute times only.`);
    return null;
  }
  if (r.status !== 0) {
    const lib = /No module named '(numpy|scipy)/.exec(r.stderr);
    console.log(lib ? `python3 has no ${lib[1]}: printing absolute times only.` : `baseline.py exited with ${r.status}: absolute times only.\n${r.stderr.trim()}`);
    return null;
  }
  return JSON.parse(r.stdout) as Baseline;
}

// ---------------------------------------------------------------------------------------------
// Report

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return "—";
  if (s < 1e-6) return `${(s * 1e9).toPrecision(3)} ns`;
  if (s < 1e-3) return `${(s * 1e6).toPrecision(3)} µs`;
  if (s < 1) return `${(s * 1e3).toPrecision(3)} ms`;
  return `${s.toPrecision(3)} s`;
}

function fmtSpread(t: Timing): string {
  const lo = ((t.min / t.median - 1) * 100).toFixed(0);
  const hi = ((t.max / t.median - 1) * 100).toFixed(0);
  return `${lo}%/+${hi}%`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ")).join("\n");
}

function main(): void {
  const o = parseOptions(process.argv.slice(2));
  const selected = WORKLOADS.filter((w) => !o.only || o.only.has(w.group));
  if (selected.length === 0) throw new Error(`--only matched no workload (groups: ${[...new Set(WORKLOADS.map((w) => w.group))].join(", ")})`);
  const groups = [...new Set(selected.map((w) => w.group))];

  // The baseline runs first and alone: two cores, and nothing else should compete with either side.
  const baseline = o.baseline ? runBaseline(groups, o) : null;
  const measured: { w: Workload; t: Timing }[] = [];
  for (const w of selected) {
    process.stderr.write(`measuring ${w.name} [${w.impl}]\n`);
    measured.push({ w, t: w.ts(o) });
  }

  console.log(`\ndlnlab benchmarks — Node ${process.version}, ${wasm ? "WebAssembly SIMD available" : "no WebAssembly SIMD"}` +
    (baseline ? `; baseline NumPy ${String(baseline.meta.numpy)}, SciPy ${String(baseline.meta.scipy)}, ${String(baseline.meta.blas)} (threads: ${String(baseline.meta.blasThreads)})` : ""));
  console.log(`median of ${o.repeats} repeats (≥ ${o.minTime} s each for micro workloads); spread = min/max relative to the median; speed-up = NumPy median / TS median\n`);
  const rows: string[][] = [["workload", "impl", "per", "TS median", "spread", "NumPy", "spread", "speed-up", "target"]];
  const notes: string[] = [];
  for (const { w, t } of measured) {
    const base = w.baselineKey ? baseline?.results[w.baselineKey] : undefined;
    const ratio = base ? base.median / t.median : Number.NaN;
    rows.push([
      w.name, w.impl, w.per, fmtTime(t.median), fmtSpread(t),
      base ? fmtTime(base.median) : "—", base ? fmtSpread(base) : "—",
      Number.isFinite(ratio) ? `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×` : "—",
      w.targetRatio ? `≥ ${w.targetRatio}×${Number.isFinite(ratio) ? (ratio >= w.targetRatio ? " ✓" : " ✗") : ""}` : "",
    ]);
    for (const line of w.notes?.(t, base) ?? []) notes.push(`${w.name} [${w.impl}]: ${line}`);
  }
  console.log(table(rows));
  if (notes.length > 0) console.log(`\n${notes.join("\n")}`);
  if (o.json) {
    writeFileSync(o.json, JSON.stringify({ node: process.version, baseline, results: measured.map(({ w, t }) => ({ group: w.group, name: w.name, impl: w.impl, per: w.per, baselineKey: w.baselineKey, ...t })) }, null, 1));
    console.log(`\nwrote ${o.json}`);
  }
}

main();

/**
 * @file The MLP study of docs/mlp.md (THEORY.md §7, paper Figs. 3 and 7): does large-step re-balancing
 * survive a nonlinearity? Sweeps the step size of K = 2 multi-pathway MLPs (and of the same networks
 * with the linear activation, i.e. deep linear networks with the same architecture and init) and
 * records where each run ends: winner-takes-all, partial or full balance of the top mode, with the
 * final sharpness against 2/η. Writes figures and the raw results to results/mlp/ (not committed) and
 * the generated tables of docs/mlp.md.
 *
 * Usage: `npx tsx scripts/mlp-study.ts [--fresh] [--no-figures]`. Runs already in
 * results/mlp/runs.json are reused (same settings ⇒ same result: every run is seeded); --fresh
 * recomputes them. About 10 minutes on two cores from scratch.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Simulation } from "../src/engine/simulate.js";
import type { TrajectoryRecord } from "../src/engine/types.js";
import { RunConfigSchema, resolveRunConfig } from "../src/config/schema.js";
import { singlePathSharpness, stoppingBoundary, balancedSharpness } from "../src/theory/index.js";
import { balanceIndex } from "../src/engine/measure/observables.js";
import { replaceBlock } from "./doc-blocks.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const OUT = `${root}results/mlp`;
const DOC = `${root}docs/mlp.md`;
const fresh = process.argv.includes("--fresh");
const figures = !process.argv.includes("--no-figures");

// ---------------------------------------------------------------------------------------------
// Settings

/** The network of the main study (everything but activation, hidden width, σ, seed and η). */
const NET = { width: 4, depths: [4, 4], steps: 30_000, initStd: 0.01 };
/** Main setting: rank-one target σ = 0.25, hidden width 64. */
const MAIN = { sigma: 0.25, hidden: 64 };
/** Step sizes as h = η·λ_single(σ) of the linear network (λ_single = Lσ^{2−2/L}; the window is h ∈ (2, 2√2)). */
const H_GRID = [0.5, 1, 1.5, 2, 2.2, 2.4, 2.5, 2.6, 2.7, 2.75, 2.8, 2.85, 2.9, 3, 3.2, 3.4];
/** Wider grid for activations whose winner-takes-all minimum is much flatter (gelu, swish: slope ½ at 0). */
const H_WIDE = [...H_GRID, 4, 5, 6, 7, 8];
const SEEDS = [0, 1, 2];
/** Balance-index thresholds of the three regimes (1/K = 0.5 is one pathway, 1 is an equal split). */
const PARTIAL = 0.6;
const FULL = 0.99;

interface RunKey {
  activation: string;
  hidden: number;
  sigma: number;
  seed: number;
  h: number;
}

interface RunResult extends RunKey {
  lr: number;
  status: string;
  loss: number;
  /** Top-mode coefficients s[k] at the final step. */
  s: number[];
  balance: number;
  sharpness: number | null;
  threshold: number;
  /** ‖W_{k,l}‖_F at the final step, [k][l]. */
  norms: number[][];
}

const lambdaSingle = (sigma: number) => singlePathSharpness(NET.depths[0]!, sigma);

function runConfig(k: RunKey, extra: Record<string, unknown> = {}) {
  return RunConfigSchema.parse({
    name: `${k.activation} MLP, h = ${k.h}`,
    model: "mlp",
    width: NET.width,
    depths: NET.depths,
    target: { sigma: [k.sigma] },
    mlp: { activation: k.activation, hidden: k.hidden, init: { type: "gaussian", std: NET.initStd } },
    lr: k.h / lambdaSingle(k.sigma),
    steps: NET.steps,
    seed: k.seed,
    record: { every: 1000 },
    sharpness: { every: 0 },
    ...extra,
  });
}

const keyOf = (k: RunKey) => `${k.activation}|${k.hidden}|${k.sigma}|${k.seed}|${k.h}`;

function run(k: RunKey): RunResult {
  const spec = resolveRunConfig(runConfig(k));
  let last: TrajectoryRecord | undefined;
  const sim = new Simulation(spec, { keepRecords: false, onRecord: (r) => (last = r) });
  sim.advance(Number.MAX_SAFE_INTEGER);
  const r = last!;
  const s = r.s.map((row) => row[0]!);
  return {
    ...k, lr: spec.lr, status: sim.status!, loss: r.loss, s, balance: balanceIndex(s),
    sharpness: r.sharpness?.[0] ?? null, threshold: 2 / spec.lr, norms: r.layerNorms ?? [],
  };
}

// ---------------------------------------------------------------------------------------------
// Runs (cached in results/mlp/runs.json)

mkdirSync(OUT, { recursive: true });
const cacheFile = `${OUT}/runs.json`;
const cache = new Map<string, RunResult>(
  !fresh && existsSync(cacheFile) ? (JSON.parse(readFileSync(cacheFile, "utf8")) as RunResult[]).map((r) => [keyOf(r), r]) : [],
);
let done = 0;
function get(k: RunKey): RunResult {
  const key = keyOf(k);
  let r = cache.get(key);
  if (!r) {
    const t0 = performance.now();
    r = run(k);
    cache.set(key, r);
    done++;
    process.stderr.write(`${key}: ${r.status}, balance ${r.balance.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    if (done % 10 === 0) writeFileSync(cacheFile, JSON.stringify([...cache.values()]));
  }
  return r;
}

const sweep = (activation: string, hidden: number, sigma: number, seeds: number[], grid: number[]) =>
  grid.map((h) => seeds.map((seed) => get({ activation, hidden, sigma, seed, h })));

const main = { linear: sweep("linear", MAIN.hidden, MAIN.sigma, SEEDS, H_GRID), tanh: sweep("tanh", MAIN.hidden, MAIN.sigma, SEEDS, H_GRID) };
const others = Object.fromEntries(["sin", "erf", "gelu", "swish", "relu"].map((a) => [a, sweep(a, MAIN.hidden, MAIN.sigma, [0], H_WIDE)]));
const strong = { linear: sweep("linear", 64, 1, SEEDS, H_GRID), tanh: sweep("tanh", 64, 1, SEEDS, H_WIDE) };
const narrow = { linear: sweep("linear", 16, MAIN.sigma, SEEDS, H_GRID), tanh: sweep("tanh", 16, MAIN.sigma, SEEDS, H_WIDE) };
writeFileSync(cacheFile, JSON.stringify([...cache.values()]));

// ---------------------------------------------------------------------------------------------
// Summaries

/** A run that diverged, or whose pathways all output 0 (every ReLU unit dead): no balance to speak of. */
const failed = (r: RunResult) => r.status === "diverged" || !Number.isFinite(r.balance);
const regime = (b: number) => (!Number.isFinite(b) ? "—" : b >= FULL ? "full" : b >= PARTIAL ? "partial" : "WTA");
/** ‖W₁‖_F/‖W_L‖_F of the pathway with the larger top-mode share: > 1 when the weight norm moved into the first layer. */
const firstOverLast = (r: RunResult) => {
  const k = Math.abs(r.s[0]!) >= Math.abs(r.s[1]!) ? 0 : 1;
  const n = r.norms[k] ?? [];
  return n.length > 1 ? n[0]! / n[n.length - 1]! : Number.NaN;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (x: number | null, digits = 3) => (x === null || !Number.isFinite(x) ? "—" : x.toFixed(digits));

/** Linear-theory prediction of the final balance (K = 2 stopping boundary, THEORY.md §4), or null outside the window. */
function predictedBalance(sigma: number, h: number): number | null {
  const lr = h / lambdaSingle(sigma);
  try {
    return balanceIndex(stoppingBoundary(NET.depths, sigma, lr, { allowAboveWcr: true }).s);
  } catch {
    return null;
  }
}

/**
 * One row per h: per-seed balance (with * for runs ending in a period-2 oscillation, † for diverged
 * runs, "dead" when every pathway outputs 0), the regime of the seed median, the median final λ·η/2,
 * optionally ‖W₁‖/‖W_L‖ of the dominant pathway and the linear theory's predicted balance.
 */
function sweepTable(rows: RunResult[][], opts: { theory?: boolean; norms?: boolean } = {}): string {
  const seeds = rows[0]!.length;
  const header = [
    "h = η·λ_single", "η", ...Array.from({ length: seeds }, (_, j) => (seeds > 1 ? `balance (seed ${rows[0]![j]!.seed})` : "balance")),
    "regime", "λ_final·η/2", ...(opts.norms ? ["‖W₁‖/‖W₄‖ of the winner"] : []), ...(opts.theory ? ["linear theory"] : []),
  ];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const runs of rows) {
    const r0 = runs[0]!;
    const bal = runs.map((r) => (r.status === "diverged" ? "†" : !Number.isFinite(r.balance) ? "dead" : `${f(r.balance)}${r.status === "oscillating" ? "*" : ""}`));
    const ok = runs.filter((r) => !failed(r));
    const reg = ok.length * 2 > runs.length ? regime(median(ok.map((r) => r.balance))) : runs.some((r) => r.status === "diverged") ? "diverged" : "dead";
    const sharp = ok.length > 0 ? median(ok.map((r) => (r.sharpness ?? Number.NaN) / r.threshold)) : Number.NaN;
    const cells = [
      String(r0.h), f(r0.lr, 3), ...bal, reg, f(sharp),
      ...(opts.norms ? [f(ok.length > 0 ? median(ok.map(firstOverLast)) : Number.NaN, 2)] : []),
      ...(opts.theory ? [f(predictedBalance(r0.sigma, r0.h))] : []),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** Smallest h at which the seed-median balance reaches a threshold (failed runs count as 0). */
function firstH(rows: RunResult[][], threshold: number): number | null {
  for (const runs of rows) if (median(runs.map((r) => (failed(r) ? 0 : r.balance))) >= threshold) return runs[0]!.h;
  return null;
}

/** Sharpness of the winner-takes-all end point: the smallest step of the grid (GD ≈ gradient flow). */
const wtaSharpness = (rows: RunResult[][]) => median(rows[0]!.map((r) => r.sharpness ?? Number.NaN));

function thresholdTable(sets: [string, RunResult[][]][]): string {
  const header = ["network", "λ at the WTA end point (h = 0.5)", "partial from h", "full from h", "full from η·λ_WTA"];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const [name, rows] of sets) {
    const lam = wtaSharpness(rows);
    const hp = firstH(rows, PARTIAL);
    const hf = firstH(rows, FULL);
    const lamS = lambdaSingle(rows[0]![0]!.sigma);
    const hfOwn = hf === null ? null : (hf / lamS) * lam;
    lines.push(`| ${name} | ${f(lam, 4)} | ${hp ?? "none ≤ " + rows[rows.length - 1]![0]!.h} | ${hf ?? "none ≤ " + rows[rows.length - 1]![0]!.h} | ${f(hfOwn, 2)} |`);
  }
  return lines.join("\n");
}

const lamS = lambdaSingle(MAIN.sigma);
const hBal = (2 * lamS) / balancedSharpness(NET.depths[0]!, MAIN.sigma, 2);
const blocks: Record<string, string> = {
  "mlp-main": [
    `K = 2 pathways of depth 4, width d = 4 (X = I₄), rank-one target σ = ${MAIN.sigma} (Y = σ e₁e₁ᵀ), hidden width ${MAIN.hidden}, ` +
      `no biases, Gaussian init std ${NET.initStd}, ${NET.steps} GD steps; λ_single = ${lamS}, so η = ${1 / lamS}·h; ` +
      `linear theory: winner-takes-all below h = 2, re-balancing window h ∈ (2, ${hBal.toFixed(3)}). ` +
      "Balance = (s₁ + s₂)²/(2(s₁² + s₂²)) of the top mode at the last step (0.5: one pathway, 1: equal split); " +
      "* = the run ends oscillating (period 2 around the balanced point), † = diverged; λ_final·η/2 ≤ 1 means the end point is linearly stable.",
    "",
    "**tanh**",
    "",
    sweepTable(main.tanh, { norms: true }),
    "",
    "**linear activation** (the deep linear network with the same layers and init), with the linear theory's stopping-boundary prediction",
    "",
    sweepTable(main.linear, { norms: true, theory: true }),
  ].join("\n"),
  "mlp-thresholds": thresholdTable([
    ["linear (σ = 0.25, hidden 64)", main.linear],
    ["tanh (σ = 0.25, hidden 64)", main.tanh],
    ...Object.entries(others).map(([a, rows]) => [`${a} (σ = 0.25, hidden 64, seed 0)`, rows] as [string, RunResult[][]]),
    ["linear (σ = 1, hidden 64)", strong.linear],
    ["tanh (σ = 1, hidden 64)", strong.tanh],
    ["linear (σ = 0.25, hidden 16)", narrow.linear],
    ["tanh (σ = 0.25, hidden 16)", narrow.tanh],
  ]),
  "mlp-others": Object.entries(others).map(([a, rows]) => `**${a}** (seed 0)\n\n${sweepTable(rows, { norms: true })}`).join("\n\n"),
  "mlp-strong": [`**tanh, σ = 1, hidden 64** (λ_single = ${lambdaSingle(1)}, η = h/4)`, "", sweepTable(strong.tanh, { norms: true }), "",
    "**tanh, σ = 0.25, hidden 16**", "", sweepTable(narrow.tanh, { norms: true })].join("\n"),
};

if (existsSync(DOC)) {
  let text = readFileSync(DOC, "utf8");
  for (const [marker, content] of Object.entries(blocks)) text = replaceBlock(text, marker, content);
  writeFileSync(DOC, text);
  process.stderr.write(`updated ${DOC}\n`);
}
writeFileSync(`${OUT}/tables.md`, Object.entries(blocks).map(([k, v]) => `## ${k}\n\n${v}\n`).join("\n"));

// ---------------------------------------------------------------------------------------------
// Figures

if (figures) {
  const { lineChart, panelGrid, pathwayColor, runFigures, writeFigure } = await import("../src/plot/index.js");
  // Fig. 3: trajectories of the tanh MLP at a small step (WTA), a window step (partial) and a large step (full).
  const traj = [1, 2.6, 2.9].map((h) => {
    const k: RunKey = { activation: "tanh", hidden: MAIN.hidden, sigma: MAIN.sigma, seed: 0, h };
    const spec = resolveRunConfig(runConfig(k, { record: { every: 51 }, sharpness: { every: 153 } }));
    const sim = new Simulation(spec);
    sim.advance(Number.MAX_SAFE_INTEGER);
    return { h, spec, figs: runFigures(sim.records, { title: `tanh MLP, K = 2, L = 4, hidden ${MAIN.hidden}, h = ${h} (η = ${spec.lr})`, depths: NET.depths, sigma: [MAIN.sigma], dynamics: "full" }) };
  });
  const pick = (name: string) => traj.map((t) => t.figs.find((x) => x.name === name)!.svg);
  await writeFigure(OUT, "fig3-modes", panelGrid(pick("modes"), { columns: 3, title: "Fig. 3 — tanh multi-pathway MLP: top-mode coefficients at h = 1 (WTA), 2.6 (partial), 2.9 (full balance)" }));
  await writeFigure(OUT, "fig3-sharpness", panelGrid(pick("sharpness"), { columns: 3, title: "Fig. 3 — sharpness against 2/η" }));
  await writeFigure(OUT, "fig3-loss", panelGrid(pick("loss"), { columns: 3, title: "Fig. 3 — loss" }));
  // Fig. 7: final balance against h, every activation (seed-median for linear and tanh).
  // Seed-median balance per h; diverged and dead runs leave a gap (their balance means nothing).
  const curve = (rows: RunResult[][], hMax = Infinity) => {
    const kept = rows.filter((r) => r[0]!.h <= hMax);
    return {
      x: kept.map((r) => r[0]!.h),
      y: kept.map((r) => (r.filter((x) => !failed(x)).length * 2 > r.length ? median(r.filter((x) => !failed(x)).map((x) => x.balance)) : Number.NaN)),
    };
  };
  const panel = (hMax: number, title: string, names: string[]) =>
    lineChart({
      title,
      subtitle: `K = 2, L = 4, d = 4, σ = ${MAIN.sigma}, hidden ${MAIN.hidden}, init std ${NET.initStd}, ${NET.steps} steps`,
      width: 560,
      x: { label: "h = η·λ_single (linear network)" },
      y: { label: "final balance index of the top mode", domain: [0.45, 1.02] },
      series: [
        { name: "linear (DLN)", points: curve(main.linear, hMax), color: "#444", marker: true },
        { name: "tanh (3 seeds, median)", points: curve(main.tanh, hMax), color: pathwayColor(0), marker: true },
        ...Object.entries(others)
          .filter(([a]) => names.includes(a))
          .map(([a, rows]) => ({ name: a, points: curve(rows, hMax), color: pathwayColor(1 + Object.keys(others).indexOf(a)), marker: true, dash: "5,3" })),
      ],
      rules: [{ x: 2, label: "2" }, { x: hBal, label: "2√2" }],
    });
  await writeFigure(OUT, "fig7-balance", panelGrid([
    panel(3.4, "Inside the linear window", ["sin", "erf", "relu"]),
    panel(8, "Up to h = 8 (gelu and swish need larger steps)", ["sin", "erf", "gelu", "swish", "relu"]),
  ], { columns: 2, title: "Fig. 7 — final balance of the top mode against the step size, by activation" }));
  const strongSvg = lineChart({
    title: "Stronger nonlinearity — final balance against the step size (seed median)",
    x: { label: "h = η·λ_single (linear network)" },
    y: { label: "balance index", domain: [0.45, 1.02] },
    series: [
      { name: "linear, σ = 1", points: curve(strong.linear), color: "#444", marker: true },
      { name: "tanh, σ = 1, hidden 64", points: curve(strong.tanh), color: pathwayColor(0), marker: true },
      { name: "tanh, σ = 0.25, hidden 16", points: curve(narrow.tanh), color: pathwayColor(1), marker: true, dash: "5,3" },
    ],
    rules: [{ x: 2, label: "h = 2" }, { x: hBal, label: "h = 2√2" }],
  });
  await writeFigure(OUT, "fig7-nonlinearity", strongSvg);
  process.stderr.write(`figures in ${OUT}/\n`);
}

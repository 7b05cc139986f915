/**
 * @file The MLP study of docs/mlp.md (docs/theory.md §7, paper Figs. 3 and 7): does large-step re-balancing
 * survive a nonlinearity? Sweeps the step size of K = 2 multi-pathway MLPs (and of the same networks
 * with the linear activation, i.e. deep linear networks with the same architecture and init) and
 * records where each run ends: winner-takes-all, partial or full balance of the top mode, with the
 * final sharpness against 2/η. Writes figures and the raw results to results/mlp/ (not committed) and
 * the generated tables of docs/mlp.md.
 *
 * The main setting (network, grid, seeds, steps) is the full budget of the reproduction suite's
 * experiments/fig7-mlp-sweep.yaml, and every run is the suite's (`runSweepPoint` of kind mlp); the
 * suite reproduces Figs. 3 and 7 (tanh and linear) with checks, and this study adds more activations,
 * a stronger nonlinearity (σ = 1) and a narrower hidden layer.
 *
 * Usage: `npx tsx scripts/mlp-study.ts [--fresh] [--no-figures]`. Runs already in
 * results/mlp/runs.json are reused (same settings ⇒ same result: every run is seeded); --fresh
 * recomputes them. About 10 minutes on two cores from scratch.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseExperiment } from "../src/experiments/config.js";
import {
  failedPoint, linearTheoryBalance, MLP_REGIMES, regimeOf, runSweepPoint, sweepThreshold, type MlpConfig, type MlpNetwork, type SweepPoint,
} from "../src/experiments/kinds/mlp/kind.js";
import type { ActivationName } from "../src/engine/mlp/activations.js";
import { singlePathSharpness, balancedSharpness } from "../src/theory/index.js";
import { replaceBlock } from "./doc-blocks.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const OUT = `${root}results/mlp`;
const DOC = `${root}docs/mlp.md`;
const fresh = process.argv.includes("--fresh");
const figures = !process.argv.includes("--no-figures");

// ---------------------------------------------------------------------------------------------
// Settings: the full budget of the suite's Fig. 7 experiment

const SUITE = parseExperiment(readFileSync(`${root}experiments/fig7-mlp-sweep.yaml`, "utf8"), "experiments/fig7-mlp-sweep.yaml") as unknown as MlpConfig;
/** The network of the main study (σ = 0.25, hidden width 64); the other settings vary σ and the hidden width. */
const NET: MlpNetwork = SUITE.network;
const STEPS = SUITE.sizes.full.steps;
/** Step sizes as h = η·λ_single(σ) of the linear network (λ_single = Lσ^{2−2/L}; the window is h ∈ (2, 2√2)). */
const H_GRID = SUITE.sizes.full.h!;
/** Wider grid for activations whose winner-takes-all minimum is much flatter (gelu, swish: slope ½ at 0). */
const H_WIDE = [...H_GRID, 4, 5, 6, 7, 8];
const SEEDS = SUITE.sizes.full.seeds!;
const MAIN = { sigma: NET.sigma, hidden: NET.hidden };

interface RunKey {
  activation: ActivationName;
  hidden: number;
  sigma: number;
  seed: number;
  h: number;
}

/** A sweep point of the suite, with the hidden width and σ that the study varies. */
type RunResult = SweepPoint & RunKey;

const lambdaSingle = (sigma: number) => singlePathSharpness(NET.depths[0]!, sigma);
const netOf = (k: RunKey): MlpNetwork => ({ ...NET, hidden: k.hidden, sigma: k.sigma });
const keyOf = (k: RunKey) => `${k.activation}|${k.hidden}|${k.sigma}|${k.seed}|${k.h}`;
const run = (k: RunKey): RunResult => ({ ...runSweepPoint(netOf(k), k.activation, k.seed, k.h, STEPS), ...k });

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

const sweep = (activation: ActivationName, hidden: number, sigma: number, seeds: number[], grid: number[]) =>
  grid.map((h) => seeds.map((seed) => get({ activation, hidden, sigma, seed, h })));

const main = { linear: sweep("linear", MAIN.hidden, MAIN.sigma, SEEDS, H_GRID), tanh: sweep("tanh", MAIN.hidden, MAIN.sigma, SEEDS, H_GRID) };
const others = Object.fromEntries((["sin", "erf", "gelu", "swish", "relu"] as const).map((a) => [a, sweep(a, MAIN.hidden, MAIN.sigma, [0], H_WIDE)]));
const strong = { linear: sweep("linear", 64, 1, SEEDS, H_GRID), tanh: sweep("tanh", 64, 1, SEEDS, H_WIDE) };
const narrow = { linear: sweep("linear", 16, MAIN.sigma, SEEDS, H_GRID), tanh: sweep("tanh", 16, MAIN.sigma, SEEDS, H_WIDE) };
writeFileSync(cacheFile, JSON.stringify([...cache.values()]));

// ---------------------------------------------------------------------------------------------
// Summaries

/** A run that diverged, or whose pathways all output 0 (every ReLU unit dead): no balance to speak of. */
const failed = failedPoint;
/** ‖W₁‖_F/‖W_L‖_F of the pathway with the larger top-mode share: > 1 when the weight norm moved into the first layer. */
const firstOverLast = (r: RunResult) => {
  const k = Math.abs(r.s[0]!) >= Math.abs(r.s[1]!) ? 0 : 1;
  const n = r.norms[k] ?? [];
  return n.length > 1 ? n[0]! / n[n.length - 1]! : Number.NaN;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (x: number | null, digits = 3) => (x === null || !Number.isFinite(x) ? "—" : x.toFixed(digits));

/** Linear-theory prediction of the final balance (K = 2 stopping boundary, docs/theory.md §4), or null outside the window. */
const predictedBalance = (sigma: number, h: number): number | null => linearTheoryBalance({ ...NET, sigma }, h);

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
    const reg = ok.length * 2 > runs.length ? regimeOf(median(ok.map((r) => r.balance))) : runs.some((r) => r.status === "diverged") ? "diverged" : "dead";
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
const firstH = sweepThreshold;

/** Sharpness of the winner-takes-all end point: the smallest step of the grid (GD ≈ gradient flow). */
const wtaSharpness = (rows: RunResult[][]) => median(rows[0]!.map((r) => r.sharpness ?? Number.NaN));

function thresholdTable(sets: [string, RunResult[][]][]): string {
  const header = ["network", "λ at the WTA end point (h = 0.5)", "partial from h", "full from h", "full from η·λ_WTA"];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const [name, rows] of sets) {
    const lam = wtaSharpness(rows);
    const hp = firstH(rows, MLP_REGIMES.partial);
    const hf = firstH(rows, MLP_REGIMES.full);
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
      `no biases, Gaussian init std ${NET.initStd}, ${STEPS} GD steps; λ_single = ${lamS}, so η = ${1 / lamS}·h; ` +
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
  const { lineChart, panelGrid, pathwayColor, writeFigure } = await import("../src/plot/index.js");
  // Fig. 3 and the tanh/linear part of Fig. 7 are in the reproduction suite (experiments/fig3-mlp-tanh.yaml,
  // fig7-mlp-sweep.yaml); here: Fig. 7 with every activation, and the stronger nonlinearities.
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
      subtitle: `K = 2, L = 4, d = 4, σ = ${MAIN.sigma}, hidden ${MAIN.hidden}, init std ${NET.initStd}, ${STEPS} steps`,
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

/**
 * @file The figures of one `dlnlab run`, drawn with the report's own panels (src/experiments/figures/
 * panels.ts) and the theory of docs/theory.md §3–§6 on them: per-pathway mode coefficients against σ_i
 * with the predicted final split of the top mode (gradient-flow end point below the re-balancing window,
 * stopping boundary inside it, flattest allocation above it), the loss, and the measured sharpness
 * against 2/η, λ_single and λ_bal. MLP runs carry the linear theory's levels as a guide, named so; the
 * deep linear classifier is drawn as what it is: alignment cos∠(w, ŵ), risk, sharpness.
 */
import type { SimulationSpec } from "../engine/simulate.js";
import type { TrajectoryRecord } from "../engine/types.js";
import { gradientFlowEndpoint, optimalAllocation, stabilityWindow, stoppingBoundary } from "../theory/index.js";
import { balancePanel, levelRule, lossPanel, modesPanel, sharpnessPanel, THEORY, type PanelRun, type PanelX } from "../experiments/figures/panels.js";
import { balanceIndex } from "../engine/measure/observables.js";
import type { LegendEntry, RuleSpec } from "./chart.js";

/** What the figures need to know about the run besides its records. */
export interface RunFigureMeta {
  /** Run description shown under every figure title, e.g. "K = 2, L = 4, η = 0.625". */
  title: string;
  /** Depth L_k of each pathway (its length is the number of pathways K). */
  depths: number[];
  /** Target singular values σ_1 ≥ σ_2 ≥ … (one per mode). */
  sigma: number[];
  /** Which simulation produced the records; "flow" plots against time and has no 2/η line. */
  dynamics: "full" | "reduced" | "flow";
  /** The model (default "dln"): labels, and which theory applies. */
  model?: "dln" | "mlp" | "classifier";
  /** MLP only: activation and hidden widths, for the subtitle. */
  mlp?: { activation: string; hidden: readonly number[] };
  /**
   * End-to-end scales α_k of a depth-balanced SVS initialisation of the linear network: they fix the
   * gradient-flow leaf, hence the predicted final split. Absent (Gaussian or per-layer init, MLP): no prediction.
   */
  initScales?: number[];
  /** How sharpness was measured (legend of λ_max); default "lanczos". */
  sharpnessMethod?: "lanczos" | "blocks";
  /** A predicted trajectory (e.g. the central flow, docs/theory.md §11) drawn dashed over the mode coefficients, same step axis. */
  prediction?: TrajectoryRecord[];
  /** Most modes drawn in the mode figure, taken in order among those with σ_i > 0; default 4. */
  maxModes?: number;
  /** Step/time axis: "log" shows early dynamics of long runs (drops t = 0); default log past 5 000 steps. */
  xScale?: "linear" | "log";
}

/** A finished figure: file stem, plain-text title (for captions and reports), SVG markup. */
export interface Figure {
  name: string;
  title: string;
  svg: string;
}

/** The figure metadata of a run from its resolved spec and its target's singular values. */
export function runFigureMeta(spec: SimulationSpec, sigma: readonly number[], title: string): RunFigureMeta {
  const model = spec.model ?? "dln";
  return {
    title,
    depths: [...spec.depths],
    sigma: [...sigma],
    // The central flow runs in GD-step time against 2/η: it is drawn as the GD run of its system.
    dynamics: spec.dynamics === "central" ? spec.flow.system : spec.dynamics,
    model,
    ...(model === "mlp" && spec.mlp ? { mlp: { activation: spec.mlp.activation, hidden: spec.mlp.hidden } } : {}),
    ...(model === "dln" && spec.init.type === "svs" ? { initScales: [...spec.init.scales] } : {}),
    // The engine's "auto" method: exact SVS blocks for reduced dynamics, Lanczos on the HVP otherwise.
    sharpnessMethod: spec.sharpness.method === "auto" ? (spec.dynamics === "reduced" || ((spec.dynamics === "flow" || spec.dynamics === "central") && spec.flow.system === "reduced") ? "blocks" : "lanczos") : spec.sharpness.method,
  };
}

const DYNAMICS: Record<RunFigureMeta["dynamics"], string> = {
  full: "gradient descent, full matrices",
  reduced: "gradient descent, exact reduced (depth-balanced SVS) dynamics",
  flow: "gradient flow",
};

/** Size of a run figure, px (larger than a report panel: one figure per file). */
const SIZE = { width: 640, height: 400 } as const;
/** Relative tolerance under which two step sizes count as the same constant η (1e-12: rounding only). */
const SAME_LR = 1e-12;
/** Runs longer than this many steps default to a log step axis, so the transient stays visible. */
const LOG_FROM = 5000;

/** The `modes`, `loss` and `sharpness` figures of a run (in that order), and `balance` for K ≥ 2 pathways. */
export function runFigures(records: TrajectoryRecord[], meta: RunFigureMeta): Figure[] {
  const K = meta.depths.length;
  const first = records[0];
  if (first && first.s.length !== K)
    throw new RangeError(`runFigures: meta.depths lists ${K} pathways but the records have ${first.s.length}`);
  const flow = meta.dynamics === "flow";
  const x: PanelX = flow ? { label: "time t = η·steps", of: (r) => r.time } : { label: "GD step t", of: (r) => r.step };
  const lastStep = records.at(-1)?.step ?? 0;
  const xType = meta.xScale ?? (lastStep > LOG_FROM ? "log" : "linear");
  const run: PanelRun = {
    records,
    lr: records.find((r) => Number.isFinite(r.lr) && r.lr > 0)?.lr ?? Number.NaN,
    sharpness: records.filter((r) => r.sharpness !== null && r.sharpness.length > 0).map((r) => [x.of(r), r.sharpness![0]!]),
  };
  const th = theoryOf(records, meta);
  const subtitle = `${meta.title} · ${describe(meta)}`;
  const size = { width: SIZE.width, height: SIZE.height };
  const classifier = meta.model === "classifier";
  const modes = classifier ? [0] : shownModes(meta.sigma, meta.maxModes);
  const d = Math.max(meta.sigma.length, first?.s[0]?.length ?? 0);
  const shown = !classifier && modes.length < d ? ` · modes ${modes.map((i) => i + 1).join(", ")} of ${d}` : "";

  const modeRules: RuleSpec[] = [];
  const extraLegend: LegendEntry[] = [];
  if (classifier) modeRules.push({ y: 1, label: "aligned", color: THEORY, dash: "2,3" });
  if (th.prediction) {
    th.prediction.s.forEach((v, k) => modeRules.push(levelRule(v, shortNumber(v, 3), k)));
    extraLegend.push({ label: th.prediction.what, color: THEORY, dash: "5,3" });
  }
  const modesTitle = classifier ? "Alignment with the max-margin direction" : meta.model === "mlp" ? "Output mode coefficients per pathway" : "Mode coefficients per pathway";
  const modesSvg = modesPanel(run, {
    id: "modes", title: modesTitle, subtitle: subtitle + shown + (th.note ? ` · ${th.note}` : ""),
    depths: meta.depths, sigma: meta.sigma, modes, rules: modeRules, extraLegend, xType, x, ...size,
    ...(meta.prediction ? { overlay: { records: meta.prediction, label: "central flow (predicted)" } } : {}),
    ...(classifier
      ? { yLabel: "cos∠(w, ŵ) (ŵ: max-margin direction)", sigmaLevels: false, pathwayLabel: (_k: number, L: number) => `predictor w = W_${L}⋯W_1 (L=${L})` }
      : meta.model === "mlp"
        ? { yLabel: "output mode coefficient u_iᵀ f_k(X) v_i" }
        : {}),
  });
  const lossSvg = lossPanel(run, classifier ? "Training risk" : "Training loss", "loss", subtitle, xType, {
    x, ...size, ...(classifier ? { yLabel: "risk (1/n) Σ_j ℓ(y_j wᵀx_j)" } : {}),
  });
  const sharpTitle = flow ? "Sharpness along gradient flow" : "Sharpness and the stability threshold";
  const sharpSvg = sharpnessPanel(run, {
    id: "sharpness", title: sharpTitle, subtitle, xType, x, ...size,
    threshold: !flow, lower: true, markers: run.sharpness.length <= 150, measuredLabel: meta.sharpnessMethod === "blocks" ? "λ_max (exact SVS blocks)" : "λ_max (Lanczos)",
    rules: th.lambdas, ...(run.sharpness.length === 0 ? { note: " · no sharpness measurements in this run" } : {}),
  });
  const label = (t: string) => `${t} (${meta.title})`;
  const figs: Figure[] = [
    { name: "modes", title: label(modesTitle), svg: modesSvg },
    { name: "loss", title: label(classifier ? "Training risk" : "Training loss"), svg: lossSvg },
    { name: "sharpness", title: label(sharpTitle), svg: sharpSvg },
  ];
  if (!classifier && K >= 2) {
    const balanceTitle = "Balance of the pathways";
    const predicted = th.prediction ? { value: balanceIndex(th.prediction.s), label: `top mode: ${th.prediction.what}` } : null;
    figs.push({
      name: "balance",
      title: label(balanceTitle),
      svg: balancePanel(run, { id: "balance", title: balanceTitle, subtitle: subtitle + shown, K, modes, predicted, x, xType, ...size }),
    });
  }
  return figs;
}

/** The model and dynamics, in words, for the subtitles. */
function describe(meta: RunFigureMeta): string {
  if (meta.model === "classifier") return `deep linear classifier on separable data · ${meta.dynamics === "flow" ? "gradient flow" : "gradient descent"}`;
  if (meta.model === "mlp") {
    const h = meta.mlp ? new Set(meta.mlp.hidden).size === 1 ? `hidden ${meta.mlp.hidden[0]}` : `hidden ${meta.mlp.hidden.join(", ")}` : "";
    return `${meta.mlp?.activation ?? ""} MLP${h ? `, ${h}` : ""} · ${meta.dynamics === "flow" ? "gradient flow" : "gradient descent"}`;
  }
  return DYNAMICS[meta.dynamics];
}

/** The theory drawn on a run's figures: λ levels on the sharpness figure, the predicted split of the top mode. */
interface RunTheory {
  lambdas: RuleSpec[];
  prediction: { s: number[]; what: string } | null;
  /** Why there is no prediction, or what the step's regime is. */
  note: string;
}

/**
 * λ_single and λ_bal of the top mode (docs/theory.md §3–§4), and the predicted final split: the
 * gradient-flow end point for gradient flow and below the window (η ≤ 2/λ_single), the stopping
 * boundary λ = 2/η inside it (exact for K = 2, drift flow for K > 2), the flattest allocation above it
 * (η ≥ 2/λ_bal, not reached: a period-2 oscillation around it). Only for a linear network from a
 * depth-balanced SVS init with a constant step.
 */
function theoryOf(records: readonly TrajectoryRecord[], meta: RunFigureMeta): RunTheory {
  const none: RunTheory = { lambdas: [], prediction: null, note: "" };
  const sigma = meta.sigma[0] ?? 0;
  if (meta.model === "classifier" || !(sigma > 0)) return none;
  const w = stabilityWindow(meta.depths, sigma);
  const guide = meta.model === "mlp" ? " (linear theory)" : "";
  const lambdas: RuleSpec[] = [{ y: w.lambdaSingle, label: `λ_single${guide} = ${shortNumber(w.lambdaSingle)}`, color: THEORY, dash: "2,3" }];
  if (meta.depths.length > 1 && Math.abs(w.lambdaBalanced - w.lambdaSingle) > 1e-9 * w.lambdaSingle)
    lambdas.push({ y: w.lambdaBalanced, label: `λ_bal${guide} = ${shortNumber(w.lambdaBalanced)}`, color: THEORY, dash: "2,3" });
  if (meta.model === "mlp" || !meta.initScales || meta.depths.length < 2) return { ...none, lambdas };
  const initScales = meta.initScales;
  if (meta.dynamics === "flow") return { lambdas, prediction: { s: gradientFlowEndpoint(meta.depths, sigma, initScales), what: "gradient-flow end point" }, note: "" };
  const lrs = records.map((r) => r.lr).filter((v) => Number.isFinite(v) && v > 0);
  const eta = lrs[0];
  if (eta === undefined || !lrs.every((v) => Math.abs(v - eta) <= SAME_LR * eta)) return { lambdas, prediction: null, note: "scheduled step: no stopping prediction" };
  if (eta <= w.etaSingle) return { lambdas, prediction: { s: gradientFlowEndpoint(meta.depths, sigma, initScales), what: "gradient-flow end point (η ≤ 2/λ_single)" }, note: "" };
  if (eta >= w.etaBalanced) return { lambdas, prediction: { s: optimalAllocation(meta.depths, sigma).s, what: "flattest allocation (η ≥ 2/λ_bal: not reached)" }, note: "" };
  try {
    const b = stoppingBoundary(meta.depths, sigma, eta, { initScales, allowAboveWcr: true, ...(meta.depths.length > 2 ? { approximation: "drift-flow" as const } : {}) });
    const how = b.method === "exact" ? "exact" : b.method === "gf-endpoint" ? "gradient-flow end point already stable" : "drift flow";
    return { lambdas, prediction: { s: b.s, what: `predicted stop λ = 2/η (${how})` }, note: eta >= w.etaWcr ? "η ≥ η_WCR: the transient may flip a sign" : "" };
  } catch (err) {
    return { lambdas, prediction: null, note: `no stopping prediction (${(err as Error).message.split(":")[0]})` };
  }
}

/** Indices of the modes to draw: σ_i > 0 first, in order, at most `maxModes` (the top mode if none). */
export function shownModes(sigma: number[], maxModes = 4): number[] {
  const positive = sigma.map((s, i) => [s, i] as const).filter(([s]) => s > 0).map(([, i]) => i);
  const picked = positive.slice(0, Math.max(1, maxModes));
  return picked.length > 0 ? picked : [0];
}

/** A number with at most `digits` significant digits and no trailing zeros: 3.2, 0.0125, 1.234e-7. */
function shortNumber(v: number, digits = 4): string {
  return String(Number(v.toPrecision(digits))).replace("-", "\u2212");
}

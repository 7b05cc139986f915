/**
 * @file One row of the `runs` table per sweep point (docs/sweeps.md lists every column with units):
 * axis values, resolved lr and h, config hash, how the run ended, its final state (named like the
 * columns of trajectory.csv), per-run summaries and, with `predict`, the theory's predictions. Rows
 * come from the batched kernel (src/sweep/batch.ts) or from a `Simulation` of the single point.
 */
import { buildSystem, Simulation, type SimulationSpec } from "../engine/simulate.js";
import { balanceIndex } from "../engine/measure/observables.js";
import type { System } from "../engine/dynamics/systems.js";
import { svsHessianTop, balancedToLayers } from "../engine/measure/hessian-blocks.js";
import { stabilityWindow } from "../theory/windows.js";
import { stoppingBoundary } from "../theory/boundary.js";
import { gradientFlowEndpoint } from "../theory/leaves.js";
import { axisColumn, expandSweep, type SweepPoint, type SweepSpec } from "./spec.js";
import { BatchRunner, BLOCK_RUNS, batchKey, batchable, type BatchEnd } from "./batch.js";

/** A cell of the runs table. */
export type Cell = number | string | boolean | null;
/** One row of the runs table, by column name. */
export type Row = Record<string, Cell>;

/** Column types of the runs table (Parquet physical types through DuckDB). */
export type ColumnType = "DOUBLE" | "BIGINT" | "VARCHAR" | "BOOLEAN";

/** A column of the runs table: name, type, unit and meaning. */
export interface RunColumn {
  name: string;
  type: ColumnType;
  description: string;
}

/**
 * The largest number of pathways K and width d over a sweep's points (at least 1 each). A loop, not
 * Math.max(...points): spreading 2·10⁵ arguments overflows V8's stack.
 */
export function sweepShape(points: readonly SweepPoint[]): { K: number; d: number } {
  let K = 1;
  let d = 1;
  for (const p of points) {
    K = Math.max(K, p.spec.depths.length);
    d = Math.max(d, p.spec.width);
  }
  return { K, d };
}

/** The columns of a sweep's runs table: fixed ones, then one per axis, per pathway × mode and per mode. */
export function runColumns(spec: SweepSpec, points: readonly SweepPoint[]): RunColumn[] {
  const { K, d } = sweepShape(points);
  const cols: RunColumn[] = [
    { name: "point", type: "BIGINT", description: "index of the point in the sweep's expansion (0-based)" },
    { name: "hash", type: "VARCHAR", description: "config hash: first 16 hex digits of SHA-256 of the resolved run spec" },
  ];
  for (const [name, axis] of Object.entries(spec.axes)) {
    const numeric = !("values" in axis) || axis.values.every((v) => typeof v === "number");
    cols.push({ name: axisColumn(name), type: numeric ? "DOUBLE" : "VARCHAR", description: `axis ${name}${numeric ? "" : " (JSON text)"}` });
  }
  cols.push(
    { name: "lr", type: "DOUBLE", description: "step size η (resolved; time per step)" },
    { name: "h", type: "DOUBLE", description: "normalised step h = η·λ_single, λ_single = max_k L_k σ_1^{2−2/L_k} (dimensionless)" },
    { name: "K", type: "BIGINT", description: "number of pathways" },
    { name: "width", type: "BIGINT", description: "width d" },
    { name: "status", type: "VARCHAR", description: "converged, diverged, oscillating or max-steps (as `dlnlab run`)" },
    { name: "final_step", type: "BIGINT", description: "step of the final state (GD steps)" },
    { name: "stop_step", type: "BIGINT", description: "step whose loss ended the run early (converged/diverged; GD steps), else null" },
    { name: "loss", type: "DOUBLE", description: "final loss ½‖F − Y‖²_F (units of σ²)" },
    { name: "sharpness", type: "DOUBLE", description: "final λ_max of the Hessian (units of 1/η; null when the state is not finite)" },
    { name: "lambda_eta_2", type: "DOUBLE", description: "sharpness·η/2 (1 = the stability edge 2/η)" },
  );
  for (let k = 1; k <= K; k++) {
    for (let i = 1; i <= d; i++) cols.push({ name: `s_${k}_${i}`, type: "DOUBLE", description: `final mode coefficient of pathway ${k} in mode ${i} (units of σ)` });
  }
  for (let i = 1; i <= d; i++) cols.push({ name: `balance_${i}`, type: "DOUBLE", description: `final balance index of mode ${i}, (Σ_k s_k)²/(K Σ_k s_k²) ∈ [1/K, 1]` });
  cols.push(
    { name: "first_unstable_step", type: "BIGINT", description: "first sampled step with sharpness > 2/η (GD steps), else null" },
    { name: "max_sharpness", type: "DOUBLE", description: "largest sampled sharpness (samples and the final state; units of 1/η)" },
    { name: "sign_flip", type: "BOOLEAN", description: "reduced GD: a layer scalar was negative at some step (every step watched); other dynamics: a mode coefficient changed sign between records" },
  );
  if (spec.predict) {
    cols.push(
      { name: "eta_single", type: "DOUBLE", description: "2/λ_single of mode 1: lower edge of the re-balancing window (units of η)" },
      { name: "eta_balanced", type: "DOUBLE", description: "2/λ_bal of mode 1: the flattest minimum's edge (units of η)" },
      { name: "eta_wcr", type: "DOUBLE", description: "c_L/(L_min σ_1^{2−2/L_min}): the WCR ceiling (units of η)" },
      { name: "c_L", type: "DOUBLE", description: "WCR constant c_{L_min} (dimensionless)" },
      { name: "regime", type: "VARCHAR", description: "predicted regime: below (η ≤ 2/λ_single: GF end point), window (re-balancing), above (η ≥ upper edge)" },
    );
    for (let k = 1; k <= K; k++) cols.push({ name: `pred_s_${k}_1`, type: "DOUBLE", description: `predicted final s of pathway ${k} in mode 1 (units of σ; GF end point below the window, stopping boundary inside)` });
    cols.push({ name: "split_distance", type: "DOUBLE", description: "Euclidean distance between measured and predicted (s_{k,1})_k (units of σ)" });
  }
  return cols;
}

/** The columns of a sweep's trajectories table (with `trajectories: { every }`): one row per run and sampled step. */
export function trajectoryColumns(points: readonly SweepPoint[]): RunColumn[] {
  const { K, d } = sweepShape(points);
  const cols: RunColumn[] = [
    { name: "point", type: "BIGINT", description: "index of the point in the sweep's expansion (the runs table's `point`)" },
    { name: "step", type: "BIGINT", description: "GD step (a multiple of trajectories.every, or the run's final step)" },
    { name: "loss", type: "DOUBLE", description: "loss ½‖F − Y‖²_F at this step (units of σ²; null when not finite)" },
  ];
  for (let k = 1; k <= K; k++) {
    for (let i = 1; i <= d; i++) cols.push({ name: `s_${k}_${i}`, type: "DOUBLE", description: `mode coefficient of pathway ${k} in mode ${i} at this step (units of σ)` });
  }
  for (let i = 1; i <= d; i++) cols.push({ name: `balance_${i}`, type: "DOUBLE", description: `balance index of mode ${i} at this step, (Σ_k s_k)²/(K Σ_k s_k²) ∈ [1/K, 1]` });
  return cols;
}

/** One row of the trajectories table. */
function trajectoryRow(point: number, step: number, loss: number, s: readonly (readonly number[])[]): Row {
  const row: Row = { point, step, loss: finite(loss) };
  const d = s[0]?.length ?? 0;
  s.forEach((r, k) => r.forEach((x, i) => (row[`s_${k + 1}_${i + 1}`] = finite(x))));
  for (let i = 0; i < d; i++) row[`balance_${i + 1}`] = finite(balanceIndex(s.map((r) => r[i]!)));
  return row;
}

/** A run's trajectory rows with its final state last: a sample at the final step gives way to the final record (Simulation records that step once). */
function withFinal(rows: Row[], final: Row): Row[] {
  if (rows.length > 0 && rows[rows.length - 1]!.step === final.step) rows.pop();
  rows.push(final);
  return rows;
}

/** Default sampling interval of per-run summaries: about 100 samples per run. */
export function sampleEvery(spec: SweepSpec, steps: number): number {
  return spec.measure.every === "auto" ? Math.max(1, Math.floor(steps / 100)) : spec.measure.every;
}

/** What a finished run contributes to its row. */
interface RunEnd {
  status: string;
  finalStep: number;
  stopStep: number | null;
  loss: number;
  /** s[k][i]. */
  s: number[][];
  sharpness: number | null;
  samples: { step: number; value: number }[];
  signFlip: boolean;
  /** The system at the final state (batched runs). */
  system?: System;
}

/** The row of a point from how its run ended. */
export function makeRow(sweep: SweepSpec, point: SweepPoint, end: RunEnd): Row {
  const spec = point.spec;
  const row: Row = { point: point.index, hash: point.hash };
  for (const [name, value] of Object.entries(point.values)) row[axisColumn(name)] = typeof value === "number" ? value : JSON.stringify(value);
  const K = spec.depths.length;
  const d = spec.width;
  Object.assign(row, {
    lr: spec.lr, h: Number.isFinite(point.h) ? point.h : null, K, width: d,
    status: end.status, final_step: end.finalStep, stop_step: end.stopStep,
    loss: Number.isFinite(end.loss) ? end.loss : null,
    sharpness: finite(end.sharpness ?? Number.NaN),
    lambda_eta_2: finite(((end.sharpness ?? Number.NaN) * spec.lr) / 2),
  });
  for (let k = 0; k < K; k++) for (let i = 0; i < d; i++) row[`s_${k + 1}_${i + 1}`] = finite(end.s[k]![i]!);
  for (let i = 0; i < d; i++) row[`balance_${i + 1}`] = finite(balanceIndex(end.s.map((r) => r[i]!)));
  const edge = 2 / spec.lr;
  const unstable = end.samples.find((x) => x.value > edge);
  const all = [...end.samples.map((x) => x.value), ...(end.sharpness === null ? [] : [end.sharpness])].filter(Number.isFinite);
  row.first_unstable_step = unstable ? unstable.step : end.sharpness !== null && end.sharpness > edge ? end.finalStep : null;
  row.max_sharpness = all.length > 0 ? Math.max(...all) : null;
  row.sign_flip = end.signFlip;
  if (sweep.predict) Object.assign(row, predictions(point, end.s.map((r) => r[0]!)));
  return row;
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The theory's predictions for mode 1 of a linear point (nulls where they do not apply). */
function predictions(point: SweepPoint, s1: number[]): Row {
  const c = point.config;
  const K = c.depths.length;
  const out: Row = { eta_single: null, eta_balanced: null, eta_wcr: null, c_L: null, regime: null, split_distance: null };
  for (let k = 1; k <= K; k++) out[`pred_s_${k}_1`] = null;
  const sigma1 = c.model === "dln" && !c.target.matrix ? (c.target.sigma ?? [1])[0]! : Number.NaN;
  if (!(sigma1 > 0)) return out;
  const w = stabilityWindow(c.depths, sigma1);
  const lr = point.spec.lr;
  Object.assign(out, { eta_single: w.etaSingle, eta_balanced: w.etaBalanced, eta_wcr: w.etaWcr, c_L: w.cL });
  out.regime = lr <= w.etaSingle ? "below" : lr < w.upper ? "window" : "above";
  const init = point.spec.init;
  if (K < 2 || init.type !== "svs") return out;
  let pred: number[] | null = null;
  try {
    pred = out.regime === "below" ? gradientFlowEndpoint(c.depths, sigma1, init.scales) : out.regime === "window" ? stoppingBoundary(c.depths, sigma1, lr, { initScales: init.scales }).s : null;
  } catch {
    // Outside the boundary's domain (e.g. below the dominant pathway's own edge): no prediction.
    pred = null;
  }
  if (!pred) return out;
  pred.forEach((x, k) => (out[`pred_s_${k + 1}_1`] = x));
  out.split_distance = Math.hypot(...pred.map((x, k) => x - (s1[k] ?? Number.NaN)));
  return out;
}

/** balancedSharpness's scratch, reused across calls (a sweep samples every run ~100 times): [D_k…, w_k²…]. */
let sharpScratch = new Float64Array(16);

/**
 * λ_max of the reduced Hessian at a depth-balanced state. For one mode (d = 1) it splits exactly:
 * per pathway, directions orthogonal to (1,…,1) have eigenvalue −r a_k^{L_k−2}; on the pathway
 * means it is D + w wᵀ (D_k = r(L_k−1)a_k^{L_k−2}, w_k = √L_k a_k^{L_k−1}), whose top eigenvalue is
 * the root of 1 = Σ_k w_k²/(λ − D_k) above max D (safeguarded Newton). That is ~50×
 * cheaper than the dense (Σ L_k)² block of svsHessianTop, which d > 1 falls back to.
 */
export function balancedSharpness(depths: readonly number[], state: Float64Array, sigma: Float64Array): number {
  const d = sigma.length;
  if (d !== 1) return svsHessianTop({ depths, sigma, x: balancedToLayers(state, depths, d) }, 1)[0]!;
  const K = depths.length;
  let s = 0;
  for (let k = 0; k < K; k++) s += state[k]! ** depths[k]!;
  const r = s - sigma[0]!;
  let best = Number.NEGATIVE_INFINITY;
  let maxD = Number.NEGATIVE_INFINITY;
  let w2sum = 0;
  if (sharpScratch.length < 2 * K) sharpScratch = new Float64Array(2 * K);
  // D_k at [k], w_k² at [K + k].
  const X = sharpScratch;
  for (let k = 0; k < K; k++) {
    const L = depths[k]!;
    const a = state[k]!;
    const am2 = L >= 2 ? a ** (L - 2) : 0;
    if (L >= 2) best = Math.max(best, -r * am2);
    X[k] = r * (L - 1) * am2;
    X[K + k] = L * (a ** (L - 1)) ** 2;
    maxD = Math.max(maxD, X[k]!);
    w2sum += X[K + k]!;
  }
  if (w2sum === 0) return Math.max(best, maxD);
  // f(λ) = 1 − Σ w²/(λ − D) increases from −∞ to 1 above max D, with its root in (max D, max D + Σ w²]:
  // Newton steps inside the bracket, bisection when a step would leave it.
  let lo = maxD;
  let hi = maxD + w2sum;
  let lam = hi;
  for (let it = 0; it < 200; it++) {
    let f = 1;
    let df = 0;
    for (let k = 0; k < K; k++) {
      if (X[K + k] === 0) continue;
      const g = lam - X[k]!;
      f -= X[K + k]! / g;
      df += X[K + k]! / (g * g);
    }
    if (f > 0) hi = lam;
    else lo = lam;
    let next = lam - f / df;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - lam) <= 1e-16 * Math.abs(lam) || hi - lo <= 1e-16 * Math.abs(hi)) {
      lam = next;
      break;
    }
    lam = next;
  }
  return Math.max(best, lam);
}

/**
 * Loss and mode coefficients s[k][i] of a depth-balanced state, measured as `Simulation` measures a
 * record of a reduced run: the run's own system `sys` (from the engine's build table, so its target
 * is the kernel's), set to `state` and evaluated `evaluations` times.
 */
function observeBalanced(sys: System, state: Float64Array, evaluations: number): { loss: number; s: number[][] } {
  sys.state.set(state);
  let loss = Number.NaN;
  for (let e = 0; e < evaluations; e++) loss = sys.evaluate();
  const { K, d } = sys;
  const coeff = new Float64Array(K * d);
  sys.coefficients(coeff);
  return { loss, s: Array.from({ length: K }, (_, k) => Array.from(coeff.subarray(k * d, (k + 1) * d))) };
}

/** The end of a batched run, measured as `Simulation` measures its final record, on the run's system `sys`. */
function batchEnd(spec: SimulationSpec, sys: System, end: BatchEnd, samples: RunEnd["samples"]): RunEnd {
  const sigma = end.sigma;
  // Simulation evaluates its final state twice (the stop check, then the final record): the same here,
  // which matters only for non-finite states.
  const { loss, s } = observeBalanced(sys, end.state, 2);
  const { top, tol, maxIter } = spec.sharpness;
  // One mode: the closed form (equal to the SVS blocks' eigenvalue to ~1e-13 relative, test/sweep), ~50× cheaper.
  const sharp = !Number.isFinite(loss) ? null : spec.width === 1 ? balancedSharpness(spec.depths, end.state, sigma) : sys.sharpness(top, { tol, maxIter })[0]!;
  return { status: end.status, finalStep: end.finalStep, stopStep: end.stopStep, loss, sharpness: sharp, s, samples, signFlip: end.signFlip, system: sys };
}

/** A task's results: rows of the runs table and, with `trajectories`, of the trajectories table. */
export interface TaskRows {
  runs: Row[];
  trajectories: Row[];
}

/**
 * Run one point with `Simulation` (any model and dynamics) and return its row; with `trajectories`,
 * the run records every `trajectories.every` steps instead of by its own plan (which never changes
 * the final state) and its trajectory rows go to `onTrajectory`. The summaries sample the sharpness
 * at the run's own cadence on its records.
 */
export function runSinglePoint(
  sweep: SweepSpec, point: SweepPoint, onTrajectory: (rows: Row[]) => void = () => {}, onFinalState?: (final: FinalState) => void,
): Row {
  const tEvery = sweep.trajectories?.every ?? 0;
  const reduced = point.spec.dynamics === "reduced";
  // Reduced GD: the engine watches every step's layer scalars for a sign flip, as the batched kernel does.
  const spec: SimulationSpec = {
    ...point.spec,
    ...(tEvery > 0 ? { record: { every: tEvery } } : {}),
    ...(reduced ? { stop: { ...point.spec.stop, signFlip: "note" as const } } : {}),
  };
  const samples: { step: number; value: number }[] = [];
  const trajectory: Row[] = [];
  let first: number[][] | null = null;
  let flip = false;
  let last: { step: number; s: number[][]; loss: number; sharpness: number | null } | null = null;
  const sim = new Simulation(spec, {
    keepRecords: false,
    onRecord: (r) => {
      first ??= r.s;
      if (r.s.some((row, k) => row.some((x, i) => x * first![k]![i]! < 0))) flip = true;
      if (r.sharpness && r.sharpness.length > 0) samples.push({ step: r.step, value: r.sharpness[0]! });
      if (tEvery > 0 && r.step % tEvery === 0) trajectory.push(trajectoryRow(point.index, r.step, r.loss, r.s));
      last = { step: r.step, s: r.s, loss: r.loss, sharpness: r.sharpness?.[0] ?? null };
    },
  });
  while (!sim.advance(65536));
  const fin = last as { step: number; s: number[][]; loss: number; sharpness: number | null } | null;
  if (!fin) throw new Error(`point ${point.index}: the run made no record`);
  // The final record's own sharpness is the row's `sharpness`, not a sample.
  if (samples.length > 0 && samples[samples.length - 1]!.step === sim.step) samples.pop();
  if (tEvery > 0) onTrajectory(withFinal(trajectory, trajectoryRow(point.index, fin.step, fin.loss, fin.s)));
  onFinalState?.({ system: sim.system, s: fin.s, loss: fin.loss });
  return makeRow(sweep, point, {
    status: sim.status!, finalStep: sim.step, stopStep: sim.stopInfo?.step ?? null, loss: fin.loss,
    s: fin.s, sharpness: fin.sharpness, samples, signFlip: reduced ? sim.signFlip !== null : flip,
  });
}

const runners = new Map<string, BatchRunner | null>();

/** One kernel instance per shape bound, reused by every call in this thread (a worker runs many tasks). */
function batchRunner(maxK: number, maxD: number): BatchRunner | null {
  // Round the bounds up so that tasks of slightly different shapes share an instance.
  const k = Math.max(8, 2 ** Math.ceil(Math.log2(maxK)));
  const d = Math.max(4, 2 ** Math.ceil(Math.log2(maxD)));
  const key = `${k}x${d}`;
  if (!runners.has(key)) runners.set(key, BatchRunner.create(k, d));
  return runners.get(key)!;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** What a caller of `runPoints` may watch besides the rows it returns. */
export interface RunHooks {
  /** Rows as blocks (or single points) finish. */
  rows?: (rows: Row[]) => void;
  /** With `trajectories` in the spec: each finished run's trajectory rows. */
  trajectories?: (rows: Row[]) => void;
  /** Each run's final state, as a system to measure (e.g. periodTwoCentre, layerNorms). */
  finalState?: (point: SweepPoint, final: FinalState) => void;
}

/** A run's final state as the `finalState` hook sees it. */
export interface FinalState {
  /** The run's system at its final state (for batched points the one buildSystem makes, set to the kernel's state; the run is over, so it may be stepped). */
  system: System;
  /** Mode coefficients s[k][i] and loss there, as the row has them. */
  s: number[][];
  loss: number;
}

/**
 * Rows of a list of points: batchable points of one `batchKey` go through the SIMD kernel in blocks
 * of BLOCK_RUNS, the rest through `Simulation` one by one.
 */
export function runPoints(sweep: SweepSpec, points: readonly SweepPoint[], hooks: RunHooks = {}): Row[] {
  const out: Row[] = [];
  const emit = (rows: Row[]) => {
    out.push(...rows);
    hooks.rows?.(rows);
  };
  const onTrajectories = hooks.trajectories ?? (() => {});
  const groups = new Map<string, SweepPoint[]>();
  const shape = sweepShape(points);
  const runner = batchRunner(shape.K, shape.d);
  for (const p of points) {
    if (runner && batchable(p.spec)) {
      const key = batchKey(p.spec);
      const g = groups.get(key) ?? [];
      g.push(p);
      groups.set(key, g);
    } else {
      emit([runSinglePoint(sweep, p, onTrajectories, hooks.finalState && ((final) => hooks.finalState!(p, final)))]);
    }
  }
  const tEvery = sweep.trajectories?.every ?? 0;
  for (const g of groups.values()) {
    for (let j = 0; j < g.length; j += BLOCK_RUNS) {
      const block = g.slice(j, j + BLOCK_RUNS);
      const first = block[0]!.spec;
      const every = sampleEvery(sweep, first.steps);
      const samples: RunEnd["samples"][] = block.map(() => []);
      const trajectories: Row[][] = block.map(() => []);
      // One system per run, built when first needed and reused by its trajectory samples and its end.
      const systems: (System | undefined)[] = [];
      const systemOf = (r: number): System => (systems[r] ??= buildSystem(block[r]!.spec).system);
      const ends = runner!.runBlock(block.map((p) => p.spec), tEvery > 0 ? gcd(every, tEvery) : every, (r, t, state, sigma) => {
        if (t % every === 0) samples[r]!.push({ step: t, value: balancedSharpness(first.depths, state, sigma) });
        if (tEvery > 0 && t % tEvery === 0) {
          // Simulation evaluates a record step once.
          const { loss, s } = observeBalanced(systemOf(r), state, 1);
          trajectories[r]!.push(trajectoryRow(block[r]!.index, t, loss, s));
        }
      });
      const runEnds = block.map((p, r) => batchEnd(p.spec, systemOf(r), ends[r]!, samples[r]!));
      if (tEvery > 0) onTrajectories(block.flatMap((p, r) => withFinal(trajectories[r]!, trajectoryRow(p.index, runEnds[r]!.finalStep, runEnds[r]!.loss, runEnds[r]!.s))));
      if (hooks.finalState) block.forEach((p, r) => hooks.finalState!(p, { system: runEnds[r]!.system!, s: runEnds[r]!.s, loss: runEnds[r]!.loss }));
      emit(block.map((p, r) => makeRow(sweep, p, runEnds[r]!)));
    }
  }
  return out;
}

/**
 * Every point of `sweep` in expansion order with its row and `measure` of its final state (e.g. the
 * period-2 centre, the layer norms): how the reproduction kinds run their sweeps in-process.
 */
export function runSweep<T>(sweep: SweepSpec, measure: (point: SweepPoint, final: FinalState) => T): { point: SweepPoint; row: Row; value: T }[] {
  const points = expandSweep(sweep);
  const values = new Map<number, T>();
  const rows = new Map(runPoints(sweep, points, { finalState: (p, f) => values.set(p.index, measure(p, f)) }).map((row) => [row.point as number, row]));
  return points.map((point) => ({ point, row: rows.get(point.index)!, value: values.get(point.index)! }));
}

/** Both tables' rows of a list of points (a worker's task). */
export function runTask(sweep: SweepSpec, points: readonly SweepPoint[]): TaskRows {
  const trajectories: Row[] = [];
  const runs = runPoints(sweep, points, { trajectories: (rows) => trajectories.push(...rows) });
  return { runs, trajectories };
}

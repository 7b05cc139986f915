/**
 * @file Plain-file forms of a trajectory: CSV columns with descriptions (so every file explains
 * itself), rows from records, and the inverse parse used when a run is resumed or re-plotted.
 * Portable: the browser lab exports the same CSV.
 */
import type { TrajectoryRecord } from "../engine/types.js";

/** A CSV column and what it holds. */
export interface Column {
  name: string;
  description: string;
}

/**
 * Column layout for K pathways, d modes and `top` sharpness eigenvalues (1-based indices in names);
 * with `layerDepths` (MLP runs), one Frobenius-norm column per weight matrix; with `central` (central-flow
 * runs: the number of x values, d for reduced dynamics, the tracked eigenvalues otherwise), the
 * central flow's columns edge, avg_loss, x_1 … at the very end.
 */
export function trajectoryColumns(K: number, d: number, top: number, layerDepths?: readonly number[], central?: number): Column[] {
  const cols: Column[] = [
    { name: "step", description: "GD step t (gradient flow: matched step time/lr)" },
    { name: "time", description: "elapsed time Σ_{τ<t} η_τ (gradient flow: integration time)" },
    { name: "lr", description: "step size η_t applied at this step (empty for gradient flow)" },
    { name: "loss", description: "loss ½‖F − Y‖²_F" },
    { name: "drift", description: "relative off-diagonal mass of Uᵀ f_k V (0 inside the SVS set)" },
  ];
  for (let j = 1; j <= top; j++) {
    cols.push({ name: j === 1 ? "sharpness" : `sharpness_${j}`, description: j === 1 ? "λ_max of the Hessian (empty when not measured)" : `${j}-th largest Hessian eigenvalue` });
  }
  for (let i = 1; i <= d; i++) cols.push({ name: `r_${i}`, description: `residual of mode ${i}, u_${i}ᵀ F v_${i} − σ_${i}` });
  for (let k = 1; k <= K; k++) {
    for (let i = 1; i <= d; i++) cols.push({ name: `s_${k}_${i}`, description: `mode coefficient of pathway ${k} in mode ${i}, u_${i}ᵀ f_${k} v_${i}` });
  }
  for (let i = 1; i <= d; i++) cols.push({ name: `balance_${i}`, description: `balance index of mode ${i}, (Σ_k s_k)²/(K Σ_k s_k²) (empty where every s_k = 0)` });
  for (let i = 1; i <= d; i++) cols.push({ name: `gap_${i}`, description: `balancing gap of mode ${i}, Var_k(s_k)` });
  for (let k = 1; k <= K; k++) {
    for (let i = 1; i <= d; i++) cols.push({ name: `leaf_${k}_${i}`, description: `GF leaf coordinate z of pathway ${k} in mode ${i} (empty where undefined: layer scalar a ≤ 0 for depth ≥ 2)` });
  }
  layerDepths?.forEach((L, k) => {
    for (let l = 1; l <= L; l++) cols.push({ name: `norm_${k + 1}_${l}`, description: `Frobenius norm ‖W_{${k + 1},${l}}‖_F of layer ${l} of pathway ${k + 1}` });
  });
  if (central !== undefined) {
    cols.push({ name: "edge", description: "central flow: number of Hessian eigen-directions at the edge 2/η (0: stable phase)" });
    cols.push({ name: "avg_loss", description: "central flow: predicted time-averaged GD loss ℒ + ½ Σ_a x_a λ_a" });
    for (let j = 1; j <= central; j++) {
      cols.push({ name: `x_${j}`, description: `central flow: predicted squared GD oscillation amplitude x_${j} (reduced: of mode ${j}; else along the ${j}-th top Hessian eigenvector)` });
    }
  }
  return cols;
}

/**
 * Shortest round-trip text of a number; empty for null/undefined and for NaN, a value that is not
 * defined at that row (balance when every s_k = 0, leaves of MLPs or of pathways with a ≤ 0) or was
 * not measured (sharpness between measurements). ±Infinity stays spelt out: a diverged loss.
 */
function num(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? "" : String(x);
}

/** The CSV header line (no newline). */
export function csvHeader(columns: readonly Column[]): string {
  return columns.map((c) => c.name).join(",");
}

/**
 * One CSV line (no newline) for a record, in the layout of `trajectoryColumns(K, d, top)`, plus the
 * layer-norm columns when `withNorms` (the layout with `layerDepths`).
 */
export function csvRow(r: TrajectoryRecord, top: number, withNorms = false, central?: number): string {
  const parts: string[] = [num(r.step), num(r.time), Number.isNaN(r.lr) ? "" : num(r.lr), num(r.loss), num(r.drift)];
  for (let j = 0; j < top; j++) parts.push(num(r.sharpness?.[j]));
  for (const x of r.residual) parts.push(num(x));
  for (const row of r.s) for (const x of row) parts.push(num(x));
  for (const x of r.balanceIndex) parts.push(num(x));
  for (const x of r.gap) parts.push(num(x));
  for (const row of r.leaf) for (const x of row) parts.push(num(x));
  if (withNorms) for (const row of r.layerNorms ?? []) for (const x of row) parts.push(num(x));
  if (central !== undefined) {
    parts.push(num(r.central?.edge), num(r.central?.averageLoss));
    for (let j = 0; j < central; j++) parts.push(num(r.central?.x[j]));
  }
  return parts.join(",");
}

/** Parse CSV lines written by `csvRow` back into records (for resuming and re-plotting). */
export function parseTrajectoryCsv(text: string, K: number, d: number, top: number, layerDepths?: readonly number[], central?: number): TrajectoryRecord[] {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const out: TrajectoryRecord[] = [];
  const val = (s: string) => (s === "" ? Number.NaN : Number(s));
  for (const line of lines.slice(1)) {
    const f = line.split(",");
    let p = 0;
    const next = () => val(f[p++] ?? "");
    const take = (n: number) => Array.from({ length: n }, next);
    const step = next();
    const time = next();
    const lr = next();
    const loss = next();
    const drift = next();
    const sharp = take(top);
    const residual = take(d);
    const s = Array.from({ length: K }, () => take(d));
    const balanceIndex = take(d);
    const gap = take(d);
    const leaf = Array.from({ length: K }, () => take(d));
    const layerNorms = layerDepths?.map((L) => take(L));
    const centralRecord = central === undefined ? undefined : { edge: next(), averageLoss: next(), x: take(central) };
    out.push({
      step, time, lr, loss, drift, residual, s, balanceIndex, gap, leaf,
      sharpness: sharp.every((x) => Number.isNaN(x)) ? null : sharp,
      ...(layerNorms ? { layerNorms } : {}),
      ...(centralRecord ? { central: centralRecord } : {}),
    });
  }
  return out;
}

/** The `final` block of a result file (the CLI's result.json, the lab's JSON export): the last record, summarised. */
export interface FinalState {
  step: number;
  time: number;
  loss: number;
  /** s[k][i]: mode coefficient of pathway k in mode i. */
  s: number[][];
  residual: number[];
  /** Top Hessian eigenvalue at the final point (null if it could not be measured). */
  sharpness: number | null;
  sharpnessTop: number[] | null;
  balanceIndex: number[];
  /** ‖W_{k,l}‖_F per pathway and layer (runs whose records carry them: MLP, classifier). */
  layerNorms?: number[][];
  lr: number | null;
  /** 2/η at the final step: the linear stability threshold of GD. */
  stabilityThreshold: number | null;
}

/** The `final` block from the last record of a run (`flow`: gradient flow, which has no step size). */
export function finalState(r: TrajectoryRecord, flow: boolean): FinalState {
  const lr = flow ? null : r.lr;
  return {
    step: r.step,
    time: r.time,
    loss: r.loss,
    s: r.s,
    residual: r.residual,
    sharpness: r.sharpness?.[0] ?? null,
    sharpnessTop: r.sharpness,
    balanceIndex: r.balanceIndex,
    ...(r.layerNorms ? { layerNorms: r.layerNorms } : {}),
    lr,
    stabilityThreshold: lr === null ? null : 2 / lr,
  };
}

/**
 * @file Pieces shared by the experiment kinds: the `meta` and `network` parts of a config, the
 * normalised step h = η·λ_single, and one simulation run turned into plain data (a thinned trajectory
 * that keeps period-2 oscillations visible, the final state, its period-2 centre, sign flips).
 */
import { z } from "zod";
import { RunConfigSchema, resolveRunConfig } from "../config/schema.js";
import { Simulation, type SimulationSpec } from "../engine/simulate.js";
import type { ScheduleSpec } from "../engine/schedule.js";
import type { RunStatus, TrajectoryRecord } from "../engine/types.js";
import { csvHeader, csvRow, trajectoryColumns } from "../data/trajectory.js";
import { singlePathSharpnesses } from "../theory/index.js";
import { EosTracker, type EosStats } from "./eos.js";
import type { DataFile, ProgressFn } from "./types.js";
import { nowMs } from "../engine/clock.js";
import { periodTwoCentre } from "../engine/measure/observables.js";

/** Fields of every experiment file besides its kind-specific settings. */
export const metaFields = {
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: "must be lower-case letters, digits and dashes" })
    .describe("Identifier: the file name without .yaml."),
  title: z.string().min(1).describe("One-line title shown in the report."),
  figure: z.string().min(1).describe("The paper figure(s) or claim reproduced, e.g. \"Fig. 1, Fig. 2\"."),
  claim: z.string().min(1).describe("Sections of docs/theory.md / the paper the checks refer to."),
  description: z.string().min(1).describe("What the experiment shows (a paragraph for the report)."),
};

const posInt = z.int().gte(1, { message: "must be an integer >= 1" });

/** Label of a run in an experiment file (shown in figures; its slug names the task and the data file). */
export const RunLabelSchema = z.string().regex(/^[a-z0-9][a-z0-9 .=-]*$/i, { message: "letters, digits, spaces, dots, = and dashes" });

/** Runs given by their normalised step h = η·λ_single (kinds pair and mlp), each with a label. */
export const StepRunsSchema = z
  .array(z.strictObject({
    label: RunLabelSchema,
    h: z.number().gt(0, { message: "must be > 0" }).describe("Normalised step h = η·λ_single(σ_1) (for an MLP: λ_single of the linear network of its depths)."),
  }))
  .min(1, { message: "needs at least one run" });

/** A run label as a file-name-safe slug: lower case, runs of other characters as one dash ("h = 2.5" → "h-2-5"). */
export const slug = (label: string): string => label.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

/** A multi-pathway network, its target and its depth-balanced SVS initialisation. */
export const NetworkSchema = z
  .strictObject({
    depths: z.array(posInt).min(1, { message: "needs at least one pathway" }).describe("Depth L_k of each pathway."),
    width: posInt.default(1).describe("Layer width d (a size may override it)."),
    target: z.strictObject({
      sigma: z.array(z.number().gte(0, { message: "must be >= 0" })).min(1).describe("Target singular values σ_1 ≥ σ_2 ≥ …"),
      basis: z.enum(["identity", "symmetric", "general"]).default("identity").describe("Singular vectors of the target."),
    }),
    init: z.union([
      z.strictObject({ scales: z.array(z.number().gt(0)).min(1).describe("End-to-end scales α_k (one, or one per pathway).") }),
      z.strictObject({ perLayer: z.array(z.number().gt(0)).min(1).describe("Per-layer scalars a_k (α_k = a_k^{L_k}).") }),
    ], { error: "expected {scales: [...]} (end-to-end) or {perLayer: [...]}" }),
    seed: z.int().default(0).describe("Seed of the random target basis (and Lanczos starts)."),
  })
  .superRefine((n, ctx) => {
    const K = n.depths.length;
    const list = "scales" in n.init ? n.init.scales : n.init.perLayer;
    const key = "scales" in n.init ? "scales" : "perLayer";
    if (list.length !== 1 && list.length !== K) {
      ctx.addIssue({ code: "custom", path: ["init", key], message: `has ${list.length} values; expected 1 or ${K} (one per pathway)` });
    }
    const s = n.target.sigma;
    if (!(s[0]! > 0)) ctx.addIssue({ code: "custom", path: ["target", "sigma", 0], message: "the top singular value must be > 0" });
    for (let i = 1; i < s.length; i++) {
      if (s[i]! > s[i - 1]!) ctx.addIssue({ code: "custom", path: ["target", "sigma", i], message: "singular values must not increase" });
    }
    if (s.length > n.width) ctx.addIssue({ code: "custom", path: ["target", "sigma"], message: `has ${s.length} values but the width is ${n.width}` });
  });

/** A validated network. */
export type Network = z.output<typeof NetworkSchema>;

/** End-to-end init scales α_k (broadcast to every pathway). */
export function endToEndScales(net: Network): number[] {
  const K = net.depths.length;
  if ("scales" in net.init) {
    const a = net.init.scales;
    return net.depths.map((_, k) => a[a.length === 1 ? 0 : k]!);
  }
  const a = net.init.perLayer;
  return net.depths.map((L, k) => Math.pow(a[a.length === 1 ? 0 : k]!, L)).slice(0, K);
}

/**
 * Curvature unit of the normalised step h = η·λ_single: the sharpest single-path minimum of the
 * top mode, `max_k L_k σ_1^{2−2/L_k}` (= L σ_1^{2−2/L} for homogeneous depth; docs/theory.md §4–§5).
 */
export function lambdaSingle(net: Network): number {
  return Math.max(...singlePathSharpnesses(net.depths, net.target.sigma[0]!));
}

/** Settings of one simulation run of a network. */
export interface RunSettings {
  /** Shown in figures and file names. */
  label: string;
  /** Base (peak) step size η. */
  lr: number;
  /** Most GD steps. */
  steps: number;
  dynamics: "full" | "reduced";
  /** Width override (else the network's). */
  width?: number;
  schedule?: ScheduleSpec;
  /** Measure λ_max every this many steps (odd is best); default ≈ steps/400. */
  sharpnessEvery?: number;
  /** Convergence tolerance of the loss relative to ½‖Y‖²; default the engine's 1e-20. */
  lossTol?: number;
  /** Records kept (the trajectory is thinned by odd factors beyond this); default 3000. */
  maxRecords?: number;
  /** Watch every step for a per-layer scalar crossing 0 (reduced dynamics only); default false. */
  trackSign?: boolean;
}

/** One finished run as plain data. */
export interface RunData {
  label: string;
  lr: number;
  dynamics: "full" | "reduced";
  status: RunStatus;
  /** Why the run stopped early (engine's reason), if it did. */
  stopReason: string | null;
  /** GD steps taken. */
  steps: number;
  /** Trajectory on a geometric schedule of odd strides (then thinned by 3s), with the first and last record. */
  records: TrajectoryRecord[];
  /** Every sharpness measurement [step, λ_max] (thinned the same way when there are many). */
  sharpness: [number, number][];
  /** Final record. */
  final: TrajectoryRecord;
  /** Mean of s over the final state and one more GD step: the centre of a period-2 oscillation. */
  centre: number[][];
  /** First step at which a per-layer scalar was negative (tracked runs), else null. */
  signFlip: number | null;
  /** Edge-of-Stability statistics of the top mode, from every record (before thinning). */
  eos: EosStats;
  /** First recorded step (before thinning) with r_1 > 0: the first overshoot past the target; null if none. */
  firstOvershoot: number | null;
  /** The recorded step just before it (the overshoot happened in between); null if none. */
  beforeOvershoot: number | null;
  /** Wall time of the simulation, s. */
  seconds: number;
}

/** Keeps at most ~2·cap records by thinning with factor 3 (odd, so parity alternation survives). */
class Thinner<T> {
  private stride = 1;
  private seq = 0;
  readonly kept: T[] = [];
  private last: T | null = null;
  constructor(private readonly cap: number) {}

  push(x: T): void {
    if (this.seq % this.stride === 0) this.kept.push(x);
    this.last = x;
    this.seq++;
    if (this.kept.length > 2 * this.cap) {
      // Every kept item sits at a multiple of the old stride; keep those at multiples of 3× it.
      const old = this.kept.splice(0);
      for (let j = 0; j < old.length; j += 3) this.kept.push(old[j]!);
      this.stride *= 3;
    }
  }

  /** The kept items plus the very last one pushed. */
  finish(): T[] {
    if (this.last !== null && this.kept[this.kept.length - 1] !== this.last) this.kept.push(this.last);
    return this.kept;
  }
}

/** Steps recorded one by one before the record stride first grows (then ×3 at every ×3 in steps). */
export const DENSE_STEPS = 2000;

/** Run one simulation of `net` to its end (see runSimulation), reporting progress; returns plain data. */
export function runNetwork(net: Network, o: RunSettings, progress: ProgressFn = () => {}): RunData {
  const layers = net.depths.reduce((a, b) => a + b, 0);
  return runSimulation(
    resolveRunConfig(RunConfigSchema.parse({
      ...networkConfig(net, { width: o.width, steps: o.steps, dynamics: o.dynamics }),
      lr: o.lr,
      schedule: o.schedule ?? { type: "constant" },
      // Exact SVS blocks cost O((Σ_k L_k)³) per mode; past ~24 layers Lanczos on the HVP is cheaper.
      sharpness: { method: o.dynamics === "reduced" && layers <= 24 ? "blocks" : "lanczos" },
      ...(o.lossTol !== undefined ? { stop: { lossTol: o.lossTol } } : {}),
    })), o, progress);
}

/**
 * The run config (docs/config.md fields, before validation) of an experiment's network: width, depths,
 * target, its SVS init and seed, with the budget and dynamics given; runNetwork's runs and the base of
 * the kinds' sweeps (src/sweep) both start from it.
 */
export function networkConfig(net: Network, o: { width?: number; steps: number; dynamics: RunSettings["dynamics"] }): Record<string, unknown> {
  return {
    width: o.width ?? net.width,
    depths: net.depths,
    target: { sigma: net.target.sigma, basis: net.target.basis },
    init: { type: "svs", scales: endToEndScales(net) },
    steps: o.steps,
    dynamics: o.dynamics,
    seed: net.seed,
  };
}

/**
 * The reproduction suite's record plan (the engine's logarithmic plan): every step up to
 * DENSE_STEPS, then a stride of 3 up to 3·DENSE_STEPS, 9 up to 9·DENSE_STEPS, …. Early dynamics stay
 * resolved step by step, a run of 10⁶ steps keeps ~10⁴ records, and every stride is odd, so a period-2
 * oscillation still alternates between consecutive records. The sharpness is measured on recorded
 * steps, `sharpnessEvery` steps apart while the stride is 1 and every 9th record once it grows (an odd
 * multiple of the stride: sharpnessStride).
 */
export function suiteRecordPlan(spec: SimulationSpec, sharpnessEvery: number): SimulationSpec {
  return {
    ...spec,
    record: { every: 1, until: DENSE_STEPS },
    sharpness: { ...spec.sharpness, every: 0, everyRecord: undefined, perStride: { min: sharpnessEvery, records: 9 } },
  };
}

/**
 * Run the simulation of `spec` (any model: linear network or MLP) to its end on the suite's record
 * plan (suiteRecordPlan: the spec's own record and sharpness cadence are replaced); only `label`,
 * `lr`, `steps`, `dynamics`, `sharpnessEvery`, `maxRecords` and `trackSign` of `o` are read.
 */
export function runSimulation(spec: SimulationSpec, o: RunSettings, progress: ProgressFn = () => {}): RunData {
  const planned = suiteRecordPlan(spec, o.sharpnessEvery ?? 25);
  const records = new Thinner<TrajectoryRecord>(o.maxRecords ?? 4000);
  const sharp = new Thinner<[number, number]>(3000);
  let last: TrajectoryRecord | null = null;
  const eos = new EosTracker();
  let firstOvershoot: number | null = null;
  let beforeOvershoot = 0;
  const onRecord = (r: TrajectoryRecord) => {
    if (firstOvershoot === null) {
      if (r.residual[0]! > 0) firstOvershoot = r.step;
      else beforeOvershoot = r.step;
    }
    last = r;
    eos.push(r);
    records.push(r);
    if (r.sharpness && r.sharpness.length > 0) sharp.push([r.step, r.sharpness[0]!]);
  };
  const t0 = nowMs();
  // The engine watches every step for a sign flip (a crossing of an odd-depth pathway may be undone later).
  const watched = o.trackSign === true ? { ...planned, stop: { ...planned.stop, signFlip: "note" as const } } : planned;
  const sim = new Simulation(watched, { keepRecords: false, onRecord });
  while (!sim.advance(20_000)) progress(sim.step / o.steps);
  const signFlip = sim.signFlip;
  const final = last!;
  // The run is over, so the extra step is harmless.
  const centre = periodTwoCentre(sim.system, sim.lr(sim.step), final.s, final.loss);
  progress(1);
  return {
    label: o.label,
    lr: o.lr,
    dynamics: o.dynamics,
    status: sim.status!,
    stopReason: sim.stopInfo?.reason ?? null,
    steps: sim.step,
    records: records.finish(),
    sharpness: sharp.finish(),
    final,
    centre,
    signFlip,
    eos: eos.result(),
    firstOvershoot,
    beforeOvershoot: firstOvershoot === null ? null : beforeOvershoot,
    seconds: (nowMs() - t0) / 1000,
  };
}

/** A run's trajectory as a self-describing CSV file (columns as `dlnlab run` writes them). */
export function runCsv(run: RunData, name: string, what: string): DataFile {
  const K = run.final.s.length;
  const d = run.final.s[0]!.length;
  const top = 1;
  // MLP records carry every layer's Frobenius norm: one more column per weight matrix, as `dlnlab run` writes them.
  const layerDepths = run.final.layerNorms?.map((row) => row.length);
  const cols = trajectoryColumns(K, d, top, layerDepths);
  const lines = [csvHeader(cols), ...run.records.map((r) => csvRow(r, top, layerDepths !== undefined))];
  return {
    name,
    description: `${what}: trajectory of run "${run.label}" (η = ${run.lr}, ${run.dynamics} dynamics, status ${run.status}), ` +
      `${run.records.length} records (odd step strides); columns: ${cols.map((c) => `${c.name} = ${c.description}`).join("; ")}`,
    content: lines.join("\n") + "\n",
  };
}

/** Short number for labels: 4 significant digits, no trailing zeros. */
export function short(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(digits)));
}

/** Dominant share: index and value of the largest entry. */
export function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < xs.length; k++) if (xs[k]! > xs[best]!) best = k;
  return best;
}

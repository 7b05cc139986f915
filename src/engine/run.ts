/**
 * @file The portable core of one run, shared by the library's `run(config)` and the CLI's `dlnlab run`
 * so the two cannot drift: the time-sliced loop over `Simulation.advance` (slices sized from wall time,
 * which never changes the numbers of GD, see test/engine/record-plan.test.ts) and the self-describing
 * result that `dlnlab run --json` prints and result.json holds. No Node APIs: files are the CLI's business.
 */
import { Simulation, type SimulationOptions, type SimulationSpec } from "./simulate.js";
import type { TrajectoryRecord } from "./types.js";
import { finalState, trajectoryColumns, type Column, type FinalState } from "../data/trajectory.js";
import { VERSION } from "../version.js";
import { nowMs } from "./clock.js";

/** The self-describing result of one run: what `dlnlab run --json` prints and result.json holds. */
export interface RunResult {
  dlnlab: { version: string; kind: "run" };
  /** The config's `name`, or null. */
  name: string | null;
  /** How the run ended: converged, diverged, oscillating, max-steps or interrupted. */
  status: string;
  /** Where and why a run stopped early (null: it used its steps, or was interrupted). */
  stop: { step: number; reason: string } | null;
  /** Base step size η (= config.lr). */
  lr: number;
  /** Normalised step h = η·λ_single (null for the classifier, which has no target). */
  h: number | null;
  /** λ_single = max_k L_k σ_1^(2−2/L_k), the scale of h (null for the classifier). */
  lambdaSingle: number | null;
  final: FinalState;
  /** Wall time of the stepping (s), steps taken in this process, and the kernel backend. */
  timing: { seconds: number; steps: number; stepsPerSecond: number; backend: string };
  /** The fully resolved engine spec of the run. */
  config: SimulationSpec;
  /** Files written, relative to the output directory (null: nothing written). */
  files: { config: string; trajectory: string; result: string; states: { initial: string; final: string | null } | null; figures: string[] } | null;
  /** The trajectory's columns (as in trajectory.csv), with their meaning. */
  columns: Column[];
}

/** Central-flow runs record x per mode (reduced) or per tracked eigenvalue (full matrices, MLPs); other runs: undefined. */
export function centralDirections(spec: SimulationSpec): number | undefined {
  if (spec.dynamics !== "central") return undefined;
  return spec.flow.system === "reduced" ? spec.width : spec.central?.top ?? 3;
}

/**
 * The trajectory.csv columns of a run, described for its model: MLP runs add every layer's Frobenius
 * norm and have output mode coefficients and no gradient-flow leaves; the deep linear classifier's
 * coefficients are the predictor's alignment (s_1_1 = cos∠(w, ŵ)) and its loss is the risk.
 */
export function runColumns(spec: SimulationSpec): Column[] {
  const cols = trajectoryColumns(spec.depths.length, spec.width, spec.sharpness.top, spec.model === "mlp" ? spec.depths : undefined, centralDirections(spec));
  const model = spec.model ?? "dln";
  if (model === "dln") return cols;
  const say = (test: (name: string) => RegExpMatchArray | null, describe: (m: RegExpMatchArray) => string) => {
    for (const c of cols) {
      const m = test(c.name);
      if (m) c.description = describe(m);
    }
  };
  const what = model === "mlp" ? "an MLP" : "the classifier";
  // Leaves are a property of linear pathways fitting a target (docs/theory.md §6).
  say((n) => n.match(/^leaf_/), () => `GF leaf coordinate: not defined for ${what} (empty)`);
  if (model === "mlp") {
    say((n) => n.match(/^s_(\d+)_(\d+)$/), (m) => `output mode coefficient of pathway ${m[1]} in mode ${m[2]}, u_${m[2]}ᵀ f_${m[1]}(X) v_${m[2]} (f_k the pathway's MLP output)`);
    say((n) => n.match(/^drift$/), () => "relative off-diagonal mass of Uᵀ f_k(X) V");
    return cols;
  }
  const loss = spec.classifier?.loss ?? "logistic";
  say((n) => n.match(/^loss$/), () => `risk (1/n) Σ_j ℓ(y_j f(x_j)), ℓ the ${loss} loss`);
  say((n) => n.match(/^drift$/), () => "sin∠(w, ŵ): the predictor's relative mass off the max-margin direction ŵ");
  say((n) => n.match(/^s_1_(\d+)$/), (m) => m[1] === "1"
    ? "cos∠(w, ŵ): alignment of the end-to-end predictor w = (W_L⋯W_1)ᵀ with the max-margin direction ŵ"
    : `coordinate ${m[1]} of w/‖w‖ in an orthonormal basis (ŵ, …) (→ 0 as w aligns)`);
  say((n) => n.match(/^r_(\d+)$/), (m) => (m[1] === "1" ? "cos∠(w, ŵ) − 1" : `coordinate ${m[1]} of w/‖w‖ (its target is 0)`));
  say((n) => n.match(/^balance_/), () => "balance index of a single pathway: always 1");
  say((n) => n.match(/^gap_/), () => "balancing gap of a single pathway: always 0");
  return cols;
}

/** What `runResult` needs besides the finished simulation. */
export interface RunResultParts {
  name: string | null;
  /** The final record (the run's last). */
  final: TrajectoryRecord;
  /** Wall time of the stepping, s. */
  seconds: number;
  /** Steps taken in this process (a resumed run counts only its own). */
  steps: number;
  /** λ_single of the run's target (src/config's `lambdaSingleOf`; null for the classifier or a zero target). */
  lambdaSingle: number | null;
  files?: RunResult["files"];
}

/** What `runResult` reads of a finished simulation: a `Simulation`, or the same facts reported by one running elsewhere (the CLI's worker thread). */
export interface FinishedRun {
  spec: SimulationSpec;
  status: Simulation["status"];
  stopInfo: Simulation["stopInfo"];
  system: { backend: string };
}

/** The result of a finished (or interrupted) simulation, in the layout of `dlnlab run --json`. */
export function runResult(sim: FinishedRun, p: RunResultParts): RunResult {
  const spec = sim.spec;
  return {
    dlnlab: { version: VERSION, kind: "run" },
    name: p.name,
    status: sim.status!,
    stop: sim.stopInfo,
    lr: spec.lr,
    h: p.lambdaSingle === null ? null : spec.lr * p.lambdaSingle,
    lambdaSingle: p.lambdaSingle,
    final: finalState(p.final, spec.dynamics === "flow"),
    timing: {
      seconds: p.seconds,
      steps: p.steps,
      stepsPerSecond: p.seconds > 0 ? p.steps / p.seconds : Number.NaN,
      backend: sim.system.backend,
    },
    config: spec,
    files: p.files ?? null,
    columns: runColumns(spec),
  };
}

/** The host's timers, typed here: the portable core compiles without DOM or Node typings, and every host has them. */
const host = globalThis as unknown as { setTimeout(f: () => void, ms: number): unknown };

/** Target wall time of one `advance` slice, ms: keeps interrupts, progress and the page responsive. */
export const SLICE_MS = 40;

/**
 * The next slice length (steps) after a slice of `chunk` steps took `ms` milliseconds: aims at `targetMs`
 * (default SLICE_MS), changing by at most ×4 per slice, within [1, 2²²]. The CLI, the library and the lab's worker share it.
 */
export function nextChunk(chunk: number, ms: number, targetMs: number = SLICE_MS): number {
  return Math.max(1, Math.min(1 << 22, Math.round(chunk * Math.min(4, Math.max(0.25, targetMs / Math.max(ms, 0.01))))));
}

/** Options of `drive`. */
export interface DriveOptions {
  /** Called after every slice (records made so far are out); return true to interrupt the run. Awaited. */
  afterSlice?: (sim: Simulation) => boolean | void | Promise<boolean | void>;
}

/** Advance `sim` to its end in time-sliced chunks; returns the wall time spent stepping, s. */
export async function drive(sim: Simulation, o: DriveOptions = {}): Promise<number> {
  let seconds = 0;
  // From one step: a first slice of 64 slow steps (d = 3000, or 10⁶ layers) would hold off Ctrl-C for minutes.
  let chunk = 1;
  while (!sim.done) {
    const t0 = nowMs();
    sim.advance(chunk);
    const dt = nowMs() - t0;
    seconds += dt / 1000;
    chunk = nextChunk(chunk, dt);
    if ((await o.afterSlice?.(sim)) === true && !sim.done) sim.interrupt();
  }
  return seconds;
}

/** Options of `runSpec`. */
export interface RunSpecOptions {
  /** Label of the run in its result (the config's `name`). */
  name?: string | null;
  backend?: SimulationOptions["backend"];
  /** Called with every record as it is made. */
  onRecord?: (record: TrajectoryRecord) => void;
  /** An AbortSignal (or anything with `aborted`): once aborted, the run stops at the next slice with status "interrupted" (the result is still returned). */
  signal?: { readonly aborted: boolean };
  /** λ_single of the run's target, reported with h (src/config's `lambdaSingleOf`; default null). */
  lambdaSingle?: number | null;
}

/** A finished run: its result (as `dlnlab run --json` prints it) and every record. */
export interface RunOutput extends RunResult {
  records: TrajectoryRecord[];
}

/** Yield to the event loop between slices (portable: timers exist in Node, workers and browsers). */
const yieldToLoop = () => new Promise<void>((resolve) => host.setTimeout(resolve, 0));

/** Run an engine spec to its end without writing anything: the core of `run(config)` and of `dlnlab run`. */
export async function runSpec(spec: SimulationSpec, o: RunSpecOptions = {}): Promise<RunOutput> {
  const records: TrajectoryRecord[] = [];
  const sim = new Simulation(spec, {
    ...(o.backend ? { backend: o.backend } : {}),
    keepRecords: false,
    onRecord: (r) => {
      records.push(r);
      o.onRecord?.(r);
    },
  });
  const seconds = await drive(sim, {
    afterSlice: async () => {
      await yieldToLoop();
      return o.signal?.aborted === true;
    },
  });
  const result = runResult(sim, { name: o.name ?? null, final: records[records.length - 1]!, seconds, steps: sim.step, lambdaSingle: o.lambdaSingle ?? null });
  return { ...result, records };
}

/**
 * @file Runs one simulation for the CLI: time-sliced `advance` calls that keep Ctrl-C and the progress
 * bar responsive, the trajectory appended to CSV as it is recorded, a checkpoint every few seconds,
 * and at the end (or on interrupt/divergence) result.json and the figures. `--resume` continues an
 * interrupted run from its checkpoint without recomputing what was done.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Simulation, type SimulationSnapshot, type SimulationSpec } from "../engine/simulate.js";
import type { Backend } from "../engine/linalg/kernels.js";
import type { TrajectoryRecord } from "../engine/types.js";
import { csvHeader, csvRow, finalState, parseTrajectoryCsv, trajectoryColumns, type Column, type FinalState } from "../data/trajectory.js";
import { VERSION } from "../version.js";
import { UsageError } from "./errors.js";
import { LineAppender, readJson, writeJsonAtomic } from "./io.js";
import { Progress } from "./progress.js";

/** Seconds between checkpoints of a long run. */
const CHECKPOINT_SECONDS = 5;
/** Target wall time of one `advance` slice (keeps Ctrl-C and the progress bar responsive). */
const SLICE_MS = 40;

/** The self-describing result written to result.json and printed by --json. */
export interface RunResult {
  dlnlab: { version: string; kind: "run" };
  name: string | null;
  status: string;
  stop: { step: number; reason: string } | null;
  final: FinalState;
  timing: { seconds: number; steps: number; stepsPerSecond: number; backend: string };
  config: SimulationSpec;
  files: { config: string; trajectory: string; result: string; figures: string[] } | null;
  columns: Column[];
}

/** Options of one CLI run. */
export interface SessionOptions {
  name?: string;
  /** Write files here (config.json, trajectory.csv, result.json, checkpoint.json, figures). */
  outDir?: string;
  /** Continue the interrupted run in `outDir`. */
  resume?: boolean;
  /** Label of the progress bar. */
  label?: string;
  backend?: Backend;
  /** Polled between slices; true stops the run with status "interrupted". */
  interrupted?: () => boolean;
  /** Skip figures (tests, speed). */
  figures?: boolean;
  /** Overlay a prediction on the figures: "central" integrates the central flow of the same config (docs/theory.md §11). */
  predict?: "central";
}

/** The central flow of a GD run's config (same system: reduced for reduced GD, else full matrices or the MLP). */
export function centralPrediction(spec: SimulationSpec): TrajectoryRecord[] {
  if (spec.dynamics === "flow" || spec.dynamics === "central") {
    throw new UsageError(`--predict central: compares with a GD run; this run's dynamics is ${spec.dynamics}`);
  }
  const sim = new Simulation({ ...spec, dynamics: "central", flow: { ...spec.flow, system: spec.dynamics === "reduced" ? "reduced" : "full" } });
  sim.advance(Number.MAX_SAFE_INTEGER);
  return sim.records;
}

/** What a session produced. */
export interface SessionOutcome {
  result: RunResult;
  records: TrajectoryRecord[];
}

interface CheckpointFile {
  dlnlab: { version: string; kind: "checkpoint" };
  complete: boolean;
  snapshot: SimulationSnapshot;
}

/** Run `spec` to the end (or until interrupted) and write everything. */
export async function runSession(spec: SimulationSpec, options: SessionOptions = {}): Promise<SessionOutcome> {
  const out = options.outDir;
  const top = spec.sharpness.top;
  const K = spec.depths.length;
  const d = spec.width;
  // MLP runs also record every layer's Frobenius norm (docs/theory.md §7 observables).
  const layerDepths = spec.model === "mlp" ? spec.depths : undefined;
  // Central-flow runs add x per mode (reduced) or per tracked eigenvalue (full matrices, MLPs).
  const central = spec.dynamics === "central" ? (spec.flow.system === "reduced" ? d : spec.central?.top ?? 3) : undefined;
  const columns = trajectoryColumns(K, d, top, layerDepths, central);
  const paths = out
    ? {
        config: join(out, "config.json"),
        trajectory: join(out, "trajectory.csv"),
        result: join(out, "result.json"),
        checkpoint: join(out, "checkpoint.json"),
      }
    : null;
  const csv = paths ? new LineAppender(paths.trajectory) : null;
  const records: TrajectoryRecord[] = [];
  let resume: SimulationSnapshot | undefined;

  if (paths && options.resume) {
    const saved = readJson(paths.config, "--resume") as { simulation?: unknown };
    if (JSON.stringify(saved.simulation) !== JSON.stringify(spec)) {
      throw new UsageError(`--resume: the settings differ from those of the run in ${out}; give the same config and flags, or a new --out`);
    }
    if (!existsSync(paths.checkpoint)) throw new UsageError(`--resume: ${out} has no checkpoint.json to resume from`);
    const cp = readJson(paths.checkpoint, "--resume") as CheckpointFile;
    if (cp.complete) throw new UsageError(`--resume: the run in ${out} is already complete`);
    resume = cp.snapshot;
    csv!.truncateBeforeStep(resume.step);
    records.push(...parseTrajectoryCsv(readFileSync(paths.trajectory, "utf8"), K, d, top, layerDepths, central));
  } else if (paths) {
    writeJsonAtomic(paths.config, {
      dlnlab: { version: VERSION, kind: "config" },
      name: options.name ?? null,
      created: new Date().toISOString(),
      simulation: spec,
    });
    csv!.reset([csvHeader(columns)]);
  }

  const pending: string[] = [];
  const sim = new Simulation(spec, {
    ...(options.backend ? { backend: options.backend } : {}),
    ...(resume ? { resume } : {}),
    keepRecords: false,
    onRecord: (r) => {
      records.push(r);
      if (csv) pending.push(csvRow(r, top, layerDepths !== undefined, central));
    },
  });
  const progress = new Progress(options.label ?? "run", spec.steps);
  let simSeconds = 0;
  let chunk = 64;
  let lastCheckpoint = performance.now();
  const stepsAtStart = sim.step;
  const checkpoint = (complete: boolean) => {
    if (!paths) return;
    const file: CheckpointFile = { dlnlab: { version: VERSION, kind: "checkpoint" }, complete, snapshot: sim.snapshot() };
    writeJsonAtomic(paths.checkpoint, file);
    lastCheckpoint = performance.now();
  };

  while (!sim.done) {
    const t0 = performance.now();
    sim.advance(chunk);
    const dt = performance.now() - t0;
    simSeconds += dt / 1000;
    // Aim each slice at SLICE_MS of work.
    chunk = Math.max(1, Math.min(1 << 22, Math.round(chunk * Math.min(4, Math.max(0.25, SLICE_MS / Math.max(dt, 0.01))))));
    csv?.append(pending.splice(0));
    const last = records[records.length - 1];
    progress.update(sim.step, last ? `loss ${last.loss.toExponential(2)}` : "");
    if (!sim.done && options.interrupted?.()) {
      sim.interrupt();
      csv?.append(pending.splice(0));
      break;
    }
    if (!sim.done && performance.now() - lastCheckpoint > CHECKPOINT_SECONDS * 1000) checkpoint(false);
    // Let signals, progress output and other callbacks run.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  progress.stop();
  csv?.append(pending.splice(0));
  checkpoint(sim.status !== "interrupted");

  const final = records[records.length - 1]!;
  const figureFiles: string[] = [];
  if (out && options.figures !== false) {
    // Loaded on demand: the plotting stack (Observable Plot, linkedom, resvg) costs ~0.3 s of start-up.
    const { runFigures, writeFigure } = await import("../plot/index.js");
    const prediction = options.predict === "central" ? { prediction: centralPrediction(spec) } : {};
    for (const fig of runFigures(records, { title: options.name ?? "dlnlab run", depths: spec.depths, sigma: Array.from(sim.target.sigma), dynamics: spec.dynamics === "central" ? spec.flow.system : spec.dynamics, ...prediction })) {
      const written = await writeFigure(out, fig.name, fig.svg);
      figureFiles.push(written.svg, written.png);
    }
  }
  const stepsDone = sim.step - stepsAtStart;
  const result: RunResult = {
    dlnlab: { version: VERSION, kind: "run" },
    name: options.name ?? null,
    status: sim.status!,
    stop: sim.stopInfo,
    final: finalState(final, spec.dynamics === "flow"),
    timing: {
      seconds: simSeconds,
      steps: stepsDone,
      stepsPerSecond: simSeconds > 0 ? stepsDone / simSeconds : Number.NaN,
      backend: sim.system.backend,
    },
    config: spec,
    files: paths
      ? { config: "config.json", trajectory: "trajectory.csv", result: "result.json", figures: figureFiles.map((f) => f.slice(out!.length + 1)) }
      : null,
    columns,
  };
  if (paths) writeJsonAtomic(paths.result, result);
  return { result, records };
}

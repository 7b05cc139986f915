/**
 * @file Runs one simulation for the CLI: time-sliced `advance` calls that keep Ctrl-C and the progress
 * bar responsive, the trajectory appended to CSV as it is recorded, a checkpoint every few seconds,
 * the exact states initial.npz and final.npz, and at the end (or on interrupt/divergence) result.json
 * and the figures. `--resume` continues an interrupted run from its checkpoint without recomputing
 * what was done.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { centralFlowSpec, nextRecordStep, Simulation, type SimulationSnapshot, type SimulationSpec } from "../engine/simulate.js";
import type { TrajectoryRecord } from "../engine/types.js";
import { csvHeader, csvRow, parseTrajectoryCsv } from "../data/trajectory.js";
import { centralDirections, runColumns, runResult, type RunResult } from "../engine/run.js";
import { encodeNpz } from "../data/npz.js";
import { hasStateFiles } from "../data/states.js";
import type { NpyArray } from "../data/npz.js";
import { LocalHost, wantsWorker, WorkerHost, type BackendName, type HostRequest, type RunHost } from "./run-host.js";
import { lambdaSingleOf, type RunConfig } from "../config/schema.js";
import { VERSION } from "../version.js";
import { InterruptedError, UsageError } from "./errors.js";
import { describeFsError, isWriteFault, LineAppender, readJson, writeFileAtomic, writeJsonAtomic } from "./io.js";
import { Progress } from "./progress.js";

/** Seconds between checkpoints of a long run. */
const CHECKPOINT_SECONDS = 5;
/** The self-describing result written to result.json and printed by --json (built by the core shared with the library's `run`). */
export type { RunResult } from "../engine/run.js";

/** Options of one CLI run. */
export interface SessionOptions {
  name?: string;
  /** Write files here (config.json, trajectory.csv, result.json, checkpoint.json, figures). */
  outDir?: string;
  /** Continue the interrupted run in `outDir`. */
  resume?: boolean;
  /** Label of the progress bar. */
  label?: string;
  backend?: BackendName;
  /**
   * Run the simulation in a worker thread ("on"), in this thread ("off"), or by cost ("auto", the
   * default: when one step or sharpness measurement is estimated to take over a quarter second, so
   * that Ctrl-C still stops it within a second).
   */
  worker?: "auto" | "on" | "off";
  /** Polled between slices; true stops the run with status "interrupted". */
  interrupted?: () => boolean;
  /** Skip figures (tests, speed). */
  figures?: boolean;
  /** The validated config the spec came from, saved in config.json so `--resume` alone can rebuild it. */
  config?: RunConfig;
  /** The parameters θ of an `init: { type: file }` run (read by the caller). */
  initialState?: Float64Array;
  /** Overlay a prediction on the figures: "central" integrates the central flow of the same config (docs/theory.md §11). */
  predict?: "central";
}

/** The central flow of a GD run's config (same system: reduced for reduced GD, else full matrices or the MLP). */
export function centralPrediction(spec: SimulationSpec): TrajectoryRecord[] {
  if (spec.dynamics === "flow" || spec.dynamics === "central") {
    throw new UsageError(`--predict central: compares with a GD run; this run's dynamics is ${spec.dynamics}`);
  }
  const sim = new Simulation(centralFlowSpec(spec));
  sim.advance(Number.MAX_SAFE_INTEGER);
  return sim.records;
}

/** The fields (dotted paths) where two resolved settings differ, with both values, e.g. "lr: 0.625 (saved) vs 0.7 (given)". */
export function settingsDifferences(saved: unknown, given: unknown, path = ""): string[] {
  const same = JSON.stringify(saved) === JSON.stringify(given);
  if (same) return [];
  const isObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObject(saved) && isObject(given)) {
    const a = saved as Record<string, unknown>;
    const b = given as Record<string, unknown>;
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => settingsDifferences(a[k], b[k], path ? `${path}.${k}` : k));
  }
  const show = (v: unknown) => {
    const text = v === undefined ? "unset" : JSON.stringify(v);
    return text.length > 60 ? text.slice(0, 57) + "…" : text;
  };
  return [`${path || "settings"}: ${show(saved)} (saved) vs ${show(given)} (given)`];
}

/** What a session produced. */
export interface SessionOutcome {
  result: RunResult;
  records: TrajectoryRecord[];
  /** Step of the checkpoint a `--resume` starts from (null: nothing saved); behind the last record when a worker was stopped mid-step. */
  resumeFrom: number | null;
}

interface CheckpointFile {
  dlnlab: { version: string; kind: "checkpoint" };
  complete: boolean;
  snapshot: SimulationSnapshot;
  /** SHA-256 of the run's resolved settings: a checkpoint copied from another run is refused. */
  settings: string;
  /** SHA-256 of the snapshot as written: a changed digit is refused. */
  checksum: string;
}

/** Hex SHA-256 of a value's JSON text. */
function sha256(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/** The snapshot of a checkpoint file after checking its form (a damaged or foreign checkpoint is a UsageError). */
function checkedSnapshot(cp: CheckpointFile | null, spec: SimulationSpec, path: string): SimulationSnapshot {
  const bad = (why: string): never => {
    throw new UsageError(`--resume: ${path} is damaged (${why}); start afresh with --force`);
  };
  const s = cp?.snapshot as Partial<SimulationSnapshot> | undefined;
  if (cp?.dlnlab?.kind !== "checkpoint" || !s || typeof s !== "object") return bad("not a dlnlab checkpoint");
  if (!Number.isSafeInteger(s.step) || s.step! < 0 || s.step! > spec.steps) bad(`step ${JSON.stringify(s.step)} is not an integer in [0, ${spec.steps}]`);
  if (typeof s.time !== "number" || !Number.isFinite(s.time)) bad("time is not a finite number");
  // Before the first step the initial loss is not known yet (NaN, written as null).
  const unknownLoss = s.step === 0 && s.initialLoss === null;
  if (!unknownLoss && (typeof s.initialLoss !== "number" || !Number.isFinite(s.initialLoss))) bad("initialLoss is not a finite number");
  for (const key of ["state", "topResidualHistory"] as const) {
    const v = s[key];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "number" || !Number.isFinite(x))) bad(`${key} is not a list of finite numbers`);
  }
  if (cp.settings !== sha256(spec)) bad("it belongs to a run with other settings");
  if (cp.checksum !== sha256(s)) bad("its checksum does not match its contents");
  return { ...(s as SimulationSnapshot), initialLoss: unknownLoss ? Number.NaN : s.initialLoss! };
}

/**
 * Why the recorded steps of a trajectory cut before `step` are not exactly the steps the run's record
 * plan gives (rows missing or added), or null when they are.
 */
function scheduleGap(steps: readonly number[], spec: SimulationSpec, step: number): string | null {
  let expected = 0;
  for (const t of steps) {
    if (t !== expected) return `has a row for step ${t} where step ${expected} was due (rows missing or out of order)`;
    expected = nextRecordStep(spec, t + 1);
  }
  return step > 0 && expected < step ? `ends at step ${steps[steps.length - 1] ?? "(none)"} but the checkpoint is at step ${step} (rows missing)` : null;
}

/** Run `spec` to the end (or until interrupted) and write everything. */
export async function runSession(spec: SimulationSpec, options: SessionOptions = {}): Promise<SessionOutcome> {
  const out = options.outDir;
  const top = spec.sharpness.top;
  const K = spec.depths.length;
  const d = spec.width;
  // MLP runs also record every layer's Frobenius norm (docs/theory.md §7 observables).
  const layerDepths = spec.model === "mlp" ? spec.depths : undefined;
  const columns = runColumns(spec);
  // Central-flow runs add x per mode (reduced) or per tracked eigenvalue (full matrices, MLPs).
  const central = centralDirections(spec);
  const paths = out
    ? {
        config: join(out, "config.json"),
        trajectory: join(out, "trajectory.csv"),
        result: join(out, "result.json"),
        checkpoint: join(out, "checkpoint.json"),
        initial: join(out, "initial.npz"),
        final: join(out, "final.npz"),
      }
    : null;
  const states = hasStateFiles(spec);
  const csv = paths ? new LineAppender(paths.trajectory) : null;
  const records: TrajectoryRecord[] = [];
  let resume: SimulationSnapshot | undefined;

  if (paths && options.resume) {
    const saved = readJson(paths.config, "--resume") as { simulation?: unknown };
    const diffs = settingsDifferences(saved.simulation, spec);
    if (diffs.length > 0) {
      throw new UsageError(`--resume: the run in ${out} has other settings: ${diffs.join("; ")}; drop those flags to continue it, or use a new --out`);
    }
    if (!existsSync(paths.checkpoint)) throw new UsageError(`--resume: ${out} has no checkpoint.json to resume from`);
    const cp = readJson(paths.checkpoint, "--resume") as CheckpointFile;
    if (cp?.complete === true) throw new UsageError(`--resume: the run in ${out} is already complete`);
    resume = checkedSnapshot(cp, spec, paths.checkpoint);
    if (!existsSync(paths.trajectory)) throw new UsageError(`--resume: ${paths.trajectory} is missing, so the run cannot be continued; start afresh with --force`);
    csv!.truncateBeforeStep(resume.step);
    records.push(...parseTrajectoryCsv(readFileSync(paths.trajectory, "utf8"), K, d, top, layerDepths, central));
    const gap = scheduleGap(records.map((r) => r.step), spec, resume.step);
    if (gap) throw new UsageError(`--resume: ${paths.trajectory} ${gap}; start afresh with --force`);
  } else if (paths) {
    writeJsonAtomic(paths.config, {
      dlnlab: { version: VERSION, kind: "config" },
      name: options.name ?? null,
      created: new Date().toISOString(),
      simulation: spec,
      ...(options.config ? { config: options.config } : {}),
    });
    csv!.reset([csvHeader(columns)]);
  }

  const req: HostRequest = {
    spec,
    backend: options.backend,
    ...(resume ? { resume } : {}),
    ...(options.initialState ? { initialState: options.initialState } : {}),
    states: paths !== null && states,
  };
  const useWorker = options.worker === "on" || (options.worker !== "off" && wantsWorker(spec));
  const host: RunHost = useWorker ? new WorkerHost(req) : new LocalHost(req);
  const stopRequested = () => options.interrupted?.() === true;
  const started = await host.start(stopRequested);
  const writeState = (path: string, arrays: Map<string, NpyArray>) => writeFileAtomic(path, encodeNpz(arrays));
  if (paths && started.initial) writeState(paths.initial, started.initial);
  const progress = new Progress(options.label ?? "run", spec.steps);
  let lastCheckpoint = performance.now();
  const stepsAtStart = resume?.step ?? 0;
  let resumeFrom: number | null = paths && resume ? resume.step : null;
  const checkpoint = (snapshot: SimulationSnapshot, complete: boolean) => {
    if (!paths) return;
    resumeFrom = snapshot.step;
    const file: CheckpointFile = { dlnlab: { version: VERSION, kind: "checkpoint" }, complete, snapshot, settings: sha256(spec), checksum: sha256(snapshot) };
    writeJsonAtomic(paths.checkpoint, file);
    lastCheckpoint = performance.now();
  };
  // A checkpoint from the start, so that even a short run cut off before its first periodic one (full disk) resumes.
  if (paths && !resume) checkpoint(started.snapshot, false);
  const take = (rs: readonly TrajectoryRecord[]) => {
    records.push(...rs);
    if (csv) csv.append(rs.map((r) => csvRow(r, top, layerDepths !== undefined, central)));
  };

  const ended = await host.drive({
    onSlice: (slice) => {
      take(slice.records);
      const last = records[records.length - 1];
      progress.update(slice.step, last ? `loss ${last.loss.toExponential(2)}` : "");
      if (slice.snapshot) checkpoint(slice.snapshot, false);
    },
    checkpointDue: () => paths !== null && performance.now() - lastCheckpoint > CHECKPOINT_SECONDS * 1000,
    stopRequested,
  });
  progress.stop();
  take(ended.records);
  if (records.length === 0) {
    throw new InterruptedError(`interrupted before the first record${paths ? `; resume with --resume --out ${out}` : ""}`);
  }
  // The state at the final record's step (the run's last state, or where it was interrupted). A worker
  // stopped in the middle of a step leaves no final state: an older final.npz would be taken for it.
  if (paths && states) {
    if (ended.final) writeState(paths.final, ended.final);
    else rmSync(paths.final, { force: true });
  }

  const final = records[records.length - 1]!;
  const figureFiles: string[] = [];
  if (out && options.figures !== false) {
    // Loaded on demand: the plotting stack (Observable Plot, linkedom, resvg) costs ~0.3 s of start-up.
    const { runFigureMeta, runFigures, writeFigure } = await import("../plot/index.js");
    const prediction = options.predict === "central" ? { prediction: centralPrediction(spec) } : {};
    for (const fig of runFigures(records, { ...runFigureMeta(spec, started.sigma, options.name ?? "dlnlab run"), ...prediction })) {
      let written: { svg: string; png: string };
      try {
        written = await writeFigure(out, fig.name, fig.svg);
      } catch (err) {
        // The checkpoint is not marked complete yet, so `--resume` can continue from the last one once there is room.
        if (isWriteFault(err)) throw new UsageError(`cannot write ${describeFsError(err, join(out, fig.name + ".svg"))}`);
        throw err;
      }
      figureFiles.push(written.svg, written.png);
    }
  }
  const result = runResult({ spec, status: ended.status, stopInfo: ended.stopInfo, system: { backend: started.backend } }, {
    name: options.name ?? null,
    final,
    seconds: ended.seconds,
    steps: ended.step - stepsAtStart,
    lambdaSingle: lambdaSingleOf(spec),
    files: paths
      ? {
          config: "config.json",
          trajectory: "trajectory.csv",
          result: "result.json",
          states: states ? { initial: "initial.npz", final: ended.final ? "final.npz" : null } : null,
          figures: figureFiles.map((f) => f.slice(out!.length + 1)),
        }
      : null,
  });
  if (paths) writeJsonAtomic(paths.result, result);
  // Marked complete only once result.json is on disk, so an interruption before it can still be resumed.
  // A terminated worker left no final snapshot: the last periodic checkpoint stays the one to resume from.
  if (ended.snapshot) checkpoint(ended.snapshot, ended.status !== "interrupted");
  return { result, records, resumeFrom };
}

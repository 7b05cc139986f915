/**
 * @file Where a CLI run's simulation executes: in this thread (`LocalHost`), or in a worker thread
 * (`WorkerHost`) so that Ctrl-C and SIGTERM stop it within a second even when one step or one
 * sharpness measurement takes minutes — a signal handler only runs between pieces of JavaScript, and a
 * worker can be terminated in the middle of one. Both hosts report the same things (the records of each
 * slice, snapshots when asked, the end), so `runSession` writes files the same way whichever runs, and
 * the numbers are the same bits (the worker runs the same engine code on the same spec).
 */
import { Worker } from "node:worker_threads";
import { Simulation, type SimulationSnapshot, type SimulationSpec, type StopInfo } from "../engine/simulate.js";
import type { RunStatus, TrajectoryRecord } from "../engine/types.js";
import { drive } from "../engine/run.js";
import { getDefaultBackend, jsBackend } from "../engine/linalg/kernels.js";
import { runFootprint } from "../engine/footprint.js";
import { stateArrays } from "../data/states.js";
import type { NpyArray } from "../data/npz.js";
import { InterruptedError, UsageError } from "./errors.js";

/** Kernel backend by name ("js", "wasm"; undefined: the fastest available). */
export type BackendName = "js" | "wasm" | undefined;

/** What a host is asked to build. */
export interface HostRequest {
  spec: SimulationSpec;
  backend: BackendName;
  resume?: SimulationSnapshot;
  initialState?: Float64Array;
  /** Report the exact network at the start (initial.npz) and at the end (final.npz). */
  states: boolean;
}

/** The simulation, built. */
export interface HostStart {
  /** The target's singular values (figures). */
  sigma: number[];
  backend: string;
  /** The state before the first step (the checkpoint a new run writes at once). */
  snapshot: SimulationSnapshot;
  /** The network's arrays before the first step (`states` and not resuming), else null. */
  initial: Map<string, NpyArray> | null;
}

/** One slice's report. */
export interface HostSlice {
  /** Steps taken so far. */
  step: number;
  /** Records made in the slice, in order. */
  records: TrajectoryRecord[];
  /** The state after the slice, when a checkpoint was asked for. */
  snapshot?: SimulationSnapshot;
}

/** How the run ended. */
export interface HostEnd {
  status: RunStatus;
  stopInfo: StopInfo | null;
  /** Wall time of the stepping, s. */
  seconds: number;
  step: number;
  /** Records made since the last slice report. */
  records: TrajectoryRecord[];
  /**
   * The final state; null when the worker did not stop within the grace time and was terminated in
   * the middle of a step (the last slice's report is then what is known).
   */
  snapshot: SimulationSnapshot | null;
  /** The network's arrays at the end (`states`), or null. */
  final: Map<string, NpyArray> | null;
}

/** The caller's side of a run: it receives slices and answers when to checkpoint and whether to stop. */
export interface DriveHooks {
  onSlice: (slice: HostSlice) => void;
  /** Polled after each slice: true asks for a snapshot in the next report. */
  checkpointDue: () => boolean;
  /** Polled (between slices; by a timer for the worker): true stops the run. */
  stopRequested: () => boolean;
}

/** A run in some thread. */
export interface RunHost {
  /** Build the simulation; `stopRequested` is polled meanwhile where the host can (the worker). */
  start(stopRequested?: () => boolean): Promise<HostStart>;
  drive(hooks: DriveHooks): Promise<HostEnd>;
}

/** How long a stop request waits for the worker to finish its slice before terminating it, ms. */
export const STOP_GRACE_MS = 800;
/** How often the worker host polls for a stop request, ms. */
const STOP_POLL_MS = 50;
/** A run goes to a worker thread when one piece of its work is estimated to take longer than this (s). */
export const WORKER_UNIT_SECONDS = 0.25;

/** Whether `--worker auto` runs `spec` in a worker thread: when a step or a sharpness measurement would hold off Ctrl-C for long. */
export function wantsWorker(spec: SimulationSpec): boolean {
  return runFootprint(spec).unitSeconds > WORKER_UNIT_SECONDS;
}

function backendOf(name: BackendName) {
  if (name === "js") return jsBackend;
  if (name === "wasm") return getDefaultBackend();
  return undefined;
}

/** A Simulation; a resume snapshot that does not fit the run (e.g. another run's state) is a UsageError. */
export function buildSimulation(req: HostRequest, onRecord: (r: TrajectoryRecord) => void): Simulation {
  const backend = backendOf(req.backend);
  try {
    return new Simulation(req.spec, {
      ...(backend ? { backend } : {}),
      ...(req.resume ? { resume: req.resume } : {}),
      ...(req.initialState ? { initialState: req.initialState } : {}),
      keepRecords: false,
      onRecord,
    });
  } catch (err) {
    if (err instanceof RangeError && req.resume && err.message.startsWith("resume:")) throw new UsageError(`--resume: the checkpoint does not fit this run (${err.message.slice(8)})`);
    throw err;
  }
}

/** The run in this thread: signals are seen between slices (slices are ~40 ms, but one step is one piece). */
export class LocalHost implements RunHost {
  private sim: Simulation | null = null;
  private readonly pending: TrajectoryRecord[] = [];
  constructor(private readonly req: HostRequest) {}

  async start(): Promise<HostStart> {
    this.sim = buildSimulation(this.req, (r) => this.pending.push(r));
    return startReport(this.sim, this.req);
  }

  async drive(hooks: DriveHooks): Promise<HostEnd> {
    const sim = this.sim!;
    const seconds = await drive(sim, {
      afterSlice: async () => {
        const snapshot = !sim.done && hooks.checkpointDue() ? sim.snapshot() : undefined;
        hooks.onSlice({ step: sim.step, records: this.pending.splice(0), ...(snapshot ? { snapshot } : {}) });
        if (!sim.done && hooks.stopRequested()) return true;
        // Let signals, progress output and other callbacks run.
        await new Promise<void>((resolve) => setImmediate(resolve));
        return false;
      },
    });
    return end(sim, seconds, this.pending.splice(0), this.req.states);
  }
}

/** The start report of a just-built simulation (both hosts send this). */
export function startReport(sim: Simulation, req: HostRequest): HostStart {
  return { sigma: Array.from(sim.target.sigma), backend: sim.system.backend, snapshot: sim.snapshot(), initial: req.states && !req.resume ? stateArrays(sim) : null };
}

/** The end report of a finished simulation. */
export function end(sim: Simulation, seconds: number, records: TrajectoryRecord[], states: boolean): HostEnd {
  return { status: sim.status!, stopInfo: sim.stopInfo, seconds, step: sim.step, records, snapshot: sim.snapshot(), final: states ? stateArrays(sim) : null };
}

/** Messages from the worker (src/cli/run-worker.ts). */
export type WorkerMessage =
  | ({ type: "start" } & HostStart)
  | ({ type: "slice" } & HostSlice)
  | ({ type: "end" } & HostEnd)
  | { type: "error"; usage: boolean; name: string; message: string; stack?: string };

/** Flags shared with the worker: [STOP] = stop at the next slice, [SNAPSHOT] = include a snapshot in the next report. */
export const FLAG_STOP = 0;
export const FLAG_SNAPSHOT = 1;

/** The data the worker starts from. */
export interface WorkerData {
  req: HostRequest;
  flags: SharedArrayBuffer;
}

/**
 * The run in a worker thread. A stop request is passed on at once; the worker stops after its current
 * slice, and if that does not come within STOP_GRACE_MS (one long step or measurement) it is terminated
 * and the session keeps what the earlier reports gave (rows, the last checkpoint).
 */
export class WorkerHost implements RunHost {
  private readonly flags = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private readonly messages: WorkerMessage[] = [];
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  private exited = false;
  private step = 0;

  constructor(req: HostRequest) {
    const data: WorkerData = { req, flags: this.flags.buffer as SharedArrayBuffer };
    this.worker = new Worker(new URL("./run-worker.js", import.meta.url), { workerData: data });
    this.worker.on("message", (m: WorkerMessage) => this.push(m));
    this.worker.on("error", (err) => {
      this.failure = err;
      this.poke();
    });
    this.worker.on("exit", () => {
      this.exited = true;
      this.poke();
    });
  }

  private push(m: WorkerMessage): void {
    this.messages.push(m);
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** The next message, or null once the stop grace has run out (the worker is then terminated). */
  private async next(stopRequested: () => boolean): Promise<WorkerMessage | null> {
    let stopSince: number | null = null;
    for (;;) {
      const m = this.messages.shift();
      if (m) {
        if (m.type === "error") {
          await this.worker.terminate();
          if (m.usage) throw new UsageError(m.message);
          const err = new Error(m.message);
          err.name = m.name;
          if (m.stack) err.stack = m.stack;
          throw err;
        }
        return m;
      }
      if (this.failure) throw this.failure;
      if (this.exited) throw new Error("the run's worker thread exited without a result");
      if (stopSince === null && stopRequested()) {
        Atomics.store(this.flags, FLAG_STOP, 1);
        stopSince = performance.now();
      }
      if (stopSince !== null && performance.now() - stopSince > STOP_GRACE_MS) {
        await this.worker.terminate();
        return null;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = null;
          resolve();
        }, STOP_POLL_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async start(stopRequested: () => boolean = () => false): Promise<HostStart> {
    const m = await this.next(stopRequested);
    if (m === null) throw new InterruptedError("interrupted while the run was being set up");
    if (m.type !== "start") throw new Error(`run worker: expected its start report, got ${m.type}`);
    return m;
  }

  async drive(hooks: DriveHooks): Promise<HostEnd> {
    const t0 = performance.now();
    for (;;) {
      if (hooks.checkpointDue()) Atomics.store(this.flags, FLAG_SNAPSHOT, 1);
      const m = await this.next(hooks.stopRequested);
      if (m === null) {
        return { status: "interrupted", stopInfo: null, seconds: (performance.now() - t0) / 1000, step: this.step, records: [], snapshot: null, final: null };
      }
      if (m.type === "slice") {
        this.step = m.step;
        hooks.onSlice(m);
      } else if (m.type === "end") {
        await this.worker.terminate();
        return m;
      }
    }
  }
}

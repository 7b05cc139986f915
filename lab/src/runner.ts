/**
 * @file The page's handle on the simulation worker: start, pause, resume, step, reset and speed,
 * with the run's records collected into a `RunData` as the batches arrive. The page never runs the
 * engine itself, so the UI stays responsive whatever the run costs.
 */
import type { SimulationSpec, StopInfo } from "../../src/engine/simulate.js";
import type { RunStatus } from "../../src/engine/types.js";
import type { FromWorker, Speed, Timing, ToWorker } from "./protocol.js";
import { RunData } from "./series.js";

/** Where a run is: none yet, going, halted by the user, ended (any status), or failed. */
export type RunPhase = "idle" | "running" | "paused" | "done" | "error";

/** What the page hears from the runner. */
export interface RunnerListener {
  /** New records arrived (already appended to `runner.data`). */
  records(): void;
  /** The phase changed (also after done and error). */
  phase(): void;
  /** The worker is up and reports its kernel backend ("wasm" or "js"). */
  ready(backend: string): void;
}

/** Controls one worker and the current run. */
export class Runner {
  private worker: Worker;
  private runId = 0;
  phase: RunPhase = "idle";
  /** The current run's spec (null when idle). */
  spec: SimulationSpec | null = null;
  /** The current run's records. */
  data: RunData | null = null;
  timing: Timing = { steps: 0, engineSeconds: 0, wallSeconds: 0, backend: "" };
  status: RunStatus | null = null;
  stop: StopInfo | null = null;
  error: string | null = null;
  backend = "";

  constructor(private readonly listener: RunnerListener) {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    worker.onerror = (e) => {
      // Only a bug gets here (the worker catches engine errors and posts them): say so on the page.
      e.preventDefault();
      this.fail(`the simulation worker stopped: ${e.message}`);
    };
    return worker;
  }

  /**
   * Stop the current run at once: a worker inside a long engine call reads no message until the call
   * returns (seconds per step for a wide network), so an unfinished run's worker is terminated and a
   * fresh one started (its module and kernels load in well under a second; messages wait for it).
   */
  private stopWorker(): void {
    if (this.phase !== "running" && this.phase !== "paused") return;
    this.worker.terminate();
    this.worker = this.spawn();
  }

  private send(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }

  private receive(msg: FromWorker): void {
    if (msg.type === "ready") {
      this.backend = msg.backend;
      this.listener.ready(msg.backend);
      return;
    }
    if (msg.runId !== this.runId) return; // a batch of a run that was reset or replaced
    switch (msg.type) {
      case "records":
        this.data?.append(msg.rows, msg.count);
        this.timing = msg.timing;
        this.listener.records();
        return;
      case "progress":
        this.timing = msg.timing;
        this.listener.records();
        return;
      case "done":
        this.timing = msg.timing;
        this.status = msg.status;
        this.stop = msg.stop;
        this.setPhase("done");
        return;
      case "error":
        this.fail(msg.message);
        return;
    }
  }

  private fail(message: string): void {
    this.error = message;
    this.setPhase("error");
  }

  private setPhase(phase: RunPhase): void {
    this.phase = phase;
    this.listener.phase();
  }

  /** Start a new run of `spec` (replacing any current one); `paused` starts it halted at step 0. */
  start(spec: SimulationSpec, speed: Speed, paused = false): void {
    this.stopWorker();
    this.runId++;
    this.spec = spec;
    this.data = new RunData(spec.depths.length, spec.width, spec.sharpness.top);
    this.timing = { steps: 0, engineSeconds: 0, wallSeconds: 0, backend: "" };
    this.status = null;
    this.stop = null;
    this.error = null;
    this.send({ type: "start", runId: this.runId, spec, speed, paused });
    this.setPhase(paused ? "paused" : "running");
  }

  /** Halt the run where it is. */
  pause(): void {
    if (this.phase !== "running") return;
    this.send({ type: "pause" });
    this.setPhase("paused");
  }

  /** Continue a paused run. */
  resume(): void {
    if (this.phase !== "paused") return;
    this.send({ type: "resume" });
    this.setPhase("running");
  }

  /** While paused: one record interval more (one new point in every plot). */
  step(): void {
    if (this.phase === "paused") this.send({ type: "step" });
  }

  /** Change the playback speed (steps per second; Infinity = as fast as possible). */
  setSpeed(speed: Speed): void {
    this.send({ type: "speed", speed });
  }

  /** Drop the run and its records. */
  reset(): void {
    this.stopWorker();
    this.runId++;
    this.send({ type: "reset" });
    this.spec = null;
    this.data = null;
    this.status = null;
    this.stop = null;
    this.error = null;
    this.timing = { steps: 0, engineSeconds: 0, wallSeconds: 0, backend: "" };
    this.setPhase("idle");
  }
}

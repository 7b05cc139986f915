/**
 * @file Messages between the page and the simulation worker. The page sends a resolved
 * `SimulationSpec` (validated on the page, exactly what the CLI would run) and playback commands; the
 * worker streams records in batches with the engine time spent, so the page can show a step rate.
 */
import type { SimulationSpec, StopInfo } from "../../src/engine/simulate.js";
import type { RunStatus } from "../../src/engine/types.js";

/** Playback speed in GD steps per second; `Infinity` runs as fast as the engine goes. */
export type Speed = number;

/** Page → worker. `runId` tags a run so that messages of a reset run are ignored. */
export type ToWorker =
  | { type: "start"; runId: number; spec: SimulationSpec; speed: Speed; paused: boolean }
  | { type: "pause" }
  | { type: "resume" }
  /** Advance by one record interval (one new point in the plots) while paused. */
  | { type: "step" }
  | { type: "speed"; speed: Speed }
  | { type: "reset" };

/** Engine time accounting of a run so far. */
export interface Timing {
  /** Steps taken. */
  steps: number;
  /** Seconds spent inside `Simulation.advance` (engine only, as the CLI's timing.seconds). */
  engineSeconds: number;
  /** Seconds since the run started, pauses excluded (engine + messaging + waiting for the speed limit). */
  wallSeconds: number;
  /** What computes the steps: "wasm" or "js" kernels (full matrices), "scalar" (reduced dynamics). */
  backend: string;
}

/** Worker → page. */
export type FromWorker =
  | { type: "ready"; backend: string }
  /** `count` records packed as rows (packing.ts, layout of the run's K, d and sharpness.top); the buffer is transferred. */
  | { type: "records"; runId: number; rows: Float64Array; count: number; timing: Timing }
  /** Steps taken since the last batch, without a new record (long stretches between records). */
  | { type: "progress"; runId: number; timing: Timing }
  | { type: "done"; runId: number; status: RunStatus; stop: StopInfo | null; timing: Timing }
  | { type: "error"; runId: number; message: string };

/**
 * @file Messages between the sweep page and its Web Workers: a task is a contiguous range of point
 * indices of one sweep spec; the worker expands it with the engine's expansion and answers with the
 * rows of each kernel block as it finishes.
 */
import type { Row } from "../../src/sweep/rows.js";
import type { SweepSpec } from "../../src/sweep/spec.js";

/** Page → worker: run points [from, to) of `spec`. */
export interface SweepTaskMessage {
  type: "run";
  task: number;
  spec: SweepSpec;
  from: number;
  to: number;
}

/** Worker → page. */
export type FromSweepWorker =
  | { type: "rows"; task: number; rows: Row[] }
  | { type: "done"; task: number }
  | { type: "error"; task: number; message: string };

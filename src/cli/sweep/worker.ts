/**
 * @file The worker-thread side of `dlnlab sweep` (run by piscina): one task is a block of points
 * (a kernel block of batchable points, or one point of other dynamics); it returns their rows.
 */
import { runPoints, type Row } from "../../sweep/rows.js";
import type { SweepPoint, SweepSpec } from "../../sweep/spec.js";

/** A block of points of one sweep. */
export interface SweepTask {
  sweep: SweepSpec;
  points: SweepPoint[];
}

/** Run a task's points; rows in the task's order of completion. */
export default function run(task: SweepTask): Row[] {
  return runPoints(task.sweep, task.points);
}

/**
 * @file The worker-thread side of `dlnlab sweep` (run by piscina): one task is a block of points
 * (a kernel block of batchable points, or one point of other dynamics), sent as point indices that
 * the worker expands itself; it returns their rows of the runs and trajectories tables.
 */
import { runTask, type TaskRows } from "../../sweep/rows.js";
import { expandSweep, type SweepSpec } from "../../sweep/spec.js";

/**
 * A block of points of one sweep, by index. The points are expanded here rather than cloned from
 * the main thread: a point's resolved config and spec are ~900 bytes of structured clone, which for
 * a kernel block of 256 points cost the main thread as much as the worker's run (bench/sweep.ts).
 */
export interface SweepTask {
  sweep: SweepSpec;
  /** Point indices, ascending. */
  indices: number[];
}

/** Run a task's points; rows (of both tables) in the task's order of completion. */
export default function run(task: SweepTask): TaskRows {
  const { indices } = task;
  const wanted = new Set(indices);
  // The main thread expanded (and so validated) every point already, hence force.
  const points = expandSweep(task.sweep, { force: true, range: [indices[0]!, indices[indices.length - 1]! + 1], only: (i) => wanted.has(i) });
  return runTask(task.sweep, points);
}

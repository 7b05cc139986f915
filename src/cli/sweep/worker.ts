/**
 * @file The worker-thread side of `dlnlab sweep` (run by piscina): one task is a block of points
 * (a kernel block of batchable points, or one point of other dynamics), sent as point indices that
 * the worker expands itself; it returns their rows of the runs and trajectories tables.
 */
import { runTask, type TaskRows } from "../../sweep/rows.js";
import { expandSweep, type SweepSpec } from "../../sweep/spec.js";

/**
 * A block of points of one sweep, by index: the worker expands its points again (the main thread
 * expanded and validated all of them first). Measured against cloning the points (~900 bytes each)
 * on 128 × 128 points of K = L = 4 with a warm pool: at 2000 steps indices took 0.94–1.08 s on one
 * thread and 0.50–0.51 s on two, clones 0.88 s and 0.60–0.64 s (the main thread's serialisation
 * bounds the scaling of short runs); at 10⁴ steps clones were faster (0.65–0.80 s on two threads
 * against 0.89–1.11 s: the second expansion, ~25 µs a point, then costs more than the clone).
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

/**
 * @file A sweep worker: expands its range of points with the engine's `expandSweep` and runs them
 * with `runPoints` (the batched SIMD kernel for reduced points, `Simulation` for the rest), exactly
 * as `dlnlab sweep`'s worker threads do, posting each block's rows as soon as it is done.
 */
import { runPoints } from "../../src/sweep/rows.js";
import { expandSweep } from "../../src/sweep/spec.js";
import type { FromSweepWorker, SweepTaskMessage } from "./sweep-protocol.js";

/** The dedicated-worker global as far as it is used (the lab is type-checked with DOM typings only). */
interface WorkerScope {
  postMessage(message: FromSweepWorker): void;
  onmessage: ((event: MessageEvent<SweepTaskMessage>) => void) | null;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = ({ data: { task, spec, from, to } }) => {
  try {
    const points = expandSweep(spec, { range: [from, to] });
    runPoints(spec, points, { rows: (rows) => scope.postMessage({ type: "rows", task, rows }) });
    scope.postMessage({ type: "done", task });
  } catch (err) {
    scope.postMessage({ type: "error", task, message: err instanceof Error ? err.message : String(err) });
  }
};

/**
 * @file The worker thread of a CLI run (src/cli/run-host.ts `WorkerHost`): builds the simulation from
 * the request, reports its start, each slice's records (and a snapshot when the main thread asks for
 * one), and the end. The main thread writes every file; this thread only computes, so terminating it
 * in the middle of a step loses nothing that was reported.
 */
import { parentPort, workerData } from "node:worker_threads";
import { drive } from "../engine/run.js";
import type { TrajectoryRecord } from "../engine/types.js";
import { UsageError } from "./errors.js";
import { buildSimulation, end, FLAG_SNAPSHOT, FLAG_STOP, startReport, type WorkerData, type WorkerMessage } from "./run-host.js";

const port = parentPort!;
const { req, flags: buffer } = workerData as WorkerData;
const flags = new Int32Array(buffer);
const post = (m: WorkerMessage) => port.postMessage(m);

async function main(): Promise<void> {
  const pending: TrajectoryRecord[] = [];
  const sim = buildSimulation(req, (r) => pending.push(r));
  post({ type: "start", ...startReport(sim, req) });
  const seconds = await drive(sim, {
    afterSlice: () => {
      const snapshot = !sim.done && Atomics.exchange(flags, FLAG_SNAPSHOT, 0) === 1 ? sim.snapshot() : undefined;
      post({ type: "slice", step: sim.step, records: pending.splice(0), ...(snapshot ? { snapshot } : {}) });
      return Atomics.load(flags, FLAG_STOP) === 1;
    },
  });
  post({ type: "end", ...end(sim, seconds, pending.splice(0), req.states) });
}

main().catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: "error", usage: e instanceof UsageError, name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
});

/**
 * @file The worker-thread pool of `dlnlab reproduce` (piscina): the compiled worker in dist/ when
 * running the built CLI, or the TypeScript source under tsx in development (tsx's loader is passed to
 * the workers when the parent does not already carry it).
 */
import { setMaxListeners } from "node:events";
import { MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import { workerPoolOptions } from "../pool-options.js";
import type { PartDone, ProgressMessage, WorkerTask } from "./worker.js";
import type { ExperimentResult } from "./store.js";

/** A pool of `jobs` worker threads that run reproduce tasks. */
export class ReproducePool {
  private readonly pool: Piscina<WorkerTask, PartDone | ExperimentResult>;
  private readonly abort = new AbortController();

  constructor(jobs: number) {
    this.pool = new Piscina({
      ...workerPoolOptions(import.meta.url, jobs),
      // Keep idle threads: starting one costs the plotting stack's load time again.
      idleTimeout: 60_000,
    });
    // Every queued task listens on the one cancel signal.
    setMaxListeners(0, this.abort.signal);
  }

  /** Run a task; `onProgress` receives the fraction done (0–1) as the worker reports it. */
  async run<T extends PartDone | ExperimentResult>(task: WorkerTask, onProgress?: (fraction: number) => void): Promise<T> {
    const { port1, port2 } = new MessageChannel();
    port1.on("message", (m: ProgressMessage) => onProgress?.(m.fraction));
    try {
      return (await this.pool.run({ ...task, port: port2 }, { transferList: [port2], signal: this.abort.signal })) as T;
    } finally {
      port1.close();
    }
  }

  /** Stop every running task now (Ctrl-C); their promises reject. */
  cancel(): void {
    this.abort.abort();
  }

  /** Shut the threads down. */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

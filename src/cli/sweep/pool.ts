/**
 * @file The worker-thread pool of `dlnlab sweep` (piscina), set up like the reproduce pool: the
 * compiled worker in dist/, or the TypeScript source under tsx in development.
 */
import { Piscina } from "piscina";
import { workerPoolOptions } from "../pool-options.js";
import type { TaskRows } from "../../sweep/rows.js";
import type { SweepTask } from "./worker.js";

/** A pool of `jobs` worker threads running sweep tasks. */
export class SweepPool {
  private readonly pool: Piscina<SweepTask, TaskRows>;

  constructor(jobs: number) {
    this.pool = new Piscina(workerPoolOptions(import.meta.url, jobs));
  }

  /** Run one task. */
  run(task: SweepTask): Promise<TaskRows> {
    return this.pool.run(task);
  }

  /** Shut the threads down. */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
